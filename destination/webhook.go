package destination

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

func init() { Register(webhook{}) }

// webhook is a generic webhook: feedhound's own JSON POSTed to the URL,
// signed as Standard Webhooks are when the destination has a secret.
type webhook struct{}

func (webhook) Name() string               { return "webhook" }
func (webhook) Options() []Option          { return nil }
func (webhook) Rate() (rate.Limit, int)    { return 10, 1 }
func (webhook) Check(d *Destination) error { return checkHTTP(d) }
func (webhook) Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome {
	body := Webhook(*m)
	ts := env.Now.Unix()
	h := http.Header{}
	h.Set("webhook-id", m.ID)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	if d.Secret != "" {
		h.Set("webhook-signature", Sign(d.Secret, m.ID, ts, body))
	}
	return do(ctx, env, d, request{url: d.URL, body: body, header: h})
}

// Sign returns the Standard Webhooks signature header of a body:
// HMAC-SHA256 over "id.timestamp.body" with the secret, base64, after
// "v1,".
func Sign(secret, id string, timestamp int64, body []byte) string {
	key := []byte(secret)
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		if k, err := base64.StdEncoding.DecodeString(rest); err == nil {
			key = k
		}
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
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
