// Package feed reads sources — local files and http(s) URLs — parses
// RSS, Atom and JSON Feed documents with gofeed (RSS 2.0 of the usual
// shape through rssscan, which makes what gofeed's RSS parser would, for
// gofeed's translator), and normalises their items into Item values that
// the rest of feedhound works with.
package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"

	"github.com/feedhound/feedhound/htmltext"
)

// Feed is a parsed source.
type Feed struct {
	Title  string
	Link   string // the site's home page, absolute when it can be made so
	URL    string // where the feed was read from
	Format string // "rss", "atom" or "json"
	// TTL is how long the feed asks readers to wait between polls (RSS
	// <ttl>); zero when it does not say.
	TTL time.Duration
	// ID is the feed's own id (Atom's <id>); "" when it has none.
	ID string
	// Updated is when the feed says it last changed; zero if it does not.
	Updated time.Time
	// Authors are the feed's own authors; items without any inherit them.
	Authors []string
	// Language is the feed's language tag (en, ko), "" if not given.
	Language string
	// Note says how a feed that is not a feed document was made: the
	// selectors a page was scraped with.
	Note string
	// Warning says what was wrong with a document read all the same: one
	// cut off at the end gives the items before the break.
	Warning string
	Items   []Item
}

// Item is one normalised entry of a feed.
type Item struct {
	// ID is stable across polls: the feed's guid or id, else the link,
	// else a hash of the title and text.
	ID         string
	Title      string // plain text
	Link       string // absolute when it can be made so
	Authors    []string
	Categories []string
	Published  time.Time // zero when the feed gives no date
	Updated    time.Time
	Summary    string // HTML as the feed gave it
	Content    string // HTML as the feed gave it
	// Text is the plain text of the summary and the content, what rules
	// match and snippets quote.
	Text string
}

// normalize turns gofeed's feed into ours; orig is the format's own feed
// gofeed's was translated from. base is the URL the document was read
// from, or "" for a local file.
func normalize(f *gofeed.Feed, orig any, base string) *Feed {
	out := &Feed{
		Title:  htmltext.FromHTML(f.Title),
		Format: f.FeedType,
		URL:    base,
	}
	if r, ok := orig.(*rss.Feed); ok {
		if minutes, err := strconv.Atoi(strings.TrimSpace(r.TTL)); err == nil && minutes > 0 {
			out.TTL = time.Duration(minutes) * time.Minute
		}
	}
	if a, ok := orig.(*atom.Feed); ok {
		out.ID = strings.TrimSpace(a.ID)
	}
	out.Updated = parseDate(f.Updated, f.UpdatedParsed)
	out.Authors = people(f.Authors)
	if len(out.Authors) == 0 && f.DublinCoreExt != nil {
		out.Authors = cleanList(f.DublinCoreExt.Creator)
	}
	out.Language = strings.TrimSpace(f.Language)
	if out.Language == "" && f.DublinCoreExt != nil && len(f.DublinCoreExt.Language) > 0 {
		out.Language = strings.TrimSpace(f.DublinCoreExt.Language[0])
	}
	baseURL, _ := url.Parse(base)
	out.Link = WebLink(resolve(baseURL, f.Link))
	// Item links are resolved against the feed's own address first, then
	// against the site link it names.
	itemBase := baseURL
	if itemBase == nil || !itemBase.IsAbs() {
		if u, err := url.Parse(out.Link); err == nil && u.IsAbs() {
			itemBase = u
		}
	}
	out.Items = make([]Item, 0, len(f.Items))
	var origItems []*rss.Item
	if r, ok := orig.(*rss.Feed); ok && len(r.Items) == len(f.Items) {
		origItems = r.Items
	}
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		if origItems != nil && gi.Link == "" && len(gi.Links) == 0 {
			gi.Link = rssLink(origItems[i], gi)
		}
		it := normalizeItem(gi, itemBase)
		if len(it.Authors) == 0 {
			it.Authors = out.Authors
		}
		out.Items = append(out.Items, it)
	}
	return out
}

// people names the persons of a feed or item: name, else e-mail.
func people(ps []*gofeed.Person) []string {
	var out []string
	for _, p := range ps {
		if p == nil {
			continue
		}
		if name := personName(firstNonEmpty(p.Name, p.Email)); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func normalizeItem(gi *gofeed.Item, base *url.URL) Item {
	if c := decodeBase64HTML(gi.Content); c != "" {
		gi.Content = c // Atom content of mode="base64"
	}
	if gi.Description == "" && gi.Content == "" {
		gi.Description = html.EscapeString(mediaDescription(gi.Extensions)) // a video's, as YouTube's feeds give it
	}
	it := Item{
		Title:      plainText(gi.Title),
		Link:       WebLink(resolve(base, firstNonEmpty(gi.Link, firstOf(gi.Links)))),
		Categories: cleanList(gi.Categories),
		Summary:    gi.Description,
		Content:    gi.Content,
	}
	it.Authors = people(gi.Authors)
	if len(it.Authors) == 0 && gi.DublinCoreExt != nil {
		for _, c := range gi.DublinCoreExt.Creator {
			if name := personName(c); name != "" {
				it.Authors = append(it.Authors, name)
			}
		}
	}
	it.Published = parseDate(gi.Published, gi.PublishedParsed)
	it.Updated = parseDate(gi.Updated, gi.UpdatedParsed)
	if it.Published.IsZero() && it.Updated.IsZero() {
		// Dates only in other vocabularies: Dublin Core's terms, Atom's
		// inside RSS.
		for _, e := range [][2]string{{"dcterms", "issued"}, {"dcterms", "created"}, {"dcterms", "modified"}, {"atom", "published"}, {"atom", "updated"}} {
			if v := extensionValue(gi.Extensions, e[0], e[1]); v != "" {
				if it.Published = extensionDate(v); !it.Published.IsZero() {
					break
				}
			}
		}
	}
	if it.Published.IsZero() {
		it.Published = it.Updated
	}
	// Relative links and images are made absolute against the item's
	// link, else the feed's address (xml:base gofeed has applied), so
	// they work wherever the item is shown again.
	htmlBase := base
	if u, err := url.Parse(it.Link); err == nil && u.IsAbs() {
		htmlBase = u
	}
	it.Summary = htmltext.ResolveURLs(it.Summary, htmlBase)
	it.Content = htmltext.ResolveURLs(it.Content, htmlBase)
	summary := htmltext.FromHTML(gi.Description)
	content := htmltext.FromHTML(gi.Content)
	switch {
	case content == "" || strings.Contains(content, summary):
		it.Text = firstNonEmpty(content, summary)
	case summary == "" || strings.Contains(summary, content):
		it.Text = summary
	default:
		it.Text = summary + "\n\n" + content
	}
	it.ID = strings.TrimSpace(gi.GUID)
	if it.ID == "" {
		it.ID = it.Link
	}
	if it.ID == "" {
		sum := sha256.Sum256([]byte(it.Title + "\x00" + it.Text))
		it.ID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return it
}

// resolve makes ref absolute against base where it can; otherwise it
// returns ref as given.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || base == nil || !base.IsAbs() {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstOf(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// cleanList returns the non-empty values of ss as plain text.
func cleanList(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = htmltext.FromHTML(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// plainText is a title or a name as text: HTML stripped when it is HTML —
// it closes a tag, or holds an entity reference after XML's were decoded
// — and otherwise its characters kept: "Why the <script> tag blocks
// rendering" is a title about a tag, not a tag.
func plainText(s string) string {
	if looksLikeHTML(s) {
		return htmltext.FromHTML(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// htmlSigns are what HTML that a feed escaped into a text value has.
var htmlSigns = regexp.MustCompile(`</[A-Za-z][A-Za-z0-9]*\s*>|<[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>.*</|&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|<(br|hr|img)\b[^<>]*>`)

func looksLikeHTML(s string) bool {
	return strings.ContainsAny(s, "<&") && htmlSigns.MatchString(s)
}

// personName is an author's name as text: "by <a href=…>Jung Da-min</a>"
// is Jung Da-min.
func personName(s string) string {
	s = plainText(s)
	if len(s) > 3 && strings.EqualFold(s[:3], "by ") {
		s = strings.TrimSpace(s[3:])
	}
	return s
}

// rssLink is the link of an RSS item that has no <link>: its guid, when
// the guid is a permalink (the default) and a web address, else its
// atom:link.
func rssLink(ri *rss.Item, gi *gofeed.Item) string {
	if ri != nil && ri.GUID != nil && !strings.EqualFold(strings.TrimSpace(ri.GUID.IsPermalink), "false") {
		if g := strings.TrimSpace(ri.GUID.Value); IsURL(g) {
			return g
		}
	}
	for _, l := range gi.Extensions["atom"]["link"] {
		if rel := l.Attrs["rel"]; rel == "" || rel == "alternate" {
			if href := strings.TrimSpace(l.Attrs["href"]); href != "" {
				return href
			}
		}
	}
	return ""
}

// extensionValue is the text of an extension element, as prefix:name.
func extensionValue(exts ext.Extensions, prefix, name string) string {
	for _, e := range exts[prefix][name] {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// mediaDescription is the text of Media RSS's description, alone or in a
// media:group.
func mediaDescription(exts ext.Extensions) string {
	if v := extensionValue(exts, "media", "description"); v != "" {
		return v
	}
	for _, g := range exts["media"]["group"] {
		for _, d := range g.Children["description"] {
			if v := strings.TrimSpace(d.Value); v != "" {
				return v
			}
		}
	}
	return ""
}

// decodeBase64HTML decodes content that is base64 of HTML (Atom's
// mode="base64", which gofeed leaves encoded when the type is text/html);
// "" when it is not: anything with spaces, too short, or decoding to
// something that is not UTF-8 markup.
func decodeBase64HTML(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 16 || strings.ContainsAny(s, " <>&") {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil || !utf8.Valid(b) || !bytes.Contains(b, []byte("<")) {
		return ""
	}
	return string(b)
}

// extensionDate reads a date of an extension: W3C-DTF (ISO 8601) as
// Dublin Core and Atom write them, or any form parseDate reads.
func extensionDate(v string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02", time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return parseDate(v, nil)
}
