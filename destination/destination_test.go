package destination

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedhound/feedhound/rules"
)

var t0 = time.Date(2026, 9, 8, 0, 12, 0, 0, time.UTC)

func entry(title, link, text string) Entry {
	e := Entry{ID: "kt-1", Title: title, Link: link, Source: "koreatimes", Published: t0, Terms: []string{`"kim putin summit"`}}
	if i := strings.Index(text, "Kim–Putin summit"); i >= 0 {
		e.Snippet = Snippet(rules.SnippetOf(text, []rules.Hit{{Field: rules.FieldContent, Start: i, End: i + len("Kim–Putin summit")}}, 160))
	} else {
		e.Snippet = Snippet(rules.SnippetOf(text, nil, 160))
	}
	return e
}

func decodeSlack(t *testing.T, b []byte) slackMessage {
	t.Helper()
	var m slackMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

func TestSlackEscapesHostileText(t *testing.T) {
	e := entry("<!channel> Kim & Putin > Xi | <!here|click>",
		"https://news.example/a?b=1|2>3",
		"Officials said the upcoming Kim–Putin summit would <!here> start soon & end late.")
	m := decodeSlack(t, Slack(Message{Rule: "kim-putin", FeedURL: "http://127.0.0.1:8080/feeds/kim-putin.atom", Entries: []Entry{e}}))
	all := m.Text
	for _, b := range m.Blocks {
		if b.Text != nil {
			all += "\n" + b.Text.Text
		}
		for _, el := range b.Elements {
			all += "\n" + el.Text
		}
	}
	for _, bad := range []string{"<!channel>", "<!here>", "<!here|click>", " & "} {
		if strings.Contains(all, bad) {
			t.Errorf("message contains %q:\n%s", bad, all)
		}
	}
	title := m.Blocks[0].Text.Text
	want := "*<https://news.example/a?b=1%7C2%3E3|&lt;!channel&gt; Kim &amp; Putin &gt; Xi ¦ &lt;!here¦click&gt;>*"
	if title != want {
		t.Errorf("title block\n got %s\nwant %s", title, want)
	}
	if !strings.Contains(m.Blocks[1].Text.Text, "*Kim–Putin summit*") {
		t.Errorf("matched terms not in bold: %s", m.Blocks[1].Text.Text)
	}
	if m.Text == "" || strings.Contains(m.Text, "<") {
		t.Errorf("fallback text %q", m.Text)
	}
	if ctx := m.Blocks[2].Elements[0].Text; ctx != "koreatimes · 2026-09-08 00:12 UTC · rule <http://127.0.0.1:8080/feeds/kim-putin.atom|kim-putin>" {
		t.Errorf("context line %q", ctx)
	}
}

// TestLinkDisguise: a title that looks like an address became the text of
// a link to another address, and Discord rendered [text](url) in feed text
// as a masked link.
func TestLinkDisguise(t *testing.T) {
	for _, title := range []string{"https://bank.example/login", "www.bank.example", "Log in at bank.example/secure now", "PAYPAL.COM account notice"} {
		e := entry(title, "https://evil.example/x", "the Kim–Putin summit")
		slack := decodeSlack(t, Slack(Message{Rule: "r", Entries: []Entry{e}})).Blocks[0].Text.Text
		if want := "*<https://evil.example/x|https://evil.example/x>*"; slack != want {
			t.Errorf("Slack title %q: %s, want %s", title, slack, want)
		}
		var d discordMessage
		json.Unmarshal(Discord(Message{Rule: "r", Entries: []Entry{e}}), &d)
		if d.Embeds[0].Title != "https://evil.example/x" {
			t.Errorf("Discord title %q: %q, want the link itself", title, d.Embeds[0].Title)
		}
	}
	// Ordinary headlines keep their words.
	for _, title := range []string{"Kim Jong-un may visit Russia to meet Putin", "U.S. and S. Korea hold talks", "Putin: 'a new era' with Pyongyang"} {
		e := entry(title, "https://a.example/1", "x")
		if got := decodeSlack(t, Slack(Message{Rule: "r", Entries: []Entry{e}})).Blocks[0].Text.Text; !strings.Contains(got, "|"+slackEscape(title)+">") {
			t.Errorf("headline %q shown as %s", title, got)
		}
	}
	e := entry("Summit", "https://a.example/1", "see [the official statement](https://evil.example/) and ![x](https://evil.example/p.png) # heads")
	var d discordMessage
	json.Unmarshal(Discord(Message{Rule: "r", Entries: []Entry{e}}), &d)
	desc := d.Embeds[0].Description
	if strings.Contains(desc, "[the official statement](") || strings.Contains(desc, "](https") || !strings.Contains(desc, `\[the official statement\]\(https://evil.example/\)`) {
		t.Errorf("Discord description keeps a masked link: %s", desc)
	}
}

func TestSlackLimits(t *testing.T) {
	long := strings.Repeat("A very long title about the summit. ", 20)
	text := strings.Repeat("Background paragraph. ", 500) + "the Kim–Putin summit " + strings.Repeat("More text. ", 1000)
	m := decodeSlack(t, Slack(Message{Rule: "kim-putin", FeedURL: "http://x/feeds/kim-putin.atom", Entries: []Entry{entry(long, "https://a.example/1", text)}}))
	for _, b := range m.Blocks {
		if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > slackSectionMax {
			t.Errorf("section of %d characters", utf8.RuneCountInString(b.Text.Text))
		}
	}
	if n := utf8.RuneCountInString(m.Blocks[0].Text.Text); n > slackHeaderMax+40 {
		t.Errorf("title of %d characters", n)
	}
	// A digest of 100 stories fits in 50 blocks and says what it left out.
	var entries []Entry
	for i := range 100 {
		entries = append(entries, entry(fmt.Sprintf("Story %d", i), fmt.Sprintf("https://a.example/%d", i), text))
	}
	d := decodeSlack(t, Slack(Message{Rule: "kim-putin", FeedURL: "http://x/feeds/kim-putin.atom", Entries: entries, More: 20}))
	if len(d.Blocks) > slackBlocksMax {
		t.Errorf("%d blocks, more than %d", len(d.Blocks), slackBlocksMax)
	}
	if d.Blocks[0].Type != "header" || d.Blocks[0].Text.Text != "120 new stories for kim-putin" {
		t.Errorf("digest header %+v", d.Blocks[0])
	}
	last := d.Blocks[len(d.Blocks)-1].Elements[0].Text
	if last != "and 96 more in <http://x/feeds/kim-putin.atom|the feed>" {
		t.Errorf("digest end %q", last)
	}
}

func TestDiscord(t *testing.T) {
	e := entry("@everyone **Kim** meets Putin", "https://a.example/1", "the upcoming Kim–Putin summit, said @here")
	var m map[string]any
	if err := json.Unmarshal(Discord(Message{Rule: "kim-putin", Entries: []Entry{e}}), &m); err != nil {
		t.Fatal(err)
	}
	am := m["allowed_mentions"].(map[string]any)
	if parse, ok := am["parse"].([]any); !ok || len(parse) != 0 {
		t.Errorf("allowed_mentions = %v, want parse: []", am)
	}
	embed := m["embeds"].([]any)[0].(map[string]any)
	if !strings.Contains(embed["description"].(string), "**Kim–Putin summit**") {
		t.Errorf("description %q", embed["description"])
	}
	var many []Entry
	for range 30 {
		many = append(many, e)
	}
	json.Unmarshal(Discord(Message{Rule: "r", FeedURL: "http://x/f", Entries: many}), &m)
	if n := len(m["embeds"].([]any)); n > discordEmbedsMax {
		t.Errorf("%d embeds", n)
	}
	if !strings.HasPrefix(m["content"].(string), "and 20 more") {
		t.Errorf("content %q", m["content"])
	}
}

// verify checks a Standard Webhooks signature the way a receiver would,
// written from the specification: the key is the base64 after "whsec_",
// the signed content "id.timestamp.body", the signature base64 HMAC-SHA256
// after "v1,", among space-separated signatures.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, sig, _ := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if v == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no valid signature")
}

func TestWebhookSigned(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a secret of thirty-two bytes!!!!"))
	var got []byte
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		header = r.Header.Clone()
	}))
	defer srv.Close()
	d := Destination{Name: "pipeline", Kind: "webhook", URL: srv.URL + "/hook", Secret: secret}
	m := Message{ID: "msg_42", Rule: "kim-putin", FeedURL: "http://x/f", Entries: []Entry{entry("Summit set", "https://a.example/1", "the Kim–Putin summit")}}
	now := time.Now()
	if o := Send(context.Background(), srv.Client(), d, m, now); !o.Delivered {
		t.Fatalf("not delivered: %+v", o)
	}
	if err := verify(secret, header, got, now); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := verify(secret, header, append(got, ' '), now); err == nil {
		t.Error("a changed body verifies")
	}
	if header.Get("webhook-id") != "msg_42" {
		t.Errorf("webhook-id %q", header.Get("webhook-id"))
	}
	var p WebhookPayload
	if err := json.Unmarshal(got, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "match" || p.Rule != "kim-putin" || len(p.Items) != 1 || p.Items[0].Title != "Summit set" {
		t.Errorf("payload %+v", p)
	}
	if p.Items[0].Also == nil || !strings.Contains(string(got), `"also":[]`) {
		t.Errorf("an item without copies has no empty also list: %s", got)
	}
}

// TestWebhookCarriesTheStory: each item of a webhook payload has its
// story and the other outlets' copies.
func TestWebhookCarriesTheStory(t *testing.T) {
	e := entry("Summit set", "https://a.example/1", "the Kim–Putin summit")
	e.Story = "urn:uuid:story"
	e.Also = []Copy{{ID: "urn:uuid:copy", Source: "herald", Title: "Kim to meet Putin", Link: "https://herald.example/k"}}
	var p struct {
		Items []struct {
			Story string
			Also  []Copy
		}
	}
	if err := json.Unmarshal(Webhook(Message{ID: "m", Rule: "r", Entries: []Entry{e}}), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Items[0].Story != "urn:uuid:story" || len(p.Items[0].Also) != 1 || p.Items[0].Also[0] != e.Also[0] {
		t.Errorf("payload items %+v", p.Items)
	}
}

func TestSendOutcomes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/services/T0/B0/ok":
			fmt.Fprint(w, "ok")
		case "/services/T0/B0/busy":
			w.Header().Set("Retry-After", "7")
			http.Error(w, "rate_limited", http.StatusTooManyRequests)
		case "/services/T0/B0/down":
			http.Error(w, "oops", http.StatusInternalServerError)
		case "/services/T0/B0/bad":
			http.Error(w, "invalid_payload", http.StatusBadRequest)
		case "/services/T0/B0/archived":
			http.Error(w, "channel_is_archived", http.StatusGone)
		}
	}))
	defer srv.Close()
	m := Message{ID: "1", Rule: "r", Entries: []Entry{entry("t", "https://a.example", "x")}}
	tests := []struct {
		path string
		want Outcome
	}{
		{"ok", Outcome{Delivered: true, Status: 200, Reason: "ok"}},
		{"busy", Outcome{Retry: true, RetryAfter: 7 * time.Second, Status: 429, Reason: "HTTP 429: rate_limited"}},
		{"down", Outcome{Retry: true, Status: 500, Reason: "HTTP 500: oops"}},
		{"bad", Outcome{Status: 400, Reason: "HTTP 400: invalid_payload"}},
		{"archived", Outcome{Status: 410, Reason: "HTTP 410: channel_is_archived"}},
	}
	for _, tt := range tests {
		d := Destination{Name: "newsroom", Kind: "slack", URL: srv.URL + "/services/T0/B0/" + tt.path}
		if got := Send(context.Background(), srv.Client(), d, m, t0); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.path, got, tt.want)
		}
	}
	// A network error names the host, never the secret path.
	d := Destination{Name: "newsroom", Kind: "slack", URL: "http://127.0.0.1:1/services/T0/B0/SECRET"}
	o := Send(context.Background(), srv.Client(), d, m, t0)
	if !o.Retry || strings.Contains(o.Reason, "SECRET") {
		t.Errorf("network error outcome %+v", o)
	}
	if r := Redact("https://hooks.slack.com/services/T0/B0/SECRET"); r != "https://hooks.slack.com/…" {
		t.Errorf("Redact = %q", r)
	}
}
