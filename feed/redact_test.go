package feed

import "testing"

func TestShowURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://user:PASSWORD@host.example/feed?apikey=KEY", "http://host.example/feed?apikey=REDACTED"},
		{"https://feeds.example/rss?keyword=putin&page=2", "https://feeds.example/rss?keyword=putin&page=2"},
		{"https://feeds.example/rss?q=Kim+Putin&access_token=abc&Signature=x%2By&X-Amz-Credential=AKIA", "https://feeds.example/rss?q=Kim+Putin&access_token=REDACTED&Signature=REDACTED&X-Amz-Credential=REDACTED"},
		{"https://feeds.example/rss?client-secret=s&api_key=k&auth=a&session_id=1&token", "https://feeds.example/rss?client-secret=REDACTED&api_key=REDACTED&auth=REDACTED&session_id=REDACTED&token"},
		{"https://user@feeds.example/", "https://feeds.example/"},
		{"https://www.koreatimes.co.kr/www/rss/nation.xml", "https://www.koreatimes.co.kr/www/rss/nation.xml"},
		{"testdata/feeds/koreatimes.rss", "testdata/feeds/koreatimes.rss"},
		{"http://user:pa ss@host.example/%zz?token=1", "http://host.example/REDACTED"},
	}
	for _, tt := range tests {
		if got := ShowURL(tt.in); got != tt.want {
			t.Errorf("ShowURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestItemLinksAreWebLinks(t *testing.T) {
	rss := `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>javascript:void(0)</link>
<item><title>Summit opens</title><link>javascript:alert(1)</link><guid>a</guid></item>
<item><title>Talks</title><link>data:text/html,hi</link><guid>b</guid></item>
<item><title>Talks end</title><link>/world/3</link><guid>c</guid></item>
</channel></rss>`
	f, err := Parse([]byte(rss), "https://wire.example/rss")
	if err != nil {
		t.Fatal(err)
	}
	if f.Link != "" {
		t.Errorf("feed link %q", f.Link)
	}
	for i, want := range []string{"", "", "https://wire.example/world/3"} {
		if f.Items[i].Link != want {
			t.Errorf("item %d link %q, want %q", i, f.Items[i].Link, want)
		}
	}
}
