package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readFixture(t *testing.T, name string) *Feed {
	t.Helper()
	r := Reader{Files: true}
	f, err := r.Read(context.Background(), filepath.Join("..", "testdata", "feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReadFormats(t *testing.T) {
	tests := []struct {
		file, format, title string
		items               int
	}{
		{"koreatimes.rss", "rss", "The Korea Times - North Korea", 4},
		{"wire.atom", "atom", "Asia Wire — World", 3},
		{"asia.rdf", "rss", "Asia headlines (ko/ja)", 3},
		{"briefing.json", "json", "Daily Asia Briefing", 9},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := readFixture(t, tt.file)
			if f.Format != tt.format || f.Title != tt.title || len(f.Items) != tt.items {
				t.Errorf("got format %q, title %q, %d items; want %q, %q, %d", f.Format, f.Title, len(f.Items), tt.format, tt.title, tt.items)
			}
			for _, it := range f.Items {
				if it.ID == "" || it.Title == "" {
					t.Errorf("item %+v has no ID or title", it)
				}
			}
		})
	}
}

func TestNormalizeRSS(t *testing.T) {
	f := readFixture(t, "koreatimes.rss")
	got := f.Items[0]
	got.Summary, got.Content = "", ""
	want := Item{
		ID:         "kt-372101",
		Title:      "Kim Jong-un may visit Russia to meet Putin",
		Link:       "https://www.koreatimes.co.kr/www/nation/2026/09/103_372101.html",
		Authors:    []string{"Jung Da-min"},
		Categories: []string{"North Korea", "Diplomacy"},
		Published:  time.Date(2026, 9, 8, 9, 12, 0, 0, time.FixedZone("", 9*3600)),
		Text: "North Korean leader Kim Jong-un may travel to Vladivostok this month for the upcoming Kim–Putin summit, officials in Seoul said on Tuesday. " +
			"The unification ministry said preparations for the Kim-Putin summit appeared to be under way, citing an armoured train spotted near the border.",
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("item (-want +got):\n%s", diff)
	}
	// No guid: the link is the ID, resolved against the site link.
	last := f.Items[3]
	if want := "https://www.koreatimes.co.kr/www/nation/2026/09/103_372080.html"; last.Link != want || last.ID != want {
		t.Errorf("relative link resolved to %q, ID %q; want %q for both", last.Link, last.ID, want)
	}
	if !strings.Contains(last.Text, "Russia — including any summit — closely") {
		t.Errorf("entities in description not decoded: %q", last.Text)
	}
}

func TestNormalizeAtomAndJSON(t *testing.T) {
	wire := readFixture(t, "wire.atom")
	a := wire.Items[0]
	if a.Title != "KIM—PUTIN SUMMIT: what to expect in Vladivostok" || a.Authors[0] != "Anna Kovács" {
		t.Errorf("atom item: title %q, authors %q", a.Title, a.Authors)
	}
	if want := "Analysts expect arms and food to top the agenda at the Kim\u2011Putin talks. The Kremlin has not confirmed dates."; a.Text != want {
		t.Errorf("atom text = %q, want %q", a.Text, want)
	}
	if b := wire.Items[1]; b.Published.IsZero() || !b.Published.Equal(b.Updated) {
		t.Errorf("entry with only <updated>: published %v, updated %v; want published = updated", b.Published, b.Updated)
	}
	js := readFixture(t, "briefing.json")
	j := js.Items[0]
	if j.ID != "brief-2026-09-08-01" || j.Authors[0] != "Łukasz Nowak" || len(j.Categories) != 2 {
		t.Errorf("json item: %+v", j)
	}
	if !strings.Contains(j.Text, "Kim Jong\u2011un and Vladimir Putin") || !strings.Contains(j.Text, "What we know about the planned Kim-Putin meeting.") {
		t.Errorf("json text should hold summary and content: %q", j.Text)
	}
	if js.Items[1].Text == "" {
		t.Error("content_text item has no text")
	}
}

func TestStableIDWithoutGUIDOrLink(t *testing.T) {
	doc := []byte(`<rss version="2.0"><channel><title>t</title>
<item><title>Kim-Putin summit set</title><description>Both sides confirmed.</description></item>
<item><title>Another story</title><description>Different.</description></item>
</channel></rss>`)
	f1, err := Parse(doc, "mem")
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := Parse(doc, "mem")
	if f1.Items[0].ID != f2.Items[0].ID || !strings.HasPrefix(f1.Items[0].ID, "sha256:") {
		t.Errorf("IDs %q, %q: want equal content hashes", f1.Items[0].ID, f2.Items[0].ID)
	}
	if f1.Items[0].ID == f1.Items[1].ID {
		t.Error("different items share an ID")
	}
}

func TestReadErrors(t *testing.T) {
	page, _ := os.ReadFile(filepath.Join("..", "testdata", "feeds", "notafeed.html"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/busy":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			w.Write(page)
		case "/empty":
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2048)))
		}
	}))
	defer srv.Close()
	tests := []struct {
		src, want string
	}{
		{srv.URL + "/missing", srv.URL + "/missing: HTTP 404 Not Found"},
		{srv.URL + "/busy", srv.URL + "/busy: HTTP 429 Too Many Requests, retry after 120s"},
		{srv.URL + "/page", srv.URL + "/page: not a feed (text/html, and no feed link in the page)"},
		{srv.URL + "/empty", srv.URL + "/empty: empty response"},
		{srv.URL + "/big", srv.URL + "/big: response larger than 1 KiB"},
		{"../testdata/feeds/broken.rss", "../testdata/feeds/broken.rss: parse: XML syntax error on line 8: unexpected EOF"},
		{"../testdata/feeds/nonexistent.rss", "open ../testdata/feeds/nonexistent.rss: no such file or directory"},
	}
	r := Reader{MaxBytes: 1024, Files: true}
	for _, tt := range tests {
		_, err := r.Read(context.Background(), tt.src)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Read(%s) error = %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestConditionalGET(t *testing.T) {
	body, _ := os.ReadFile(filepath.Join("..", "testdata", "feeds", "koreatimes.rss"))
	var sawUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawUA = r.UserAgent()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	}))
	defer srv.Close()
	r := Reader{Files: true}
	first, err := r.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil || first.Status != 200 || first.ETag != `"v1"` {
		t.Fatalf("first fetch: %+v, %v", first, err)
	}
	second, err := r.Fetch(context.Background(), Request{URL: srv.URL, ETag: first.ETag})
	if err != nil || second.Status != http.StatusNotModified || len(second.Body) != 0 {
		t.Fatalf("conditional fetch: %+v, %v; want 304 with no body", second, err)
	}
	if !strings.HasPrefix(sawUA, "feedhound/") {
		t.Errorf("User-Agent %q does not name feedhound", sawUA)
	}
}

// TestUnchangedBody: a server that sends no validators answers 200 with
// the same body; a request naming the last body's hash gets Unchanged and
// no body, a changed body or one from another URL comes back whole, and
// reusing the buffer of an unchanged body never changes a body kept.
func TestUnchangedBody(t *testing.T) {
	version := "one"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/feed", http.StatusFound)
			return
		}
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>%s</title></channel></rss>`, version)
	}))
	defer srv.Close()
	var r Reader
	ctx := context.Background()
	first, err := r.Fetch(ctx, Request{URL: srv.URL + "/feed"})
	if err != nil || first.Unchanged || first.BodyHash != HashBody(first.Body) || len(first.Body) == 0 {
		t.Fatalf("first fetch: %+v, %v", first, err)
	}
	kept := string(first.Body)
	for range 3 {
		same, err := r.Fetch(ctx, Request{URL: srv.URL + "/feed", BodyHash: first.BodyHash})
		if err != nil || !same.Unchanged || same.Body != nil || same.Status != 200 || same.BodyHash != first.BodyHash {
			t.Fatalf("same body: %+v, %v; want Unchanged without a body", same, err)
		}
	}
	if string(first.Body) != kept {
		t.Fatalf("a body kept was overwritten: %q", first.Body)
	}
	moved, err := r.Fetch(ctx, Request{URL: srv.URL + "/moved", BodyHash: first.BodyHash})
	if err != nil || moved.Unchanged || string(moved.Body) != kept {
		t.Fatalf("the same body from another URL: %+v, %v; want it whole", moved, err)
	}
	version = "two"
	changed, err := r.Fetch(ctx, Request{URL: srv.URL + "/feed", BodyHash: first.BodyHash})
	if err != nil || changed.Unchanged || !strings.Contains(string(changed.Body), "two") || changed.BodyHash == first.BodyHash {
		t.Fatalf("changed body: %+v, %v", changed, err)
	}
}

func TestPollingHints(t *testing.T) {
	if f := readFixture(t, "koreatimes.rss"); f.TTL != 10*time.Minute {
		t.Errorf("TTL = %v, want 10m from <ttl>", f.TTL)
	}
	if f := readFixture(t, "wire.atom"); f.TTL != 0 {
		t.Errorf("atom TTL = %v, want 0", f.TTL)
	}
	body, _ := os.ReadFile(filepath.Join("..", "testdata", "feeds", "wire.atom"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/older", http.StatusMovedPermanently)
		case "/older":
			http.Redirect(w, r, "/feed", http.StatusPermanentRedirect)
		case "/temp":
			http.Redirect(w, r, "/old", http.StatusFound)
		case "/feed":
			w.Header().Set("Cache-Control", "public, max-age=600")
			w.Write(body)
		}
	}))
	defer srv.Close()
	r := Reader{Files: true}
	tests := []struct {
		path  string
		moved bool
	}{
		{"/old", true}, {"/temp", false}, {"/feed", false},
	}
	for _, tt := range tests {
		resp, err := r.Fetch(context.Background(), Request{URL: srv.URL + tt.path})
		if err != nil {
			t.Fatal(err)
		}
		if resp.URL != srv.URL+"/feed" || resp.Moved != tt.moved || resp.MaxAge != 10*time.Minute {
			t.Errorf("%s: URL %s, moved %v, max-age %v; want %s/feed, %v, 10m", tt.path, resp.URL, resp.Moved, resp.MaxAge, srv.URL, tt.moved)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	now := time.Date(2026, 9, 8, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"120", 2 * time.Minute, true},
		{"Tue, 08 Sep 2026 12:05:00 GMT", 5 * time.Minute, true},
		{"Tue, 08 Sep 2026 11:00:00 GMT", 0, true},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := (&StatusError{RetryAfter: tt.header}).RetryDelay(now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryDelay(%q) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the parser: it must return a feed or
// an error, never panic, and stay within its limits.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"koreatimes.rss", "wire.atom", "asia.rdf", "briefing.json", "broken.rss"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("<rss><channel><item><title>" + strings.Repeat("<x>", 2000)))
	f.Add([]byte("\xFF\xFE<\x00r\x00s\x00s\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := Parse(data, "fuzz")
		if err == nil && feed == nil {
			t.Fatal("no feed and no error")
		}
	})
}

func TestUnusualDates(t *testing.T) {
	tests := []struct {
		raw  string
		want time.Time
	}{
		{"Tue, 08 Sep 2026 09:12:00 +0900", time.Date(2026, 9, 8, 0, 12, 0, 0, time.UTC)},
		{"Tue, 8 Sep 2026 09:12 KST", time.Date(2026, 9, 8, 0, 12, 0, 0, time.UTC)},
		{"8 Sep 2026 18:40:00 MSK", time.Date(2026, 9, 8, 15, 40, 0, 0, time.UTC)},
		{"2026-09-08 09:12:00 +0900", time.Date(2026, 9, 8, 0, 12, 0, 0, time.UTC)},
		{"2026/09/08 09:12", time.Date(2026, 9, 8, 9, 12, 0, 0, time.UTC)},
		{"Tuesday, September 8, 2026 9:12 AM", time.Date(2026, 9, 8, 9, 12, 0, 0, time.UTC)},
		{"1788826320", time.Date(2026, 9, 8, 0, 12, 0, 0, time.UTC)},
		{"soon", time.Time{}},
	}
	for _, tt := range tests {
		f, err := Parse([]byte(`<rss version="2.0"><channel><title>t</title><item><title>x</title><pubDate>`+tt.raw+`</pubDate></item></channel></rss>`), "x")
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Items[0].Published; !got.Equal(tt.want) {
			t.Errorf("pubDate %q = %v, want %v", tt.raw, got, tt.want)
		}
	}
}
