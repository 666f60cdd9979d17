package htmltext

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func elements(n *html.Node) int {
	c := 0
	if n.Type == html.ElementNode {
		c++
	}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c += elements(k)
	}
	return c
}

func TestParsePageCutsAtTheElementLimit(t *testing.T) {
	body := []byte("<p>a<b>b</b> 1 < 2 <!-- c --></p>" + strings.Repeat("<li>item</li>", 1000))
	p, err := ParsePage(body, "text/html; charset=utf-8", 100)
	if err != nil {
		t.Fatal(err)
	}
	// html, head and body come from the parser, beside the 100 read.
	if got := elements(p.Root); !p.Cut || got != 103 {
		t.Errorf("got %d elements, cut %v; want 103, cut", got, p.Cut)
	}
	p, err = ParsePage(body, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := elements(p.Root); p.Cut || got != 1005 {
		t.Errorf("got %d elements, cut %v; want 1005, not cut", got, p.Cut)
	}
	// EUC-KR is read as such before counting.
	p, err = ParsePage([]byte("<p>\xb1\xe8\xc1\xa4\xc0\xba</p>"), "text/html; charset=euc-kr", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Root.FirstChild.LastChild.FirstChild.FirstChild.Data; got != "김정은" {
		t.Errorf("got %q, want 김정은", got)
	}
}
