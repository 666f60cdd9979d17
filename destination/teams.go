package destination

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"golang.org/x/time/rate"
)

func init() { Register(teams{}) }

// teams is a Microsoft Teams channel or chat through a Workflows webhook
// (the "Post to a channel when a webhook request is received" flow; the
// Office 365 connectors it replaces are retired): an Adaptive Card POSTed
// to the flow's URL.
type teams struct{}

func (teams) Name() string               { return "teams" }
func (teams) Options() []Option          { return nil }
func (teams) Rate() (rate.Limit, int)    { return 1, 1 }
func (teams) Check(d *Destination) error { return checkHTTP(d) }
func (teams) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	return do(ctx, env, d, request{url: d.URL, body: Teams(*m), reason: func(answer []byte) string {
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(answer, &e)
		return strings.TrimSpace(e.Error.Code + " " + e.Error.Message)
	}})
}

// Teams' limits: a message of at most 28 KB.
const teamsMax = 20000 // bytes of card, with room for the envelope

// Text in a card is given as TextRuns of a RichTextBlock, which are never
// read as Markdown: feed text cannot format the card or forge a link.
type (
	teamsCard struct {
		Schema  string        `json:"$schema"`
		Type    string        `json:"type"`
		Version string        `json:"version"`
		Body    []teamsBlock  `json:"body"`
		Actions []teamsAction `json:"actions,omitempty"`
		MSTeams struct {
			Width string `json:"width"`
		} `json:"msteams"`
	}
	teamsBlock struct {
		Type      string     `json:"type"` // RichTextBlock
		Inlines   []teamsRun `json:"inlines"`
		Separator bool       `json:"separator,omitempty"`
		Spacing   string     `json:"spacing,omitempty"`
	}
	teamsRun struct {
		Type         string       `json:"type"` // TextRun
		Text         string       `json:"text"`
		Weight       string       `json:"weight,omitempty"`
		Size         string       `json:"size,omitempty"`
		IsSubtle     bool         `json:"isSubtle,omitempty"`
		SelectAction *teamsAction `json:"selectAction,omitempty"`
	}
	teamsAction struct {
		Type  string `json:"type"` // Action.OpenUrl
		Title string `json:"title,omitempty"`
		URL   string `json:"url"`
	}
)

func teamsText(s string) teamsRun { return teamsRun{Type: "TextRun", Text: s} }

// Teams renders a message as a Workflows webhook's body: one Adaptive
// Card whose blocks are each entry's title (a link), its snippet with the
// matches in bold, and its source.
func Teams(m Message) []byte {
	card := teamsCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4", Body: []teamsBlock{}}
	card.MSTeams.Width = "Full"
	if len(m.Entries) != 1 || m.More > 0 {
		h := teamsText(heading(&m))
		h.Weight, h.Size = "Bolder", "Medium"
		card.Body = append(card.Body, teamsBlock{Type: "RichTextBlock", Inlines: []teamsRun{h}})
	}
	size, shown := 0, 0
	for i, e := range m.Entries {
		title := teamsText(Truncate(linkText(e.Title, e.Link), 300))
		title.Weight = "Bolder"
		if e.Link != "" {
			title.SelectAction = &teamsAction{Type: "Action.OpenUrl", URL: e.Link}
		}
		blocks := []teamsBlock{{Type: "RichTextBlock", Inlines: []teamsRun{title}, Separator: i > 0}}
		if e.Snippet.Text != "" {
			var runs []teamsRun
			s, at := e.Snippet, 0
			for _, sp := range s.Spans {
				hit := teamsText(s.Text[sp[0]:sp[1]])
				hit.Weight = "Bolder"
				runs = append(runs, teamsText(s.Text[at:sp[0]]), hit)
				at = sp[1]
			}
			runs = append(runs, teamsText(s.Text[at:]))
			blocks = append(blocks, teamsBlock{Type: "RichTextBlock", Inlines: runs, Spacing: "Small"})
		}
		about := teamsText(strings.Join(nonEmpty(e.Source, when(e.Published), "rule "+m.Rule), " · "))
		about.IsSubtle, about.Size = true, "Small"
		blocks = append(blocks, teamsBlock{Type: "RichTextBlock", Inlines: []teamsRun{about}, Spacing: "Small"})
		b, _ := json.Marshal(blocks)
		if size+len(b) > teamsMax {
			break
		}
		size += len(b)
		card.Body = append(card.Body, blocks...)
		shown++
	}
	if rest := len(m.Entries) + m.More - shown; rest > 0 {
		card.Body = append(card.Body, teamsBlock{Type: "RichTextBlock", Inlines: []teamsRun{teamsText("and " + strconv.Itoa(rest) + " more in the feed")}})
	}
	if m.FeedURL != "" {
		card.Actions = []teamsAction{{Type: "Action.OpenUrl", Title: "Open the feed", URL: m.FeedURL}}
	}
	b, _ := json.Marshal(map[string]any{
		"type":        "message",
		"attachments": []map[string]any{{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}},
	})
	return b
}
