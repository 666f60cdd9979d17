package destination

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/time/rate"
)

func init() { Register(slack{}) }

// slack is Slack's incoming webhooks: a Block Kit message POSTed to the
// webhook's URL, about one a second.
type slack struct{}

func (slack) Name() string               { return "slack" }
func (slack) Options() []Option          { return nil }
func (slack) Rate() (rate.Limit, int)    { return 1, 1 }
func (slack) Check(d *Destination) error { return checkHTTP(d) }
func (slack) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	return do(ctx, env, d, request{url: d.URL, body: Slack(*m)})
}

// Slack's limits on Block Kit messages.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackBlocksMax  = 50
	slackTextMax    = 3000 // the plain fallback, kept short for notifications
)

// slackEscape makes feed text safe in Slack mrkdwn: &, < and > are
// escaped, so no title can mention @channel or forge a link.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackLink is a link with text that cannot break out of it, nor pass
// for another address.
func slackLink(url, text string) string {
	if url == "" {
		return slackEscape(text)
	}
	text = strings.ReplaceAll(linkText(text, url), "|", "¦")
	url = strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace(url)
	return "<" + url + "|" + slackEscape(text) + ">"
}

// slackSnippet is a snippet with its matches in bold.
func slackSnippet(e Entry) string { return marked(e.Snippet, slackEscape, "*", "*") }

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// Slack renders a message as a Slack incoming-webhook payload in Block
// Kit, with a plain text fallback for notifications.
func Slack(m Message) []byte {
	var msg slackMessage
	var blocks []slackBlock
	context := func(e Entry) slackBlock {
		parts := []string{slackEscape(e.Source)}
		if w := when(e.Published); w != "" {
			parts = append(parts, w)
		}
		parts = append(parts, "rule "+slackLink(m.FeedURL, m.Rule))
		return slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: Truncate(strings.Join(parts, " · "), slackSectionMax)}}}
	}
	if len(m.Entries) == 1 && m.More == 0 {
		e := m.Entries[0]
		msg.Text = Truncate(slackEscape(e.Title+" — "+e.Source+" (rule "+m.Rule+")"), slackTextMax)
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: Truncate("*"+slackLink(e.Link, Truncate(e.Title, slackHeaderMax))+"*", slackSectionMax)}})
		if e.Snippet.Text != "" {
			blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: Truncate(slackSnippet(e), slackSectionMax)}})
		}
		blocks = append(blocks, context(e))
	} else {
		total := len(m.Entries) + m.More
		head := heading(&m)
		msg.Text = Truncate(slackEscape(head), slackTextMax)
		blocks = append(blocks, slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: Truncate(head, slackHeaderMax)}})
		shown := 0
		for _, e := range m.Entries {
			// Two blocks an entry, and room kept for the closing line.
			if len(blocks)+2 > slackBlocksMax-1 {
				break
			}
			line := "*" + slackLink(e.Link, Truncate(e.Title, slackHeaderMax)) + "*"
			if e.Snippet.Text != "" {
				line += "\n" + slackSnippet(e)
			}
			blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: Truncate(line, slackSectionMax)}}, context(e))
			shown++
		}
		if rest := total - shown; rest > 0 {
			blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: fmt.Sprintf("and %d more in %s", rest, slackLink(m.FeedURL, "the feed"))}}})
		}
	}
	msg.Blocks = blocks
	b, _ := json.Marshal(msg)
	return b
}
