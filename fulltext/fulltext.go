// Package fulltext finds the article in a news page — its main text,
// without menus, share bars, "related" boxes and footers, which mention
// every trending topic — so that rules can match what a feed's teaser
// leaves out. It does no I/O: the page comes fetched.
//
// The extraction is go-readability's (the readeck fork, a port of
// Mozilla's Readability.js): on our fixtures it keeps the same text as
// go-trafilatura, two to three times as fast, with far fewer
// dependencies (docs/benchmarks-history.md).
package fulltext

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"

	"github.com/feedhound/feedhound/htmltext"
)

// minText is the least text, in characters, that counts as an article.
const minText = 200

// MaxElements is the most elements of a page read for its article: an
// article page has a few thousand, and its text comes before most of
// them. A page past it is cut there, so that the memory and time of an
// extraction do not grow with a hostile page's size.
const MaxElements = 30_000

// ErrNoArticle is returned for a page without an article: a list, an
// index, a page that needs scripts to show anything.
var ErrNoArticle = errors.New("no article text found in the page")

// Article is the main text of a page.
type Article struct {
	HTML string // the article's markup, links made absolute
	Text string // its plain text, as rules match it
}

// Extract finds the article of a page, read in its charset (HTTP, BOM or
// <meta>), its first MaxElements elements at most.
func Extract(body []byte, contentType, pageURL string) (Article, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return Article{}, fmt.Errorf("page URL: %w", err)
	}
	page, err := htmltext.ParsePage(body, contentType, MaxElements)
	if err != nil {
		return Article{}, err
	}
	p := readability.NewParser()
	a, err := p.ParseAndMutate(page.Root, u)
	if err != nil {
		return Article{}, ErrNoArticle
	}
	var h strings.Builder
	if err := a.RenderHTML(&h); err != nil {
		return Article{}, err
	}
	out := Article{HTML: h.String(), Text: htmltext.FromHTML(h.String())}
	if utf8.RuneCountInString(out.Text) < minText {
		return Article{}, ErrNoArticle
	}
	return out, nil
}
