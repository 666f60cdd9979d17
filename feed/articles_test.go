package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
