package destination

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

func init() { Register(matrix{}) }

// matrix is a Matrix room: the url is the homeserver's (as
// https://matrix.example.org), the secret the access token of the account
// that posts, room the room's id (!id:server) or alias (#name:server).
// Each alert is sent with its own id as the transaction id, so a send
// repeated after a crash is the same event to the server: it never posts
// twice.
type matrix struct{}

func (matrix) Name() string { return "matrix" }
func (matrix) Options() []Option {
	return []Option{{Name: "room", Required: true, Help: "the room: its id (!abc:example.org) or an alias (#news:example.org)"}}
}

// Rate keeps within Synapse's default allowance for messages: a burst of
// ten, then one every five seconds.
func (matrix) Rate() (rate.Limit, int) { return 0.2, 5 }

func (matrix) Check(d *Destination) error {
	if err := checkHTTP(d); err != nil {
		return err
	}
	if d.Secret == "" {
		return &OptionError{Option: "secret", Problem: "matrix needs an access token"}
	}
	if r := d.Option("room"); !strings.HasPrefix(r, "!") && !strings.HasPrefix(r, "#") || !strings.Contains(r, ":") {
		return &OptionError{Option: "room", Problem: "want a room id (!abc:example.org) or alias (#news:example.org)"}
	}
	return nil
}

func (matrix) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	api := strings.TrimRight(d.URL, "/") + "/_matrix/client/v3"
	h := http.Header{}
	h.Set("Authorization", "Bearer "+d.Secret)
	room := d.Option("room")
	if strings.HasPrefix(room, "#") {
		// An alias is resolved each time: a room it moves to is followed.
		var found struct {
			RoomID string `json:"room_id"`
		}
		o := do(ctx, env, d, request{method: http.MethodGet, url: api + "/directory/room/" + url.PathEscape(room), header: h,
			wait: matrixWait, reason: matrixReason, into: &found})
		if !o.Delivered {
			o.Reason = "resolve " + room + ": " + o.Reason
			return o
		}
		room = found.RoomID
	}
	plain, formatted := Matrix(*m)
	// m.mentions, empty: the event mentions no one (Matrix 1.7's
	// intentional mentions), whatever its text says.
	body, _ := json.Marshal(map[string]any{"msgtype": "m.notice", "body": plain, "format": "org.matrix.custom.html", "formatted_body": formatted,
		"m.mentions": struct{}{}})
	return do(ctx, env, d, request{method: http.MethodPut, body: body, header: h, wait: matrixWait, reason: matrixReason,
		url: api + "/rooms/" + url.PathEscape(room) + "/send/m.room.message/" + url.PathEscape(m.ID)})
}

// matrixError is a homeserver's answer to a failed request.
type matrixError struct {
	Errcode    string `json:"errcode"`
	Error      string `json:"error"`
	RetryAfter int64  `json:"retry_after_ms"`
}

func matrixWait(_ http.Header, answer []byte) time.Duration {
	var e matrixError
	json.Unmarshal(answer, &e)
	return time.Duration(e.RetryAfter) * time.Millisecond
}

func matrixReason(answer []byte) string {
	var e matrixError
	if json.Unmarshal(answer, &e) != nil || e.Errcode == "" {
		return ""
	}
	return e.Errcode + ": " + e.Error
}

// matrixMax bounds a message's HTML: an event is at most 65,536 bytes.
const matrixMax = 30000

// Matrix renders a message as a Matrix notice's plain body and its HTML:
// each entry's title linked, its snippet with the matches in bold, its
// source; a digest under its heading.
func Matrix(m Message) (plain, formatted string) {
	var p, f strings.Builder
	esc := func(s string) string { return html.EscapeString(noMentions(s)) }
	if len(m.Entries) != 1 || m.More > 0 {
		p.WriteString(heading(&m) + "\n\n")
		f.WriteString("<p><strong>" + esc(heading(&m)) + "</strong></p>")
	}
	shown := 0
	for _, e := range m.Entries {
		if f.Len() > matrixMax {
			break
		}
		title := esc(Truncate(linkText(e.Title, e.Link), 300))
		if e.Link != "" {
			title = `<a href="` + html.EscapeString(e.Link) + `">` + title + "</a>"
		}
		about := strings.Join(nonEmpty(e.Source, when(e.Published), "rule "+m.Rule), " · ")
		f.WriteString("<p><strong>" + title + "</strong><br>")
		p.WriteString(noMentions(Truncate(e.Title, 300)) + "\n")
		if e.Link != "" {
			p.WriteString(e.Link + "\n")
		}
		if e.Snippet.Text != "" {
			f.WriteString(marked(e.Snippet, esc, "<strong>", "</strong>") + "<br>")
			p.WriteString(noMentions(e.Snippet.Text) + "\n")
		}
		f.WriteString("<em>" + esc(about) + "</em></p>")
		p.WriteString(noMentions(about) + "\n\n")
		shown++
	}
	if rest := len(m.Entries) + m.More - shown; rest > 0 {
		more := "and " + strconv.Itoa(rest) + " more"
		p.WriteString(more + " " + m.FeedURL)
		if m.FeedURL != "" {
			more += ` in <a href="` + html.EscapeString(m.FeedURL) + `">the feed</a>`
		}
		f.WriteString("<p>" + more + "</p>")
	}
	return strings.TrimSpace(p.String()), f.String()
}
