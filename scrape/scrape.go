// Package scrape makes a feed of a web page that has none: its items are
// found by CSS selectors, or, without them, by looking for the page's list
// of stories — repeated blocks that each hold a headline link. It does no
// I/O: the page comes fetched, through the guarded reader.
package scrape

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/htmltext"
)

// Selectors say where a page's items and their parts are. Item is needed;
// the others are looked for inside each item, and default to what is
// usual: the title is the item's first headline link, the link is the
// title's.
type Selectors struct {
	Item    string `json:"item"`
	Title   string `json:"title,omitempty"`
	Link    string `json:"link,omitempty"`
	Date    string `json:"date,omitempty"`
	Summary string `json:"summary,omitempty"`
	Author  string `json:"author,omitempty"`
	Image   string `json:"image,omitempty"`
}

// IsZero reports whether no selector is given: the items are to be found.
func (s Selectors) IsZero() bool { return s == Selectors{} }

// SelectorError is a selector that does not parse.
type SelectorError struct {
	Field string // "item", "title", ...
	Err   error
}

func (e *SelectorError) Error() string {
	return fmt.Sprintf("%s selector: %v", e.Field, e.Err)
}

// Scraper scrapes pages with compiled selectors. Make one with Compile; it
// is safe for concurrent use.
type Scraper struct {
	sel                                             Selectors
	item, title, link, date, summary, author, image goquery.Matcher
	// costs are what matching each selector costs beyond the element
	// itself, by field.
	costs map[string]selectorCost
}

// Compile checks and compiles selectors. An empty Item is an error; use
// Detect for a page whose items are to be found.
func Compile(s Selectors) (*Scraper, error) {
	if strings.TrimSpace(s.Item) == "" {
		return nil, &SelectorError{Field: "item", Err: fmt.Errorf("required")}
	}
	sc := &Scraper{sel: s, costs: map[string]selectorCost{}}
	for _, f := range []struct {
		name string
		src  string
		dst  *goquery.Matcher
	}{
		{"item", s.Item, &sc.item}, {"title", s.Title, &sc.title}, {"link", s.Link, &sc.link}, {"date", s.Date, &sc.date},
		{"summary", s.Summary, &sc.summary}, {"author", s.Author, &sc.author}, {"image", s.Image, &sc.image},
	} {
		if f.src == "" {
			continue
		}
		cost, err := checkSelector(f.src)
		if err != nil {
			return nil, &SelectorError{Field: f.name, Err: err}
		}
		c, err := cascadia.Compile(f.src)
		if err != nil {
			return nil, &SelectorError{Field: f.name, Err: err}
		}
		*f.dst = c
		sc.costs[f.name] = cost
	}
	return sc, nil
}

// Selectors returns the selectors the Scraper was made of.
func (sc *Scraper) Selectors() Selectors { return sc.sel }

// Page is a fetched page to scrape.
type Page struct {
	Body        []byte
	ContentType string // the HTTP Content-Type, for the charset
	URL         string // where it was read from: links are resolved against it
	// Location is the time zone of dates without one; nil means UTC.
	Location *time.Location
	// Now is when the page was read, for relative dates ("3 hours ago").
	Now time.Time
	// MaxElements bounds the elements read: a page is cut before the
	// first past it. Zero means htmltext.DefaultMaxElements.
	MaxElements int
}

// parse reads a page as a browser would, in its charset (HTTP, BOM or
// <meta>), at most its first htmltext.DefaultMaxElements elements, and
// returns its document and the base its links resolve on.
func parse(p Page) (*goquery.Document, *url.URL, error) {
	pg, err := htmltext.ParsePage(p.Body, p.ContentType, p.MaxElements)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", feed.ShowURL(p.URL), err)
	}
	doc := goquery.NewDocumentFromNode(pg.Root)
	base, _ := url.Parse(p.URL)
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok && base != nil {
		if b, err := base.Parse(strings.TrimSpace(href)); err == nil {
			base = b
		}
	}
	return doc, base, nil
}

// Scrape returns the page's items as a feed, in page order. It stops
// when ctx ends, and refuses (ErrTooComplex) selectors whose search of the
// page would cost more than some seconds of CPU.
func (sc *Scraper) Scrape(ctx context.Context, p Page) (*feed.Feed, error) {
	doc, base, err := parse(p)
	if err != nil {
		return nil, err
	}
	t, err := newTree(&work{ctx: ctx}, doc.Get(0), false, p)
	if err != nil {
		return nil, pageError(p, err)
	}
	return sc.scrape(t, doc, base, p)
}

func (sc *Scraper) scrape(t *tree, doc *goquery.Document, base *url.URL, p Page) (*feed.Feed, error) {
	items, err := t.matchAll(sc.item, sc.costs["item"])
	if err != nil {
		return nil, pageError(p, err)
	}
	if len(items) == 0 {
		return nil, feed.FormatErrorf("%s: scrape: item selector '%s' matched nothing", feed.ShowURL(p.URL), sc.sel.Item)
	}
	// Each item is searched by each of its selectors, and read for its
	// text: items inside items, hundreds deep, cost that many times.
	for _, n := range items {
		f := t.facts[n]
		spent := f.size
		for name, c := range sc.costs {
			if name != "item" {
				spent += f.cost(c)
			}
		}
		if err := t.w.add(spent); err != nil {
			return nil, pageError(p, err)
		}
	}
	f := &feed.Feed{
		Title:    strings.Join(strings.Fields(doc.Find("title").First().Text()), " "),
		Link:     feed.WebLink(p.URL),
		URL:      p.URL,
		Format:   "html",
		Language: strings.TrimSpace(doc.Find("html").AttrOr("lang", "")),
	}
	seen := map[string]bool{}
	var ads, offsite []bool
	site := siteOf(p.URL)
	for _, n := range items {
		it, ok := sc.item1(t, goquery.NewDocumentFromNode(n).Selection, base, p)
		if ok && !seen[it.ID] {
			seen[it.ID] = true
			f.Items = append(f.Items, it)
			ads = append(ads, t.markedAd(n))
			offsite = append(offsite, site != "" && it.Link != "" && siteOf(it.Link) != site)
		}
	}
	f.Items = withoutAds(f.Items, ads, offsite)
	if len(f.Items) == 0 {
		return nil, feed.FormatErrorf("%s: scrape: item selector '%s' matched %d elements, none with a title", feed.ShowURL(p.URL), sc.sel.Item, len(items))
	}
	return f, nil
}

// matchAll is every element of the page that m matches, in document
// order. cost says what matching one element may cost beyond itself: the
// elements inside it (a selector that searches them, :has), its siblings
// (:nth-of-type), both, or neither; what that adds up to for this page is
// counted before any matching.
func (t *tree) matchAll(m cascadia.Matcher, cost selectorCost) ([]*html.Node, error) {
	if err := t.w.add(t.facts[t.root].cost(cost)); err != nil {
		return nil, err
	}
	var out []*html.Node
	err := t.descendants(t.root, func(c *html.Node) {
		if m.Match(c) {
			out = append(out, c)
		}
	})
	return out, err
}

// item1 reads one item; ok is false for one without a title.
func (sc *Scraper) item1(t *tree, s *goquery.Selection, base *url.URL, p Page) (feed.Item, bool) {
	var it feed.Item
	titleEl := first(s, sc.title)
	if sc.title == nil {
		titleEl = &goquery.Selection{}
		if h := t.headline(s.Get(0)); h != nil {
			titleEl = goquery.NewDocumentFromNode(h).Selection
		}
	}
	it.Title = text(titleEl)
	if it.Title == "" {
		return it, false
	}
	linkEl := titleEl
	if sc.link != nil {
		linkEl = first(s, sc.link)
	}
	it.Link = feed.WebLink(resolve(base, href(linkEl)))
	if sc.date != nil {
		if d := first(s, sc.date); d.Length() > 0 {
			raw := d.AttrOr("datetime", "")
			if raw == "" {
				raw = d.Find("time[datetime]").AttrOr("datetime", "")
			}
			if raw == "" {
				raw = text(d)
			}
			it.Published, _ = ParseDate(raw, p.Location, p.Now)
		}
	}
	if it.Published.IsZero() {
		it.Published, _ = DateInURL(it.Link, p.Location, p.Now) // /2026/09/10/, /20260910/, 2026-09-10
	}
	if sc.author != nil {
		if a := text(first(s, sc.author)); a != "" {
			it.Authors = []string{a}
		}
	}
	var summary strings.Builder
	if sc.image != nil {
		if src := imageSrc(first(s, sc.image)); src != "" {
			fmt.Fprintf(&summary, `<p><img src="%s" alt=""></p>`, html.EscapeString(resolve(base, src)))
		}
	}
	if sc.summary != nil {
		if el := first(s, sc.summary); el.Length() > 0 {
			h, _ := el.Html()
			summary.WriteString(htmltext.ResolveURLs(h, base))
			it.Text = htmltext.FromHTML(h)
		}
	}
	it.Summary = summary.String()
	it.ID = it.Link
	if it.ID == "" {
		sum := sha256.Sum256([]byte(it.Title))
		it.ID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return it, true
}

// first is the first element inside s that m matches; s itself when m is
// nil.
func first(s *goquery.Selection, m goquery.Matcher) *goquery.Selection {
	if m == nil {
		return s
	}
	if m.Match(s.Get(0)) {
		return s.First()
	}
	return s.FindMatcher(m).First()
}

func text(s *goquery.Selection) string {
	if s == nil || s.Length() == 0 {
		return ""
	}
	return strings.Join(strings.Fields(s.Text()), " ")
}

// href is the element's link, or that of the first link inside it.
func href(s *goquery.Selection) string {
	if s == nil || s.Length() == 0 {
		return ""
	}
	if v, ok := s.Attr("href"); ok {
		return v
	}
	if v, ok := s.Find("a[href]").First().Attr("href"); ok {
		return v
	}
	if v, ok := s.Closest("a[href]").Attr("href"); ok {
		return v
	}
	return ""
}

// imageSrc is an image's address, lazy-loaded ones included.
func imageSrc(s *goquery.Selection) string {
	if s.Length() == 0 {
		return ""
	}
	if !s.Is("img") {
		s = s.Find("img").First()
	}
	for _, a := range []string{"data-src", "data-original", "data-lazy-src", "src"} {
		if v := strings.TrimSpace(s.AttrOr(a, "")); v != "" && !strings.HasPrefix(v, "data:") {
			return v
		}
	}
	if v := strings.Fields(s.AttrOr("srcset", "")); len(v) > 0 {
		return v[0]
	}
	return ""
}

func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || base == nil {
		return ref
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ""
	}
	return u.String()
}

// Parser reads fetched pages as feeds: with the Scraper's selectors, or,
// without a Scraper, with the selectors Detect finds in each page. It is
// the page kind of source, beside feed.Reader's Parse for feeds.
type Parser struct {
	Scraper  *Scraper       // nil: find the items
	Location *time.Location // of dates without a zone; nil means UTC
	// Now is the clock, for relative dates; nil means time.Now.
	Now func() time.Time
}

// NewParser returns the Parser of a scraped source: with sel compiled, or,
// when sel is empty, finding the items of each page.
func NewParser(sel Selectors, loc *time.Location) (Parser, error) {
	p := Parser{Location: loc}
	if sel.IsZero() {
		return p, nil
	}
	var err error
	p.Scraper, err = Compile(sel)
	return p, err
}

// Parse scrapes a fetched page. The feed's Note names the selectors used.
// It stops when ctx ends.
func (p Parser) Parse(ctx context.Context, resp *feed.Response) (*feed.Feed, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	pg := Page{Body: resp.Body, ContentType: resp.ContentType, URL: resp.URL, Location: p.Location, Now: now()}
	doc, base, err := parse(pg)
	if err != nil {
		return nil, err
	}
	sc := p.Scraper
	t, err := newTree(&work{ctx: ctx}, doc.Get(0), sc == nil, pg)
	if err != nil {
		return nil, pageError(pg, err)
	}
	if sc == nil {
		sel, err := t.detect(pg)
		if err != nil {
			return nil, err
		}
		if sc, err = Compile(sel); err != nil {
			return nil, err
		}
	}
	f, err := sc.scrape(t, doc, base, pg)
	if err != nil {
		return nil, err
	}
	f.Note = sc.sel.String()
	return f, nil
}

// String writes selectors as the configuration's scrape: keys.
func (s Selectors) String() string {
	var parts []string
	for _, f := range []struct{ k, v string }{
		{"item", s.Item}, {"title", s.Title}, {"link", s.Link}, {"date", s.Date}, {"summary", s.Summary}, {"author", s.Author}, {"image", s.Image},
	} {
		if f.v != "" {
			parts = append(parts, fmt.Sprintf("%s: %q", f.k, f.v))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
