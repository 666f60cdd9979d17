package destination

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

func init() { Register(mattermost{}) }

// mattermost is Mattermost's incoming webhooks, which take Slack's older
// message format — text and attachments, not Block Kit — with
// Mattermost's own limits: a post of at most 16,383 characters.
type mattermost struct{}

func (mattermost) Name() string { return "mattermost" }
func (mattermost) Options() []Option {
	return []Option{
		{Name: "channel", Help: "the channel to post in, if not the webhook's own (its name, as in town-square)"},
		{Name: "username", Help: "the name to post as, where the server lets webhooks choose"},
	}
}
func (mattermost) Rate() (rate.Limit, int)    { return 2, 1 }
func (mattermost) Check(d *Destination) error { return checkHTTP(d) }
func (mattermost) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	return do(ctx, env, d, request{url: d.URL, body: Mattermost(*m, d.Option("channel"), d.Option("username")),
		wait: func(h http.Header, _ []byte) time.Duration {
			// Its rate limiter says when in X-Ratelimit-Reset, in seconds.
			n, _ := strconv.Atoi(h.Get("X-Ratelimit-Reset"))
			return time.Duration(max(n, 0)) * time.Second
		},
		reason: func(answer []byte) string {
			var e struct{ Message string }
			json.Unmarshal(answer, &e)
			return e.Message
		}})
}

// Mattermost's limits.
const (
	mattermostPostMax     = 16383 // characters of a post, attachments included
	mattermostAttachments = 10    // a digest's, before "and N more"
	mattermostTextMax     = 1000  // an attachment's text: a snippet
)

type mattermostMessage struct {
	Text        string                 `json:"text"`
	Channel     string                 `json:"channel,omitempty"`
	Username    string                 `json:"username,omitempty"`
	Attachments []mattermostAttachment `json:"attachments"`
}

type mattermostAttachment struct {
	Fallback  string `json:"fallback"`
	Title     string `json:"title"`
	TitleLink string `json:"title_link,omitempty"`
	Text      string `json:"text,omitempty"`
	Footer    string `json:"footer"`
}

// mattermostEscape keeps feed text from formatting a post or mentioning
// anyone: Markdown's punctuation is escaped, and an @ is followed by a
// word joiner, so "@channel" in a headline notifies no one.
func mattermostEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '@':
			b.WriteString("@\u2060")
		case strings.ContainsRune("\\`*_{}[]()<>#+-.!|~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Mattermost renders a message as a Mattermost incoming-webhook payload:
// a line of text and an attachment for each entry, whose snippet has its
// matches in bold.
func Mattermost(m Message, channel, username string) []byte {
	msg := mattermostMessage{Channel: channel, Username: username, Attachments: []mattermostAttachment{}}
	feed := ""
	if m.FeedURL != "" {
		feed = " · [feed](" + markdownURL(m.FeedURL) + ")"
	}
	if len(m.Entries) == 1 && m.More == 0 {
		msg.Text = "New story for **" + mattermostEscape(m.Rule) + "**" + feed
	} else {
		msg.Text = "**" + mattermostEscape(heading(&m)) + "**" + feed
	}
	size := len([]rune(msg.Text))
	shown := 0
	for _, e := range m.Entries {
		if shown == mattermostAttachments {
			break
		}
		a := mattermostAttachment{Fallback: noMentions(Truncate(e.Title+" — "+e.Source, 300)), Title: noMentions(Truncate(linkText(e.Title, e.Link), 300)),
			TitleLink: e.Link, Text: Truncate(marked(e.Snippet, mattermostEscape, "**", "**"), mattermostTextMax),
			Footer: noMentions(Truncate(strings.Join(nonEmpty(e.Source, when(e.Published), "rule "+m.Rule), " · "), 300))}
		n := len([]rune(a.Fallback + a.Title + a.TitleLink + a.Text + a.Footer))
		if size+n > mattermostPostMax-200 {
			break
		}
		size += n
		msg.Attachments = append(msg.Attachments, a)
		shown++
	}
	if rest := len(m.Entries) + m.More - shown; rest > 0 {
		msg.Text += fmt.Sprintf("\nand %d more in the feed", rest)
	}
	b, _ := json.Marshal(msg)
	return b
}

// markdownURL makes a URL safe inside a Markdown link's parentheses.
func markdownURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u)
}

// nonEmpty returns the parts that are not empty.
func nonEmpty(parts ...string) []string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
