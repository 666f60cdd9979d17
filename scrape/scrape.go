// Package scrape makes a feed of a web page that has none: its items are
// found by CSS selectors, or, without them, by looking for the page's list
// of stories — repeated blocks that each hold a headline link. It does no
// I/O: the page comes fetched, through the guarded reader.
package scrape

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

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
}

// Compile checks and compiles selectors. An empty Item is an error; use
// Detect for a page whose items are to be found.
func Compile(s Selectors) (*Scraper, error) {
	if strings.TrimSpace(s.Item) == "" {
		return nil, &SelectorError{Field: "item", Err: fmt.Errorf("required")}
	}
	sc := &Scraper{sel: s}
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
		c, err := cascadia.Compile(f.src)
		if err != nil {
			return nil, &SelectorError{Field: f.name, Err: err}
		}
		*f.dst = c
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
}

// parse reads a page as a browser would, in its charset (HTTP, BOM or
// <meta>), and returns its document and the base its links resolve on.
func parse(p Page) (*goquery.Document, *url.URL, error) {
	r, err := charset.NewReader(bytes.NewReader(p.Body), p.ContentType)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", feed.ShowURL(p.URL), err)
	}
	root, err := html.Parse(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", feed.ShowURL(p.URL), err)
	}
	doc := goquery.NewDocumentFromNode(root)
	base, _ := url.Parse(p.URL)
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok && base != nil {
		if b, err := base.Parse(strings.TrimSpace(href)); err == nil {
			base = b
		}
	}
	return doc, base, nil
}

// Scrape returns the page's items as a feed, in page order.
func (sc *Scraper) Scrape(p Page) (*feed.Feed, error) {
	doc, base, err := parse(p)
	if err != nil {
		return nil, err
	}
	return sc.scrape(doc, base, p)
}

func (sc *Scraper) scrape(doc *goquery.Document, base *url.URL, p Page) (*feed.Feed, error) {
	items := doc.FindMatcher(sc.item)
	if items.Length() == 0 {
		return nil, feed.FormatErrorf("%s: scrape: item selector '%s' matched nothing", feed.ShowURL(p.URL), sc.sel.Item)
	}
	f := &feed.Feed{
		Title:    strings.Join(strings.Fields(doc.Find("title").First().Text()), " "),
		Link:     feed.WebLink(p.URL),
		URL:      p.URL,
		Format:   "html",
		Language: strings.TrimSpace(doc.Find("html").AttrOr("lang", "")),
	}
	seen := map[string]bool{}
	items.Each(func(_ int, s *goquery.Selection) {
		it, ok := sc.item1(s, base, p)
		if ok && !seen[it.ID] {
			seen[it.ID] = true
			f.Items = append(f.Items, it)
		}
	})
	if len(f.Items) == 0 {
		return nil, feed.FormatErrorf("%s: scrape: item selector '%s' matched %d elements, none with a title", feed.ShowURL(p.URL), sc.sel.Item, items.Length())
	}
	return f, nil
}

// item1 reads one item; ok is false for one without a title.
func (sc *Scraper) item1(s *goquery.Selection, base *url.URL, p Page) (feed.Item, bool) {
	var it feed.Item
	titleEl := first(s, sc.title)
	if sc.title == nil {
		titleEl = headline(s)
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

// headline is an item's first headline link: a link in a heading, else
// the link with the longest text.
func headline(s *goquery.Selection) *goquery.Selection {
	if h := s.Find("h1 a[href], h2 a[href], h3 a[href], h4 a[href], h5 a[href], h6 a[href]").First(); h.Length() > 0 {
		return h
	}
	var best *goquery.Selection
	n := 0
	s.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		if l := len([]rune(text(a))); l > n {
			best, n = a, l
		}
	})
	if best == nil {
		return s.Find("h1, h2, h3, h4, h5, h6").First()
	}
	return best
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
func (p Parser) Parse(resp *feed.Response) (*feed.Feed, error) {
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
	if sc == nil {
		sel, err := detect(doc, pg)
		if err != nil {
			return nil, err
		}
		if sc, err = Compile(sel); err != nil {
			return nil, err
		}
	}
	f, err := sc.scrape(doc, base, pg)
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
