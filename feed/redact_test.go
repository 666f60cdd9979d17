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
