package feed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/fulltext"
)

func TestArticles(t *testing.T) {
	summit, _ := os.ReadFile(filepath.Join("..", "testdata", "articles", "summit.html"))
	var inFlight, peak atomic.Int32
	var robotsHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			robotsHits.Add(1)
			w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
		case strings.HasPrefix(r.URL.Path, "/story/"):
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(30 * time.Millisecond)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(summit)
		case r.URL.Path == "/data.json":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"a": 1}`))
		case r.URL.Path == "/private/memo":
			t.Error("a page robots.txt disallows was fetched")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	a := &Articles{Reader: &Reader{}}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			art, err := a.Fetch(ctx, srv.URL+"/story/"+string(rune('a'+i)))
			if err != nil || !strings.Contains(art.Text, "the last Kim-Putin summit") {
				t.Errorf("article %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 {
		t.Errorf("%d articles of one host fetched at once, want at most 2", p)
	}
	if n := robotsHits.Load(); n != 1 {
		t.Errorf("robots.txt read %d times, want once", n)
	}
	for path, want := range map[string]string{
		"/private/memo": "full text: robots.txt disallows it",
		"/gone":         "HTTP 404 Not Found",
		"/data.json":    "full text: not an HTML page (application/json)",
	} {
		if _, err := a.Fetch(ctx, srv.URL+path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if _, err := a.Fetch(ctx, "javascript:alert(1)"); err == nil {
		t.Error("a javascript: link was fetched")
	}
}

func TestWithArticle(t *testing.T) {
	it := Item{Summary: "<p>Hotels are full and roads closed.</p>", Text: "Hotels are full and roads closed."}
	WithArticle(&it, fulltext.Article{HTML: "<p>Police cordons appeared. The last Kim-Putin summit was here.</p>", Text: "Police cordons appeared. The last Kim-Putin summit was here."})
	if it.Text != "Hotels are full and roads closed.\n\nPolice cordons appeared. The last Kim-Putin summit was here." || !strings.Contains(it.Content, "Kim-Putin") || it.Summary == "" {
		t.Errorf("item %+v", it)
	}
}

// BenchmarkArticle is what full text costs per new item: one article
// (the 3 KB fixture, and a 150 KB one) fetched over loopback and
// extracted, robots.txt read once.
func BenchmarkArticle(b *testing.B) {
	for _, name := range []string{"summit.html", "long.html"} {
		page, _ := os.ReadFile(filepath.Join("..", "testdata", "articles", name))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
		}))
		a := &Articles{Reader: &Reader{}}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				if _, err := a.Fetch(context.Background(), srv.URL+"/story/x"); err != nil {
					b.Fatal(err)
				}
			}
		})
		srv.Close()
	}
}

// roundTrip serves requests without a network.
type roundTrip func(*http.Request) *http.Response

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r), nil }

// countingBody counts what is read of it.
type countingBody struct {
	r    io.Reader
	read *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}
func (countingBody) Close() error { return nil }

// TestRobotsBounded: of a 19 MiB robots.txt only its first 500 KiB are
// read (its rules there still hold), and the robots.txt of at most
// maxRobots sites are kept.
func TestRobotsBounded(t *testing.T) {
	var read atomic.Int64
	huge := "User-agent: *\nDisallow: /private/\n" + strings.Repeat("# padding padding padding padding\n", 19<<20/34)
	a := &Articles{Reader: &Reader{Client: &http.Client{Transport: roundTrip(func(r *http.Request) *http.Response {
		body := "<html><body><p>" + strings.Repeat("Words of an article about the summit. ", 20) + "</p></body></html>"
		ct := "text/html"
		if r.URL.Path == "/robots.txt" {
			body, ct = "User-agent: *\nDisallow: /private/\n", "text/plain"
			if r.URL.Host == "news.example" {
				body = huge
			}
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {ct}}, Body: countingBody{strings.NewReader(body), &read}, Request: r}
	})}}}
	ctx := t.Context()
	if _, err := a.Fetch(ctx, "https://news.example/private/memo"); err == nil || !strings.Contains(err.Error(), "robots.txt disallows it") {
		t.Errorf("got %v, want robots.txt to disallow it", err)
	}
	if n := read.Load(); n > maxRobotsBytes+64<<10 {
		t.Errorf("read %d bytes of robots.txt, want at most %d", n, maxRobotsBytes)
	}
	for i := range maxRobots + 10 {
		a.allowed(ctx, &url.URL{Scheme: "https", Host: fmt.Sprintf("site%d.example", i), Path: "/"})
	}
	if len(a.robots) != maxRobots || a.lru.Len() != maxRobots {
		t.Errorf("%d sites' robots.txt kept (%d in the list), want %d", len(a.robots), a.lru.Len(), maxRobots)
	}
	if _, ok := a.robots["https://news.example"]; ok {
		t.Error("the least recently used site was kept")
	}
}

// TestArticlesOfHugePagesAreBounded: four 20 MiB pages of 2.9 million
// small elements each, read at once as a poll reads them, took the heap to
// gigabytes; it stays under 200 MB above where it was: pages are read to
// 4 MiB and their first elements, one extraction per CPU at once. (The
// heap is sampled every few milliseconds: its peak, not its total.)
func TestArticlesOfHugePagesAreBounded(t *testing.T) {
	page := []byte("<html><body><article><p>" + strings.Repeat("Words of an article about the Kim-Putin summit. ", 40) + "</p>" + strings.Repeat("<i>x</i>", (20<<20-4096)/8) + "</article></body></html>")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	a := &Articles{Reader: &Reader{}, PerHost: 4}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	sampled := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			art, err := a.Fetch(t.Context(), fmt.Sprintf("%s/story/%d", srv.URL, i))
			if err != nil || !strings.Contains(art.Text, "Kim-Putin summit") {
				t.Errorf("article %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	runtime.ReadMemStats(&after)
	grew := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("allocated %d MB; the heap's peak %d MB above where it was", (after.TotalAlloc-before.TotalAlloc)>>20, grew>>20)
	if grew > 200<<20 {
		t.Errorf("the heap grew by %d MB reading four articles, want under 200 MB", grew>>20)
	}
}
