// Package notify delivers alerts about new matches to Slack, Discord and
// signed webhooks, and keeps every alert until it is delivered.
package notify

import (
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
)

// Message is one alert: one matching item, or a digest of several.
type Message struct {
	ID      string // stable across retries of the same alert
	Rule    string
	FeedURL string // the rule's filtered feed
	Entries []Entry
	More    int // a digest's entries left out for length
}

// Entry is a matching item as an alert shows it.
type Entry struct {
	ID         string // the item's stable ID
	Title      string
	Link       string
	Source     string
	Published  time.Time
	Authors    []string
	Categories []string
	Terms      []string      // the matched terms, in canonical form
	Snippet    rules.Snippet // the text around the first match
	Matches    []MatchedText
	// Story is the public id of the item's story (store.ItemUUID of its
	// first item); Also lists the story's other copies stored so far.
	Story string
	Also  []Copy
}

// Copy is another outlet's copy of an entry's story.
type Copy struct {
	ID     string `json:"id"` // store.ItemUUID of the copy
	Source string `json:"source"`
	Title  string `json:"title"`
	Link   string `json:"link"`
}

// MatchedText is one hit of a term, with the text it matched.
type MatchedText struct {
	Term  string `json:"term"`
	Field string `json:"field"`
	Text  string `json:"text"`
}

// snippetContext is how much text an alert shows around a match.
const snippetContext = 160

// EntryOf makes an alert's entry from a stored match.
func EntryOf(m *store.Matched) Entry {
	it := &m.Item
	e := Entry{
		ID: it.ID, Title: it.Title, Link: feed.WebLink(it.Link), Source: m.Source,
		Published: it.Published, Authors: it.Authors, Categories: it.Categories, Story: m.StoryID,
	}
	for _, c := range m.Also {
		e.Also = append(e.Also, Copy{ID: store.ItemUUID(c.Source, c.Item.ID), Source: c.Source, Title: c.Item.Title, Link: feed.WebLink(c.Item.Link)})
	}
	doc := rules.Document{Title: it.Title, Content: it.Text, Authors: it.Authors, Categories: it.Categories, Link: it.Link, Source: m.Source}
	var content []rules.Hit
	seen := map[string]bool{}
	for _, h := range m.Hits {
		if !seen[h.Term] {
			seen[h.Term] = true
			e.Terms = append(e.Terms, h.Term)
		}
		text := doc.Value(h.Field, h.Value)
		if h.Start < 0 || h.End > len(text) || h.Start > h.End {
			continue // the item changed since it matched
		}
		e.Matches = append(e.Matches, MatchedText{Term: h.Term, Field: h.Field.String(), Text: text[h.Start:h.End]})
		if h.Field == rules.FieldContent {
			content = append(content, h)
		}
	}
	e.Snippet = rules.SnippetOf(it.Text, content, snippetContext)
	return e
}
