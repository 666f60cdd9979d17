package scrape

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ErrTooComplex is the error of a page and selectors whose scraping would
// cost more than the limits allow: selectors that search inside every
// element of a deep page, or items nested in each other hundreds deep.
var ErrTooComplex = errors.New("the page is too complex for these selectors")

// maxWork bounds the elements a scrape visits, all searches together:
// some seconds of CPU at most. A page of the usual shape costs a few
// times its elements.
const maxWork = 20_000_000

// facts are what a page's list detection and default headlines need of
// an element, computed for every element in one pass from the leaves up,
// so that no question about a block costs more than a look-up.
type facts struct {
	size int // elements in the subtree, the element's own included
	// below is the sum of the sizes of the elements inside, sibs that of
	// the number of siblings of each: what searching each element inside
	// for its descendants, or counting its siblings, costs.
	below, sibs int
	text        textLen
	// Of the element's descendants, in document order: the first link
	// under a heading (anywhere above it), the link with the longest text
	// (the first of them), the first heading, the first link.
	headingLink, longestLink, firstHeading, firstLink *html.Node
	longest                                           int
	hasP, hasTime, hasLink                            bool
	// hasDate: a descendant <time>, or a descendant without elements
	// inside whose short text reads as a date (only when dates are
	// looked for).
	hasDate, isDate bool
	inHeading       bool       // under an h1-h6
	linkAbove       *html.Node // the nearest a[href] above, or the element itself
	chrome          float64    // how much a list here counts: less inside navigation and footers
}

// textLen is the length of an element's text as text() gives it — words
// joined by one space — built from its parts.
type textLen struct {
	runes, words    int  // runes that are not space, and words
	any, start, end bool // any rune at all; begins and ends inside a word
}

func (t textLen) n() int { return t.runes + max(t.words-1, 0) }

func (t textLen) then(u textLen) textLen {
	switch {
	case !t.any:
		return u
	case !u.any:
		return t
	}
	w := t.words + u.words
	if t.end && u.start {
		w--
	}
	return textLen{runes: t.runes + u.runes, words: w, any: true, start: t.start, end: u.end}
}

func measure(s string) textLen {
	var t textLen
	inWord := false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if i == 0 {
			t.any, t.start = true, !space
		}
		if !space {
			t.runes++
			if !inWord {
				t.words++
			}
		}
		inWord = !space
	}
	t.end = inWord
	return t
}

// work counts what a scrape visits, checks the context now and then, and
// stops at maxWork.
type work struct {
	ctx   context.Context
	spent int
}

func (w *work) add(n int) error {
	before := w.spent
	w.spent += n
	if w.spent > maxWork {
		return ErrTooComplex
	}
	if before>>10 != w.spent>>10 {
		return w.ctx.Err()
	}
	return nil
}

// tree is a parsed page with the facts of its elements.
type tree struct {
	root  *html.Node
	body  *html.Node
	facts map[*html.Node]*facts
	w     *work
}

// newTree computes the facts of every element of root; for detection, it
// also rates the chrome around each and reads the short texts of
// elements without elements inside as dates (the costly parts).
func newTree(w *work, root *html.Node, detecting bool, p Page) (*tree, error) {
	t := &tree{root: root, facts: map[*html.Node]*facts{}, w: w}
	var err error
	// above is what n inherits from the elements above it.
	var visit func(n *html.Node, above facts) *facts
	visit = func(n *html.Node, above facts) *facts {
		if err = w.add(1); err != nil {
			return nil
		}
		f := &facts{size: 1, inHeading: above.inHeading, linkAbove: above.linkAbove, chrome: above.chrome}
		isLink := n.DataAtom == atom.A && hasAttr(n, "href")
		if isLink {
			f.linkAbove = n
		}
		if detecting {
			f.chrome *= chromeFactor(n)
		}
		if n.DataAtom == atom.Body && t.body == nil {
			t.body = n
		}
		t.facts[n] = f
		kids := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				f.text = f.text.then(measure(c.Data))
			case html.ElementNode:
				kids++
				cf := visit(c, facts{inHeading: f.inHeading || heading(n), linkAbove: f.linkAbove, chrome: f.chrome})
				if cf == nil {
					return nil
				}
				f.merge(c, cf)
			}
		}
		f.sibs += kids * kids
		if kids == 0 && detecting && f.text.n() < 40 {
			_, f.isDate = ParseDate(strings.Join(strings.Fields(text1(n)), " "), p.Location, p.Now)
		}
		return f
	}
	visit(root, facts{chrome: 1})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// merge takes in the child c, whose facts are cf, and its descendants.
func (f *facts) merge(c *html.Node, cf *facts) {
	f.size += cf.size
	f.below += cf.size + cf.below
	f.sibs += cf.sibs
	f.text = f.text.then(cf.text)
	if c.DataAtom == atom.A && hasAttr(c, "href") {
		f.hasLink = true
		f.firstLink = cmpFirst(f.firstLink, c)
		if cf.inHeading && f.headingLink == nil {
			f.headingLink = c
		}
		if l := cf.text.n(); l > f.longest {
			f.longestLink, f.longest = c, l
		}
	}
	if heading(c) {
		f.firstHeading = cmpFirst(f.firstHeading, c)
	}
	f.hasP = f.hasP || c.DataAtom == atom.P || cf.hasP
	f.hasTime = f.hasTime || c.DataAtom == atom.Time || cf.hasTime
	f.hasDate = f.hasDate || cf.isDate || cf.hasDate || c.DataAtom == atom.Time
	f.hasLink = f.hasLink || cf.hasLink
	f.headingLink = cmpFirst(f.headingLink, cf.headingLink)
	f.firstHeading = cmpFirst(f.firstHeading, cf.firstHeading)
	f.firstLink = cmpFirst(f.firstLink, cf.firstLink)
	if cf.longest > f.longest {
		f.longestLink, f.longest = cf.longestLink, cf.longest
	}
}

// cmpFirst keeps a, the earlier in document order, unless it is nil.
func cmpFirst(a, b *html.Node) *html.Node {
	if a != nil {
		return a
	}
	return b
}

func heading(n *html.Node) bool {
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// text1 is the text of an element without elements inside.
func text1(n *html.Node) string {
	var s string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			s += c.Data
		}
	}
	return s
}

// chromeFactor is how much a list inside n counts: little inside
// navigation, headers, footers and asides, or what their classes and ids
// name so; more inside <main> and <article>.
func chromeFactor(n *html.Node) float64 {
	f := 1.0
	switch n.DataAtom {
	case atom.Nav, atom.Header, atom.Footer, atom.Aside:
		f *= 0.1
	case atom.Main, atom.Article:
		f *= 1.5
	}
	if c := attr(n, "class"); c != "" && chrome.MatchString(c) {
		f *= 0.1
	}
	if id := attr(n, "id"); id != "" && chrome.MatchString(id) {
		f *= 0.1
	}
	return f
}

// headline is an element's default headline: its first link under a
// heading, else its link with the longest text, else its first heading.
func (t *tree) headline(n *html.Node) *html.Node {
	f := t.facts[n]
	switch {
	case f == nil:
		return nil
	case f.headingLink != nil:
		return f.headingLink
	case f.longestLink != nil:
		// A card that is one link — a kicker, the headline, a summary, a
		// byline — is titled by the heading inside it.
		if h := t.facts[f.longestLink].firstHeading; h != nil && t.textLength(h) >= minHeadline {
			return h
		}
		return f.longestLink
	}
	return f.firstHeading
}

// href is an element's link: its own, that of the first link inside it,
// or that of the link it is in.
func (t *tree) href(n *html.Node) string {
	if v, ok := attrOK(n, "href"); ok {
		return v
	}
	f := t.facts[n]
	if f == nil {
		return ""
	}
	if f.firstLink != nil {
		return attr(f.firstLink, "href")
	}
	if f.linkAbove != nil {
		return attr(f.linkAbove, "href")
	}
	return ""
}

func attrOK(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// textLength is the length in runes of an element's text as text() gives
// it.
func (t *tree) textLength(n *html.Node) int {
	if f := t.facts[n]; f != nil {
		return f.text.n()
	}
	return utf8.RuneCountInString(text1(n))
}
