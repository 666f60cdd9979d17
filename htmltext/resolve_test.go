package htmltext

import (
	"net/url"
	"testing"
)

func TestResolveURLs(t *testing.T) {
	base, _ := url.Parse("https://news.example/world/2026/09/story.html")
	tests := []struct{ in, want string }{
		{`<p>See <a href="/rel/link">the map</a> and <img src="pics/map.png" alt="map"></p>`,
			`<p>See <a href="https://news.example/rel/link">the map</a> and <img src="https://news.example/world/2026/09/pics/map.png" alt="map"></p>`},
		{`<a href="https://other.example/x">abs</a> <a href="#notes">notes</a> &amp; more`, `<a href="https://other.example/x">abs</a> <a href="#notes">notes</a> &amp; more`},
		{`<img srcset="a.png 1x, /b.png 2x">`, `<img srcset="https://news.example/world/2026/09/a.png 1x, https://news.example/b.png 2x">`},
		{`<a href="//cdn.example/p.png">cdn</a>`, `<a href="https://cdn.example/p.png">cdn</a>`},
		{`plain text, no tags`, `plain text, no tags`},
	}
	for _, tt := range tests {
		if got := ResolveURLs(tt.in, base); got != tt.want {
			t.Errorf("ResolveURLs(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if got := ResolveURLs(`<a href="/x">x</a>`, nil); got != `<a href="/x">x</a>` {
		t.Errorf("without a base: %q", got)
	}
}
