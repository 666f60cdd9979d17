package fulltext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func article(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "articles", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExtractLeavesOutTheChrome(t *testing.T) {
	a, err := Extract(article(t, "summit.html"), "text/html", "https://daily.example/world/vladivostok")
	if err != nil {
		t.Fatal(err)
	}
	// The phrase is in the fourth paragraph, once; the ticker, trending
	// box and footer that also carry it are left out.
	if n := strings.Count(a.Text, "Kim-Putin summit"); n != 1 {
		t.Errorf("%d Kim-Putin summits in the text, want the article's one:\n%s", n, a.Text)
	}
	for _, chrome := range []string{"Share on Facebook", "Trending now", "Related stories", "All rights reserved", "Politics"} {
		if strings.Contains(a.Text, chrome) {
			t.Errorf("the text keeps %q", chrome)
		}
	}
	if !strings.Contains(a.HTML, `src="https://daily.example/img/photo.jpg"`) {
		t.Errorf("the article's image is not made absolute:\n%s", a.HTML)
	}
	// A story on another subject, beside a "trending" box and a footer
	// that name the summit, does not mention it.
	k, err := Extract(article(t, "kimchi.html"), "text/html", "https://daily.example/business/kimchi")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(k.Text, "Kim-Putin") || !strings.Contains(k.Text, "kimchi exports rose 12 percent") {
		t.Errorf("the kimchi story's text:\n%s", k.Text)
	}
}

func TestExtractRefusesPagesWithoutAnArticle(t *testing.T) {
	page := []byte(`<html><head><title>Index</title></head><body><ul><li><a href="/a">One</a></li><li><a href="/b">Two</a></li></ul></body></html>`)
	if _, err := Extract(page, "text/html", "https://daily.example/"); err != ErrNoArticle {
		t.Errorf("an index page: %v, want ErrNoArticle", err)
	}
}

func BenchmarkExtract(b *testing.B) {
	page := article(b, "long.html")
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, err := Extract(page, "text/html; charset=utf-8", "https://daily.example/world/long"); err != nil {
			b.Fatal(err)
		}
	}
}
