package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"github.com/feedhound/feedhound/internal/testkit"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/fulldisk"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 9, 8, 6, 0, 0, 0, time.UTC)

const testConfig = `
base_url: http://127.0.0.1:8080
sources:
  - name: koreatimes
    url: https://www.koreatimes.co.kr/www/rss/nation.xml
  - name: wire
    url: https://wire.example.org/world.atom
rules:
  - name: kim-putin
    query: '"Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit)'
  - name: quiet
    query: '"no such story"'
`

// testStore is an empty store, closed with the test, and testConfig and
// its plan.
func testStore(t testing.TB) (*store.Store, *config.Config, *watcher.Plan) {
	t.Helper()
	st := testkit.OpenStore(t, filepath.Join(t.TempDir(), "db"))
	c, err := config.Parse([]byte(testConfig), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := watcher.NewPlan(c, watcher.Dynamic{})
	if err != nil {
		t.Fatal(err)
	}
	return st, c, p
}

// fixture is a store with two matches of kim-putin, one with hostile HTML.
func fixture(t testing.TB) (*Server, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, c, p := testStore(t)
	// The Korea Times' feed has been read and has a title; the wire's
	// has not, so its items name it as the configuration does.
	err := st.SaveSource(ctx, store.Source{Name: "koreatimes", ConfigURL: "https://www.koreatimes.co.kr/www/rss/nation.xml",
		URL: "https://www.koreatimes.co.kr/www/rss/nation.xml", Title: "The Korea Times: North Korea", LastPoll: t0})
	if err != nil {
		t.Fatal(err)
	}
	hit := func(term string) []rules.Hit {
		return []rules.Hit{{Term: term, Field: rules.FieldTitle, Start: 0, End: 3}}
	}
	_, err = st.Record(ctx, "koreatimes", []store.NewItem{{
		Item: feed.Item{
			ID: "kt-372101", Title: "Kim Jong-un may visit Russia to meet Putin",
			Link:    "https://www.koreatimes.co.kr/www/nation/2026/09/103_372101.html",
			Authors: []string{"Jung Da-min"}, Categories: []string{"North Korea", "Diplomacy"},
			Published: t0.Add(-3 * time.Hour),
			Summary:   `<p>Kim may travel to Vladivostok for the upcoming Kim&ndash;Putin summit.</p>`,
			Content:   `<p>Kim may travel to Vladivostok for the upcoming <b>Kim–Putin summit</b>.</p><script>alert(1)</script><p onclick="steal()">Officials said so.</p><a href="javascript:alert(2)">more</a>`,
			Text:      "Kim may travel to Vladivostok for the upcoming Kim–Putin summit. Officials said so. more",
		},
		Matches: []store.Match{{Rule: "kim-putin", Hits: hit(`"kim putin summit"`)}},
	}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Record(ctx, "wire", []store.NewItem{{
		Item: feed.Item{
			ID: "tag:wire.example.org,2026:a1001", Title: "KIM—PUTIN SUMMIT: what to expect",
			Link:    "https://wire.example.org/world/a1001",
			Authors: []string{"Anna Kovács"}, Published: t0.Add(-time.Hour), Updated: t0.Add(-50 * time.Minute),
			Summary: "Arms & food top the agenda.",
			Text:    "Arms & food top the agenda.",
		},
		Matches: []store.Match{{Rule: "kim-putin", Hits: hit(`"kim putin summit"`)}},
	}}, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	srv := New(st, func() *watcher.Plan { return p }, c.BaseURL, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return srv, st
}

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGolden(t *testing.T) {
	srv, _ := fixture(t)
	goldenFeeds(t, srv.Handler(), "kim-putin", "kim-putin")
}

// goldenFeeds holds a rule's feeds, in every format, to the golden files
// testdata/NAME.EXT; -update rewrites them.
func goldenFeeds(t *testing.T, h http.Handler, rule, name string) {
	for _, ext := range []string{"rss", "atom", "json"} {
		t.Run(ext, func(t *testing.T) {
			resp := get(t, h, "/feeds/"+rule+"."+ext)
			got := body(t, resp)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, got)
			}
			golden := filepath.Join("testdata", name+"."+ext)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s (run go test ./server -update to accept):\n%s", ext, golden, got)
			}
		})
	}
}

func TestFeedsParseInReaders(t *testing.T) {
	srv, _ := fixture(t)
	h := srv.Handler()
	var ids [][]string
	for _, ext := range []string{"rss", "atom", "json"} {
		resp := get(t, h, "/feeds/kim-putin."+ext)
		want := map[string]string{"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8", "json": "application/feed+json; charset=utf-8"}[ext]
		if ct := resp.Header.Get("Content-Type"); ct != want {
			t.Errorf("%s: Content-Type %q, want %q", ext, ct, want)
		}
		f, err := gofeed.NewParser().ParseString(body(t, resp))
		if err != nil {
			t.Fatalf("%s does not parse: %v", ext, err)
		}
		var got []string
		var feedIDs []string
		for _, it := range f.Items {
			got = append(got, it.Title)
			feedIDs = append(feedIDs, it.GUID)
			if it.GUID == "" || it.Link == "" || it.PublishedParsed == nil {
				t.Errorf("%s: item %q lacks id, link or date", ext, it.Title)
			}
			if strings.Contains(it.Content+it.Description, "<script") || strings.Contains(it.Content, "onclick") || strings.Contains(it.Content, "javascript:") {
				t.Errorf("%s: unsanitised HTML in %q: %s", ext, it.Title, it.Content)
			}
		}
		if strings.Join(got, "|") != "KIM—PUTIN SUMMIT: what to expect|Kim Jong-un may visit Russia to meet Putin" {
			t.Errorf("%s items = %q, newest match first", ext, got)
		}
		ids = append(ids, feedIDs)
	}
	// The same item has the same id in every format.
	for _, other := range ids[1:] {
		if strings.Join(other, " ") != strings.Join(ids[0], " ") {
			t.Errorf("ids differ between formats: %v and %v", ids[0], other)
		}
	}
	if ids[0][0] != entryID("wire", "tag:wire.example.org,2026:a1001") {
		t.Errorf("entry id %q is not derived from source and guid", ids[0][0])
	}
}

func TestEmptyFeeds(t *testing.T) {
	srv, _ := fixture(t)
	h := srv.Handler()
	js := body(t, get(t, h, "/feeds/quiet.json"))
	if !strings.Contains(js, `"items": []`) || !strings.Contains(js, `"feed_url": "http://127.0.0.1:8080/feeds/quiet.json"`) {
		t.Errorf("empty JSON Feed:\n%s", js)
	}
	for _, ext := range []string{"rss", "atom"} {
		if _, err := gofeed.NewParser().ParseString(body(t, get(t, h, "/feeds/quiet."+ext))); err != nil {
			t.Errorf("empty %s does not parse: %v", ext, err)
		}
	}
}

func TestHTTPCaching(t *testing.T) {
	srv, st := fixture(t)
	h := srv.Handler()
	first := get(t, h, "/feeds/kim-putin.atom")
	etag, modified := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if etag == "" || modified != "Tue, 08 Sep 2026 06:01:00 GMT" {
		t.Fatalf("ETag %q, Last-Modified %q", etag, modified)
	}
	if r := get(t, h, "/feeds/kim-putin.atom", "If-None-Match", etag); r.StatusCode != http.StatusNotModified || body(t, r) != "" {
		t.Errorf("If-None-Match: status %d, want 304 and no body", r.StatusCode)
	}
	if r := get(t, h, "/feeds/kim-putin.atom", "If-Modified-Since", modified); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: status %d, want 304", r.StatusCode)
	}
	if r := get(t, h, "/feeds/kim-putin.atom", "If-None-Match", `"stale"`); r.StatusCode != 200 {
		t.Errorf("stale ETag: status %d, want 200", r.StatusCode)
	}
	// gzip when asked for.
	gz := get(t, h, "/feeds/kim-putin.atom", "Accept-Encoding", "gzip, br")
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("no gzip for Accept-Encoding: gzip")
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, []byte(body(t, get(t, h, "/feeds/kim-putin.atom")))) {
		t.Error("gzipped body differs from the plain one")
	}
	// A new match changes the feed once the server is told.
	st.Record(context.Background(), "wire", []store.NewItem{{
		Item:    feed.Item{ID: "a2", Title: "Summit dates set", Link: "https://wire.example.org/a2", Published: t0},
		Matches: []store.Match{{Rule: "kim-putin"}},
	}}, t0.Add(time.Hour))
	// One instance is told by Invalidate; instances sharing PostgreSQL
	// follow the database's version of the matches, and see it at once.
	want, what := http.StatusNotModified, "before Invalidate the cached render is served"
	if st.Shared() {
		want, what = http.StatusOK, "on a shared database the new match is served before Invalidate"
	}
	if r := get(t, h, "/feeds/kim-putin.atom", "If-None-Match", etag); r.StatusCode != want {
		t.Errorf("%s: %d", what, r.StatusCode)
	}
	srv.Invalidate("kim-putin")
	r := get(t, h, "/feeds/kim-putin.atom", "If-None-Match", etag)
	if r.StatusCode != 200 || !strings.Contains(body(t, r), "Summit dates set") {
		t.Errorf("after Invalidate: status %d, want 200 with the new entry", r.StatusCode)
	}
}

func TestRequests(t *testing.T) {
	srv, _ := fixture(t)
	h := srv.Handler()
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/feeds/nope.rss", 404, `no rule named "nope"`},
		{"/feeds/kim-putin.xml", 404, ""},
		{"/feeds/kim-putin", 404, ""},
		{"/feeds/kim-putin.rss?limit=1", 200, "<item>"},
		{"/feeds/kim-putin.rss?limit=0", 400, "limit must be a number from 1 to 500"},
		{"/feeds/kim-putin.rss?limit=501", 400, "limit must be a number from 1 to 500"},
		{"/healthz", 200, "ok"},
		{"/feeds.opml", 200, `<outline type="rss" text="kim-putin" title="feedhound: kim-putin" xmlUrl="http://127.0.0.1:8080/feeds/kim-putin.atom" htmlUrl="http://127.0.0.1:8080/"></outline>`},
		{"/status", 200, `<a href="feeds/kim-putin.rss">RSS</a>` /* relative: works behind a proxy at a path */},
		{"/nothing", 404, ""},
		{"/sources/nope.rss", 404, `no source named "nope"`},
		{"/sources/koreatimes.rss", 200, "<title>Kim Jong-un may visit Russia to meet Putin</title>"},
		{"/sources/koreatimes.atom", 200, "<title>feedhound: source koreatimes</title>"},
		{"/sources.opml", 200, `xmlUrl="http://127.0.0.1:8080/sources/koreatimes.atom"`},
		{"/status", 200, `<a href="sources/koreatimes.rss">RSS</a>`},
	}
	for _, tt := range tests {
		resp := get(t, h, tt.path)
		got := body(t, resp)
		if resp.StatusCode != tt.status || !strings.Contains(got, tt.want) {
			t.Errorf("GET %s: %d %q; want %d containing %q", tt.path, resp.StatusCode, got, tt.status, tt.want)
		}
	}
	if n := strings.Count(body(t, get(t, h, "/feeds/kim-putin.rss?limit=1")), "<item>"); n != 1 {
		t.Errorf("limit=1 gave %d items", n)
	}
	status := body(t, get(t, h, "/status"))
	for _, want := range []string{"koreatimes", "wire", "never", `"kim putin summit" OR (kim NEAR/8 putin AND summit)`} {
		if !strings.Contains(status, want) && !strings.Contains(status, strings.ReplaceAll(want, `"`, "&#34;")) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(status, "<script") {
		t.Error("status page has a script")
	}
}

func TestJSONItemsAlwaysHaveContent(t *testing.T) {
	srv, st := fixture(t)
	st.Record(context.Background(), "wire", []store.NewItem{{
		Item:    feed.Item{ID: "bare", Title: "김정은, 푸틴과 정상회담", Link: "https://asia.example.jp/ko-1", Published: t0},
		Matches: []store.Match{{Rule: "kim-putin"}},
	}}, t0.Add(2*time.Hour))
	srv.Invalidate("kim-putin")
	js := body(t, get(t, srv.Handler(), "/feeds/kim-putin.json"))
	if !strings.Contains(js, `"content_text": "김정은, 푸틴과 정상회담"`) {
		t.Errorf("an item with no text has no content:\n%s", js)
	}
}

func TestStatusPageShowsFailures(t *testing.T) {
	srv, st := fixture(t)
	ctx := context.Background()
	failing, _ := st.EnsureSource(ctx, "wire", "https://wire.example.org/world.atom")
	failing.LastPoll, failing.LastStatus, failing.Failures, failing.FailingSince = t0, "error", 3, t0.Add(-time.Hour)
	failing.LastError = "https://wire.example.org/world.atom: HTTP 503 Service Unavailable, retry after 120s"
	failing.NextPoll = t0.Add(2 * time.Minute)
	gone, _ := st.EnsureSource(ctx, "koreatimes", "https://www.koreatimes.co.kr/www/rss/nation.xml")
	gone.Gone, gone.LastStatus = true, "410"
	failing.FullTextFetched, failing.FullTextFailed, failing.FullTextError = 5, 2, "https://wire.example.org/a9: HTTP 404 Not Found"
	st.SaveSources(ctx, []store.Source{failing, gone})
	st.Record(ctx, "wire", []store.NewItem{{
		Item:    feed.Item{ID: "alerted", Title: "Summit dates set", Link: "https://wire.example.org/a3", Published: t0},
		Matches: []store.Match{{Rule: "kim-putin", Notify: []string{"newsroom"}}},
	}}, t0)
	pending, _, _ := st.NextNotification(ctx, "newsroom")
	st.Failed(ctx, []int64{pending.ID}, 1, "HTTP 404: channel_not_found")
	page := body(t, get(t, srv.Handler(), "/status"))
	for _, want := range []string{
		"HTTP 503 Service Unavailable, retry after 120s</span><br><small>failing since ",
		"(2026-09-08 05:00:00 UTC), 3 failures in a row</small>",
		`<p class="summary bad" id="summary">1 of 2 sources failing · 1 gone · 1 alert failed</p>`,
		"gone (HTTP 410): polling stopped",
		"full text: 2 of 5 articles not read (https://wire.example.org/a9: HTTP 404 Not Found); their feed's text is used",
		"2026-09-08 06:02:00 UTC",
		"0 pending, 0 delivered, 1 failed.",
		"kim-putin → newsroom</td><td>Summit dates set</td>",
		"HTTP 404: channel_not_found</span> (1 attempt)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(page, "These are the newest") {
		t.Error("the page says it leaves failed alerts out when it lists them all")
	}

	// More failed alerts than the page lists: it says how many, and how
	// to see them all.
	var items []store.NewItem
	for i := range statusFailed {
		items = append(items, store.NewItem{
			Item:    feed.Item{ID: fmt.Sprint("more-", i), Title: fmt.Sprint("Story ", i), Link: fmt.Sprint("https://wire.example.org/m", i), Published: t0},
			Matches: []store.Match{{Rule: "kim-putin", Notify: []string{"newsroom"}}},
		})
	}
	st.Record(ctx, "wire", items, t0)
	for range statusFailed {
		n, _, _ := st.NextNotification(ctx, "newsroom")
		st.Failed(ctx, []int64{n.ID}, 2, "HTTP 404: channel_not_found")
	}
	page = body(t, get(t, srv.Handler(), "/status"))
	want := fmt.Sprintf("These are the newest %d of %d failed alerts: <code>feedhound notifications --failed --limit %d</code> lists them all.", statusFailed, statusFailed+1, statusFailed+1)
	if !strings.Contains(page, want) || !strings.Contains(page, "(2 attempts)") {
		t.Errorf("status page with %d failed alerts lacks %q or the plural", statusFailed+1, want)
	}
}

func TestSubscriptionFeeds(t *testing.T) {
	_, st := fixture(t)
	ctx := context.Background()
	sub, err := st.CreateSubscription(ctx, store.Subscription{Name: "Moon Jae-in watch", Query: `"Kim-Putin summit"`}, t0)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := config.Parse([]byte(testConfig), "test.yaml")
	p, err := watcher.NewPlan(c, watcher.Dynamic{Subscriptions: []store.Subscription{sub}})
	if err != nil {
		t.Fatal(err)
	}
	st.Record(ctx, "wire", []store.NewItem{{
		Item:    feed.Item{ID: "s1", Title: "Kim-Putin summit dates set", Link: "https://wire.example.org/s1", Published: t0},
		Matches: []store.Match{{Rule: sub.Rule()}},
	}}, t0)
	srv := New(st, func() *watcher.Plan { return p }, "http://127.0.0.1:8080", slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := srv.Handler()

	resp := get(t, h, "/feeds/s/"+sub.FeedToken+".atom")
	page := body(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("subscription feed: %d %s", resp.StatusCode, page)
	}
	// Its URL is its secret: no shared cache may keep it.
	if cc := resp.Header.Get("Cache-Control"); cc != "private, max-age=60" {
		t.Errorf("subscription feed's Cache-Control: %q, want private", cc)
	}
	if cc := get(t, h, "/feeds/kim-putin.atom").Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("a rule's feed's Cache-Control: %q, want public", cc)
	}
	f, err := gofeed.NewParser().ParseString(page)
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "feedhound: Moon Jae-in watch" || len(f.Items) != 1 || f.Items[0].Title != "Kim-Putin summit dates set" {
		t.Errorf("feed %q with %d items", f.Title, len(f.Items))
	}
	if !strings.Contains(page, `<link href="http://127.0.0.1:8080/feeds/s/`+sub.FeedToken+`.atom" rel="self"`) {
		t.Errorf("self link is not the capability URL:\n%s", page)
	}
	for _, path := range []string{"/feeds/s/wrong-token.atom", "/feeds/" + sub.Rule() + ".atom", "/feeds/s/" + sub.FeedToken + ".xml"} {
		if r := get(t, h, path); r.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
	if opml := body(t, get(t, h, "/feeds.opml")); strings.Contains(opml, sub.ID) || strings.Contains(opml, sub.FeedToken) {
		t.Error("the OPML list shows a subscription")
	}
	status := body(t, get(t, h, "/status"))
	if !strings.Contains(status, "And 1 subscription made through the API") || strings.Contains(status, sub.FeedToken) {
		t.Error("the status page shows a subscription's feed or misses the count")
	}
}

// TestHealthAndStatusShowTheDatabase: the data directory deleted while
// feedhound runs went unnoticed, and every write was lost at the restart.
func TestHealthAndStatusShowTheDatabase(t *testing.T) {
	srv, st := fixture(t)
	if st.Shared() {
		t.Skip("a data directory deleted is SQLite's case; the SQLite run tests it")
	}
	h := srv.Handler()
	if r := get(t, h, "/healthz"); r.StatusCode != 200 {
		t.Fatalf("healthz: %d", r.StatusCode)
	}
	dir := filepath.Dir(st.DatabasePath())
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	r := get(t, h, "/healthz")
	if got := body(t, r); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(got, "is gone") {
		t.Errorf("healthz with the database deleted: %d %q", r.StatusCode, got)
	}
	r = get(t, h, "/status")
	// The page is still read through the connections open on the deleted
	// file; it says what is wrong first (or, if it cannot read at all,
	// answers 503 with it).
	got := body(t, r)
	if !strings.Contains(got, "database file ") || !strings.Contains(got, "is gone") ||
		r.StatusCode == 200 && !strings.Contains(got, `<p class="error" role="alert"><strong>database file `) {
		t.Errorf("the status page does not say what is wrong: %d\n%s", r.StatusCode, got)
	}
}

func TestStatusShowsAFullDisk(t *testing.T) {
	disk := fulldisk.Mount(t, 4<<20)
	st, err := store.Open(context.Background(), filepath.Join(disk, "feedhound.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, _ := watcher.NewPlan(&config.Config{}, watcher.Dynamic{})
	h := New(st, func() *watcher.Plan { return p }, "http://x", slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	free := fulldisk.Fill(t, disk)
	defer free()
	if err := st.SaveSource(context.Background(), store.Source{Name: "wire", LastPoll: t0}); err == nil {
		t.Fatal("a write succeeded on a full disk")
	}
	r := get(t, h, "/healthz")
	if got := body(t, r); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(got, "database cannot be written since") {
		t.Errorf("healthz on a full disk: %d %q", r.StatusCode, got)
	}
	r = get(t, h, "/status")
	if got := body(t, r); r.StatusCode != 200 || !strings.Contains(got, `<p class="error" role="alert"><strong>database cannot be written since`) {
		t.Errorf("the status page does not say the disk is full: %d\n%s", r.StatusCode, got)
	}
}

// TestFeedCacheIsBounded: asking for every ?limit= of every format kept a
// render of each (3,000 renders, 42 MB -> 662 MB), and concurrent misses
// each rendered the feed again.
func TestFeedCacheIsBounded(t *testing.T) {
	srv, _ := fixture(t)
	h := srv.Handler()
	for _, ext := range []string{"rss", "atom", "json"} {
		for n := 1; n <= MaxLimit; n += 7 {
			if r := get(t, h, fmt.Sprintf("/feeds/kim-putin.%s?limit=%d", ext, n)); r.StatusCode != 200 {
				t.Fatalf("limit %d: %d", n, r.StatusCode)
			}
		}
	}
	if n, _ := srv.cache.stats(); n > 3 {
		t.Errorf("%d renders kept after asking for every limit, want at most one per format", n)
	}
	for _, ext := range []string{"rss", "atom", "json"} {
		get(t, h, "/feeds/kim-putin."+ext)
	}
	before := srv.rendered.Load()
	for _, ext := range []string{"rss", "atom", "json"} {
		get(t, h, "/feeds/kim-putin."+ext)
	}
	if n := srv.rendered.Load() - before; n != 0 {
		t.Errorf("the default feeds were rendered %d more times, want 0: they are cached", n)
	}

	// However many feeds are asked for, the cache keeps to its size.
	srv.cache = newFeedCache(3000)
	for _, ext := range []string{"rss", "atom", "json"} {
		get(t, h, "/feeds/kim-putin."+ext)
	}
	if n, size := srv.cache.stats(); size > 3000 || n == 0 || n == 3 {
		t.Errorf("a cache of 3000 bytes keeps %d renders, %d bytes; want some but not all", n, size)
	}

	// Concurrent requests for a feed not yet rendered share one render.
	srv.Invalidate("kim-putin")
	srv.renderHook = func() { time.Sleep(300 * time.Millisecond) } // all 20 ask while it renders
	before = srv.rendered.Load()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if r := get(t, h, "/feeds/kim-putin.atom"); r.StatusCode != 200 {
				t.Errorf("concurrent request: %d", r.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := srv.rendered.Load() - before; n != 1 {
		t.Errorf("20 concurrent requests made %d renders", n)
	}
}

// TestOnlyWebLinksRepublished: javascript:, data: and other links of an
// item passed into RSS <link>, Atom href and JSON Feed url.
func TestOnlyWebLinksRepublished(t *testing.T) {
	srv, st := fixture(t)
	h := srv.Handler()
	_, err := st.Record(context.Background(), "wire", []store.NewItem{
		{Item: feed.Item{ID: "js", Title: "Summit scripted", Link: "javascript:alert(document.cookie)", Published: t0}, Matches: []store.Match{{Rule: "kim-putin"}}},
		{Item: feed.Item{ID: "data", Title: "Summit data", Link: "data:text/html,<script>alert(1)</script>", Published: t0}, Matches: []store.Match{{Rule: "kim-putin"}}},
		{Item: feed.Item{ID: "vb", Title: "Summit vb", Link: "vbscript:msgbox", Published: t0}, Matches: []store.Match{{Rule: "kim-putin"}}},
	}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv.Invalidate("kim-putin")
	for _, ext := range []string{"rss", "atom", "json"} {
		got := body(t, get(t, h, "/feeds/kim-putin."+ext))
		if !strings.Contains(got, "Summit scripted") {
			t.Fatalf("%s lacks the entry:\n%s", ext, got)
		}
		for _, bad := range []string{"javascript:", "data:text", "vbscript:"} {
			if strings.Contains(got, bad) {
				t.Errorf("%s carries a %s link:\n%s", ext, bad, got)
			}
		}
	}
}

// TestLargeItemsRenderOnceAndBounded: items stored before feedhound
// bounded them, of 18 MB each, made every request render 111 MB again
// (past the cache's size). A feed's render now stops at maxRender of
// text, is kept, and every reader shares it.
func TestLargeItemsRenderOnceAndBounded(t *testing.T) {
	srv, st := fixture(t)
	h := srv.Handler()
	huge := "<p>" + strings.Repeat("Delegates met again in Vladivostok for another round. ", 18<<20/54) + "</p>"
	for i := range 6 {
		_, err := st.Record(context.Background(), "wire", []store.NewItem{{
			Item:    feed.Item{ID: fmt.Sprintf("huge-%d", i), Title: "Kim-Putin summit, the full record", Link: fmt.Sprintf("https://wire.example.org/huge/%d", i), Published: t0.Add(time.Duration(i) * time.Minute), Content: huge, Text: "Kim-Putin summit"},
			Matches: []store.Match{{Rule: "kim-putin"}},
		}}, t0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
	}
	srv.Invalidate("kim-putin")
	before := srv.rendered.Load()
	for range 3 {
		r := get(t, h, "/feeds/kim-putin.json")
		if n := len(body(t, r)); r.StatusCode != 200 || n > maxRender+1<<20 {
			t.Fatalf("status %d, %d bytes; want 200 and at most %d", r.StatusCode, n, maxRender+1<<20)
		}
	}
	if n := srv.rendered.Load() - before; n != 1 {
		t.Errorf("3 requests made %d renders, want 1", n)
	}
}
