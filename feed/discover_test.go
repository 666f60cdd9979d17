package feed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func discoverySite(t *testing.T) *httptest.Server {
	t.Helper()
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mux := http.NewServeMux()
	page := func(path, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(body))
		})
	}
	page("/news/", `<!doctype html><html><head><title>News</title>
<base href="/news/feeds/">
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Top stories (RSS)" href="top.rss">
<link rel="alternate" type="application/atom+xml" title="World" href="https://wire.example.org/world.atom">
<link rel="alternate" type="text/html" hreflang="ko" href="/ko/">
</head><body><link rel="alternate" type="application/rss+xml" href="/ignored.rss"></body></html>`)
	page("/sneaky/", `<!doctype html><html><head>
<link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/atom+xml" href="data:application/atom+xml,%3Cfeed/%3E">
<link rel="alternate" type="application/rss+xml" href="ftp://files.example/feed.rss">
</head><body></body></html>`)
	page("/blog/", `<!doctype html><html><head><title>A blog</title></head><body>No feed link here.</body></html>`)
	page("/empty-site/", `<html><head></head><body>Nothing.</body></html>`)
	mux.HandleFunc("/news/feeds/top.rss", func(w http.ResponseWriter, r *http.Request) { w.Write(fixture("koreatimes.rss")) })
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { w.Write(fixture("wire.atom")) })
	mux.HandleFunc("/feed.json", func(w http.ResponseWriter, r *http.Request) { w.Write(fixture("briefing.json")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscover(t *testing.T) {
	srv := discoverySite(t)
	var r Reader
	ctx := context.Background()

	links, err := r.Discover(ctx, srv.URL+"/news/")
	if err != nil {
		t.Fatal(err)
	}
	want := []Link{
		{URL: srv.URL + "/news/feeds/top.rss", Title: "Top stories (RSS)", Format: "rss"},
		{URL: "https://wire.example.org/world.atom", Title: "World", Format: "atom"},
	}
	if diff := cmp.Diff(want, links); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	// No link in the page: the common paths of the site.
	links, err = r.Discover(ctx, srv.URL+"/blog/")
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 || links[0].URL != srv.URL+"/feed" || links[0].Format != "atom" || links[0].Title != "Asia Wire — World" {
		t.Errorf("common paths: %+v", links)
	}
	// A feed is its own feed.
	links, err = r.Discover(ctx, srv.URL+"/feed.json")
	if err != nil || len(links) != 1 || links[0].Format != "json" || links[0].Title != "Daily Asia Briefing" {
		t.Errorf("a feed: %+v, %v", links, err)
	}
	// Reading a page reads the feed it links to.
	f, err := r.Read(ctx, srv.URL+"/news/")
	if err != nil || f.Title != "The Korea Times - North Korea" {
		t.Fatalf("Read of a page: %v, %v", f, err)
	}
}

func TestDiscoverNothing(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><head><title>Shop</title></head><body></body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var r Reader
	if _, err := r.Discover(context.Background(), srv.URL+"/"); !errors.Is(err, ErrNoFeed) {
		t.Errorf("Discover: %v, want ErrNoFeed", err)
	}
	_, err := r.Read(context.Background(), srv.URL+"/")
	if want := srv.URL + "/: not a feed (text/html, and no feed link in the page)"; err == nil || err.Error() != want {
		t.Errorf("Read: %v, want %s", err, want)
	}
}

// TestDiscoveryFollowsOnlyWebLinks: a page could point discovery at
// file:///etc/passwd, javascript: or data: and the source was accepted,
// and a source whose URL is not http(s) was then read as a local file.
func TestDiscoveryFollowsOnlyWebLinks(t *testing.T) {
	srv := discoverySite(t)
	var r Reader
	ctx := context.Background()
	// The page's links are all passed over; the site's own /feed is found.
	links, err := r.Discover(ctx, srv.URL+"/sneaky/")
	if err != nil || len(links) != 1 || links[0].URL != srv.URL+"/feed" {
		t.Errorf("discovery on a page of non-web feed links: %v %v, want only %s/feed", links, err, srv.URL)
	}
	if _, err := r.FeedFrom(ctx, &Response{URL: srv.URL + "/sneaky/", ContentType: "text/html",
		Body: []byte(`<html><head><link rel="alternate" type="application/rss+xml" href="file:///etc/passwd"></head></html>`)}); err == nil {
		t.Error("FeedFrom followed a file: link")
	}
	for _, src := range []string{"/etc/passwd", "file:///etc/passwd", "../testdata/feeds/koreatimes.rss"} {
		if _, err := r.Fetch(ctx, Request{URL: src}); err == nil || err.Error() != fmt.Sprintf("%q: only http and https URLs are read", src) {
			t.Errorf("Fetch(%s) without Files: %v", src, err)
		}
	}
	if _, err := (&Reader{Files: true}).Fetch(ctx, Request{URL: "../testdata/feeds/koreatimes.rss"}); err != nil {
		t.Errorf("a Reader that reads files: %v", err)
	}
}
