// Package notify delivers alerts about new matches to their destinations
// (package destination holds the kinds: Slack, Discord, signed webhooks
// and the rest), and keeps every alert until it is delivered.
package notify

import (
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/notify/destination"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
)

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
	e.Snippet = destination.Snippet(rules.SnippetOf(it.Text, content, snippetContext))
	return e
}
