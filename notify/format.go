package notify

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Slack's limits on Block Kit messages.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackBlocksMax  = 50
	slackTextMax    = 3000 // the plain fallback, kept short for notifications
)

// Discord's limits on embeds.
const (
	discordTitleMax  = 256
	discordDescMax   = 4096
	discordFooterMax = 2048
	discordEmbedsMax = 10
	discordTotalMax  = 6000
)

// truncate cuts s to at most max runes, ending with "…" when it cuts.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// slackEscape makes feed text safe in Slack mrkdwn: &, < and > are
// escaped, so no title can mention @channel or forge a link.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// urlish matches text that a reader would take for an address: a scheme,
// "www.", or a dotted name ending in letters, as in bank.example/login.
var urlish = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://|\bwww\.|\b[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(/|\b)`)

// linkText is the text to show for a link: the title, unless the title
// looks like an address, when it is the link itself — link text must never
// name another address than the one it goes to.
func linkText(title, link string) string {
	if link == "" || !urlish.MatchString(title) {
		return title
	}
	return link
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
func slackSnippet(e Entry) string {
	text := e.Snippet.Text
	var b strings.Builder
	at := 0
	for _, sp := range e.Snippet.Spans {
		b.WriteString(slackEscape(text[at:sp[0]]))
		b.WriteString("*" + slackEscape(text[sp[0]:sp[1]]) + "*")
		at = sp[1]
	}
	b.WriteString(slackEscape(text[at:]))
	return b.String()
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

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
		return slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: truncate(strings.Join(parts, " · "), slackSectionMax)}}}
	}
	if len(m.Entries) == 1 && m.More == 0 {
		e := m.Entries[0]
		msg.Text = truncate(slackEscape(e.Title+" — "+e.Source+" (rule "+m.Rule+")"), slackTextMax)
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate("*"+slackLink(e.Link, truncate(e.Title, slackHeaderMax))+"*", slackSectionMax)}})
		if e.Snippet.Text != "" {
			blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(slackSnippet(e), slackSectionMax)}})
		}
		blocks = append(blocks, context(e))
	} else {
		total := len(m.Entries) + m.More
		head := fmt.Sprintf("%d new stories for %s", total, m.Rule)
		msg.Text = truncate(slackEscape(head), slackTextMax)
		blocks = append(blocks, slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(head, slackHeaderMax)}})
		shown := 0
		for _, e := range m.Entries {
			// Two blocks an entry, and room kept for the closing line.
			if len(blocks)+2 > slackBlocksMax-1 {
				break
			}
			line := "*" + slackLink(e.Link, truncate(e.Title, slackHeaderMax)) + "*"
			if e.Snippet.Text != "" {
				line += "\n" + slackSnippet(e)
			}
			blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(line, slackSectionMax)}}, context(e))
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

type discordEmbed struct {
	Title       string         `json:"title,omitempty"`
	URL         string         `json:"url,omitempty"`
	Description string         `json:"description,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
	Footer      *discordFooter `json:"footer,omitempty"`
}

type discordFooter struct {
	Text string `json:"text"`
}

type discordMessage struct {
	Content         string         `json:"content"`
	Embeds          []discordEmbed `json:"embeds"`
	AllowedMentions struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
}

// discordEscape keeps Discord markdown in feed text from formatting.
func discordEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, ">", `\>`,
		"[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`, "#", `\#`, "<", `\<`).Replace(s)
}

// Discord renders a message as a Discord webhook payload: one embed per
// entry, within Discord's limits, and no mentions at all.
func Discord(m Message) []byte {
	msg := discordMessage{Embeds: []discordEmbed{}}
	msg.AllowedMentions.Parse = []string{}
	total := 0
	shown := 0
	for _, e := range m.Entries {
		if len(msg.Embeds) == discordEmbedsMax {
			break
		}
		em := discordEmbed{Title: truncate(linkText(e.Title, e.Link), discordTitleMax), URL: e.Link}
		var d strings.Builder
		at := 0
		for _, sp := range e.Snippet.Spans {
			d.WriteString(discordEscape(e.Snippet.Text[at:sp[0]]) + "**" + discordEscape(e.Snippet.Text[sp[0]:sp[1]]) + "**")
			at = sp[1]
		}
		d.WriteString(discordEscape(e.Snippet.Text[at:]))
		em.Description = truncate(d.String(), min(discordDescMax, 1000))
		em.Footer = &discordFooter{Text: truncate(e.Source+" · rule "+m.Rule, discordFooterMax)}
		if !e.Published.IsZero() {
			em.Timestamp = e.Published.UTC().Format(time.RFC3339)
		}
		size := utf8.RuneCountInString(em.Title + em.Description + em.Footer.Text)
		if total+size > discordTotalMax-200 {
			break
		}
		total += size
		msg.Embeds = append(msg.Embeds, em)
		shown++
	}
	if rest := len(m.Entries) + m.More - shown; rest > 0 {
		msg.Content = fmt.Sprintf("and %d more: %s", rest, m.FeedURL)
	}
	b, _ := json.Marshal(msg)
	return b
}

// WebhookPayload is the JSON body of a generic webhook. Its fields are
// documented in the README.
type WebhookPayload struct {
	Type    string        `json:"type"` // "match" or "digest"
	ID      string        `json:"id"`
	Rule    string        `json:"rule"`
	FeedURL string        `json:"feed_url"`
	Items   []WebhookItem `json:"items"`
	More    int           `json:"more"`
}

// WebhookItem is an item in a webhook payload.
type WebhookItem struct {
	ID         string        `json:"id"`
	Title      string        `json:"title"`
	Link       string        `json:"link"`
	Source     string        `json:"source"`
	Published  *time.Time    `json:"published"`
	Authors    []string      `json:"authors"`
	Categories []string      `json:"categories"`
	Snippet    string        `json:"snippet"`
	Matches    []MatchedText `json:"matches"`
	// Story is the public id of the item's story; Also lists the other
	// outlets' copies of it stored so far.
	Story string `json:"story"`
	Also  []Copy `json:"also"`
}

// Webhook renders a message as a generic webhook's JSON body.
func Webhook(m Message) []byte {
	p := WebhookPayload{Type: "match", ID: m.ID, Rule: m.Rule, FeedURL: m.FeedURL, Items: []WebhookItem{}, More: m.More}
	if len(m.Entries) != 1 || m.More > 0 {
		p.Type = "digest"
	}
	for _, e := range m.Entries {
		it := WebhookItem{ID: e.ID, Title: e.Title, Link: e.Link, Source: e.Source, Authors: orEmpty(e.Authors),
			Categories: orEmpty(e.Categories), Snippet: e.Snippet.Text, Matches: e.Matches, Story: e.Story, Also: e.Also}
		if it.Also == nil {
			it.Also = []Copy{}
		}
		if it.Matches == nil {
			it.Matches = []MatchedText{}
		}
		if !e.Published.IsZero() {
			t := e.Published.UTC()
			it.Published = &t
		}
		p.Items = append(p.Items, it)
	}
	b, _ := json.Marshal(p)
	return b
}

func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
