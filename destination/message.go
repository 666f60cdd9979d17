package destination

import "time"

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
	Terms      []string // the matched terms, in canonical form
	Snippet    Snippet  // the text around the first match
	Matches    []MatchedText
	// Story is the public id of the item's story (the id of its first
	// item); Also lists the story's other copies stored so far.
	Story string
	Also  []Copy
}

// Snippet is a passage of an item's text with its matches marked.
type Snippet struct {
	Text  string   // the passage, with "…" where the text was cut
	Spans [][2]int // byte ranges of the hits within Text, in order, not overlapping
}

// Copy is another outlet's copy of an entry's story.
type Copy struct {
	ID     string `json:"id"`
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
