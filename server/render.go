package server

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/gorilla/feeds"
	"github.com/microcosm-cc/bluemonday"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/htmltext"
	"github.com/feedhound/feedhound/internal/version"
	"github.com/feedhound/feedhound/store"
)

// The filtered feeds are built from gorilla/feeds' types, filled in
// directly rather than through its generic Feed, and wrapped where they
// fall short: gorilla gives an item without an id a random UUID on every
// render, has no self link for RSS or Atom, writes Atom categories and
// sources readers reject, and drops an empty JSON Feed "items".

// format is an output format of a filtered feed.
type format string

const (
	formatRSS  format = "rss"
	formatAtom format = "atom"
	formatJSON format = "json"
)

func (f format) contentType() string {
	switch f {
	case formatRSS:
		return "application/rss+xml; charset=utf-8"
	case formatAtom:
		return "application/atom+xml; charset=utf-8"
	}
	return "application/feed+json; charset=utf-8"
}

// feedInfo describes a filtered feed.
type feedInfo struct {
	Rule    string
	Query   string // canonical form, for the description
	BaseURL string // without a trailing slash
	// Self is the path of the feed without its extension, as in
	// /feeds/kim-putin; empty means that.
	Self string
	// Title, if set, is the feed's title; else one is made of the rule.
	Title string
	// Description, if set, describes the feed; else the query does.
	Description string
	// Sources maps source names to what an item's <source> says of them.
	Sources map[string]sourceInfo
}

// sourceInfo is what an item's <source> says of the feed it came from.
type sourceInfo struct {
	URL   string // of the feed, as it may be shown
	Title string // the feed's own title, when it has been read
	// What the feed says of itself, once read: its id (Atom), home page,
	// last change and language.
	ID       string
	Link     string
	Updated  time.Time
	Language string
}

// sourceName names a source as its feed calls itself, or as the
// configuration does before its feed has been read.
func (fi feedInfo) sourceName(name string) string {
	if t := fi.Sources[name].Title; t != "" {
		return t
	}
	return name
}

func (fi feedInfo) url(f format) string {
	if fi.Self != "" {
		return fmt.Sprintf("%s%s.%s", fi.BaseURL, fi.Self, f)
	}
	return fmt.Sprintf("%s/feeds/%s.%s", fi.BaseURL, fi.Rule, f)
}

func (fi feedInfo) title() string {
	if fi.Title != "" {
		return "feedhound: " + fi.Title
	}
	return "feedhound: " + fi.Rule
}

func (fi feedInfo) description() string {
	if fi.Description != "" {
		return fi.Description
	}
	return "Items matching " + fi.Query
}

// sanitizer keeps the HTML of items safe to show: no scripts, styles,
// event handlers or javascript: URLs. bluemonday policies are safe for
// concurrent use.
var sanitizer = bluemonday.UGCPolicy()

// entryID is an item's id in the filtered feeds (store.ItemUUID).
func entryID(source, guid string) string { return store.ItemUUID(source, guid) }

// feedID is the id of a filtered feed itself.
func feedID(rule string) string { return entryID("feed", rule) }

// itemDate is when an item was published, or first seen if it has no date.
func itemDate(m *store.Matched) time.Time {
	if !m.Item.Published.IsZero() {
		return m.Item.Published
	}
	return m.FirstSeen
}

// newest is the time of the newest match, the feed's last change.
func newest(ms []store.Matched) time.Time {
	var t time.Time
	for i := range ms {
		if ms[i].MatchedAt.After(t) {
			t = ms[i].MatchedAt
		}
	}
	return t
}

// bodies returns the sanitised summary and content HTML of an entry. A
// story's entry ends with the other outlets that carried it.
func (fi feedInfo) bodies(m *store.Matched) (summary, content string) {
	summary, content = sanitizer.Sanitize(m.Item.Summary), sanitizer.Sanitize(m.Item.Content)
	if len(m.Also) == 0 {
		return summary, content
	}
	also := fi.alsoHTML(m.Also)
	switch {
	case content != "":
		content += also
	case summary != "":
		summary += also
	default:
		summary = "<p>" + html.EscapeString(textOf(&m.Item)) + "</p>" + also
	}
	return summary, content
}

// alsoHTML lists the other copies of a story: "Also reported by: Korea
// Herald — Kremlin confirms Kim's Russia trip", each linked.
func (fi feedInfo) alsoHTML(copies []store.Matched) string {
	var b strings.Builder
	b.WriteString("<p>Also reported by: ")
	for i := range copies {
		c := &copies[i]
		if i > 0 {
			b.WriteString("; ")
		}
		text := html.EscapeString(fi.sourceName(c.Source) + " — " + c.Item.Title)
		if link := feed.WebLink(c.Item.Link); link != "" {
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, html.EscapeString(link), text)
		} else {
			b.WriteString(text)
		}
	}
	b.WriteString("</p>")
	return b.String()
}

// entryUpdated is when an entry last changed: its item's update, or, for a
// story, when its latest copy was matched.
func entryUpdated(m *store.Matched) time.Time {
	t := firstTime(m.Item.Updated, itemDate(m))
	for _, c := range m.Also {
		if c.MatchedAt.After(t) {
			t = c.MatchedAt
		}
	}
	return t
}

// maxRender bounds the text of a feed's entries: the newest entries are
// rendered until their text passes it. Items are bounded when stored
// (feed.Bound), so even a feed of the largest items renders once into a
// body the cache keeps and every reader shares.
const maxRender = 8 << 20

// fit returns the newest of ms whose text fits in max bytes, and at least
// one, each bounded as feedhound stores items now (feed.BoundText): items
// stored before it bounded them may be larger.
func fit(ms []store.Matched, max int) []store.Matched {
	n := 0
	for i := range ms {
		feed.BoundText(&ms[i].Item)
		n += textBytes(&ms[i])
		for j := range ms[i].Also {
			feed.BoundText(&ms[i].Also[j].Item)
			n += textBytes(&ms[i].Also[j])
		}
		if n > max && i > 0 {
			return ms[:i]
		}
	}
	return ms
}

func textBytes(m *store.Matched) int {
	return len(m.Item.Title) + len(m.Item.Link) + len(m.Item.Summary) + len(m.Item.Content) + 256
}

func render(f format, fi feedInfo, ms []store.Matched) ([]byte, error) {
	switch f {
	case formatRSS:
		return renderRSS(fi, ms)
	case formatAtom:
		return renderAtom(fi, ms)
	}
	return renderJSON(fi, ms)
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Content string     `xml:"xmlns:content,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

// rssChannel puts the self link before the items, where validators
// want the channel's own elements.
type rssChannel struct {
	*feeds.RssFeed
	Language string    `xml:"language,omitempty"`
	Self     atomLink  `xml:"atom:link"`
	Items    []rssItem `xml:"item"`
}

// rssItem adds the url that RSS 2.0 requires of <source>, and the
// authors as dc:creator (RSS's own <author> must be an e-mail address).
// Its title and link hide gorilla's, in their place, so that an item
// without a link has no empty <link>, which validators reject.
type rssItem struct {
	Title string `xml:"title"`
	Link  string `xml:"link,omitempty"`
	*feeds.RssItem
	Src      *rssSource `xml:"source"`
	Creators []string   `xml:"dc:creator"`
	Language string     `xml:"dc:language,omitempty"`
}

type rssSource struct {
	URL  string `xml:"url,attr"`
	Name string `xml:",chardata"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

func renderRSS(fi feedInfo, ms []store.Matched) ([]byte, error) {
	ch := &feeds.RssFeed{
		Title:       fi.title(),
		Link:        fi.BaseURL + "/",
		Description: fi.description(),
		Generator:   "feedhound " + version.String(),
	}
	if t := newest(ms); !t.IsZero() {
		ch.LastBuildDate = t.Format(time.RFC1123Z)
	}
	items := []rssItem{}
	for i := range ms {
		m := &ms[i]
		summary, content := fi.bodies(m)
		it := &feeds.RssItem{
			Description: firstNonEmpty(summary, content, textOf(&m.Item)),
			Guid:        &feeds.RssGuid{Id: entryID(m.Source, m.Item.ID), IsPermaLink: "false"},
			PubDate:     itemDate(m).Format(time.RFC1123Z),
		}
		if content != "" && content != it.Description {
			it.Content = &feeds.RssContent{Content: content}
		}
		if len(m.Item.Categories) > 0 {
			it.Category = m.Item.Categories[0]
		}
		ri := rssItem{Title: m.Item.Title, Link: feed.WebLink(m.Item.Link), RssItem: it, Creators: m.Item.Authors, Language: fi.Sources[m.Source].Language}
		if u := fi.Sources[m.Source].URL; u != "" {
			ri.Src = &rssSource{URL: u, Name: fi.sourceName(m.Source)}
		}
		items = append(items, ri)
	}
	doc := rssDoc{
		Version: "2.0",
		Content: "http://purl.org/rss/1.0/modules/content/",
		Atom:    "http://www.w3.org/2005/Atom",
		DC:      "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{RssFeed: ch, Language: fi.language(ms), Items: items, Self: atomLink{Href: fi.url(formatRSS), Rel: "self", Type: "application/rss+xml"}},
	}
	return marshalXML(doc)
}

type atomDoc struct {
	*feeds.AtomFeed
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	*feeds.AtomEntry
	Lang       string         `xml:"xml:lang,attr,omitempty"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Source     *atomSource    `xml:"source"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// atomSource is the feed an entry came from, described by its own id,
// title, links and last change, as RFC 4287 (4.2.11) has it.
type atomSource struct {
	ID      string       `xml:"id"`
	Title   string       `xml:"title"`
	Links   []atomLink   `xml:"link"`
	Updated string       `xml:"updated"`
	Authors []atomPerson `xml:"author"`
}

func renderAtom(fi feedInfo, ms []store.Matched) ([]byte, error) {
	updated := newest(ms)
	if updated.IsZero() {
		updated = time.Unix(0, 0).UTC()
	}
	doc := atomDoc{
		AtomFeed: &feeds.AtomFeed{
			Xmlns:    "http://www.w3.org/2005/Atom",
			Title:    fi.title(),
			Id:       feedID(fi.Rule),
			Updated:  updated.UTC().Format(time.RFC3339),
			Subtitle: fi.description(),
		},
		Links: []atomLink{
			{Href: fi.url(formatAtom), Rel: "self", Type: "application/atom+xml"},
			{Href: fi.BaseURL + "/", Rel: "alternate", Type: "text/html"},
		},
		Entries: []atomEntry{},
	}
	for i := range ms {
		m := &ms[i]
		summary, content := fi.bodies(m)
		e := atomEntry{AtomEntry: &feeds.AtomEntry{
			Title:     m.Item.Title,
			Id:        entryID(m.Source, m.Item.ID),
			Updated:   entryUpdated(m).UTC().Format(time.RFC3339),
			Published: itemDate(m).UTC().Format(time.RFC3339),
		}}
		if link := feed.WebLink(m.Item.Link); link != "" {
			e.Links = []feeds.AtomLink{{Href: link, Rel: "alternate"}}
		}
		if summary != "" {
			e.Summary = &feeds.AtomSummary{Content: summary, Type: "html"}
		}
		if content != "" && content != summary {
			e.Content = &feeds.AtomContent{Content: content, Type: "html"}
		}
		if e.Summary == nil && e.Content == nil {
			e.Summary = &feeds.AtomSummary{Content: textOf(&m.Item), Type: "text"}
		}
		if e.Links == nil && e.Content == nil {
			// An entry without an alternate link must have content (RFC
			// 4287, 4.1.2): its summary is all there is of it.
			e.Content = &feeds.AtomContent{Content: e.Summary.Content, Type: e.Summary.Type}
			e.Summary = nil
		}
		for _, a := range m.Item.Authors {
			e.Authors = append(e.Authors, atomPerson{Name: a})
		}
		for _, c := range m.Item.Categories {
			e.Categories = append(e.Categories, atomCategory{Term: c})
		}
		src := fi.Sources[m.Source]
		e.Lang = src.Language
		e.Source = &atomSource{ID: firstNonEmpty(src.ID, src.URL, entryID("source", m.Source)), Title: fi.sourceName(m.Source),
			Updated: firstTime(src.Updated, itemDate(m)).UTC().Format(time.RFC3339)}
		if src.Link != "" {
			e.Source.Links = append(e.Source.Links, atomLink{Href: src.Link, Rel: "alternate", Type: "text/html"})
		}
		if src.URL != "" {
			e.Source.Links = append(e.Source.Links, atomLink{Href: src.URL, Rel: "self"})
		}
		if len(e.Authors) == 0 {
			// An entry needs an author (RFC 4287, 4.1.2): one that names
			// none is the source feed's, named by its title.
			e.Source.Authors = []atomPerson{{Name: fi.sourceName(m.Source)}}
		}
		doc.Entries = append(doc.Entries, e)
	}
	return marshalXML(doc)
}

// jsonDoc always has "items", even when there are none.
type jsonDoc struct {
	*feeds.JSONFeed
	Language string      `json:"language,omitempty"`
	Items    []*jsonItem `json:"items"`
}

// jsonItem adds JSON Feed 1.1's language, and feedhound's extension: the
// story an entry is, and the other outlets that carried it.
type jsonItem struct {
	*feeds.JSONItem
	Language  string     `json:"language,omitempty"`
	Feedhound *jsonStory `json:"_feedhound,omitempty"`
}

type jsonStory struct {
	Story string     `json:"story"` // the entry id of the story's first item
	Also  []jsonCopy `json:"also"`
}

type jsonCopy struct {
	Source string `json:"source"`
	Title  string `json:"title"`
	URL    string `json:"url,omitempty"`
	ID     string `json:"id"`
}

func renderJSON(fi feedInfo, ms []store.Matched) ([]byte, error) {
	doc := jsonDoc{
		JSONFeed: &feeds.JSONFeed{
			Version:     "https://jsonfeed.org/version/1.1",
			Title:       fi.title(),
			HomePageUrl: fi.BaseURL + "/",
			FeedUrl:     fi.url(formatJSON),
			Description: fi.description(),
		},
		Language: fi.language(ms),
		Items:    []*jsonItem{},
	}
	for i := range ms {
		m := &ms[i]
		summary, content := fi.bodies(m)
		date := itemDate(m)
		it := &feeds.JSONItem{
			Id:            entryID(m.Source, m.Item.ID),
			Url:           feed.WebLink(m.Item.Link),
			Title:         m.Item.Title,
			ContentHTML:   firstNonEmpty(content, summary),
			PublishedDate: &date,
			Tags:          m.Item.Categories,
		}
		if content != "" && summary != "" && summary != content {
			it.Summary = htmltext.FromHTML(summary)
		}
		if it.ContentHTML == "" {
			// JSON Feed wants content_html or content_text in every item.
			it.ContentText = firstNonEmpty(m.Item.Text, m.Item.Title)
		}
		if u := entryUpdated(m); !m.Item.Updated.IsZero() || len(m.Also) > 0 {
			it.ModifiedDate = &u
		}
		for _, a := range m.Item.Authors {
			it.Authors = append(it.Authors, &feeds.JSONAuthor{Name: a})
		}
		ji := &jsonItem{JSONItem: it, Language: fi.Sources[m.Source].Language}
		if len(m.Also) > 0 {
			ji.Feedhound = &jsonStory{Story: m.StoryID, Also: []jsonCopy{}}
			for _, c := range m.Also {
				ji.Feedhound.Also = append(ji.Feedhound.Also, jsonCopy{Source: fi.sourceName(c.Source), Title: c.Item.Title,
					URL: feed.WebLink(c.Item.Link), ID: entryID(c.Source, c.Item.ID)})
			}
		}
		doc.Items = append(doc.Items, ji)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// language is the language of a feed's entries when their sources all
// have the same one, else "".
func (fi feedInfo) language(ms []store.Matched) string {
	lang := ""
	for i := range ms {
		l := fi.Sources[ms[i].Source].Language
		if l == "" || lang != "" && l != lang {
			return ""
		}
		lang = l
	}
	return lang
}

// textOf is an item's text for an entry that has no HTML: its plain
// text, else its title, so that no entry is without text.
func textOf(it *feed.Item) string {
	return firstNonEmpty(it.Text, it.Title)
}

func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
