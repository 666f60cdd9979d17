package destination

import (
	"bytes"
	"context"
	"encoding/json"
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

// maxAnswer bounds how much of a receiver's answer is read.
const maxAnswer = 4 << 10

// request is an HTTP request a kind makes of a destination.
type request struct {
	method, url string
	body        []byte
	header      http.Header // Content-Type is application/json unless set
	// wait, if set, reads the wait a 429 asks for when there is no
	// Retry-After header; reason the receiver's reason from its answer.
	wait   func(h http.Header, answer []byte) time.Duration
	reason func(answer []byte) string
	// into, if set, is where a delivered answer's JSON is decoded.
	into any
}

// do makes a request of the destination's receiver and classifies its
// answer: 2xx delivered; 429 retried after the receiver's Retry-After (or
// what wait says, for receivers that put it in the body); 408 and 5xx
// retried; network errors retried; anything else failed, with the
// receiver's answer as the reason. Errors never repeat the URL or the
// secret.
func do(ctx context.Context, env Env, d *Destination, r request) Outcome {
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, r.url, bytes.NewReader(r.body))
	if err != nil {
		return Outcome{Reason: "bad destination URL " + Redact(r.url)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "feedhound-notify")
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	resp, err := env.Client.Do(req)
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
		reason = strings.ReplaceAll(reason, r.url, Redact(r.url))
		if d.Secret != "" {
			reason = strings.ReplaceAll(reason, d.Secret, "(secret)")
		}
		return Outcome{Retry: true, Reason: reason}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	o := Outcome{Status: resp.StatusCode, Reason: oneLine(string(answer))}
	if r.reason != nil {
		if why := r.reason(answer); why != "" {
			o.Reason = oneLine(why)
		}
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		o.Delivered = true
		if r.into != nil && json.Unmarshal(answer, r.into) != nil {
			return Outcome{Retry: true, Status: resp.StatusCode, Reason: "an answer that is not JSON: " + o.Reason}
		}
	case resp.StatusCode == http.StatusTooManyRequests:
		o.Retry = true
		o.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), env.Now)
		if r.wait != nil && o.RetryAfter == 0 {
			o.RetryAfter = r.wait(resp.Header, answer)
		}
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
	return Truncate(s, 300)
}

// checkHTTP reports what is wrong with a destination whose URL is an
// http or https URL, without repeating it.
func checkHTTP(d *Destination) error {
	if _, ok := netguard.WebURL(d.URL); !ok {
		return &OptionError{Option: "url", Problem: "want an absolute http or https URL"}
	}
	return nil
}
