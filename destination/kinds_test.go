package destination

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/net/html"
)

// hostile is an entry whose text tries every trick: markup of each kind's
// format, mentions, and a link disguised in its title.
func hostile() Entry {
	e := entry(`<b>Kim</b> & Putin @channel **meet** [x](javascript:y) <a href="#">`, "https://news.example/kim-putin?a=1&b=2",
		`Officials said the Kim–Putin summit <i>will</i> go ahead; @here & @all *take note*.`)
	e.Source = "wire <desk>"
	return e
}

func send(t *testing.T, d Destination, m Message) Outcome {
	t.Helper()
	return Send(context.Background(), http.DefaultClient, d, m, t0)
}

func digestOf(n int) Message {
	m := Message{ID: "fh_d7", Rule: "kim-putin", FeedURL: "https://feedhound.example/feeds/kim-putin.atom"}
	for i := range n {
		m.Entries = append(m.Entries, entry(fmt.Sprintf("Story %d on the Kim–Putin summit", i), fmt.Sprintf("https://news.example/%d", i),
			strings.Repeat("Talks went on about the Kim–Putin summit and more. ", 30)))
	}
	return m
}

// TestKindsAreRegistered: every kind is in the registry, once, with
// options it can check.
func TestKindsAreRegistered(t *testing.T) {
	want := []string{"discord", "email", "matrix", "mattermost", "ntfy", "slack", "teams", "telegram", "webhook"}
	if got := Names(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("kinds %q, want %q", got, want)
	}
	if List() != "discord, email, matrix, mattermost, ntfy, slack, teams, telegram or webhook" {
		t.Errorf("List() = %q", List())
	}
	for _, name := range Names() {
		k, _ := Lookup(name)
		if r, burst := k.Rate(); r <= 0 || burst < 1 {
			t.Errorf("%s: rate %v, burst %d", name, r, burst)
		}
		d := Destination{Kind: name, URL: "ftp://x", Options: EncodeOptions(map[string]any{"nonsense": "1"})}
		var oe *OptionError
		if err := Check(&d); err == nil || !errorsAs(err, &oe) || oe.Option != "nonsense" {
			t.Errorf("%s: an unknown option gives %v", name, err)
		}
	}
}

func errorsAs(err error, oe **OptionError) bool {
	e, ok := err.(*OptionError)
	*oe = e
	return ok
}

// TestCheckOptions: options of the wrong shape, and required ones left
// out, are told by name, without their values.
func TestCheckOptions(t *testing.T) {
	for _, c := range []struct {
		d    Destination
		want string
	}{
		{Destination{Kind: "telegram", Secret: "123:abc"}, "chat_id: required by telegram"},
		{Destination{Kind: "telegram", Secret: "123:abc", Options: `{"chat_id":["1"]}`}, "chat_id: want a string"},
		{Destination{Kind: "telegram", Options: `{"chat_id":"1"}`}, "secret: telegram needs the bot's token"},
		{Destination{Kind: "ntfy", URL: "https://ntfy.sh/alerts", Options: `{"tags":"news"}`}, "tags: want a list of strings"},
		{Destination{Kind: "ntfy", URL: "https://ntfy.sh/alerts", Options: `{"priority":"loud"}`}, "priority: want 1 to 5, min, low, default, high, max or urgent"},
		{Destination{Kind: "ntfy", URL: "https://ntfy.sh/"}, "url: want a topic's URL, as https://ntfy.sh/TOPIC"},
		{Destination{Kind: "matrix", URL: "https://matrix.example.org", Secret: "tok", Options: `{"room":"news"}`}, "room: want a room id (!abc:example.org) or alias (#news:example.org)"},
		{Destination{Kind: "matrix", URL: "https://matrix.example.org", Options: `{"room":"!a:b"}`}, "secret: matrix needs an access token"},
		{Destination{Kind: "mattermost", URL: "mattermost.example/hooks/x"}, "url: want an absolute http or https URL"},
		{Destination{Kind: "pager"}, `unknown kind "pager": use discord, email, matrix, mattermost, ntfy, slack, teams, telegram or webhook`},
	} {
		err := Check(&c.d)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %q", c.d, err, c.want)
		}
	}
	ok := []Destination{
		{Kind: "telegram", Secret: "123:abc", Options: `{"chat_id":"-100200"}`},
		{Kind: "ntfy", URL: "https://ntfy.sh/alerts", Options: `{"priority":"high","tags":["newspaper"]}`},
		{Kind: "matrix", URL: "https://matrix.example.org", Secret: "tok", Options: `{"room":"#news:example.org"}`},
		{Kind: "teams", URL: "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x"},
	}
	for _, d := range ok {
		if err := Check(&d); err != nil {
			t.Errorf("%+v: %v", d, err)
		}
	}
}

// fakeMattermost answers as a Mattermost server's incoming webhook: a
// post needs text or attachments, and its rate limiter answers 429 with
// X-Ratelimit-Reset.
type fakeMattermost struct {
	mu      sync.Mutex
	posts   []mattermostMessage
	limited bool
}

func (f *fakeMattermost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limited {
		w.Header().Set("X-Ratelimit-Reset", "3")
		http.Error(w, "limit exceeded", http.StatusTooManyRequests)
		return
	}
	var m mattermostMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.Text == "" && len(m.Attachments) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"id":"web.incoming_webhook.text.app_error","message":"No text specified","status_code":400}`)
		return
	}
	size := len([]rune(m.Text))
	for _, a := range m.Attachments {
		size += len([]rune(a.Fallback + a.Title + a.TitleLink + a.Text + a.Footer))
	}
	if size > mattermostPostMax {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"id":"api.post.create_post.message_length.app_error","message":"Message too long","status_code":400}`)
		return
	}
	f.posts = append(f.posts, m)
	fmt.Fprint(w, "ok")
}

func TestMattermost(t *testing.T) {
	f := &fakeMattermost{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := Destination{Kind: "mattermost", URL: srv.URL + "/hooks/xyz", Options: `{"channel":"newsroom"}`}
	m := Message{ID: "fh_1", Rule: "kim-putin", FeedURL: "https://feedhound.example/feeds/kim-putin.atom", Entries: []Entry{hostile()}}
	if o := send(t, d, m); !o.Delivered {
		t.Fatalf("not delivered: %+v", o)
	}
	p := f.posts[0]
	a := p.Attachments[0]
	if p.Channel != "newsroom" || a.TitleLink != "https://news.example/kim-putin?a=1&b=2" {
		t.Errorf("post %+v", p)
	}
	// No mention reaches anyone, and no Markdown of the feed's formats.
	for _, s := range []string{a.Text, p.Text} {
		if strings.Contains(s, "@here") || strings.Contains(s, "@all") || strings.Contains(s, "*take note*") {
			t.Errorf("feed text formats or mentions: %q", s)
		}
	}
	if !strings.Contains(a.Text, "**Kim–Putin summit**") {
		t.Errorf("the match is not in bold: %q", a.Text)
	}
	if o := send(t, d, digestOf(40)); !o.Delivered || len(f.posts[1].Attachments) != mattermostAttachments || !strings.Contains(f.posts[1].Text, "and 30 more") {
		t.Errorf("digest: %+v, %d attachments, %q", o, len(f.posts[1].Attachments), f.posts[1].Text)
	}
	f.limited = true
	if o := send(t, d, m); !o.Retry || o.RetryAfter != 3*time.Second {
		t.Errorf("rate limited: %+v", o)
	}
}

// fakeNtfy answers as an ntfy server: JSON published to its root, a topic
// that needs a token, and its visitor limit.
type fakeNtfy struct {
	mu      sync.Mutex
	got     []ntfyMessage
	limited bool
}

func (f *fakeNtfy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path != "/" || r.Method != http.MethodPost {
		http.Error(w, `{"code":40401,"http":404,"error":"page not found"}`, http.StatusNotFound)
		return
	}
	if f.limited {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"code":42901,"http":429,"error":"limit reached: too many requests"}`)
		return
	}
	var m ntfyMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.Topic == "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"code":40001,"http":400,"error":"invalid request: topic invalid"}`)
		return
	}
	if m.Topic == "private" && r.Header.Get("Authorization") != "Bearer tk_secret" {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"code":40301,"http":403,"error":"forbidden"}`)
		return
	}
	f.got = append(f.got, m)
	fmt.Fprintf(w, `{"id":"x%d","event":"message","topic":%q}`, len(f.got), m.Topic)
}

func TestNtfy(t *testing.T) {
	f := &fakeNtfy{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	e := entry("김정은, 푸틴과 정상회담 위해 러시아 방문", "https://news.example/k", "the Kim–Putin summit is set")
	m := Message{ID: "fh_2", Rule: "kim-putin", FeedURL: "https://feedhound.example/feeds/kim-putin.atom", Entries: []Entry{e}}
	d := Destination{Kind: "ntfy", URL: srv.URL + "/private", Secret: "tk_secret", Options: `{"priority":"high","tags":["newspaper","kr"]}`}
	if o := send(t, d, m); !o.Delivered {
		t.Fatalf("not delivered: %+v", o)
	}
	got := f.got[0]
	if got.Title != e.Title || got.Click != e.Link || got.Priority != 4 || strings.Join(got.Tags, ",") != "newspaper,kr" || !strings.Contains(got.Message, "Kim–Putin summit") {
		t.Errorf("published %+v", got)
	}
	d.Secret = "tk_wrong"
	if o := send(t, d, m); o.Delivered || o.Retry || o.Reason != "HTTP 403: forbidden" || strings.Contains(o.Reason, "tk_wrong") {
		t.Errorf("wrong token: %+v", o)
	}
	f.limited = true
	if o := send(t, d, m); !o.Retry || o.Reason != "HTTP 429: limit reached: too many requests" {
		t.Errorf("limited: %+v", o)
	}
	f.limited = false
	d = Destination{Kind: "ntfy", URL: srv.URL + "/public"}
	if o := send(t, d, digestOf(500)); !o.Delivered || len(f.got[1].Message) > 4096 || f.got[1].Click != "https://feedhound.example/feeds/kim-putin.atom" {
		t.Errorf("digest: %+v, %d bytes, click %q", o, len(f.got[1].Message), f.got[1].Click)
	}
}

// fakeTelegram answers as the Bot API: a bot's token in the path, a chat
// it knows, HTML it can parse (only the tags Telegram supports), at most
// 4,096 characters of text after parsing, and flood control.
type fakeTelegram struct {
	mu      sync.Mutex
	texts   []string
	limited bool
}

func (f *fakeTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(code int, desc string) {
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":%q}`, code, desc)
	}
	if r.URL.Path != "/bot123:SECRET/sendMessage" {
		answer(401, "Unauthorized")
		return
	}
	if f.limited {
		w.WriteHeader(429)
		fmt.Fprint(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`)
		return
	}
	var req struct {
		ChatID    string `json:"chat_id"`
		Text      string `json:"text"`
		ParseMode string `json:"parse_mode"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.ParseMode != "HTML" {
		answer(400, "Bad Request: can't parse request")
		return
	}
	if req.ChatID != "-1001234" {
		answer(400, "Bad Request: chat not found")
		return
	}
	visible, err := telegramText(req.Text)
	if err != nil {
		answer(400, "Bad Request: can't parse entities: "+err.Error())
		return
	}
	if n := len(utf16.Encode([]rune(visible))); n > 4096 || n == 0 {
		answer(400, "Bad Request: message is too long")
		return
	}
	f.texts = append(f.texts, visible)
	fmt.Fprint(w, `{"ok":true,"result":{"message_id":1}}`)
}

// telegramText parses Telegram's HTML as it does: only its tags, every
// other < > & escaped; it returns the text a reader sees.
func telegramText(s string) (string, error) {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return b.String(), nil
			}
			return "", z.Err()
		case html.TextToken:
			raw := string(z.Raw())
			if strings.ContainsAny(strings.NewReplacer("&lt;", "", "&gt;", "", "&amp;", "", "&quot;", "", "&#34;", "", "&#39;", "").Replace(raw), "<>&") {
				return "", fmt.Errorf("unescaped text %q", raw)
			}
			b.WriteString(html.UnescapeString(raw))
		case html.StartTagToken, html.EndTagToken:
			name, _ := z.TagName()
			if !strings.Contains(" b i a ", " "+string(name)+" ") {
				return "", fmt.Errorf("unsupported tag <%s>", name)
			}
		}
	}
}

func TestTelegram(t *testing.T) {
	f := &fakeTelegram{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := Destination{Kind: "telegram", URL: srv.URL, Secret: "123:SECRET", Options: `{"chat_id":"-1001234"}`}
	m := Message{ID: "fh_3", Rule: "kim-putin", FeedURL: "https://feedhound.example/f", Entries: []Entry{hostile()}}
	if o := send(t, d, m); !o.Delivered {
		t.Fatalf("not delivered: %+v", o)
	}
	if !strings.Contains(f.texts[0], "<b>Kim</b> & Putin @\u2060channel") || strings.Contains(f.texts[0], "@channel") || !strings.Contains(f.texts[0], "wire <desk>") {
		t.Errorf("the feed's text is not shown as it is: %q", f.texts[0])
	}
	for _, n := range []int{20, 300} {
		if o := send(t, d, digestOf(n)); !o.Delivered {
			t.Errorf("digest of %d: %+v", n, o)
		}
	}
	if last := f.texts[len(f.texts)-1]; !strings.Contains(last, "more in the feed") {
		t.Errorf("a long digest does not say what it left out: %q", last[len(last)-80:])
	}
	f.limited = true
	if o := send(t, d, m); !o.Retry || o.RetryAfter != 7*time.Second {
		t.Errorf("flood control: %+v", o)
	}
	f.limited = false
	d.Options = `{"chat_id":"42"}`
	if o := send(t, d, m); o.Delivered || o.Retry || o.Reason != "HTTP 400: Bad Request: chat not found" {
		t.Errorf("unknown chat: %+v", o)
	}
	// The token is in the URL: an error never shows it.
	d.URL = "http://127.0.0.1:1"
	if o := send(t, d, m); !o.Retry || strings.Contains(o.Reason, "SECRET") {
		t.Errorf("network error: %+v", o)
	}
}

// fakeMatrix answers as a homeserver's client API: a token, a room alias
// to resolve, rooms the account is in, transaction ids that make a repeated
// send the same event, and rate limiting.
type fakeMatrix struct {
	mu      sync.Mutex
	events  []map[string]string
	txns    map[string]string // transaction id -> event id
	limited bool
}

func (f *fakeMatrix) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fail := func(code int, errcode, msg string) {
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"errcode":%q,"error":%q}`, errcode, msg)
	}
	if r.Header.Get("Authorization") != "Bearer syt_token" {
		fail(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.")
		return
	}
	path := r.URL.EscapedPath()
	switch {
	case r.Method == http.MethodGet && path == "/_matrix/client/v3/directory/room/%23news:example.org":
		fmt.Fprint(w, `{"room_id":"!newsroom:example.org","servers":["example.org"]}`)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/_matrix/client/v3/directory/room/"):
		fail(404, "M_NOT_FOUND", "Room alias not found")
	case r.Method == http.MethodPut && strings.HasPrefix(path, "/_matrix/client/v3/rooms/"):
		rest := strings.TrimPrefix(r.URL.Path, "/_matrix/client/v3/rooms/")
		room, txn, ok := strings.Cut(rest, "/send/m.room.message/")
		if !ok {
			fail(400, "M_UNRECOGNIZED", "Unrecognized request")
			return
		}
		if room != "!newsroom:example.org" {
			fail(403, "M_FORBIDDEN", "User not in room")
			return
		}
		if f.limited {
			w.WriteHeader(429)
			fmt.Fprint(w, `{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":1500}`)
			return
		}
		if id, seen := f.txns[txn]; seen {
			fmt.Fprintf(w, `{"event_id":%q}`, id)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		if len(raw) > 65536 {
			fail(413, "M_TOO_LARGE", "event too large")
			return
		}
		var content map[string]any
		if json.Unmarshal(raw, &content) != nil || content["msgtype"] == "" || content["body"] == "" {
			fail(400, "M_BAD_JSON", "Content must be a JSON object with msgtype and body")
			return
		}
		ev := map[string]string{}
		for k, v := range content {
			if s, ok := v.(string); ok {
				ev[k] = s
			} else {
				b, _ := json.Marshal(v)
				ev[k] = string(b)
			}
		}
		f.events = append(f.events, ev)
		id := fmt.Sprintf("$event%d", len(f.events))
		f.txns[txn] = id
		fmt.Fprintf(w, `{"event_id":%q}`, id)
	default:
		fail(404, "M_UNRECOGNIZED", "Unrecognized request")
	}
}

func TestMatrix(t *testing.T) {
	f := &fakeMatrix{txns: map[string]string{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := Destination{Kind: "matrix", URL: srv.URL, Secret: "syt_token", Options: `{"room":"#news:example.org"}`}
	m := Message{ID: "fh_4", Rule: "kim-putin", FeedURL: "https://feedhound.example/f", Entries: []Entry{hostile()}}
	for range 2 { // a retry after a crash: the same transaction
		if o := send(t, d, m); !o.Delivered {
			t.Fatalf("not delivered: %+v", o)
		}
	}
	if len(f.events) != 1 {
		t.Fatalf("%d events for one alert sent twice", len(f.events))
	}
	ev := f.events[0]
	if ev["msgtype"] != "m.notice" || ev["format"] != "org.matrix.custom.html" || ev["m.mentions"] != "{}" ||
		!strings.Contains(ev["body"], "@\u2060channel") || strings.Contains(ev["body"]+ev["formatted_body"], "@channel") {
		t.Errorf("event %v: want m.mentions {} and no mention in its text", ev)
	}
	if strings.Contains(ev["formatted_body"], "<b>Kim</b>") || !strings.Contains(ev["formatted_body"], "&lt;b&gt;Kim&lt;/b&gt;") ||
		!strings.Contains(ev["formatted_body"], "<strong>Kim–Putin summit</strong>") {
		t.Errorf("formatted body %q", ev["formatted_body"])
	}
	m.ID = "fh_5"
	f.limited = true
	if o := send(t, d, m); !o.Retry || o.RetryAfter != 1500*time.Millisecond {
		t.Errorf("limited: %+v", o)
	}
	f.limited = false
	d.Options = `{"room":"!elsewhere:example.org"}`
	if o := send(t, d, m); o.Delivered || o.Retry || o.Reason != "HTTP 403: M_FORBIDDEN: User not in room" {
		t.Errorf("not in the room: %+v", o)
	}
	d.Options = `{"room":"#gone:example.org"}`
	if o := send(t, d, m); o.Delivered || !strings.HasPrefix(o.Reason, "resolve #gone:example.org: HTTP 404: M_NOT_FOUND") {
		t.Errorf("unknown alias: %+v", o)
	}
	d.Secret = "syt_wrong"
	if o := send(t, d, m); o.Delivered || strings.Contains(o.Reason, "syt_wrong") {
		t.Errorf("wrong token: %+v", o)
	}
}

// fakeTeams answers as a Workflows trigger: 202 for a message with an
// Adaptive Card, 400 for anything else, 413 above 28 KB, 429 with
// Retry-After when throttled.
type fakeTeams struct {
	mu      sync.Mutex
	cards   []map[string]any
	limited bool
}

func (f *fakeTeams) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limited {
		w.Header().Set("Retry-After", "12")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"error":{"code":"WorkflowTriggerIsThrottled","message":"The workflow is throttled."}}`)
		return
	}
	if r.URL.Query().Get("sig") != "s3cret" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":{"code":"DirectApiAuthorizationRequired","message":"The request must be authenticated."}}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if len(body) > 28<<10 {
		w.WriteHeader(413)
		fmt.Fprint(w, `{"error":{"code":"MessageTooLarge","message":"The message is too large."}}`)
		return
	}
	var msg struct {
		Type        string
		Attachments []struct {
			ContentType string
			Content     map[string]any
		}
	}
	if json.Unmarshal(body, &msg) != nil || msg.Type != "message" || len(msg.Attachments) != 1 ||
		msg.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || msg.Attachments[0].Content["type"] != "AdaptiveCard" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"code":"InvalidRequestContent","message":"The input body for trigger 'manual' of type 'Request' did not match its schema definition."}}`)
		return
	}
	f.cards = append(f.cards, msg.Attachments[0].Content)
	w.WriteHeader(202)
}

func TestTeams(t *testing.T) {
	f := &fakeTeams{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := Destination{Kind: "teams", URL: srv.URL + "/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cret"}
	m := Message{ID: "fh_6", Rule: "kim-putin", FeedURL: "https://feedhound.example/f", Entries: []Entry{hostile()}}
	if o := send(t, d, m); !o.Delivered || o.Status != 202 {
		t.Fatalf("not delivered: %+v", o)
	}
	b, _ := json.Marshal(f.cards[0])
	var card teamsCard
	json.Unmarshal(b, &card)
	title := card.Body[0].Inlines[0]
	if title.Text != hostile().Title || title.SelectAction == nil || title.SelectAction.URL != "https://news.example/kim-putin?a=1&b=2" {
		t.Errorf("title %+v", title)
	}
	var bold []string
	for _, r := range card.Body[1].Inlines {
		if r.Type != "TextRun" {
			t.Errorf("a %s in the snippet", r.Type)
		}
		if r.Weight == "Bolder" {
			bold = append(bold, r.Text)
		}
	}
	if strings.Join(bold, "|") != "Kim–Putin summit" {
		t.Errorf("bold runs %q", bold)
	}
	if o := send(t, d, digestOf(200)); !o.Delivered {
		t.Errorf("a long digest: %+v", o)
	}
	f.limited = true
	if o := send(t, d, m); !o.Retry || o.RetryAfter != 12*time.Second || o.Reason != "HTTP 429: WorkflowTriggerIsThrottled The workflow is throttled." {
		t.Errorf("throttled: %+v", o)
	}
	f.limited = false
	d.URL = strings.Replace(d.URL, "s3cret", "wrong", 1)
	if o := send(t, d, m); o.Delivered || o.Retry || strings.Contains(o.Reason, "wrong") {
		t.Errorf("unauthorised: %+v", o)
	}
}
