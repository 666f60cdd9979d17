package main

import (
	"context"
	"encoding/json"
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
	"syscall"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/testkit"

	"github.com/mmcdole/gofeed"

	"github.com/feedhound/feedhound/internal/pgtest"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// feedServer serves the fixtures with ETags, honouring conditional
// requests, and counts what it answered.
type feedServer struct {
	mu      sync.Mutex // protects all following fields
	answers map[int]int
	cond    int // conditional requests seen
}

func (fs *feedServer) handler(t *testing.T) http.Handler {
	dir := filepath.Join("..", "..", "testdata", "feeds")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := os.ReadFile(filepath.Join(dir, filepath.Base(r.URL.Path)))
		fs.mu.Lock()
		defer fs.mu.Unlock()
		if err != nil {
			fs.answers[404]++
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"%d"`, len(body))
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			fs.cond++
			if inm == etag {
				fs.answers[304]++
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		fs.answers[200]++
		w.Header().Set("ETag", etag)
		w.Write(body)
	})
}

func (fs *feedServer) counts() (ok, notModified, cond int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.answers[200], fs.answers[304], fs.cond
}

func writeConfig(t *testing.T, path, sources, rules string) {
	t.Helper()
	cfg := "listen: 127.0.0.1:0\ndata: feedhound.db\nmin_interval: 1s\nsources:\n" + sources + "rules:\n" + rules
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startDaemon runs the daemon in-process until the returned stop is called.
func startDaemon(t *testing.T, path string) (base string, stop func() error) {
	t.Helper()
	return startDaemonLogging(t, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startDaemonLogging is startDaemon with a logger of the test's.
func startDaemonLogging(t *testing.T, path string, log *slog.Logger) (base string, stop func() error) {
	t.Helper()
	d, stop := runDaemon(t, path, log)
	return d.baseURL(), stop
}

// runDaemon runs the daemon in-process until stop is called, once it
// answers on the address it listens on (which its base_url need not be).
func runDaemon(t *testing.T, path string, log *slog.Logger) (d *daemon, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := newDaemon(ctx, path, log, watcher.Options{StartJitter: -1})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.serve(ctx) }()
	listen := "http://" + d.ln.Addr().String()
	waitFor(t, func() bool {
		resp, err := http.Get(listen + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	return d, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return fmt.Errorf("daemon did not stop")
		}
	}
}

// slackServer answers as a Slack webhook and keeps the text of each
// message; hold, if not nil, runs before each answer.
func slackServer(t *testing.T, hold func()) (url string, sent func() []string) {
	t.Helper()
	var mu sync.Mutex
	var texts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ Text string }
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		texts = append(texts, m.Text)
		mu.Unlock()
		if hold != nil {
			hold()
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), texts...)
	}
}

func waitFor(t *testing.T, cond func() bool) { t.Helper(); testkit.Until(t, "the condition", cond) }

// sortedTitles returns the titles of a feed's entries, sorted and joined.
func sortedTitles(t *testing.T, url string) string {
	t.Helper()
	ts := titles(t, url)
	slices.Sort(ts)
	return strings.Join(ts, "|")
}

func titles(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	f, err := gofeed.NewParser().Parse(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Title)
	}
	return out
}

func TestDaemonEndToEnd(t *testing.T) {
	fs := &feedServer{answers: map[int]int{}}
	src := httptest.NewServer(fs.handler(t))
	defer src.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	// The test sources are on loopback, which needs allowing; one source
	// is not allowed, and must be refused.
	sources := fmt.Sprintf("  - name: koreatimes\n    url: %[1]s/koreatimes.rss\n    schedule: '@every 1s'\n    allow_private_networks: true\n"+
		"  - name: wire\n    url: %[1]s/wire.atom\n    schedule: '@every 1s'\n    allow_private_networks: true\n"+
		"  - name: intranet\n    url: %[1]s/asia.rdf\n", src.URL)
	rules := "  - name: kim-putin\n    query: '\"Kim-Putin summit\" OR (Kim NEAR/8 Putin AND summit)'\n"
	writeConfig(t, path, sources, rules)

	base, stop := startDaemon(t, path)
	want := "KIM—PUTIN SUMMIT: what to expect in Vladivostok|Kim Jong-un may visit Russia to meet Putin"
	for _, ext := range []string{"rss", "atom", "json"} {
		url := base + "/feeds/kim-putin." + ext
		waitFor(t, func() bool { return sortedTitles(t, url) == want })
	}
	// The source not allowed to reach loopback is refused, and says so.
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/status")
		if err != nil {
			return false
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(page), "refusing to connect to 127.0.0.1 (loopback); set allow_private_networks to allow it")
	})
	// The sources see conditional requests, answered with 304. (The
	// koreatimes feed asks for 10 minutes between polls, so the wire
	// answers them.)
	waitFor(t, func() bool { _, nm, _ := fs.counts(); return nm >= 1 })
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// After a restart nothing is republished: the same two entries.
	base, stop = startDaemon(t, path)
	_, nm0, _ := fs.counts()
	waitFor(t, func() bool { _, nm, _ := fs.counts(); return nm > nm0 }) // polled again
	if got := sortedTitles(t, base+"/feeds/kim-putin.atom"); got != want {
		t.Errorf("after restart: %q, want %q", got, want)
	}

	// SIGHUP with a broken configuration: refused, the old one runs on.
	writeConfig(t, path, sources, "  - name: broken\n    query: '(Kim'\n")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	time.Sleep(300 * time.Millisecond)
	if resp, _ := http.Get(base + "/feeds/kim-putin.rss"); resp == nil || resp.StatusCode != 200 {
		t.Errorf("after a bad reload the old rule is gone")
	}
	// / is the web app, which asks a visitor to sign in; http.Get
	// follows it there.
	if page := getPage(t, base+"/"); !strings.Contains(page, `<button type="submit">Sign in</button>`) {
		t.Errorf("/ is not the app's sign-in:\n%.500s", page)
	}
	// The refusal is on the status page, one problem a line, and in the
	// metrics, until a reload succeeds.
	page := getPage(t, base+"/status")
	if !strings.Contains(page, "configuration change refused") || !strings.Contains(page, `id="reload"`) ||
		!strings.Contains(page, "<li><code>"+filepath.Base(path)) && !strings.Contains(page, "<li><code>"+path) {
		t.Errorf("the status page does not show the refused reload:\n%s", page)
	}
	if m := getPage(t, base+"/metrics"); !strings.Contains(m, "feedhound_config_last_reload_successful 0") ||
		!strings.Contains(m, "feedhound_config_last_reload_success_timestamp_seconds 1.") {
		t.Errorf("metrics after a refused reload:\n%s", m)
	}
	// An empty file would take every feed down: refused too.
	os.WriteFile(path, nil, 0o644)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	time.Sleep(300 * time.Millisecond)
	if resp, _ := http.Get(base + "/feeds/kim-putin.rss"); resp == nil || resp.StatusCode != 200 {
		t.Errorf("after reloading an empty file the old rule is gone")
	}
	// SIGHUP with a good one: the new rule is served, the old one is not.
	writeConfig(t, path, sources, "  - name: korea\n    query: 'title:Korea OR Pyongyang'\n")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/feeds/korea.rss")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if resp, _ := http.Get(base + "/feeds/kim-putin.rss"); resp.StatusCode != 404 {
		t.Errorf("removed rule still served: %d", resp.StatusCode)
	}
	if page := getPage(t, base+"/status"); strings.Contains(page, `id="reload"`) {
		t.Error("the status page still shows a refused reload after one succeeded")
	}
	if m := getPage(t, base+"/metrics"); !strings.Contains(m, "feedhound_config_last_reload_successful 1") {
		t.Error("metrics: the last reload is not successful")
	}
	// Graceful shutdown.
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// lockedBuffer is a buffer safe to read while a command writes it.
type lockedBuffer = testkit.Buffer

func TestDemo(t *testing.T) {
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- run(ctx, []string{"demo", "--listen", "127.0.0.1:0"}, nil, &stdout, &stderr) }()
	var url string
	waitFor(t, func() bool {
		for _, line := range strings.Split(stdout.String(), "\n") {
			if strings.HasSuffix(line, "/feeds/kim-putin.atom") {
				url = strings.TrimSpace(line)
				return true
			}
		}
		return false
	})
	want := "KIM—PUTIN SUMMIT: what to expect in Vladivostok|Kim Jong-un may visit Russia to meet Putin"
	waitFor(t, func() bool { return sortedTitles(t, url) == want })
	// The sample feeds' address answers with their list, not 404.
	listed := false
	for _, line := range strings.Split(stdout.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "sample feeds: "); ok {
			listed = true
			samples := strings.Fields(rest)[0]
			page := getPage(t, samples)
			for _, f := range []string{"koreatimes.rss", "wire.atom", "asia.rdf"} {
				if !strings.Contains(page, `href="`+f+`"`) {
					t.Errorf("the samples' index %s does not link %s:\n%s", samples, f, page)
				}
			}
		}
	}
	if !listed {
		t.Errorf("the demo does not print where its sample feeds are:\n%s", stdout.String())
	}
	asia := strings.Replace(url, "kim-putin.atom", "kim-putin-asia.json", 1)
	waitFor(t, func() bool { return len(titles(t, asia)) == 2 })
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("demo exited %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("no clean shutdown in the log:\n%s", stderr.String())
	}
}

func TestDaemonAlertsSlackOnce(t *testing.T) {
	fs := &feedServer{answers: map[int]int{}}
	src := httptest.NewServer(fs.handler(t))
	defer src.Close()
	slackURL, got := slackServer(t, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	t.Setenv("TEST_SLACK_URL", slackURL+"/services/T0/B0/secret")
	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
data: feedhound.db
allow_private_networks: true
min_interval: 1s
sources:
  - name: koreatimes
    url: %s/koreatimes.rss
    schedule: '@every 1s'
notifiers:
  - name: newsroom
    type: slack
    url: ${TEST_SLACK_URL}  # on loopback: the file's allow_private_networks covers it
rules:
  - name: kim-putin
    query: '"Kim-Putin summit"'
    notify: [newsroom]
`, src.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop := startDaemon(t, path)
	waitFor(t, func() bool { return len(got()) == 1 })
	if want := "Kim Jong-un may visit Russia to meet Putin — koreatimes (rule kim-putin)"; got()[0] != want {
		t.Errorf("alert %q, want %q", got()[0], want)
	}
	// The work shows in the metrics.
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := string(b)
		return strings.Contains(m, `feedhound_polls_total{result="200"} 1`) &&
			strings.Contains(m, `feedhound_matches_total{rule="kim-putin"} 1`) &&
			strings.Contains(m, `feedhound_notifications_total{result="delivered"} 1`) &&
			strings.Contains(m, "feedhound_notifications_pending 0") &&
			strings.Contains(m, "feedhound_items_ingested_total 4") &&
			strings.Contains(m, `feedhound_source_consecutive_failures{source="koreatimes"} 0`) &&
			strings.Contains(m, `feedhound_source_last_success_timestamp_seconds{source="koreatimes"} 1.`) &&
			strings.Contains(m, `feedhound_build_info{goversion="go1.`) &&
			strings.Contains(m, `feedhound_polls_total{result="error"} 0`)
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = startDaemon(t, path)
	_, nm0, _ := fs.counts()
	waitFor(t, func() bool { _, nm, _ := fs.counts(); return nm > nm0 })
	time.Sleep(200 * time.Millisecond)
	if n := len(got()); n != 1 {
		t.Errorf("%d alerts after a restart, want still 1: %q", n, got())
	}
	stop()
}

// switchingSource serves one fixture until told to serve another at the
// same URL: stories appear in it as they would in a live feed.
func switchingSource(t *testing.T, first string) (url string, switchTo func(string)) {
	t.Helper()
	var fixture atomic.Value
	fixture.Store(first)
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "feeds", fixture.Load().(string)))
		w.Write(b)
	}))
	t.Cleanup(src.Close)
	return src.URL + "/feed", func(name string) { fixture.Store(name) }
}

// withStore opens the database a daemon in dir will use, before it runs.
func withStore(t *testing.T, dir string, fn func(*store.Store)) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dir, "feedhound.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

// created is what the API answers to a new subscription.
type created struct {
	ID     string
	Feeds  struct{ Atom string }
	Notify struct{ URL string }
}

// createSubscription makes a subscription through the daemon's API and
// waits until its feed answers, that is, until the plan has taken it up.
func createSubscription(t *testing.T, base, token, body string) created {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/subscriptions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sub created
	json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if resp.StatusCode != 201 || sub.Feeds.Atom == "" {
		t.Fatalf("create: %d %+v", resp.StatusCode, sub)
	}
	waitFor(t, func() bool {
		r, err := http.Get(sub.Feeds.Atom)
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == 200
	})
	return sub
}

func TestDaemonServesSubscriptionFeeds(t *testing.T) {
	url, _ := switchingSource(t, "wire.atom")
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	writeConfig(t, path, fmt.Sprintf("  - name: wire\n    url: %s\n    allow_private_networks: true\n", url), "  - name: other\n    query: tennis\n")
	// A subscription made earlier, through the API.
	var sub store.Subscription
	withStore(t, dir, func(st *store.Store) {
		var err error
		if sub, err = st.CreateSubscription(context.Background(), store.Subscription{Name: "Shoigu", Query: "Shoigu"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
	base, stop := startDaemon(t, path)
	defer stop()
	waitFor(t, func() bool {
		return strings.Join(titles(t, base+"/feeds/s/"+sub.FeedToken+".json"), "|") == "Sergéi Shoigu lands in Pyongyang ahead of leaders’ meeting"
	})
}

// apiDaemon starts a daemon polling one source every second, first
// asia.rdf (no <ttl>) and then whatever switchTo names, with a token for
// the API; dir is its data folder. It stops with the test.
func apiDaemon(t *testing.T) (base, token, dir string, switchTo func(string)) {
	t.Helper()
	url, switchTo := switchingSource(t, "asia.rdf")
	dir = t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	writeConfig(t, path, fmt.Sprintf("  - name: world\n    url: %s\n    schedule: '@every 1s'\n    allow_private_networks: true\n", url), "  - name: other\n    query: tennis\n")
	withStore(t, dir, func(st *store.Store) {
		token, _ = st.CreateToken(context.Background(), store.TokenSpec{Name: "app", ReadOnly: false}, time.Now())
	})
	base, stop := startDaemon(t, path)
	t.Cleanup(func() { stop() })
	return base, token, dir, switchTo
}

func TestDaemonAPISubscription(t *testing.T) {
	base, token, _, switchTo := apiDaemon(t)

	sub := createSubscription(t, base, token, `{"name": "Shoigu", "query": "Shoigu OR \"Kim-Putin summit\"", "sources": ["world"]}`)
	// The feed is empty at first: the stories already seen are not new to
	// it.
	if got := titles(t, sub.Feeds.Atom); len(got) != 0 {
		t.Errorf("new subscription's feed has %q", got)
	}
	switchTo("wire.atom")
	want := "KIM—PUTIN SUMMIT: what to expect in Vladivostok|Sergéi Shoigu lands in Pyongyang ahead of leaders’ meeting"
	waitFor(t, func() bool { return sortedTitles(t, sub.Feeds.Atom) == want })
}

// TestDaemonAPISubscriptionChange: a subscription's changed query is
// matched from the next poll on, and a deleted one matches nothing more.
func TestDaemonAPISubscriptionChange(t *testing.T) {
	base, token, dir, switchTo := apiDaemon(t)
	call := func(method, path, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	changed := createSubscription(t, base, token, `{"name": "changed", "query": "curling"}`)
	deleted := createSubscription(t, base, token, `{"name": "deleted", "query": "Shoigu"}`)
	if code := call("PATCH", "/api/v1/subscriptions/"+changed.ID, `{"query": "Shoigu OR \"Kim-Putin summit\""}`); code != 200 {
		t.Fatalf("patch: %d", code)
	}
	if code := call("DELETE", "/api/v1/subscriptions/"+deleted.ID, ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	switchTo("wire.atom")
	want := "KIM—PUTIN SUMMIT: what to expect in Vladivostok|Sergéi Shoigu lands in Pyongyang ahead of leaders’ meeting"
	waitFor(t, func() bool { return sortedTitles(t, changed.Feeds.Atom) == want })
	withStore(t, dir, func(st *store.Store) {
		if ms, err := st.LatestMatches(context.Background(), store.SubscriptionRulePrefix+deleted.ID, 10); err != nil || len(ms) != 0 {
			t.Errorf("the deleted subscription matched %d stories, %v", len(ms), err)
		}
	})
}

func TestDaemonSubscriptionWebhook(t *testing.T) {
	url, switchTo := switchingSource(t, "asia.rdf")
	var mu sync.Mutex
	var got []string
	var feedURL string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			FeedURL string `json:"feed_url"`
			Items   []struct{ Title string }
		}
		json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		feedURL = p.FeedURL
		if r.Header.Get("webhook-signature") != "" {
			for _, it := range p.Items {
				got = append(got, it.Title)
			}
		}
		mu.Unlock()
	}))
	defer hook.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	cfg := fmt.Sprintf("listen: 127.0.0.1:0\ndata: feedhound.db\nallow_private_networks: true\nmin_interval: 1s\nsources:\n  - name: world\n    url: %s\n    schedule: '@every 1s'\nrules:\n  - name: other\n    query: tennis\n", url)
	os.WriteFile(path, []byte(cfg), 0o644)
	var token string
	withStore(t, dir, func(st *store.Store) {
		token, _ = st.CreateToken(context.Background(), store.TokenSpec{Name: "app", ReadOnly: false}, time.Now())
	})
	base, stop := startDaemon(t, path)
	defer stop()

	sub := createSubscription(t, base, token, fmt.Sprintf(`{"query": "Shoigu", "notify": {"type": "webhook", "url": %q, "secret": "whsec_c2VjcmV0"}}`, hook.URL+"/in"))
	if strings.Contains(sub.Notify.URL, "/in") {
		t.Errorf("the API shows the webhook URL: %q", sub.Notify.URL)
	}
	switchTo("wire.atom")
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	})
	if got[0] != "Sergéi Shoigu lands in Pyongyang ahead of leaders’ meeting" {
		t.Errorf("webhook got %q", got)
	}
	// The alert links to the subscription's own feed, which answers (it
	// was /feeds/@sub_ID.atom, a 404).
	mu.Lock()
	link := feedURL
	mu.Unlock()
	if link != sub.Feeds.Atom {
		t.Errorf("alert's feed_url %q, want the subscription's feed %q", link, sub.Feeds.Atom)
	}
	if r, err := http.Get(link); err != nil || r.StatusCode != 200 {
		t.Errorf("GET the alert's feed_url: %v %v", r, err)
	}
}

// TestSecondDaemonRefused: two daemons on one database both polled and
// both delivered the outbox, half the alerts twice. The second refuses to
// start; the commands that read go on working beside the first.
func TestSecondDaemonRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	writeConfig(t, path, "  - name: world\n    url: http://127.0.0.1:1/feed\n", "  - name: r\n    query: summit\n")
	_, stop := startDaemon(t, path)
	_, err := newDaemon(context.Background(), path, slog.New(slog.NewTextHandler(io.Discard, nil)), watcher.Options{})
	want := fmt.Sprintf("%s: the database is in use by another feedhound daemon (pid %d); stop it first, or give this one a data: file of its own",
		filepath.Join(dir, "feedhound.db"), os.Getpid())
	if err == nil || err.Error() != want {
		t.Fatalf("a second daemon: %v, want %q", err, want)
	}
	for _, args := range [][]string{{"notifications"}, {"token", "list"}, {"check"}} {
		var out, errOut strings.Builder
		if code := run(context.Background(), append(args, "--config", path), strings.NewReader(""), &out, &errOut); code != 0 {
			t.Errorf("feedhound %s beside the daemon: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
	}
	// Once the first has stopped, another may start.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = startDaemon(t, path)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer for a logger written by many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSourceCredentialsStayPrivate: a source URL with a password and an
// API key appeared on the public status page, in RSS <source url> and
// Atom <source><link>, in /api/v1/sources and in the logs.
func TestSourceCredentialsStayPrivate(t *testing.T) {
	atom, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "feeds", "wire.atom"))
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "newsroom" || pass != "PASSWORD1" || r.URL.Query().Get("apikey") != "KEY2" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write(atom)
	}))
	defer src.Close()
	secret := strings.Replace(src.URL, "http://", "http://newsroom:PASSWORD1@", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	writeConfig(t, path, fmt.Sprintf("  - name: wire\n    url: %[1]s/feed?apikey=KEY2&lang=en\n    allow_private_networks: true\n"+
		"  - name: missing\n    url: %[1]s/missing?apikey=KEY2\n    allow_private_networks: true\n", secret),
		"  - name: kim-putin\n    query: '\"Kim-Putin summit\"'\n")
	var token string
	withStore(t, dir, func(st *store.Store) {
		token, _ = st.CreateToken(context.Background(), store.TokenSpec{Name: "app", ReadOnly: false}, time.Now())
	})
	var logs syncBuffer
	base, stop := startDaemonLogging(t, path, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer stop()
	waitFor(t, func() bool { return len(titles(t, base+"/feeds/kim-putin.atom")) > 0 })
	waitFor(t, func() bool { return strings.Contains(get(t, base+"/status", ""), "HTTP 404") })

	shown := strings.TrimPrefix(src.URL, "http://")
	pages := map[string]string{
		"status page":     get(t, base+"/status", ""),
		"RSS":             get(t, base+"/feeds/kim-putin.rss", ""),
		"Atom":            get(t, base+"/feeds/kim-putin.atom", ""),
		"JSON Feed":       get(t, base+"/feeds/kim-putin.json", ""),
		"/api/v1/sources": get(t, base+"/api/v1/sources", token),
		"logs":            logs.String(),
	}
	for what, page := range pages {
		for _, leak := range []string{"PASSWORD1", "KEY2", "newsroom:"} {
			if strings.Contains(page, leak) {
				t.Errorf("the %s shows %q:\n%s", what, leak, page)
			}
		}
	}
	for what, want := range map[string]string{
		"status page":     shown + "/feed?apikey=REDACTED&amp;lang=en",
		"RSS":             `<source url="http://` + shown + `/feed?apikey=REDACTED&amp;lang=en">`,
		"/api/v1/sources": `"url":"http://` + shown + `/feed?apikey=REDACTED&lang=en"`,
	} {
		if !strings.Contains(pages[what], want) {
			t.Errorf("the %s lacks %s:\n%s", what, want, pages[what])
		}
	}
}

// get returns the body of a GET, with a bearer token if one is given.
func get(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestRuleBackfill: rules added to the file matched only new items; with
// backfill: 7d a new rule, or one whose query changed, also matches what
// is stored from that window, without alerts.
func TestRuleBackfill(t *testing.T) {
	url, _ := switchingSource(t, "wire.atom")
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	sources := fmt.Sprintf("  - name: world\n    url: %s\n    allow_private_networks: true\n", url)
	writeConfig(t, path, sources, "  - name: other\n    query: tennis\n")
	base, stop := startDaemon(t, path)
	defer func() { stop() }()
	waitFor(t, func() bool {
		return !strings.Contains(get(t, base+"/metrics", ""), `feedhound_polls_total{result="200"} 0`)
	}) // the wire is stored

	writeConfig(t, path, sources, "  - name: other\n    query: tennis\n"+
		"  - name: shoigu\n    query: Shoigu\n    backfill: 7d\n"+
		"  - name: shoigu-new\n    query: Shoigu\n")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, func() bool {
		r, err := http.Get(base + "/feeds/shoigu.atom")
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == 200
	})
	want := "Sergéi Shoigu lands in Pyongyang ahead of leaders’ meeting"
	if got := strings.Join(titles(t, base+"/feeds/shoigu.atom"), "|"); got != want {
		t.Errorf("backfilled rule's feed: %q, want %q", got, want)
	}
	if got := titles(t, base+"/feeds/shoigu-new.atom"); len(got) != 0 {
		t.Errorf("a rule without backfill matched stored stories: %q", got)
	}
	// A restart does not backfill again (the query is unchanged), and no
	// alert was written for the backfilled match.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	withStore(t, dir, func(st *store.Store) {
		if c, _ := st.NotificationCounts(context.Background()); len(c) != 0 {
			t.Errorf("alerts for a backfill: %v", c)
		}
		q, _ := st.RuleQueries(context.Background())
		if q["shoigu"] != "shoigu" || q["other"] != "tennis" {
			t.Errorf("recorded queries %v", q)
		}
	})
	base, stop = startDaemon(t, path)
	if got := titles(t, base+"/feeds/shoigu.atom"); len(got) != 1 {
		t.Errorf("after a restart: %q", got)
	}
}

// TestDaemonOnPostgres runs the main job on PostgreSQL: the filtered feed
// of a rule fills from two sources, and a restart republishes nothing.
func TestDaemonOnPostgres(t *testing.T) {
	data := pgtest.URL(t)
	fs := &feedServer{answers: map[int]int{}}
	src := httptest.NewServer(fs.handler(t))
	defer src.Close()
	path := filepath.Join(t.TempDir(), "feedhound.yaml")
	cfg := fmt.Sprintf("listen: 127.0.0.1:0\ndata: %s\nmin_interval: 1s\nallow_private_networks: true\nsources:\n"+
		"  - name: koreatimes\n    url: %[2]s/koreatimes.rss\n    schedule: '@every 1s'\n"+
		"  - name: wire\n    url: %[2]s/wire.atom\n    schedule: '@every 1s'\n"+
		"rules:\n  - name: kim-putin\n    query: '\"Kim-Putin summit\" OR (Kim NEAR/8 Putin AND summit)'\n", data, src.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "KIM—PUTIN SUMMIT: what to expect in Vladivostok|Kim Jong-un may visit Russia to meet Putin"
	base, stop := startDaemon(t, path)
	waitFor(t, func() bool { return sortedTitles(t, base+"/feeds/kim-putin.atom") == want })
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	base, stop = startDaemon(t, path)
	defer stop()
	_, nm0, _ := fs.counts()
	waitFor(t, func() bool { _, nm, _ := fs.counts(); return nm > nm0 }) // polled again, conditionally
	if got := sortedTitles(t, base+"/feeds/kim-putin.atom"); got != want {
		t.Errorf("after restart: %q, want %q", got, want)
	}
}

// getPage returns the body of a GET.
func getPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestImportReachesARunningDaemon: feedhound import, run beside a daemon
// on SQLite, adds sources the daemon polls without a reload.
func TestImportReachesARunningDaemon(t *testing.T) {
	t.Parallel() // it waits for the daemon to read the changes (10 s at most)
	var polled atomic.Int32
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polled.Add(1)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Imported</title><item><guid>i1</guid><title>Kim-Putin summit set</title></item></channel></rss>`)
	}))
	defer src.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.yaml")
	os.WriteFile(path, []byte("listen: 127.0.0.1:0\ndata: feedhound.db\nallow_private_networks: true\nrules:\n  - name: kim-putin\n    query: summit\n"), 0o644)
	base, stop := startDaemon(t, path)
	defer stop()
	opml := filepath.Join(dir, "export.opml")
	os.WriteFile(opml, []byte(`<opml version="2.0"><body><outline text="Imported wire" xmlUrl="`+src.URL+`/rss"/></body></opml>`), 0o644)
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"import", "--config", path, opml}, nil, &out, &errOut); code != exitMatch {
		t.Fatalf("import: exit %d: %s%s", code, out.String(), errOut.String())
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(titles(t, base+"/feeds/kim-putin.atom")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the imported source was not polled (%d requests)", polled.Load())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
