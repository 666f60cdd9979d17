package watcher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/testkit"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/fulldisk"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
)

// fakeSource is a fake feed server: it serves a body with an ETag, answers
// conditional requests with 304, and records what it was asked.
type fakeSource struct {
	mu       sync.Mutex // protects all following fields
	body     []byte
	status   int // when non-zero, answer this instead
	header   http.Header
	requests []*http.Request
	useETag  bool
}

func newSource(t *testing.T, fixture string) *fakeSource {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", fixture))
	if err != nil {
		t.Fatal(err)
	}
	return &fakeSource{body: b, useETag: true}
}

func (s *fakeSource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	for k, v := range s.header {
		w.Header()[k] = v
	}
	if s.status != 0 {
		w.WriteHeader(s.status)
		return
	}
	etag := fmt.Sprintf(`"%x"`, len(s.body))
	if s.useETag {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
	}
	w.Write(s.body)
}

func (s *fakeSource) set(f func(*fakeSource)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *fakeSource) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *fakeSource) lastRequest() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[len(s.requests)-1]
}

func plan(t testing.TB, yaml string) *Plan {
	t.Helper()
	c, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(c, Dynamic{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// openStore opens a test's store: the SQLite file path, or a PostgreSQL
// schema of its own when pgtest.BackendVar says so.
func openStore(t testing.TB, path string) *store.Store { t.Helper(); return testkit.OpenStore(t, path) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const kimPutinRules = `
rules:
  - name: kim-putin
    query: '"Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit)'
  - name: kimchi
    query: kimchi
    sources: [other]
`

func TestPollRecordsMatchesOnce(t *testing.T) {
	ctx := context.Background()
	src := newSource(t, "koreatimes.rss")
	srv := httptest.NewServer(src)
	defer srv.Close()
	dbPath := filepath.Join(t.TempDir(), "feedhound.db")
	p := plan(t, fmt.Sprintf("sources:\n  - name: kt\n    url: %s/rss\n  - name: other\n    url: %s/other\n%s", srv.URL, srv.URL, kimPutinRules))
	st := openStore(t, dbPath)
	w := New(st, &feed.Reader{}, quiet, p, Options{})

	res, err := w.Poll(ctx, "kt")
	if err != nil || res.Err != nil {
		t.Fatalf("poll: %v, %v", err, res.Err)
	}
	if res.Status != "200" || res.New != 4 || res.Matches != 1 {
		t.Errorf("first poll = %+v, want 200 with 4 new items and 1 match", res)
	}
	ms, _ := st.LatestMatches(ctx, "kim-putin", 50)
	if len(ms) != 1 || ms[0].Item.ID != "kt-372101" {
		t.Fatalf("kim-putin matches = %+v", ms)
	}
	// kimchi is restricted to another source.
	if ms, _ := st.LatestMatches(ctx, "kimchi", 50); len(ms) != 0 {
		t.Errorf("kimchi matched items of a source it does not apply to: %d", len(ms))
	}

	// The second poll is conditional and costs a 304.
	res, _ = w.Poll(ctx, "kt")
	if res.Status != "304" || res.New != 0 {
		t.Errorf("second poll = %+v, want 304", res)
	}
	if got := src.lastRequest().Header.Get("If-None-Match"); got == "" {
		t.Error("second request was not conditional")
	}
	if ua := src.lastRequest().UserAgent(); !strings.HasPrefix(ua, "feedhound/") {
		t.Errorf("User-Agent %q", ua)
	}

	// A restart with a server that ignores validators: nothing is new.
	src.set(func(s *fakeSource) { s.useETag = false })
	st.Close()
	st = openStore(t, dbPath)
	w = New(st, &feed.Reader{}, quiet, p, Options{})
	res, _ = w.Poll(ctx, "kt")
	if res.Status != "200" || res.New != 0 || res.Matches != 0 {
		t.Errorf("poll after restart = %+v, want 200 with nothing new", res)
	}
	if ms, _ := st.LatestMatches(ctx, "kim-putin", 50); len(ms) != 1 {
		t.Errorf("after restart %d matches, want still 1", len(ms))
	}
}

func TestPollPoliteness(t *testing.T) {
	ctx := context.Background()
	src := newSource(t, "koreatimes.rss") // <ttl>10</ttl>
	mux := http.NewServeMux()
	mux.Handle("/rss", src)
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/rss", http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	now := time.Date(2026, 9, 8, 12, 0, 0, 0, time.UTC)
	p := plan(t, fmt.Sprintf("sources:\n  - name: kt\n    url: %s/old\n    schedule: '@every 1m'\n", srv.URL))
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	w := New(st, &feed.Reader{}, quiet, p, Options{Now: func() time.Time { return now }})

	// A permanent redirect moves the source; the feed's <ttl> of 10
	// minutes is a floor on the 1-minute schedule.
	res, _ := w.Poll(ctx, "kt")
	state := sourceState(t, st, "kt")
	if state.URL != srv.URL+"/rss" {
		t.Errorf("after a 301, URL = %s, want %s/rss", state.URL, srv.URL)
	}
	if want := now.Add(10 * time.Minute); !res.NextPoll.Equal(want) {
		t.Errorf("next poll %v, want %v (the feed's ttl)", res.NextPoll, want)
	}

	// 429 with Retry-After: the next poll waits for it.
	src.set(func(s *fakeSource) {
		s.status = http.StatusTooManyRequests
		s.header = http.Header{"Retry-After": {"7200"}}
	})
	res, _ = w.Poll(ctx, "kt")
	if want := now.Add(2 * time.Hour); res.Status != "error" || !res.NextPoll.Equal(want) {
		t.Errorf("after 429: %+v, want error and next poll %v", res, want)
	}
	// Failures back off exponentially, with jitter, and show in the state.
	src.set(func(s *fakeSource) { s.status, s.header = http.StatusInternalServerError, nil })
	var waits []time.Duration
	for range 4 {
		res, _ = w.Poll(ctx, "kt")
		waits = append(waits, res.NextPoll.Sub(now))
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || i == len(waits)-1 && waits[i] <= waits[0] {
			t.Errorf("backoff did not grow: %v", waits)
		}
	}
	// The 429 was another kind of failure: the 500s count from one.
	state = sourceState(t, st, "kt")
	if state.Failures != 4 || state.FailureKind != "HTTP 500" || state.LastStatus != "error" || !strings.Contains(state.LastError, "HTTP 500") {
		t.Errorf("state after failures: %+v", state)
	}
	if b := backoff(40); b > maxBackoff {
		t.Errorf("backoff(40) = %v, above the cap %v", b, maxBackoff)
	}
	// Recovery resets the failures.
	src.set(func(s *fakeSource) { s.status = 0 })
	w.Poll(ctx, "kt")
	if state = sourceState(t, st, "kt"); state.Failures != 0 || state.LastError != "" {
		t.Errorf("after recovery: %+v", state)
	}
	// 410 stops polling.
	src.set(func(s *fakeSource) { s.status = http.StatusGone })
	res, _ = w.Poll(ctx, "kt")
	if state = sourceState(t, st, "kt"); !state.Gone || res.Status != "410" {
		t.Errorf("after 410: %+v, %+v", res, state)
	}
	n := src.count()
	w.Poll(ctx, "kt")
	if src.count() != n {
		t.Error("a gone source was polled again")
	}
}

func sourceState(t *testing.T, st *store.Store, name string) store.Source {
	t.Helper()
	all, err := st.Sources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no state for %s", name)
	return store.Source{}
}

func TestRunPollsWithinLimitsAndStops(t *testing.T) {
	var inFlight, peak, polls atomic.Int32
	release := make(chan struct{})
	body, _ := os.ReadFile(filepath.Join("..", "testdata", "feeds", "wire.atom"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		polls.Add(1)
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
		w.Write(body)
	}))
	defer srv.Close()
	defer close(release)
	var cfg strings.Builder
	cfg.WriteString("sources:\n")
	for i := range 6 {
		fmt.Fprintf(&cfg, "  - name: s%d\n    url: %s/feed%d\n", i, srv.URL, i)
	}
	fmt.Fprintf(&cfg, "  - name: slow\n    url: %s/slow\n", srv.URL)
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	w := New(st, &feed.Reader{}, quiet, plan(t, cfg.String()), Options{StartJitter: -1, PerHost: 2})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for polls.Load() < 7 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := polls.Load(); got < 7 {
		t.Fatalf("%d polls started, want all 7 sources polled at start-up", got)
	}
	// Every source is on one host: at most 2 at once.
	if p := peak.Load(); p > 2 {
		t.Errorf("%d polls of one host at once, want at most 2", p)
	}
	// Shutting down cancels the slow poll and returns.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	// The cancelled poll is not counted against the source.
	if s := sourceState(t, st, "slow"); s.Failures != 0 {
		t.Errorf("slow source after shutdown: %+v", s)
	}
}

func TestPollFollowsAPageToItsFeed(t *testing.T) {
	src := newSource(t, "wire.atom")
	mux := http.NewServeMux()
	mux.Handle("/world.atom", src)
	mux.HandleFunc("/world/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><link rel="alternate" type="application/atom+xml" href="/world.atom"></head></html>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	w := New(st, &feed.Reader{}, quiet, plan(t, fmt.Sprintf("sources:\n  - name: wire\n    url: %s/world/\n  - name: other\n    url: %s/other\n%s", srv.URL, srv.URL, kimPutinRules)), Options{})
	res, _ := w.Poll(context.Background(), "wire")
	if res.Status != "200" || res.New != 3 || res.Matches != 1 {
		t.Fatalf("poll of a page = %+v, want its feed's 3 items and 1 match", res)
	}
	if s := sourceState(t, st, "wire"); s.URL != srv.URL+"/world.atom" {
		t.Errorf("source URL %s, want the feed's %s/world.atom", s.URL, srv.URL)
	}
	if res, _ = w.Poll(context.Background(), "wire"); res.Status != "304" {
		t.Errorf("next poll = %+v, want a 304 from the feed", res)
	}
}

// TestEachMatchKeepsItsOwnHits polls a feed whose items all match, at
// different places: the hits stored with each item must point into that
// item, although matching reuses its memory from one item to the next.
func TestEachMatchKeepsItsOwnHits(t *testing.T) {
	ctx := context.Background()
	titles := []string{
		"Summit in Vladivostok confirmed",
		"Kremlin says the summit may run two days",
		"Analysts doubt a summit before spring, and a second summit later",
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>`)
	for i, title := range titles {
		fmt.Fprintf(&b, "<item><guid>wire-%d</guid><title>%s</title><description>No more to it.</description></item>", i, title)
	}
	b.WriteString(`</channel></rss>`)
	src := &fakeSource{body: []byte(b.String())}
	srv := httptest.NewServer(src)
	defer srv.Close()
	p := plan(t, fmt.Sprintf("sources:\n  - name: wire\n    url: %s/rss\nrules:\n  - name: summit\n    query: summit\n", srv.URL))
	st := openStore(t, filepath.Join(t.TempDir(), "feedhound.db"))
	w := New(st, &feed.Reader{}, quiet, p, Options{})
	if res, err := w.Poll(ctx, "wire"); err != nil || res.Err != nil || res.Matches != len(titles) {
		t.Fatalf("poll = %+v, %v; want %d matches", res, err, len(titles))
	}
	ms, err := st.LatestMatches(ctx, "summit", 50)
	if err != nil || len(ms) != len(titles) {
		t.Fatalf("matches = %d, %v; want %d", len(ms), err, len(titles))
	}
	for _, m := range ms {
		title := m.Item.Title
		want := strings.Count(strings.ToLower(title), "summit")
		if len(m.Hits) != want {
			t.Errorf("%q: %d hits %+v, want %d", title, len(m.Hits), m.Hits, want)
		}
		for _, h := range m.Hits {
			if h.Field != rules.FieldTitle || h.End > len(title) || !strings.EqualFold(title[h.Start:h.End], "summit") {
				t.Errorf("%q: hit %+v does not point at summit in it", title, h)
			}
		}
	}
}

// TestFullDiskPollsWait: while the database cannot be written, a poll
// would find what it cannot record. Polls wait, rather than fetching in
// a loop, and the source is not blamed; they go on when it can be written.
func TestFullDiskPollsWait(t *testing.T) {
	disk := fulldisk.Mount(t, 4<<20)
	src := newSource(t, "koreatimes.rss")
	srv := httptest.NewServer(src)
	defer srv.Close()
	// A file on the small disk, whatever database the other tests use.
	st, err := store.Open(context.Background(), filepath.Join(disk, "feedhound.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := plan(t, fmt.Sprintf("min_interval: 1s\nsources:\n  - name: other\n    url: %s/rss\n    schedule: '@every 1s'\n%s", srv.URL, kimPutinRules))
	w := New(st, &feed.Reader{}, quiet, p, Options{})
	ctx := context.Background()
	if res, err := w.Poll(ctx, "other"); err != nil || res.Status != "200" {
		t.Fatalf("first poll: %+v %v", res, err)
	}
	free := fulldisk.Fill(t, disk)
	// Every poll is a 200 with a changed body, to record.
	src.set(func(s *fakeSource) { s.useETag = false; s.body = append(s.body, "\n<!-- changed -->"...) })
	res, _ := w.Poll(ctx, "other") // fetches, and fails to record
	if res.Err == nil {
		t.Fatalf("a poll recorded on a full disk: %+v", res)
	}
	fetched := src.count()
	for range 5 {
		res, _ = w.Poll(ctx, "other")
		if res.Err == nil || !strings.Contains(res.Err.Error(), "the database cannot be written") {
			t.Fatalf("poll on a full disk: %v", res.Err)
		}
	}
	if n := src.count() - fetched; n != 0 {
		t.Errorf("%d fetches while nothing could be recorded", n)
	}
	free()
	res, err = w.Poll(ctx, "other")
	if err != nil || res.Err != nil || res.Status != "200" {
		t.Fatalf("after freeing the disk: %+v %v", res, err)
	}
	saved, _ := st.Sources(ctx)
	if len(saved) != 1 || saved[0].Failures != 0 {
		t.Errorf("source state after the disk was freed: %+v", saved)
	}
}

// TestPlanSkipsSubscriptionsNoLongerAccepted: a subscription stored
// before the query limits existed must not stop the daemon from starting.
func TestPlanSkipsSubscriptionsNoLongerAccepted(t *testing.T) {
	c, err := config.Parse([]byte("sources:\n  - name: wire\n    url: https://wire.example/atom\n"), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("(", 100) + "Putin" + strings.Repeat(")", 100)
	p, err := NewPlan(c, Dynamic{Subscriptions: []store.Subscription{{ID: "sub_deep", Query: deep}, {ID: "sub_ok", Query: "summit"}}})
	if err != nil {
		t.Fatal(err)
	}
	sk := p.Subscriptions.Skipped
	if p.Subscriptions.Len() != 1 || !p.Subscriptions.Has("sub_ok") || len(sk) != 1 || !strings.Contains(sk[0].Error(), "subscription sub_deep: query: column 33: ( nested more than 32 deep") {
		t.Errorf("%d subscriptions, skipped %v", p.Subscriptions.Len(), sk)
	}
}

// trickler is a server that answers so slowly that only the end of the
// test lets it finish.
func trickler(t *testing.T, release chan struct{}, hits *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?>`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSlowSourcesDoNotStarveOthers: sixteen slow sources (a 30 s trickle
// each) held every poll slot, and a healthy source waited 30 s.
func TestSlowSourcesDoNotStarveOthers(t *testing.T) {
	release := make(chan struct{})
	var slowHits, healthyHits atomic.Int32
	var cfg strings.Builder
	cfg.WriteString("sources:\n")
	for i := range 16 {
		fmt.Fprintf(&cfg, "  - name: slow%d\n    url: %s/feed\n", i, trickler(t, release, &slowHits).URL)
	}
	healthy := newSource(t, "wire.atom")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		healthyHits.Add(1)
		healthy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	w := New(st, &feed.Reader{}, quiet, plan(t, cfg.String()), Options{StartJitter: -1, SlowAfter: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { close(release); cancel(); <-done }()
	// Every slot is taken by a slow source when the healthy one is added.
	deadline := time.Now().Add(10 * time.Second)
	for slowHits.Load() < 8 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintf(&cfg, "  - name: healthy\n    url: %s/feed\n", srv.URL)
	w.SetPlan(plan(t, cfg.String()))
	for healthyHits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if healthyHits.Load() == 0 {
		t.Fatalf("the healthy source was not polled while %d slow sources were", slowHits.Load())
	}
	if n := slowHits.Load(); n > 16 {
		t.Errorf("%d polls of 16 slow sources", n)
	}
}

// TestNoBusyLoopWhileWorkersAreBusy: with every worker held and a source
// due, Run armed its timer at zero and spun until a poll finished — about
// half the daemon's CPU during a polling cycle.
func TestNoBusyLoopWhileWorkersAreBusy(t *testing.T) {
	release := make(chan struct{})
	var hits atomic.Int32
	var cfg strings.Builder
	cfg.WriteString("sources:\n")
	for i := range 4 {
		fmt.Fprintf(&cfg, "  - name: slow%d\n    url: %s/feed\n", i, trickler(t, release, &hits).URL)
	}
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	w := New(st, &feed.Reader{}, quiet, plan(t, cfg.String()), Options{StartJitter: -1, Workers: 2, SlowAfter: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { close(release); cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for hits.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// Two sources are due and both workers are held: Run should sleep.
	before := w.rounds.Load()
	time.Sleep(300 * time.Millisecond)
	if n := w.rounds.Load() - before; n > 10 {
		t.Errorf("%d scheduling rounds in 300ms while every worker was busy: a busy loop", n)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("%d polls with 2 workers, want 2", n)
	}
}

// TestRestartAndReloadReplan: a source that failed before a restart kept
// its stored backoff at start-up, and one whose cron put it at 06:00
// stayed there after its schedule changed, restart and SIGHUP alike.
func TestRestartAndReloadReplan(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	body, _ := os.ReadFile(filepath.Join("..", "testdata", "feeds", "wire.atom"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		w.Write(body)
	}))
	defer srv.Close()
	count := func(path string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[path]
	}
	waitHit := func(path string, n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for count(path) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s polled %d times, want %d", path, count(path), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	cfg := func(daily string) string {
		return fmt.Sprintf("sources:\n  - name: failing\n    url: %[1]s/failing\n  - name: limited\n    url: %[1]s/limited\n"+
			"  - name: daily\n    url: %[1]s/daily\n    schedule: '%s'\n", srv.URL, daily)
	}
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	ctx := context.Background()
	now := time.Now()
	// Before the restart: one source backing off after failures, one
	// told by its server to wait (Retry-After).
	st.SaveSource(ctx, store.Source{Name: "failing", ConfigURL: srv.URL + "/failing", URL: srv.URL + "/failing",
		LastStatus: "error", Failures: 6, FailureKind: "network", NextPoll: now.Add(time.Hour)})
	st.SaveSource(ctx, store.Source{Name: "limited", ConfigURL: srv.URL + "/limited", URL: srv.URL + "/limited",
		LastStatus: "error", Failures: 1, FailureKind: "HTTP 429", NextPoll: now.Add(time.Hour), RetryAt: now.Add(time.Hour)})

	w := New(st, &feed.Reader{}, quiet, plan(t, cfg("0 6 * * *")), Options{StartJitter: -1})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- w.Run(rctx) }()
	defer func() { cancel(); <-done }()
	waitHit("/failing", 1) // polled at start-up, backoff or not
	waitHit("/daily", 1)
	// A reload that changes the daily source's schedule polls it at once,
	// not at the next 06:00.
	w.SetPlan(plan(t, cfg("*/30 * * * *")))
	waitHit("/daily", 2)
	// An unchanged plan re-plans nothing.
	w.SetPlan(plan(t, cfg("*/30 * * * *")))
	time.Sleep(200 * time.Millisecond)
	if n := count("/daily"); n != 2 {
		t.Errorf("daily polled %d times after an unchanged reload, want 2", n)
	}
	if n := count("/limited"); n != 0 {
		t.Errorf("the source whose server asked for an hour was polled %d times", n)
	}
}

// TestScrapedSource polls a page scraped for items like any other source:
// its items are recorded once and matched; a page whose layout changed is
// a source error, not a silent empty source.
func TestScrapedSource(t *testing.T) {
	pages := map[string]string{"/list.do": "mofa-list.html", "/research/": "think-tank.html"}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		name := pages[r.URL.Path]
		mu.Unlock()
		b, err := os.ReadFile(filepath.Join("..", "testdata", "pages", name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html") // the charset is in the page's <meta>
		w.Write(b)
	}))
	defer srv.Close()
	cfg := fmt.Sprintf(`
sources:
  - name: mofa
    url: %[1]s/list.do
    timezone: Asia/Seoul
    scrape:
      item: table.board-list tbody tr
      date: td.date
  - name: institute
    url: %[1]s/research/
    scrape: {}
rules:
  - name: summit
    query: '정상회담 OR "Kim-Putin summit"'
`, srv.URL)
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	w := New(st, &feed.Reader{}, log, plan(t, cfg), Options{})
	ctx := context.Background()
	for _, name := range []string{"mofa", "institute"} {
		res, err := w.Poll(ctx, name)
		if err != nil || res.Err != nil || res.Status != "200" {
			t.Fatalf("poll %s: %+v %v", name, res, err)
		}
	}
	ms, _ := st.LatestMatches(ctx, "summit", 10)
	var titles []string
	for _, m := range ms {
		titles = append(titles, m.Source+": "+m.Item.Title)
	}
	slices.Sort(titles)
	want := []string{"institute: What to watch at the Kim-Putin summit", "mofa: 외교부 대변인, 북러 정상회담 관련 논평 발표"}
	if !slices.Equal(titles, want) {
		t.Errorf("matches %q, want %q", titles, want)
	}
	if !strings.Contains(logs.String(), `selectors="{item: \"main > section.latest > article.card\"`) {
		t.Errorf("the selectors found are not logged:\n%s", logs.String())
	}
	// Polled again: nothing new.
	if res, _ := w.Poll(ctx, "mofa"); res.New != 0 {
		t.Errorf("second poll found %d new items", res.New)
	}
	// The ministry changed its layout.
	mu.Lock()
	pages["/list.do"] = "think-tank.html"
	mu.Unlock()
	res, _ := w.Poll(ctx, "mofa")
	if res.Err == nil || !strings.Contains(res.Err.Error(), "scrape: item selector 'table.board-list tbody tr' matched nothing") {
		t.Errorf("a page whose layout changed: %+v", res)
	}
	if s := sourceState(t, st, "mofa"); s.LastStatus != "error" || !strings.Contains(s.LastError, "matched nothing") {
		t.Errorf("state %+v", s)
	}
}

// TestFullText: a feed that carries only a teaser; rules match the
// article's text, each article is fetched once, and one that cannot be
// read keeps the feed's text and shows in the source's state.
func TestFullText(t *testing.T) {
	summit, _ := os.ReadFile(filepath.Join("..", "testdata", "articles", "summit.html"))
	var articleHits atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title><link>%[1]s/</link>
<item><title>Hotels full, roads closed as Vladivostok prepares</title><link>%[1]s/story/vladivostok</link><guid>v1</guid><description>Hotels are full and roads closed.</description></item>
<item><title>Ferry timetable changes this week</title><link>%[1]s/story/gone</link><guid>v2</guid><description>Ferries run less often.</description></item>
</channel></rss>`, srv.URL)
		case "/story/vladivostok":
			articleHits.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(summit)
		default:
			articleHits.Add(1)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	p := plan(t, fmt.Sprintf("sources:\n  - name: daily\n    url: %s/rss\n    fulltext: true\nrules:\n  - name: summit\n    query: '\"Kim-Putin summit\"'\n", srv.URL))
	w := New(st, &feed.Reader{}, quiet, p, Options{})
	ctx := context.Background()
	if res, err := w.Poll(ctx, "daily"); err != nil || res.Err != nil || res.New != 2 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	ms, _ := st.LatestMatches(ctx, "summit", 10)
	if len(ms) != 1 || ms[0].Item.Title != "Hotels full, roads closed as Vladivostok prepares" || !strings.Contains(ms[0].Item.Text, "the last Kim-Putin summit") {
		t.Fatalf("matches %+v", ms)
	}
	s := sourceState(t, st, "daily")
	if s.FullTextFetched != 2 || s.FullTextFailed != 1 || !strings.Contains(s.FullTextError, "/story/gone: HTTP 404 Not Found") {
		t.Errorf("state %+v", s)
	}
	// The item whose article is gone is kept, with the feed's text.
	n, _ := st.ItemCounts(ctx)
	if n["daily"] != 2 {
		t.Errorf("%d items stored, want both", n["daily"])
	}
	// Polled again: no article is fetched again.
	before := articleHits.Load()
	w.Poll(ctx, "daily")
	if n := articleHits.Load() - before; n != 0 {
		t.Errorf("%d articles fetched again", n)
	}
}

// TestUnchangedBodyIsNotRecordedAgain: a server that sends no validators
// but the same body costs no parse and no write, and the items it still
// carries are neither pruned nor left out of a backfill however long it
// stays unchanged.
func TestUnchangedBodyIsNotRecordedAgain(t *testing.T) {
	src := newSource(t, "wire.atom")
	src.set(func(s *fakeSource) { s.useETag = false })
	srv := httptest.NewServer(src)
	defer srv.Close()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	now := time.Date(2026, 9, 8, 6, 0, 0, 0, time.UTC)
	w := New(st, &feed.Reader{}, quiet, plan(t, fmt.Sprintf("sources:\n  - name: wire\n    url: %s/atom\n", srv.URL)), Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	if res, _ := w.Poll(ctx, "wire"); res.New != 3 {
		t.Fatalf("first poll: %+v", res)
	}
	first := sourceState(t, st, "wire")
	// Forty days of polls of the same body.
	for range 40 {
		now = now.Add(24 * time.Hour)
		if res, _ := w.Poll(ctx, "wire"); res.Status != "200" || res.Err != nil || res.New != 0 {
			t.Fatalf("unchanged poll: %+v", res)
		}
	}
	s := sourceState(t, st, "wire")
	if s.LastRecorded != first.LastRecorded || !s.LastPresent.Equal(now) || s.BodyHash == "" {
		t.Errorf("state after unchanged polls: recorded %v (was %v), present %v", s.LastRecorded, first.LastRecorded, s.LastPresent)
	}
	// Still in the feed: not pruned, and seen in the last week.
	if n, err := st.Prune(ctx, now.Add(-30*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("pruned %d items still in an unchanged feed (%v)", n, err)
	}
	seen := 0
	st.ItemsSeenSince(ctx, now.Add(-7*24*time.Hour), nil, func(store.Matched) error { seen++; return nil })
	if seen != 3 {
		t.Errorf("%d items seen in the last week, want the feed's 3", seen)
	}
	// The feed changes: one story leaves it and is pruned in time.
	src.set(func(s *fakeSource) {
		s.body = []byte(strings.Replace(string(s.body), "<id>tag:wire.example.org,2026:a1003</id>", "<id>tag:wire.example.org,2026:a1999</id>", 1))
	})
	if res, _ := w.Poll(ctx, "wire"); res.New != 1 {
		t.Fatalf("changed poll: %+v", res)
	}
	now = now.Add(31 * 24 * time.Hour)
	w.Poll(ctx, "wire")
	if n, _ := st.Prune(ctx, now.Add(-30*24*time.Hour)); n != 1 {
		t.Errorf("pruned %d items, want the one that left the feed", n)
	}
}

func TestFailureKind(t *testing.T) {
	for err, want := range map[error]string{
		&feed.StatusError{URL: "https://a.example/", Code: 404}:                             "HTTP 404",
		feed.FormatErrorf("https://a.example/: parse: XML syntax error on line 3"):          "parse",
		feed.FormatErrorf("https://a.example/: scrape: item selector 'tr' matched nothing"): "parse",
		fmt.Errorf("poll: %w", feed.FormatErrorf("https://a.example/: empty response")):     "parse",
		fmt.Errorf("https://a.example/: dial tcp 127.0.0.1:1: connect: connection refused"): "network",
	} {
		if got := failureKind(err); got != want {
			t.Errorf("failureKind(%v) = %q, want %q", err, got, want)
		}
	}
}

// TestFullTextFromASlowHost: every article of a source answers only after
// the poll's whole timeout. The poll still records every item, with the
// feed's text, within its timeout: reading articles takes at most half of
// it.
func TestFullTextFromASlowHost(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rss" {
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title><link>%s/</link>`, srv.URL)
			for i := range 12 {
				fmt.Fprintf(w, `<item><title>Story %[2]d about the Kim-Putin summit</title><link>%[1]s/story/%[2]d</link><guid>s%[2]d</guid><description>Teaser %[2]d.</description></item>`, srv.URL, i)
			}
			fmt.Fprint(w, `</channel></rss>`)
			return
		}
		select { // an article host answering in 40 s
		case <-r.Context().Done():
		case <-time.After(40 * time.Second):
		}
	}))
	defer srv.Close()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	p := plan(t, fmt.Sprintf("sources:\n  - name: daily\n    url: %s/rss\n    fulltext: true\nrules:\n  - name: summit\n    query: '\"Kim-Putin summit\"'\n", srv.URL))
	w := New(st, &feed.Reader{}, quiet, p, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	res, err := w.Poll(ctx, "daily")
	if err != nil || res.Err != nil || res.New != 12 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	ms, _ := st.LatestMatches(context.Background(), "summit", 20)
	if len(ms) != 12 || ms[0].Item.Text == "" {
		t.Fatalf("%d matches, want 12 with the feed's text", len(ms))
	}
	s := sourceState(t, st, "daily")
	if s.FullTextFetched != 12 || s.FullTextFailed != 12 {
		t.Errorf("full text tried %d, failed %d; want 12 and 12", s.FullTextFetched, s.FullTextFailed)
	}
}

// TestFullTextOfHugeArticlesIsBounded: six items linking to an 18.5 MB
// article added 221 MB to the database. What is kept of each is bounded
// (feed.Bound), whatever the article.
func TestFullTextOfHugeArticlesIsBounded(t *testing.T) {
	article := []byte("<html><body><article>" + strings.Repeat("<p>Delegates of both sides met again in Vladivostok for the Kim-Putin summit, and talked late into the night.</p>", 18<<20/113) + "</article></body></html>")
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/rss":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title><link>%s/</link>`, srv.URL)
			for i := range 6 {
				fmt.Fprintf(w, `<item><title>Story %[2]d</title><link>%[1]s/story/%[2]d</link><guid>s%[2]d</guid><description>Teaser.</description></item>`, srv.URL, i)
			}
			fmt.Fprint(w, `</channel></rss>`)
		case strings.HasPrefix(r.URL.Path, "/story/"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(article)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	p := plan(t, fmt.Sprintf("sources:\n  - name: daily\n    url: %s/rss\n    fulltext: true\nrules:\n  - name: summit\n    query: '\"Kim-Putin summit\"'\n", srv.URL))
	w := New(st, &feed.Reader{}, quiet, p, Options{})
	if res, err := w.Poll(context.Background(), "daily"); err != nil || res.Err != nil || res.New != 6 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	ms, _ := st.LatestMatches(context.Background(), "summit", 10)
	if len(ms) != 6 {
		t.Fatalf("%d matches, want 6", len(ms))
	}
	for _, m := range ms {
		if len(m.Item.Content) > feed.MaxContent || len(m.Item.Text) > feed.MaxText {
			t.Errorf("%s kept %d bytes of content and %d of text, want at most %d and %d", m.Item.ID, len(m.Item.Content), len(m.Item.Text), feed.MaxContent, feed.MaxText)
		}
	}
}
