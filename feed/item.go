// Package feed reads sources — local files and http(s) URLs — parses
// RSS, Atom and JSON Feed documents with gofeed, and normalises their
// items into Item values that the rest of feedhound works with.
package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
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
	TTL   time.Duration
	Items []Item
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

// normalize turns gofeed's feed into ours. base is the URL the document
// was read from, or "" for a local file.
func normalize(f *gofeed.Feed, base string) *Feed {
	out := &Feed{
		Title:  htmltext.FromHTML(f.Title),
		Format: f.FeedType,
		URL:    base,
	}
	if r, ok := f.OriginalFeed().(*rss.Feed); ok {
		if minutes, err := strconv.Atoi(strings.TrimSpace(r.TTL)); err == nil && minutes > 0 {
			out.TTL = time.Duration(minutes) * time.Minute
		}
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
	for _, gi := range f.Items {
		if gi == nil {
			continue
		}
		out.Items = append(out.Items, normalizeItem(gi, itemBase))
	}
	return out
}

func normalizeItem(gi *gofeed.Item, base *url.URL) Item {
	it := Item{
		Title:      htmltext.FromHTML(gi.Title),
		Link:       WebLink(resolve(base, firstNonEmpty(gi.Link, firstOf(gi.Links)))),
		Categories: cleanList(gi.Categories),
		Summary:    gi.Description,
		Content:    gi.Content,
	}
	for _, p := range gi.Authors {
		if p == nil {
			continue
		}
		if name := strings.TrimSpace(firstNonEmpty(p.Name, p.Email)); name != "" {
			it.Authors = append(it.Authors, name)
		}
	}
	if len(it.Authors) == 0 && gi.DublinCoreExt != nil {
		it.Authors = cleanList(gi.DublinCoreExt.Creator)
	}
	it.Published = parseDate(gi.Published, gi.PublishedParsed)
	it.Updated = parseDate(gi.Updated, gi.UpdatedParsed)
	if it.Published.IsZero() {
		it.Published = it.Updated
	}
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
