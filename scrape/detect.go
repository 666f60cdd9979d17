package scrape

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/feedhound/feedhound/feed"
)

// minHeadline is how long, in characters, a link's text must be to pass
// for a headline: shorter ones are menu entries, page numbers, "more".
const minHeadline = 8

// chrome names the parts of a page that are not its list of stories.
var chrome = regexp.MustCompile(`(?i)(^|[-_ ])(nav|navbar|menu|gnb|lnb|snb|header|footer|foot|sidebar|side|aside|popular|most|ranking|rank|trending|breadcrumbs?|paging|pagination|pager|util|related|share|social|tags?|banner|ad|ads|promo|widget)([-_ ]|$)`)

// Detect finds the list of stories in a page — the repeated blocks that
// each hold a headline link — and returns the selectors that scrape it,
// leaving out navigation, paging, "most read" boxes and footers.
func Detect(p Page) (Selectors, error) {
	doc, _, err := parse(p)
	if err != nil {
		return Selectors{}, err
	}
	return detect(doc, p)
}

// group is a candidate list: the children of one element that share a
// tag and classes.
type group struct {
	parent  *html.Node
	sig     string
	members []*goquery.Selection
	score   float64
}

func detect(doc *goquery.Document, p Page) (Selectors, error) {
	var best *group
	doc.Find("body *").Each(func(_ int, s *goquery.Selection) {
		bySig := map[string][]*goquery.Selection{}
		var order []string
		s.Children().Each(func(_ int, c *goquery.Selection) {
			sig := signature(c.Get(0))
			if _, ok := bySig[sig]; !ok {
				order = append(order, sig)
			}
			bySig[sig] = append(bySig[sig], c)
		})
		for _, sig := range order {
			g := &group{parent: s.Get(0), sig: sig, members: bySig[sig]}
			if g.score = score(g, p); g.score > 0 && (best == nil || g.score > best.score) {
				best = g
			}
		}
	})
	if best == nil {
		return Selectors{}, feed.FormatErrorf("%s: scrape: no list of stories found (no three or more similar blocks with a headline link); give the selectors", feed.ShowURL(p.URL))
	}
	sel := Selectors{Item: path(best.parent) + " > " + best.sig}
	sel.Title = pickTitle(best.members)
	sel.Date = pickDate(best.members, p)
	sel.Summary = pickSummary(best.members, sel.Title)
	return sel, nil
}

// signature is an element's tag and sorted classes, as a CSS selector.
func signature(n *html.Node) string {
	classes := strings.Fields(attr(n, "class"))
	slices.Sort(classes)
	classes = slices.Compact(classes)
	var b strings.Builder
	b.WriteString(n.Data)
	for _, c := range classes {
		if cssIdent(c) {
			b.WriteString("." + c)
		}
	}
	return b.String()
}

var identRE = regexp.MustCompile(`^-?[_a-zA-Z][_a-zA-Z0-9-]*$`)

func cssIdent(s string) bool { return identRE.MatchString(s) }

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// headlineOf is a block's headline link, if it has one.
func headlineOf(s *goquery.Selection) *goquery.Selection {
	h := headline(s)
	if h.Length() == 0 || utf8.RuneCountInString(text(h)) < minHeadline {
		return nil
	}
	ref := strings.TrimSpace(href(h))
	if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(strings.ToLower(ref), "javascript:") {
		return nil
	}
	return h
}

// score rates a group as the page's list of stories: how many of its
// blocks hold a headline, how long the headlines are, whether they have
// dates and summaries; lists inside the page's chrome (navigation, "most
// read", footers) count for little.
func score(g *group, p Page) float64 {
	if len(g.members) < 3 {
		return 0
	}
	headlined, chars := 0, 0
	dated, summarized := 0, 0
	for _, m := range g.members {
		h := headlineOf(m)
		if h == nil {
			continue
		}
		headlined++
		chars += utf8.RuneCountInString(text(h))
		if hasDate(m, p) {
			dated++
		}
		if m.Find("p").Length() > 0 {
			summarized++
		}
	}
	if headlined < 3 || headlined*10 < len(g.members)*6 {
		return 0
	}
	s := float64(headlined) * float64(chars) / float64(headlined)
	if dated*2 >= headlined {
		s *= 3
	}
	if summarized*2 >= headlined {
		s *= 1.5
	}
	for n := g.parent; n != nil && n.Type == html.ElementNode; n = n.Parent {
		switch n.Data {
		case "nav", "header", "footer", "aside":
			s *= 0.1
		case "main", "article":
			s *= 1.5
		}
		if chrome.MatchString(attr(n, "class")) || chrome.MatchString(attr(n, "id")) {
			s *= 0.1
		}
	}
	if chrome.MatchString(g.sig) {
		s *= 0.1
	}
	return s
}

// hasDate reports whether a block shows a date.
func hasDate(s *goquery.Selection, p Page) bool {
	if s.Find("time").Length() > 0 {
		return true
	}
	found := false
	s.Find("*").EachWithBreak(func(_ int, e *goquery.Selection) bool {
		if e.Children().Length() == 0 {
			if t := text(e); utf8.RuneCountInString(t) < 40 {
				if _, ok := ParseDate(t, p.Location, p.Now); ok {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// path is a selector of an element: from its nearest ancestor with an id
// (or the body), the chain of tags and classes.
func path(n *html.Node) string {
	var parts []string
	for ; n != nil && n.Type == html.ElementNode; n = n.Parent {
		if id := attr(n, "id"); id != "" && cssIdent(id) {
			parts = append(parts, n.Data+"#"+id)
			break
		}
		if n.Data == "body" {
			break
		}
		parts = append(parts, signature(n))
	}
	slices.Reverse(parts)
	if len(parts) == 0 {
		return "body"
	}
	return strings.Join(parts, " > ")
}

// pickTitle chooses the selector of the headline link inside the blocks:
// the first of a few candidates that finds the headline in most of them.
func pickTitle(members []*goquery.Selection) string {
	var candidates []string
	for _, m := range members {
		h := headlineOf(m)
		if h == nil {
			continue
		}
		n := h.Get(0)
		if p := n.Parent; p != nil && p.Type == html.ElementNode && p != m.Get(0) {
			candidates = append(candidates, signature(p)+" "+signature(n), p.Data+" "+n.Data)
		}
		candidates = append(candidates, signature(n), n.Data)
		break
	}
	for _, c := range candidates {
		hits := 0
		for _, m := range members {
			h := headlineOf(m)
			// A candidate found in a block but not in another (its
			// headline elsewhere) counts no hit there.
			if f := m.Find(c).First(); h != nil && f.Length() > 0 && f.Get(0) == h.Get(0) {
				hits++
			}
		}
		if hits*10 >= len(members)*8 {
			return c
		}
	}
	return "" // the default: each block's headline link
}

// pickDate chooses the selector of the blocks' dates, if they have any.
func pickDate(members []*goquery.Selection, p Page) string {
	var candidates []string
	for _, m := range members {
		if m.Find("time").Length() > 0 {
			candidates = append(candidates, "time")
		}
		m.Find("*").Each(func(_ int, e *goquery.Selection) {
			if e.Children().Length() == 0 && utf8.RuneCountInString(text(e)) < 40 {
				if _, ok := ParseDate(text(e), p.Location, p.Now); ok {
					candidates = append(candidates, signature(e.Get(0)))
				}
			}
		})
	}
	for _, c := range slices.Compact(candidates) {
		hits := 0
		for _, m := range members {
			e := m.Find(c).First()
			raw := e.AttrOr("datetime", text(e))
			if _, ok := ParseDate(raw, p.Location, p.Now); ok {
				hits++
			}
		}
		if hits*10 >= len(members)*6 {
			return c
		}
	}
	return ""
}

// pickSummary chooses the selector of the blocks' summaries: a paragraph
// other than the headline, of some length, in most of them.
func pickSummary(members []*goquery.Selection, title string) string {
	var candidates []string
	for _, m := range members {
		m.Find("p, div").Each(func(_ int, e *goquery.Selection) {
			if utf8.RuneCountInString(text(e)) >= 30 && e.Find("a[href]").Length() == 0 && attr(e.Get(0), "class") != "" {
				candidates = append(candidates, signature(e.Get(0)))
			}
		})
	}
	for _, c := range slices.Compact(candidates) {
		hits := 0
		for _, m := range members {
			if utf8.RuneCountInString(text(m.Find(c).First())) >= 30 {
				hits++
			}
		}
		if hits*10 >= len(members)*6 && c != title {
			return c
		}
	}
	return ""
}

// Detected is a Scraper for a page whose selectors were found by Detect.
func Detected(p Page) (*Scraper, error) {
	sel, err := Detect(p)
	if err != nil {
		return nil, err
	}
	return Compile(sel)
}
