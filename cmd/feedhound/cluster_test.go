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
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/pgtest"
	"github.com/feedhound/feedhound/store"
)

// TestClusterOnPostgres runs three instances on one PostgreSQL database,
// with one configuration: the cluster polls a source about once per
// interval, not once per instance; every instance serves the same feed,
// with the same ETag, new matches included whoever made them; a
// subscription made through one instance's API is matched by the others'
// polls once it has stopped; and every alert goes out once.
func TestClusterOnPostgres(t *testing.T) {
	data := pgtest.URL(t)
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	token, err := st.CreateToken(ctx, store.TokenSpec{Name: "app", ReadOnly: false}, time.Now())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The wire's feed, counting its polls; it can switch to another file.
	var polls atomic.Int64
	var fixture atomic.Value
	fixture.Store("desk.rss")
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		b, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "feeds", fixture.Load().(string)))
		w.Write(b)
	}))
	defer src.Close()
	slackURL, sent := slackServer(t, nil)
	path := filepath.Join(t.TempDir(), "feedhound.yaml")
	// One configuration for all, behind one address (a load balancer's).
	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
base_url: https://feeds.example.org
data: %s
allow_private_networks: true
min_interval: 1s
sources:
  - name: wire
    url: %s/feed
    schedule: '@every 1s'
notifiers:
  - name: newsroom
    type: slack
    url: %s/services/T0/B0/secret
rules:
  - name: kim-putin
    query: '"Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit)'
    notify: [newsroom]
`, data, src.URL, slackURL)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var bases []string
	var stops []func()
	for range 3 {
		base, stop := startInstance(t, path)
		bases, stops = append(bases, base), append(stops, stop)
	}
	var want string
	waitFor(t, func() bool { want = sortedTitles(t, bases[0]+"/feeds/kim-putin.atom"); return want != "" })
	for _, base := range bases[1:] {
		waitFor(t, func() bool { return sortedTitles(t, base+"/feeds/kim-putin.atom") == want })
	}

	// Three seconds of polling every second: about three polls, not nine.
	p0 := polls.Load()
	time.Sleep(3 * time.Second)
	if n := polls.Load() - p0; n > 5 {
		t.Errorf("the cluster polled a source of 1 s %d times in 3 s", n)
	}

	// Each status page shows which instance polled the source last.
	resp, err := http.Get(bases[1] + "/status")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`<small class="muted">by [^<]+/\d+(-\d+)?</small>`).Match(page) {
		t.Errorf("the status page does not say which instance polled the source")
	}

	// The same feed from each, under the same ETag.
	var etags []string
	for _, base := range bases {
		resp, err := http.Get(base + "/feeds/kim-putin.atom")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		etags = append(etags, resp.Header.Get("ETag"))
	}
	if etags[0] == "" || etags[0] != etags[1] || etags[1] != etags[2] {
		t.Errorf("ETags %q", etags)
		for _, base := range bases {
			resp, err := http.Get(base + "/feeds/kim-putin.atom")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Logf("%s serves:\n%s", base, b)
		}
	}

	// A subscription made through the first instance is matched by the
	// cluster's next polls, whichever instance makes them.
	req, _ := http.NewRequest("POST", bases[0]+"/api/v1/subscriptions", strings.NewReader(`{"name": "Shoigu", "query": "Shoigu"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sub created
	json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	// The first instance stops: the others, which learned of the
	// subscription from the database, poll the new story.
	stops[0]()
	time.Sleep(1500 * time.Millisecond) // "within a second" on every instance
	fixture.Store("wire.atom")          // a feed with Shoigu's visit
	third := strings.Replace(sub.Feeds.Atom, "https://feeds.example.org", bases[2], 1)
	waitFor(t, func() bool { return strings.Contains(sortedTitles(t, third), "Shoigu") })

	// One alert per story, from three instances that all deliver.
	stories := titles(t, bases[1]+"/feeds/kim-putin.atom")
	waitFor(t, func() bool { return len(sent()) >= len(stories) })
	time.Sleep(2 * time.Second)
	got := sent()
	seen := map[string]bool{}
	for _, a := range got {
		if seen[a] {
			t.Errorf("sent twice: %q", a)
		}
		seen[a] = true
	}
	if len(got) != len(stories) {
		t.Errorf("%d alerts for %d stories: %q", len(got), len(stories), got)
	}

	// An instance started with other rules says so on its status page.
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte(cfg+"  - name: tennis\n    query: tennis\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	odd, _ := startInstance(t, other)
	waitFor(t, func() bool {
		resp, err := http.Get(odd + "/status")
		if err != nil {
			return false
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(page), "runs other sources or rules than")
	})
}

// startInstance starts a daemon of a cluster, stopped by stop or with the
// test, and returns the address it listens on (its base_url is the
// cluster's).
func startInstance(t *testing.T, path string) (base string, stop func()) {
	t.Helper()
	d, stopDaemon := runDaemon(t, path, quietLog)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			if err := stopDaemon(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(stop)
	return "http://" + d.ln.Addr().String(), stop
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))
