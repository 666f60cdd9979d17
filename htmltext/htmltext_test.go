package htmltext

import "testing"

func TestFromHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Kim Jong-un may visit Russia", "Kim Jong-un may visit Russia"},
		{"tags", "<p>Kim <b>Jong-un</b> may <a href=\"x\">visit</a> Russia</p>", "Kim Jong-un may visit Russia"},
		{"entities", "Kim&nbsp;Jong&#8209;un &amp; Putin &eacute;", "Kim Jong\u2011un & Putin é"},
		{"en dash entity", "the Kim&ndash;Putin summit", "the Kim–Putin summit"},
		{"blocks separate words", "<p>summit</p><p>talks</p>line<br>break", "summit talks line break"},
		{"inline joins words", "Kim<b>chi</b>", "Kimchi"},
		{"script dropped", "<script>alert('Putin')</script>News<style>p{}</style> here", "News here"},
		{"whitespace", "  a \n\t b\u00a0\u00a0c  ", "a b c"},
		{"nfc", "Serge\u0301i", "Sergéi"},
		{"malformed", "<p>open <b>bold", "open bold"},
		{"less-than text", "a < b", "a < b"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromHTML(tt.in); got != tt.want {
				t.Errorf("FromHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
