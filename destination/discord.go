package destination

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

func init() { Register(discord{}) }

// discord is Discord's webhooks: embeds POSTed to the webhook's URL, five
// every two seconds at most, so two a second.
type discord struct{}

func (discord) Name() string               { return "discord" }
func (discord) Options() []Option          { return nil }
func (discord) Rate() (rate.Limit, int)    { return 2, 1 }
func (discord) Check(d *Destination) error { return checkHTTP(d) }
func (discord) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	return do(ctx, env, d, request{url: d.URL, body: Discord(*m)})
}

// Discord's limits on embeds.
const (
	discordTitleMax  = 256
	discordDescMax   = 4096
	discordFooterMax = 2048
	discordEmbedsMax = 10
	discordTotalMax  = 6000
)

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
		em := discordEmbed{Title: Truncate(linkText(e.Title, e.Link), discordTitleMax), URL: e.Link}
		em.Description = Truncate(marked(e.Snippet, discordEscape, "**", "**"), min(discordDescMax, 1000))
		em.Footer = &discordFooter{Text: Truncate(e.Source+" · rule "+m.Rule, discordFooterMax)}
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
