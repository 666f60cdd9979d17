package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/internal/testkit"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/fulldisk"
	"github.com/feedhound/feedhound/internal/pgtest"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/store"
)

// fakeSlack answers with a script of statuses, then 200 "ok", and records
// the titles it accepted.
type fakeSlack struct {
	mu       sync.Mutex // protects all following fields
	script   []int
	accepted []slackMessage
	requests int
	hold     chan struct{} // if set, each request waits for it
	arrived  atomic.Int32  // requests that came, held or not
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.arrived.Add(1)
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-r.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if len(f.script) > 0 {
		status := f.script[0]
		f.script = f.script[1:]
		switch status {
		case 429:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "rate_limited", status)
		case 400:
			http.Error(w, "invalid_payload", status)
		default:
			http.Error(w, "server_error", status)
		}
		return
	}
	var m slackMessage
	json.Unmarshal(body, &m)
	f.accepted = append(f.accepted, m)
	fmt.Fprint(w, "ok")
}

// got returns the texts of the messages accepted.
func (f *fakeSlack) got() []string {
	var texts []string
	for _, m := range f.messages() {
		texts = append(texts, m.Text)
	}
	return texts
}

// messages returns the messages accepted, whole.
func (f *fakeSlack) messages() []slackMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackMessage(nil), f.accepted...)
}

func outbox(t *testing.T, data string, n int) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var items []store.NewItem
	for i := range n {
		items = append(items, store.NewItem{
			Item:    feed.Item{ID: fmt.Sprint("a", i), Title: fmt.Sprintf("Story %d", i), Link: fmt.Sprintf("https://a.example/%d", i), Text: "the Kim–Putin summit"},
			Matches: []store.Match{{Rule: "kim-putin", Notify: []string{"newsroom"}}},
		})
	}
	if _, err := st.Record(context.Background(), "wire", items, time.Now()); err != nil {
		t.Fatal(err)
	}
	return st
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func deliverer(st *store.Store, url string) *Deliverer {
	d := NewDeliverer(destination.Destination{Name: "newsroom", Kind: "slack", URL: url}, st, http.DefaultClient, quiet, func(r string) string { return "http://x/feeds/" + r + ".atom" })
	d.firstRetry = 10 * time.Millisecond
	d.limiter.SetLimit(1000)
	d.limiter.SetBurst(1000)
	return d
}

func waitUntil(t *testing.T, what string, cond func() bool) { t.Helper(); testkit.Until(t, what, cond) }

func TestDeliversEachAlertOnceThroughFailures(t *testing.T) {
	slack := &fakeSlack{script: []int{500, 429, 503}}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := outbox(t, pgtest.Data(t, filepath.Join(t.TempDir(), "db")), 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go deliverer(st, srv.URL+"/services/T/B/x").Run(ctx)
	want := []string{"Story 0 — wire (rule kim-putin)", "Story 1 — wire (rule kim-putin)", "Story 2 — wire (rule kim-putin)"}
	waitUntil(t, "three deliveries", func() bool { return len(slack.got()) == 3 })
	time.Sleep(50 * time.Millisecond) // nothing more may come
	got := slack.got()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("delivered %q, want each once, in order: %q", got, want)
	}
	counts, _ := st.NotificationCounts(ctx)
	if counts["delivered"] != 3 || counts["pending"] != 0 {
		t.Errorf("outbox %v", counts)
	}
}

func TestRefusedAlertFailsWithReason(t *testing.T) {
	slack := &fakeSlack{script: []int{400}}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := outbox(t, pgtest.Data(t, filepath.Join(t.TempDir(), "db")), 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := deliverer(st, srv.URL)
	go d.Run(ctx)
	waitUntil(t, "the second alert", func() bool { return len(slack.got()) == 1 })
	failed, err := st.Notifications(ctx, true, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].LastError != "HTTP 400: invalid_payload" || failed[0].Match.Item.Title != "Story 0" || failed[0].Attempts != 1 {
		t.Fatalf("failed = %+v", failed)
	}
	// Retried by hand, it goes again.
	if n, err := st.RetryNotifications(ctx, []int64{failed[0].ID}); err != nil || n != 1 {
		t.Fatalf("RetryNotifications = %d, %v", n, err)
	}
	d.Wake()
	waitUntil(t, "the retried alert", func() bool { return len(slack.got()) == 2 })
}

func TestCrashRestartLosesNothing(t *testing.T) {
	slack := &fakeSlack{hold: make(chan struct{})}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "db")
	st := outbox(t, pgtest.Data(t, path), 5)
	// Let two through, then stop the deliverer abruptly in the middle of
	// the third.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { deliverer(st, srv.URL).Run(ctx); close(done) }()
	slack.hold <- struct{}{}
	slack.hold <- struct{}{}
	waitUntil(t, "two deliveries", func() bool { return len(slack.got()) == 2 })
	time.Sleep(50 * time.Millisecond) // the third is in flight, held
	cancel()
	<-done
	st.Close()

	// A new process, a new deliverer on the same database.
	close(slack.hold)
	st2, err := store.Open(context.Background(), pgtest.Data(t, path))
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go deliverer(st2, srv.URL).Run(ctx2)
	waitUntil(t, "all five", func() bool {
		c, _ := st2.NotificationCounts(ctx2)
		return c["delivered"] == 5
	})
	got := slack.got()
	seen := map[string]int{}
	for _, g := range got {
		seen[g]++
	}
	if len(seen) != 5 {
		t.Errorf("delivered %d distinct alerts, want 5: %q", len(seen), got)
	}
	if len(got) > 6 {
		t.Errorf("%d deliveries for 5 alerts: more than the one in flight repeated", len(got))
	}
}

func TestDigest(t *testing.T) {
	slack := &fakeSlack{}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := testkit.OpenStore(t, filepath.Join(t.TempDir(), "db"))
	due := time.Now().Add(-time.Minute)
	later := time.Now().Add(time.Hour)
	var items []store.NewItem
	for i := range 30 {
		items = append(items, store.NewItem{
			Item:    feed.Item{ID: fmt.Sprint("d", i), Title: fmt.Sprintf("Digest story %d", i), Link: fmt.Sprintf("https://a.example/%d", i)},
			Matches: []store.Match{{Rule: "kim-putin", Notify: []string{"newsroom"}, DigestAt: due}},
		})
	}
	items = append(items, store.NewItem{
		Item:    feed.Item{ID: "next", Title: "For the next digest", Link: "https://a.example/next"},
		Matches: []store.Match{{Rule: "korea", Notify: []string{"newsroom"}, DigestAt: later}},
	})
	if _, err := st.Record(context.Background(), "wire", items, time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go deliverer(st, srv.URL).Run(ctx)
	waitUntil(t, "the digest", func() bool {
		c, _ := st.NotificationCounts(ctx)
		return c["delivered"] == 30
	})
	time.Sleep(50 * time.Millisecond)
	messages := slack.messages()
	if len(messages) != 1 {
		t.Fatalf("%d messages, want one digest", len(messages))
	}
	m := messages[0]
	if m.Text != "30 new stories for kim-putin" || m.Blocks[0].Text.Text != "30 new stories for kim-putin" {
		t.Errorf("digest heading %q / %+v", m.Text, m.Blocks[0])
	}
	last := m.Blocks[len(m.Blocks)-1].Elements[0].Text
	if last != "and 10 more in <http://x/feeds/kim-putin.atom|the feed>" {
		t.Errorf("digest end %q", last)
	}
	c, _ := st.NotificationCounts(ctx)
	if c["pending"] != 1 {
		t.Errorf("the digest due in an hour went early: %v", c)
	}
}

// TestDigestOncePerCluster: three instances on one PostgreSQL database
// deliver to the same destination; a digest that falls due goes out once,
// from whichever holds the destination, with every story in it — and the
// next one too, though the instance that sent the first has stopped.
func TestDigestOncePerCluster(t *testing.T) {
	slack := &fakeSlack{}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	data := pgtest.URL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stores []*store.Store
	var stops []context.CancelFunc
	for i := range 3 {
		st, err := store.Open(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores = append(stores, st)
		d := deliverer(st, srv.URL)
		d.Instance = fmt.Sprint("instance-", i)
		d.LeaseTerm = time.Second
		dctx, stop := context.WithCancel(ctx)
		stops = append(stops, stop)
		go d.Run(dctx)
	}
	digest := func(round, n int) {
		t.Helper()
		var items []store.NewItem
		for i := range n {
			items = append(items, store.NewItem{
				Item:    feed.Item{ID: fmt.Sprint("r", round, "-", i), Title: fmt.Sprintf("Round %d story %d", round, i), Link: fmt.Sprintf("https://a.example/%d/%d", round, i)},
				Matches: []store.Match{{Rule: "kim-putin", Notify: []string{"newsroom"}, DigestAt: time.Now().Add(300 * time.Millisecond)}},
			})
		}
		if _, err := stores[round%3].Record(ctx, fmt.Sprint("wire-", round), items, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	delivered := func(want int) {
		t.Helper()
		waitUntil(t, fmt.Sprint(want, " delivered"), func() bool {
			c, _ := stores[0].NotificationCounts(ctx)
			return c["delivered"] == want
		})
		time.Sleep(300 * time.Millisecond) // for a second digest to show, were one sent
	}
	digest(0, 25)
	delivered(25)
	if n := len(slack.messages()); n != 1 {
		t.Fatalf("%d messages for one digest", n)
	}
	// The instance holding the destination stops; another takes it over.
	holder, _, err := stores[0].NotifierLease(ctx, "newsroom")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if _, err := fmt.Sscanf(holder, "instance-%d", &n); err != nil {
		t.Fatalf("the destination is held by %q", holder)
	}
	stops[n]()
	digest(1, 7)
	delivered(32)
	messages := slack.messages()
	if len(messages) != 2 {
		t.Fatalf("%d messages, want two digests: %+v", len(messages), messages)
	}
	if messages[0].Text != "25 new stories for kim-putin" || messages[1].Text != "7 new stories for kim-putin" {
		t.Errorf("digests %q and %q", messages[0].Text, messages[1].Text)
	}
}

func decodeInto(r *http.Request, v any) { json.NewDecoder(r.Body).Decode(v) }

func TestPool(t *testing.T) {
	slack := &fakeSlack{}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := testkit.OpenStore(t, filepath.Join(t.TempDir(), "db"))
	var items []store.NewItem
	for i := range 6 {
		items = append(items, store.NewItem{
			Item:    feed.Item{ID: fmt.Sprint("p", i), Title: fmt.Sprintf("Pool story %d", i), Link: fmt.Sprintf("https://a.example/%d", i)},
			Matches: []store.Match{{Rule: "@a", Notify: []string{"@a", "@b", "@gone"}}},
		})
	}
	st.Record(context.Background(), "wire", items, time.Now())
	p := NewPool("@", st, srv.Client(), quiet, func(string) string { return "http://x/f" },
		func(_ context.Context, name string) (destination.Destination, bool, error) {
			if name == "@gone" {
				return destination.Destination{}, false, nil
			}
			return destination.Destination{Name: name, Kind: "webhook", URL: srv.URL + "/" + name}, true, nil
		})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	waitUntil(t, "every alert delivered or failed", func() bool {
		c, _ := st.NotificationCounts(ctx)
		return c["delivered"] == 12 && c["failed"] == 6
	})
	failed, _ := st.Notifications(ctx, true, 10)
	if failed[0].Notifier != "@gone" || failed[0].LastError != "the subscription was deleted or has no destination" {
		t.Errorf("failed %+v", failed[0])
	}
}

// TestPoolFollowsChangedDestination changes a subscription's destination
// while the pool runs, then removes it: each alert goes where the
// subscription says when it is sent.
func TestPoolFollowsChangedDestination(t *testing.T) {
	var mu sync.Mutex // protects paths and dest
	var paths []string
	dest := "/first"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, r.URL.Path)
	}))
	defer srv.Close()
	st := testkit.OpenStore(t, filepath.Join(t.TempDir(), "db"))
	p := NewPool("@", st, srv.Client(), quiet, func(string) string { return "http://x/f" },
		func(_ context.Context, name string) (destination.Destination, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if dest == "" {
				return destination.Destination{}, false, nil
			}
			return destination.Destination{Name: name, Kind: "webhook", URL: srv.URL + dest}, true, nil
		})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	alert := func(id string) {
		t.Helper()
		_, err := st.Record(ctx, "wire", []store.NewItem{{
			Item:    feed.Item{ID: id, Title: "Story " + id, Link: "https://a.example/" + id},
			Matches: []store.Match{{Rule: "@s", Notify: []string{"@s"}}},
		}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Wake()
	}
	counts := func(status string, n int) func() bool {
		return func() bool {
			c, _ := st.NotificationCounts(ctx)
			return c[status] == n
		}
	}
	alert("one")
	waitUntil(t, "the first alert", counts("delivered", 1))
	mu.Lock()
	dest = "/second"
	mu.Unlock()
	alert("two")
	waitUntil(t, "the second alert", counts("delivered", 2))
	mu.Lock()
	dest = ""
	mu.Unlock()
	alert("three")
	waitUntil(t, "the third alert to fail", counts("failed", 1))
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"/first", "/second"}; !slices.Equal(paths, want) {
		t.Errorf("alerts went to %v, want %v", paths, want)
	}
}

// cancelAfter is a transport that cancels the context of the delivery as
// soon as the destination has answered, as a shutdown can.
type cancelAfter struct {
	cancel context.CancelFunc
}

func (c cancelAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	c.cancel()
	return resp, err
}

// TestDeliveredAlertRecordedWhenShuttingDown: an alert the destination
// took is recorded as delivered even when the daemon is stopping at that
// moment; otherwise it would be sent again after the restart.
func TestDeliveredAlertRecordedWhenShuttingDown(t *testing.T) {
	slack := &fakeSlack{}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := outbox(t, pgtest.Data(t, filepath.Join(t.TempDir(), "db")), 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := deliverer(st, srv.URL)
	d.client = &http.Client{Transport: cancelAfter{cancel}}
	d.step(ctx)
	if ctx.Err() == nil {
		t.Fatal("the delivery did not cancel the context: the test proves nothing")
	}
	c, _ := st.NotificationCounts(context.Background())
	if len(slack.got()) != 1 || c["delivered"] != 1 || c["pending"] != 0 {
		t.Errorf("sent %d, outbox %v; want one sent and recorded delivered", len(slack.got()), c)
	}
}

// TestFullDiskSendsNothingTwice fills the disk the database is on while
// an alert is in flight. Before, the alert was sent again every time its
// delivery failed to be recorded (247 times in 35 s); now delivery stops
// until the database can be written, the outcome is recorded then, and
// nothing is sent twice.
func TestFullDiskSendsNothingTwice(t *testing.T) {
	disk := fulldisk.Mount(t, 4<<20)
	slack := &fakeSlack{hold: make(chan struct{})}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := outbox(t, filepath.Join(disk, "feedhound.db"), 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		deliverer(st, srv.URL+"/services/T/B/x").Run(ctx)
		close(done)
	}()
	// The first alert is in flight when the disk fills up.
	waitUntil(t, "the first request", func() bool { return slack.arrived.Load() == 1 })
	free := fulldisk.Fill(t, disk)
	close(slack.hold)
	waitUntil(t, "the first delivery", func() bool { return len(slack.got()) >= 1 })
	waitUntil(t, "the store to notice", func() bool { _, err := st.WriteFailure(); return err != nil })
	time.Sleep(1500 * time.Millisecond)
	if got := slack.got(); len(got) != 1 {
		t.Fatalf("while the disk is full, %d messages were sent: %q", len(got), got)
	}
	if err := st.Health(ctx); err == nil || !strings.Contains(err.Error(), "database cannot be written since") {
		t.Errorf("health while the disk is full: %v", err)
	}

	free()
	waitUntil(t, "the other two deliveries", func() bool { return len(slack.got()) == 3 })
	waitUntil(t, "all recorded", func() bool {
		c, _ := st.NotificationCounts(ctx)
		return c["delivered"] == 3
	})
	if err := st.Health(ctx); err != nil {
		t.Errorf("health after the disk was freed: %v", err)
	}
	want := []string{"Story 0 — wire (rule kim-putin)", "Story 1 — wire (rule kim-putin)", "Story 2 — wire (rule kim-putin)"}
	if got := slack.got(); !slices.Equal(got, want) {
		t.Errorf("sent %q, want each once: %q", got, want)
	}
	cancel()
	<-done
}

// TestGuardRefusalFailsAtOnce: a delivery the guard refuses was retried
// for 24 hours as if the receiver were down.
func TestGuardRefusalFailsAtOnce(t *testing.T) {
	slack := &fakeSlack{}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := outbox(t, pgtest.Data(t, filepath.Join(t.TempDir(), "db")), 1)
	d := NewDeliverer(destination.Destination{Name: "newsroom", Kind: "slack", URL: srv.URL + "/services/T/B/x"}, st,
		netguard.NewClient(netguard.Policy{}, netguard.Options{}), quiet, func(r string) string { return "http://x/feeds/" + r + ".atom" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	waitUntil(t, "the alert to fail", func() bool {
		c, _ := st.NotificationCounts(ctx)
		return c["failed"] == 1
	})
	ns, _ := st.Notifications(ctx, true, 10)
	if len(ns) != 1 || ns[0].Attempts != 1 || ns[0].LastError != "refusing to connect to 127.0.0.1 (loopback); set allow_private_networks to allow it" {
		t.Errorf("failed alert %+v", ns)
	}
	if slack.arrived.Load() != 0 {
		t.Error("the refused receiver was reached")
	}
}

// matrixRoom is a homeserver's room as far as sending goes: each
// transaction id is one event, however often it is sent, and the answer
// to a PUT can be held after the event is made, as a crash between the
// two would leave it.
type matrixRoom struct {
	mu     sync.Mutex
	events []string          // bodies, in order
	txns   map[string]string // transaction id -> event id
	puts   int
	hold   chan struct{} // if set, each answer waits for it
}

func (m *matrixRoom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	txn, ok := strings.CutPrefix(r.URL.Path, "/_matrix/client/v3/rooms/!room:example.org/send/m.room.message/")
	if !ok || r.Method != http.MethodPut || r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, `{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}`, http.StatusNotFound)
		return
	}
	var ev struct{ Body string }
	json.NewDecoder(r.Body).Decode(&ev)
	m.mu.Lock()
	m.puts++
	id, seen := m.txns[txn]
	if !seen {
		m.events = append(m.events, ev.Body)
		id = fmt.Sprintf("$e%d", len(m.events))
		m.txns[txn] = id
	}
	hold := m.hold
	m.mu.Unlock()
	if hold != nil {
		<-hold
	}
	fmt.Fprintf(w, `{"event_id":%q}`, id)
}

// TestMatrixNeverPostsTwice: the deliverer stops while the homeserver has
// made the event but not yet answered; after the restart the alert is
// sent again, with the same transaction id, and the room still has one
// event for each alert.
func TestMatrixNeverPostsTwice(t *testing.T) {
	room := &matrixRoom{txns: map[string]string{}, hold: make(chan struct{})}
	srv := httptest.NewServer(room)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "db")
	st := outbox(t, pgtest.Data(t, path), 4)
	dest := destination.Destination{Name: "newsroom", Kind: "matrix", URL: srv.URL, Secret: "tok", Options: `{"room":"!room:example.org"}`}
	run := func(st *store.Store, ctx context.Context) {
		d := NewDeliverer(dest, st, http.DefaultClient, quiet, func(r string) string { return "http://x/feeds/" + r + ".atom" })
		d.firstRetry = 10 * time.Millisecond
		d.limiter.SetLimit(1000)
		d.Run(ctx)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { run(st, ctx); close(done) }()
	room.hold <- struct{}{}
	room.hold <- struct{}{}
	waitUntil(t, "the third in flight", func() bool { room.mu.Lock(); defer room.mu.Unlock(); return room.puts == 3 })
	cancel() // the third's event is made, its answer not yet read
	<-done
	st.Close()
	close(room.hold)

	st2, err := store.Open(context.Background(), pgtest.Data(t, path))
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go run(st2, ctx2)
	waitUntil(t, "all four", func() bool {
		c, _ := st2.NotificationCounts(ctx2)
		return c["delivered"] == 4
	})
	room.mu.Lock()
	defer room.mu.Unlock()
	if room.puts < 5 {
		t.Fatalf("%d sends: the third was not sent again, the test proves nothing", room.puts)
	}
	if len(room.events) != 4 {
		t.Errorf("%d events in the room for 4 alerts: %q", len(room.events), room.events)
	}
}

// TestPoolPacesOnePlaceOnce: 300 subscriptions with one webhook URL sent
// 300 POSTs for one item at once. Subscriptions sending to one place are
// paced as one destination: the webhook kind's 10 a second.
func TestPoolPacesOnePlaceOnce(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	st := testkit.OpenStore(t, filepath.Join(t.TempDir(), "db"))
	var notify []string
	for i := range 30 {
		notify = append(notify, fmt.Sprintf("@s%d", i))
	}
	st.Record(context.Background(), "wire", []store.NewItem{{
		Item:    feed.Item{ID: "one", Title: "One story", Link: "https://a.example/1"},
		Matches: []store.Match{{Rule: "@s0", Notify: notify}},
	}}, time.Now())
	p := NewPool("@", st, srv.Client(), quiet, func(string) string { return "http://x/f" },
		func(_ context.Context, name string) (destination.Destination, bool, error) {
			return destination.Destination{Name: name, Kind: "webhook", URL: srv.URL + "/hook"}, true, nil
		})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	waitUntil(t, "every alert delivered", func() bool {
		c, _ := st.NotificationCounts(ctx)
		return c["delivered"] == 30
	})
	mu.Lock()
	defer mu.Unlock()
	// 30 at 10 a second with a burst of 1: the last 2.9 s after the first.
	if spread := times[len(times)-1].Sub(times[0]); spread < 2500*time.Millisecond {
		t.Errorf("30 alerts to one URL within %v, want them paced at 10 a second", spread)
	}
}

// TestDeliveriesAreLogged: delivered alerts were never logged. Each is,
// at info, with its rule, destination, story and attempts.
func TestDeliveriesAreLogged(t *testing.T) {
	slack := &fakeSlack{script: []int{500}}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	st := outbox(t, pgtest.Data(t, filepath.Join(t.TempDir(), "db")), 1)
	var logged testkit.Buffer
	d := deliverer(st, srv.URL+"/services/T/B/x")
	d.log = slog.New(slog.NewTextHandler(&logged, nil)).With("notifier", "newsroom")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	waitUntil(t, "the delivery", func() bool { return strings.Contains(logged.String(), "alert delivered") })
	line := logged.String()[strings.Index(logged.String(), "level=INFO msg=\"alert delivered\""):]
	for _, want := range []string{"notifier=newsroom", "rule=kim-putin", "story=", "attempts=2", `answer="HTTP 200 ok"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q has no %s", line, want)
		}
	}
}
