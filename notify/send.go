package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedhound/feedhound/netguard"
)

// Kind is the type of a destination.
type Kind string

// The kinds of destination.
const (
	KindSlack   Kind = "slack"
	KindDiscord Kind = "discord"
	KindWebhook Kind = "webhook"
)

// Destination is where alerts go.
type Destination struct {
	Name   string
	Kind   Kind
	URL    string
	Secret string // webhook signing secret: whsec_ and base64, or raw
	// FeedURL, if set, is the feed its alerts link to, whatever their
	// rule: a subscription's own feed, whose URL is a capability.
	FeedURL string
}

// Redacted is the destination's URL with its secret parts hidden, for
// logs, errors and pages: a webhook URL is a credential.
func (d Destination) Redacted() string { return Redact(d.URL) }

// Redact hides everything of a URL but its scheme and host.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(hidden)"
	}
	if u.Path == "" && u.RawQuery == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// Outcome is how a delivery went.
type Outcome struct {
	Delivered bool
	// Retry is true for failures worth trying again: network errors, 5xx
	// and 429. RetryAfter is the wait the receiver asked for, if any.
	Retry      bool
	RetryAfter time.Duration
	Status     int
	Reason     string // the receiver's answer or the error, one line
}

// Render renders a message for the destination's kind.
func (d Destination) Render(m Message) []byte {
	switch d.Kind {
	case KindSlack:
		return Slack(m)
	case KindDiscord:
		return Discord(m)
	}
	return Webhook(m)
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

// maxAnswer bounds how much of a receiver's answer is read.
const maxAnswer = 4 << 10

// Send delivers a message once and says how it went.
func Send(ctx context.Context, c *http.Client, d Destination, m Message, now time.Time) Outcome {
	body := d.Render(m)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return Outcome{Reason: "bad destination URL " + d.Redacted()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "feedhound-notify")
	if d.Kind == KindWebhook {
		ts := now.Unix()
		req.Header.Set("webhook-id", m.ID)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		if d.Secret != "" {
			req.Header.Set("webhook-signature", Sign(d.Secret, m.ID, ts, body))
		}
	}
	resp, err := c.Do(req)
	var refused *netguard.Refused
	if errors.As(err, &refused) {
		// Not a passing fault: the address will be refused again.
		return Outcome{Reason: refused.Error()}
	}
	if err != nil {
		// The URL is a credential: the error must not repeat it.
		reason := err.Error()
		if ue, ok := err.(*url.Error); ok {
			reason = ue.Err.Error()
		}
		return Outcome{Retry: true, Reason: strings.ReplaceAll(reason, d.URL, d.Redacted())}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	o := Outcome{Status: resp.StatusCode, Reason: oneLine(string(answer))}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		o.Delivered = true
	case resp.StatusCode == http.StatusTooManyRequests:
		o.Retry = true
		o.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		o.Retry = true
	}
	if o.Reason == "" {
		o.Reason = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	} else if !o.Delivered {
		o.Reason = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, o.Reason)
	}
	return o
}

func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, 300)
}
