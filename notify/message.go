// Package notify delivers alerts about new matches to their destinations
// (package destination holds the kinds: Slack, Discord, signed webhooks
// and the rest), and keeps every alert until it is delivered.
package notify

import (
	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
)

// snippetContext is how much text an alert shows around a match.
const snippetContext = 160

// What an alert carries of an item at most, whatever the kind: services
// refuse larger messages (a Matrix event is at most 64 KiB, a Discord
// embed's link some 2,000 characters), and each kind cuts to its own
// limits from there.
const (
	alertTitle  = 500  // characters of a title
	alertLink   = 2048 // bytes of a link; a longer one is left out
	alertCopies = 20   // other outlets' copies listed
	alertMatch  = 300  // characters of a match's text
)

// linkOf is an item's link as an alert carries it.
func linkOf(link string) string {
	if l := feed.WebLink(link); len(l) <= alertLink {
		return l
	}
	return ""
}

// EntryOf makes an alert's entry from a stored match.
func EntryOf(m *store.Matched) destination.Entry {
	it := &m.Item
	e := destination.Entry{
		ID: it.ID, Title: destination.Truncate(it.Title, alertTitle), Link: linkOf(it.Link), Source: m.Source,
		Published: it.Published, Authors: it.Authors, Categories: it.Categories, Story: m.StoryID,
	}
	for _, c := range m.Also[:min(len(m.Also), alertCopies)] {
		e.Also = append(e.Also, destination.Copy{ID: store.ItemUUID(c.Source, c.Item.ID), Source: c.Source, Title: destination.Truncate(c.Item.Title, alertTitle), Link: linkOf(c.Item.Link)})
	}
	doc := m.Document()
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
		e.Matches = append(e.Matches, destination.MatchedText{Term: h.Term, Field: h.Field.String(), Text: destination.Truncate(text[h.Start:h.End], alertMatch)})
		if h.Field == rules.FieldContent {
			content = append(content, h)
		}
	}
	e.Snippet = destination.Snippet(rules.SnippetOf(it.Text, content, snippetContext))
	return e
}
