package htmltext

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

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

// referenceCollapse is collapse written the plain way, rune by rune, as it
// was before the ASCII fast path: the fast one must agree with it.
func referenceCollapse(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

func TestCollapseAgreesWithTheRuneByRuneWay(t *testing.T) {
	pieces := []string{"a", "Kim", " ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\u00a0", "\u200b", "\ufeff",
		"\u2003", "\u0085", "e", "\u0301", "é", "김", "-", "\xff", "<", "&amp;"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := collapse(s), referenceCollapse(s); got != want {
			t.Fatalf("collapse(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestFromHTMLFoldsSpaceAcrossTagsAndTexts(t *testing.T) {
	for in, want := range map[string]string{
		"<p> Kim </p>  <p>\tPutin\n</p>": "Kim Putin",
		"e<b>\u0301</b>t&eacute;":        "été",
		"<br><br>summit<br>":             "summit",
		"a&nbsp;&#x200b;b":               "a b",
	} {
		if got := FromHTML(in); got != want {
			t.Errorf("FromHTML(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCollapseKeepsCollapsedASCIIAsItIs(t *testing.T) {
	s := strings.Repeat("Kim Jong-un may visit Russia ", 3) + "end"
	got := collapse(s)
	if got != s || unsafe.StringData(got) != unsafe.StringData(s) {
		t.Errorf("collapse copied or changed %q", s)
	}
	for _, s := range []string{" lead", "trail ", "two  spaces", "tab\there"} {
		if collapsedASCII(s) {
			t.Errorf("collapsedASCII(%q) = true", s)
		}
	}
}
