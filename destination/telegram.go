package destination

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/time/rate"
)

func init() { Register(telegram{}) }

// telegram is a Telegram chat, through a bot: the secret is the bot's
// token (from @BotFather), chat_id the chat, group or channel (a number,
// or @name for a public channel); the url is the Bot API's, and need be
// given only for a server of one's own.
type telegram struct{}

// telegramAPI is the Bot API's server.
const telegramAPI = "https://api.telegram.org"

func (telegram) Name() string { return "telegram" }
func (telegram) Options() []Option {
	return []Option{{Name: "chat_id", Required: true, Help: "the chat to post in: its number, or @name of a public channel"}}
}

// Rate keeps within Telegram's limit for a group, 20 messages a minute
// (a private chat takes one a second).
func (telegram) Rate() (rate.Limit, int) { return rate.Every(3 * time.Second), 1 }

func (telegram) Check(d *Destination) error {
	if d.URL != "" {
		if err := checkHTTP(d); err != nil {
			return err
		}
	}
	if d.Secret == "" {
		return &OptionError{Option: "secret", Problem: "telegram needs the bot's token"}
	}
	if strings.ContainsAny(d.Secret, "/?# ") {
		return &OptionError{Option: "secret", Problem: "not a bot token"}
	}
	return nil
}

func (telegram) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	base := d.URL
	if base == "" {
		base = telegramAPI
	}
	body, _ := json.Marshal(map[string]any{
		"chat_id": d.Option("chat_id"), "text": Telegram(*m), "parse_mode": "HTML",
		// A digest's links would each want a preview: none is shown.
		"link_preview_options": map[string]bool{"is_disabled": len(m.Entries) != 1 || m.More > 0},
	})
	return do(ctx, env, d, request{url: strings.TrimRight(base, "/") + "/bot" + d.Secret + "/sendMessage", body: body,
		wait: func(_ http.Header, answer []byte) time.Duration {
			var a telegramAnswer
			json.Unmarshal(answer, &a)
			return time.Duration(a.Parameters.RetryAfter) * time.Second
		},
		reason: func(answer []byte) string {
			var a telegramAnswer
			json.Unmarshal(answer, &a)
			return a.Description
		}})
}

// telegramAnswer is what the Bot API answers a failed call.
type telegramAnswer struct {
	Description string
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	}
}

// telegramMax is the most a message may hold, in UTF-16 code units, as
// Telegram counts, once its tags are parsed; the message is kept under it
// with its tags counted too.
const telegramMax = 4096

// telegramEscape escapes text for Telegram's HTML: <, > and & (and quotes,
// for attributes), as numeric or named entities it accepts.
func telegramEscape(s string) string { return html.EscapeString(noMentions(s)) }

// Telegram renders a message in Telegram's HTML: for each entry its title
// linked, its snippet with the matches in bold, its source and time; a
// digest under its heading, with as many entries as fit.
func Telegram(m Message) string {
	var b strings.Builder
	single := len(m.Entries) == 1 && m.More == 0
	if !single {
		b.WriteString("<b>" + telegramEscape(heading(&m)) + "</b>\n\n")
	}
	shown := 0
	for _, e := range m.Entries {
		var p strings.Builder
		title := telegramEscape(Truncate(linkText(e.Title, e.Link), 300))
		if e.Link != "" {
			title = `<a href="` + telegramEscape(e.Link) + `">` + title + "</a>"
		}
		p.WriteString("<b>" + title + "</b>\n")
		if e.Snippet.Text != "" && (single || len(m.Entries) <= 5) {
			p.WriteString(telegramSnippet(e.Snippet, 800) + "\n")
		}
		p.WriteString("<i>" + telegramEscape(strings.Join(nonEmpty(e.Source, when(e.Published), "rule "+m.Rule), " · ")) + "</i>\n\n")
		if utf16Len(b.String())+utf16Len(p.String()) > telegramMax-200 {
			break
		}
		b.WriteString(p.String())
		shown++
	}
	if rest := len(m.Entries) + m.More - shown; rest > 0 {
		more := "and " + strconv.Itoa(rest) + " more"
		if m.FeedURL != "" {
			more += ` in <a href="` + telegramEscape(m.FeedURL) + `">the feed</a>`
		}
		b.WriteString(more)
	}
	return strings.TrimSpace(b.String())
}

// telegramSnippet is a snippet of at most max characters, its matches in
// bold: cut before it is escaped, so no tag or entity is cut.
func telegramSnippet(s Snippet, max int) string {
	if len([]rune(s.Text)) > max {
		cut := len(string([]rune(s.Text)[:max-1]))
		spans := s.Spans[:0:0]
		for _, sp := range s.Spans {
			if sp[1] <= cut {
				spans = append(spans, sp)
			}
		}
		s = Snippet{Text: s.Text[:cut] + "…", Spans: spans}
	}
	return marked(s, telegramEscape, "<b>", "</b>")
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
