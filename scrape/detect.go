package scrape

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedhound/feedhound/feed"
)

// minHeadline is how long, in characters, a link's text must be to pass
// for a headline: shorter ones are menu entries, page numbers, "more".
const minHeadline = 8

// chrome names the parts of a page that are not its list of stories.
var chrome = regexp.MustCompile(`(?i)(^|[-_ ])(nav|navbar|menu|gnb|lnb|snb|header|footer|foot|sidebar|side|aside|popular|most|ranking|rank|trending|breadcrumbs?|paging|pagination|pager|util|related|share|social|tags?|banner|ad|ads|promo|widget)([-_ ]|$)`)

// Detect finds the list of stories in a page — the repeated blocks that
// each hold a headline link — and returns the selectors that scrape it,
// leaving out navigation, paging, "most read" boxes and footers. Its cost
// grows with the page's elements, which are bounded (see Page), not with
// their nesting; it stops when ctx ends.
func Detect(ctx context.Context, p Page) (Selectors, error) {
	doc, _, err := parse(p)
	if err != nil {
		return Selectors{}, err
	}
	t, err := newTree(&work{ctx: ctx}, doc.Get(0), true, p)
	if err != nil {
		return Selectors{}, pageError(p, err)
	}
	return t.detect(p)
}

// group is a candidate list: the children of one element that share a
// tag and classes.
type group struct {
	parent  *html.Node
	sig     string
	members []*html.Node
	score   float64
}

func (t *tree) detect(p Page) (Selectors, error) {
	var best *group
	if t.body != nil {
		bySig := map[string][]*html.Node{}
		var order []string
		// Every element inside the body is a candidate list's parent.
		err := t.descendants(t.body, func(c *html.Node) {
			clear(bySig)
			order = order[:0]
			for k := c.FirstChild; k != nil; k = k.NextSibling {
				if k.Type != html.ElementNode {
					continue
				}
				sig := signature(k)
				if _, ok := bySig[sig]; !ok {
					order = append(order, sig)
				}
				bySig[sig] = append(bySig[sig], k)
			}
			for _, sig := range order {
				g := &group{parent: c, sig: sig, members: bySig[sig]}
				if g.score = t.score(g); g.score > 0 && (best == nil || g.score > best.score) {
					g.members = slices.Clone(g.members)
					best = g
				}
			}
		})
		if err != nil {
			return Selectors{}, pageError(p, err)
		}
	}
	if best == nil {
		return Selectors{}, feed.FormatErrorf("%s: scrape: no list of stories found (no three or more similar blocks with a headline link); give the selectors", feed.ShowURL(p.URL))
	}
	sel := Selectors{Item: path(best.parent) + " > " + best.sig}
	var err error
	if sel.Title, err = t.pickTitle(best.members); err == nil {
		if sel.Date, err = t.pickDate(best.members, p); err == nil {
			sel.Summary, err = t.pickSummary(best.members, sel.Title)
		}
	}
	if err != nil {
		return Selectors{}, pageError(p, err)
	}
	return sel, nil
}

// pageError says which page could not be scraped, and why.
func pageError(p Page, err error) error {
	if errors.Is(err, ErrTooComplex) {
		return fmt.Errorf("%s: scrape: %w (more than %d elements visited)", feed.ShowURL(p.URL), err, maxWork)
	}
	return fmt.Errorf("%s: scrape: %w", feed.ShowURL(p.URL), err)
}

// signature is an element's tag and sorted classes, as a CSS selector:
// the classes a person wrote, not those a build generates (css-13mho3u,
// e15t083i0), which change with the site's next deploy.
func signature(n *html.Node) string {
	classes := strings.Fields(attr(n, "class"))
	slices.Sort(classes)
	classes = slices.Compact(classes)
	var b strings.Builder
	b.WriteString(n.Data)
	for _, c := range classes {
		if cssIdent(c) && !generated(c) {
			b.WriteString("." + c)
		}
	}
	return b.String()
}

// generatedPrefix starts the class names of CSS-in-JS libraries.
var generatedPrefix = regexp.MustCompile(`^(css|sc|jsx|emotion|styled|svelte|tw)-`)

// generated reports whether a class or id looks made by a build rather
// than a person: a CSS-in-JS prefix, or letters and digits mixed as hashes
// mix them ("e15t083i0", "ye6x8s"), not as words and numbers do
// ("col-md-6", "h3", "top10").
func generated(name string) bool {
	if generatedPrefix.MatchString(name) {
		return true
	}
	mixes := 0
	for i := 1; i < len(name); i++ {
		a, b := name[i-1], name[i]
		if isDigit(a) && isLetter(b) || isLetter(a) && isDigit(b) {
			mixes++
		}
	}
	return mixes >= 3
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

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
func (t *tree) headlineOf(n *html.Node) *html.Node {
	h := t.headline(n)
	if h == nil || t.textLength(h) < minHeadline {
		return nil
	}
	ref := strings.TrimSpace(t.href(h))
	if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(strings.ToLower(ref), "javascript:") {
		return nil
	}
	return h
}

// score rates a group as the page's list of stories: how many of its
// blocks hold a headline, how long the headlines are, whether they have
// dates and summaries; lists inside the page's chrome (navigation, "most
// read", footers) count for little.
func (t *tree) score(g *group) float64 {
	if len(g.members) < 3 {
		return 0
	}
	headlined, chars := 0, 0
	dated, summarized := 0, 0
	for _, m := range g.members {
		h := t.headlineOf(m)
		if h == nil {
			continue
		}
		headlined++
		chars += t.textLength(h)
		if f := t.facts[m]; f.hasDate {
			dated++
		}
		if t.facts[m].hasP {
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
	s *= t.facts[g.parent].chrome
	if chrome.MatchString(g.sig) {
		s *= 0.1
	}
	return s
}

// path is a selector of an element: from its nearest ancestor with an id
// (or the body), the chain of tags and classes.
func path(n *html.Node) string {
	var parts []string
	for ; n != nil && n.Type == html.ElementNode; n = n.Parent {
		if id := attr(n, "id"); id != "" && cssIdent(id) && !generated(id) {
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

// maxCandidates bounds the selectors tried for a list's titles, dates
// and summaries: each try reads every block.
const maxCandidates = 8

// candidates gathers distinct selectors in the order first seen, at most
// maxCandidates of them.
type candidates struct {
	seen  map[string]bool
	order []string
}

func (c *candidates) add(s string) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if len(c.order) < maxCandidates && !c.seen[s] {
		c.seen[s] = true
		c.order = append(c.order, s)
	}
}

// find is the first element inside m that sel matches, searched within
// the work's bounds.
func (t *tree) find(m *html.Node, sel cascadia.Sel) (*html.Node, error) {
	if err := t.w.add(t.facts[m].size); err != nil {
		return nil, err
	}
	return cascadia.Query(m, sel), nil
}

// descendants calls fn with each element inside m, in document order,
// within the work's bounds, and stops when its context ends.
func (t *tree) descendants(m *html.Node, fn func(*html.Node)) error {
	if err := t.w.add(t.facts[m].size); err != nil {
		return err
	}
	var err error
	seen := 0
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil && err == nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if seen++; seen%1024 == 0 {
				if err = t.w.ctx.Err(); err != nil {
					return
				}
			}
			fn(c)
			visit(c)
		}
	}
	visit(m)
	return err
}

// choose returns the first of the candidate selectors that finds, in
// enough of the blocks, a first element that good accepts; "" if none
// does.
func (t *tree) choose(members []*html.Node, cands []string, enough func(hits int) bool, good func(m, e *html.Node) bool) (string, error) {
	for _, c := range cands {
		sel, err := cascadia.Parse(c)
		if err != nil {
			continue
		}
		hits := 0
		for _, m := range members {
			e, err := t.find(m, sel)
			if err != nil {
				return "", err
			}
			if good(m, e) {
				hits++
			}
		}
		if enough(hits) {
			return c, nil
		}
	}
	return "", nil
}

// pickTitle chooses the selector of the headline link inside the blocks:
// the first of a few candidates that finds the headline in most of them.
func (t *tree) pickTitle(members []*html.Node) (string, error) {
	var cands candidates
	for _, m := range members {
		h := t.headlineOf(m)
		if h == nil {
			continue
		}
		if p := h.Parent; p != nil && p.Type == html.ElementNode && p != m {
			cands.add(signature(p) + " " + signature(h))
			cands.add(p.Data + " " + h.Data)
		}
		cands.add(signature(h))
		cands.add(h.Data)
		break
	}
	// A candidate found in a block but not in another (its headline
	// elsewhere) counts no hit there; "" is the default: each block's
	// headline link.
	return t.choose(members, cands.order, func(hits int) bool { return hits*10 >= len(members)*8 },
		func(m, e *html.Node) bool { h := t.headlineOf(m); return h != nil && e == h })
}

// maxDateText is the longest text read as a date when a candidate
// selector's element is tried: dates are short.
const maxDateText = 200

// pickDate chooses the selector of the blocks' dates, if they have any.
func (t *tree) pickDate(members []*html.Node, p Page) (string, error) {
	var cands candidates
	for _, m := range members {
		if t.facts[m].hasTime {
			cands.add("time")
		}
		if !t.facts[m].hasDate {
			continue
		}
		err := t.descendants(m, func(e *html.Node) {
			if t.facts[e].isDate {
				cands.add(signature(e))
			}
		})
		if err != nil {
			return "", err
		}
	}
	return t.choose(members, cands.order, func(hits int) bool { return hits*10 >= len(members)*6 },
		func(_, e *html.Node) bool {
			if e == nil {
				return false
			}
			raw, ok := attrOK(e, "datetime")
			if !ok {
				if t.textLength(e) > maxDateText {
					return false
				}
				raw = text(goquery.NewDocumentFromNode(e).Selection)
			}
			_, ok = ParseDate(raw, p.Location, p.Now)
			return ok
		})
}

// pickSummary chooses the selector of the blocks' summaries: a paragraph
// other than the headline, of some length, in most of them.
func (t *tree) pickSummary(members []*html.Node, title string) (string, error) {
	var cands candidates
	for _, m := range members {
		err := t.descendants(m, func(e *html.Node) {
			if (e.DataAtom == atom.P || e.DataAtom == atom.Div) && t.textLength(e) >= 30 && !t.facts[e].hasLink && attr(e, "class") != "" {
				cands.add(signature(e))
			}
		})
		if err != nil {
			return "", err
		}
	}
	others := slices.DeleteFunc(cands.order, func(c string) bool { return c == title })
	return t.choose(members, others, func(hits int) bool { return hits*10 >= len(members)*6 },
		func(_, e *html.Node) bool { return e != nil && t.textLength(e) >= 30 })
}

// Detected is a Scraper for a page whose selectors were found by Detect.
func Detected(ctx context.Context, p Page) (*Scraper, error) {
	sel, err := Detect(ctx, p)
	if err != nil {
		return nil, err
	}
	return Compile(sel)
}
