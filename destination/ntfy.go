package destination

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

func init() { Register(ntfy{}) }

// ntfy is an ntfy server's topic (ntfy.sh's or one's own): the url is the
// topic's, as https://ntfy.sh/newsroom-alerts, and the secret an access
// token, when the topic needs one. Messages are published as JSON to the
// server's root, which carries titles and tags in any script (headers
// would not).
type ntfy struct{}

func (ntfy) Name() string { return "ntfy" }
func (ntfy) Options() []Option {
	return []Option{
		{Name: "priority", Help: "1 to 5, or min, low, default, high, max (urgent)"},
		{Name: "tags", List: true, Help: "tags, or emoji short codes, shown with the notification"},
	}
}

// Rate keeps within ntfy.sh's allowance for one visitor: a burst of 60,
// then a message every 5 seconds.
func (ntfy) Rate() (rate.Limit, int) { return 0.2, 10 }

func (ntfy) Check(d *Destination) error {
	if err := checkHTTP(d); err != nil {
		return err
	}
	if _, _, err := ntfyTopic(d.URL); err != nil {
		return &OptionError{Option: "url", Problem: err.Error()}
	}
	if p := d.Option("priority"); p != "" && ntfyPriority(p) == 0 {
		return &OptionError{Option: "priority", Problem: "want 1 to 5, min, low, default, high, max or urgent"}
	}
	return nil
}

// ntfyTopic splits a topic's URL into the server's and the topic.
func ntfyTopic(raw string) (server, topic string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", err
	}
	path := strings.Trim(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	topic = path[i+1:]
	if topic == "" || strings.ContainsAny(topic, "?#") {
		return "", "", errors.New("want a topic's URL, as https://ntfy.sh/TOPIC")
	}
	u.Path, u.RawQuery, u.Fragment = "/"+path[:max(i, 0)], "", ""
	return u.String(), topic, nil
}

func ntfyPriority(p string) int {
	if n, err := strconv.Atoi(p); err == nil && n >= 1 && n <= 5 {
		return n
	}
	switch strings.ToLower(p) {
	case "min":
		return 1
	case "low":
		return 2
	case "default":
		return 3
	case "high":
		return 4
	case "max", "urgent":
		return 5
	}
	return 0
}

// ntfy's limits: messages above 4,096 bytes become attachments.
const (
	ntfyMessageMax = 4000 // bytes
	ntfyTitleMax   = 250  // characters
)

type ntfyMessage struct {
	Topic    string   `json:"topic"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Click    string   `json:"click,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Priority int      `json:"priority,omitempty"`
}

func (ntfy) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	server, topic, err := ntfyTopic(d.URL)
	if err != nil {
		return Outcome{Reason: "url: " + err.Error()}
	}
	h := http.Header{}
	if d.Secret != "" {
		h.Set("Authorization", "Bearer "+d.Secret)
	}
	return do(ctx, env, d, request{url: server, body: Ntfy(*m, topic, ntfyPriority(d.Option("priority")), d.OptionList("tags")), header: h,
		reason: func(answer []byte) string {
			var e struct{ Error string }
			json.Unmarshal(answer, &e)
			return e.Error
		}})
}

// Ntfy renders a message as ntfy's JSON: the story's title, its snippet
// and source, and its link to open on a click; a digest lists its titles.
// ntfy shows text as it is, so none is escaped.
func Ntfy(m Message, topic string, priority int, tags []string) []byte {
	msg := ntfyMessage{Topic: topic, Priority: priority, Tags: tags, Click: m.FeedURL}
	var body strings.Builder
	if len(m.Entries) == 1 && m.More == 0 {
		e := m.Entries[0]
		msg.Title, msg.Click = Truncate(e.Title, ntfyTitleMax), e.Link
		if msg.Click == "" {
			msg.Click = m.FeedURL
		}
		body.WriteString(e.Snippet.Text)
		body.WriteString("\n— " + strings.Join(nonEmpty(e.Source, when(e.Published), "rule "+m.Rule), " · "))
	} else {
		msg.Title = Truncate(heading(&m), ntfyTitleMax)
		for _, e := range m.Entries {
			body.WriteString("• " + e.Title + " (" + e.Source + ")\n")
		}
		if m.More > 0 {
			body.WriteString("and " + strconv.Itoa(m.More) + " more in the feed\n")
		}
	}
	msg.Message = truncateBytes(strings.TrimSpace(body.String()), ntfyMessageMax)
	b, _ := json.Marshal(msg)
	return b
}

// truncateBytes cuts s to at most max bytes at a rune's start, ending
// with "…" when it cuts.
func truncateBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
