// Package destination is the seam of the kinds of places alerts go to —
// Slack, Discord, signed webhooks and the rest — each a Kind in a file of
// its own: how it renders a message of one alert or a digest of many,
// how fast it may be sent to, what its options must be, and how a
// delivery went. Kinds register themselves; configuration, the API, the
// CLI and the deliverers ask the registry which kinds there are.
//
// The package knows nothing of storage or matching: it imports neither.
package destination

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/time/rate"

	"github.com/feedhound/feedhound/internal/registry"
	"github.com/feedhound/feedhound/internal/suggest"
)

// Destination is where alerts go: one configured notifier, or one
// subscription's.
type Destination struct {
	Name string
	Kind string // a registered kind's name
	// URL is where the kind sends to; Secret what it signs or logs in
	// with. Both are secrets: never printed.
	URL    string
	Secret string
	// Options are the options of its kind, a JSON object of strings and
	// lists of strings ("" for none): a string, so that destinations can
	// be compared. Those the kind marks secret are secrets too.
	Options string
	// FeedURL, if set, is the feed its alerts link to, whatever their
	// rule: a subscription's own feed, whose URL is a capability.
	FeedURL string
}

// Redacted is the destination's URL with its secret parts hidden, for
// logs, errors and pages: a webhook URL is a credential.
func (d *Destination) Redacted() string { return Redact(d.URL) }

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

// Outcome is how a delivery went: delivered; or to be tried again
// (Retry), after RetryAfter if the receiver said; or failed for good,
// with the receiver's reason.
type Outcome struct {
	Delivered  bool
	Retry      bool
	RetryAfter time.Duration
	Status     int    // the receiver's status code, where it has one
	Reason     string // the receiver's answer or the error, one line
	// Protocol is what Status is a code of: "" for HTTP, or "SMTP".
	Protocol string
}

// Answer is what the receiver answered, as a person reads it: "HTTP 200
// ok", "SMTP 250 2.0.0 Ok: queued as 4XYZ (mail.example.org)".
func (o Outcome) Answer() string {
	p := o.Protocol
	if p == "" {
		p = "HTTP"
	}
	if o.Status == 0 {
		return o.Reason
	}
	return fmt.Sprintf("%s %d %s", p, o.Status, o.Reason)
}

// Env is what a kind sends with.
type Env struct {
	// Client makes HTTP requests through the private-network guard.
	Client *http.Client
	Now    time.Time
}

// Kind is a kind of destination.
type Kind interface {
	// Name is the kind's name in configuration and the API: "slack".
	Name() string
	// Options lists the options a destination of the kind takes beside
	// its url and secret.
	Options() []Option
	// Rate is how fast alerts may be sent to one destination of the kind,
	// a message at a time, and the burst allowed.
	Rate() (rate.Limit, int)
	// Check reports what is wrong with a destination of the kind, in
	// words that do not repeat its secrets.
	Check(d *Destination) error
	// Send renders m for the destination and delivers it once.
	Send(ctx context.Context, env Env, d *Destination, m *Message) Outcome
}

var kinds = registry.New[Kind]("destination")

// Register adds a kind; each kind's file registers it at start-up. A
// name registered twice is a programming error.
func Register(k Kind) { kinds.Register(k) }

// Lookup returns the kind of a name.
func Lookup(name string) (Kind, bool) { return kinds.Lookup(name) }

// Names lists the kinds' names, sorted.
func Names() []string { return kinds.Names() }

// List names the kinds as a sentence does: "discord, slack or webhook".
func List() string { return suggest.OrList(Names()) }

// UnknownKind is the error of a kind that is not registered, naming those
// that are.
func UnknownKind(name string) error {
	return fmt.Errorf("unknown kind %q: use %s", name, List())
}

// OptionError is what is wrong with one option of a destination: its
// url, its secret, or an option of its kind.
type OptionError struct {
	Option  string // as configuration and the API name it: "url", "to"
	Problem string // never the option's value, which may be a secret
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Problem }

// Check reports what is wrong with a destination: its kind, its options,
// then what its kind asks of it.
func Check(d *Destination) error {
	k, ok := Lookup(d.Kind)
	if !ok {
		return UnknownKind(d.Kind)
	}
	opts, err := decodeOptions(d.Options)
	if err != nil {
		return &OptionError{Option: "options", Problem: err.Error()}
	}
	for name, v := range opts {
		o, ok := OptionOf(k, name)
		if !ok {
			return &OptionError{Option: name, Problem: fmt.Sprintf("%s takes no such option (it takes: %s)", k.Name(), optionNames(k))}
		}
		if _, isList := v.([]any); isList != o.List {
			what := "a string"
			if o.List {
				what = "a list of strings"
			}
			return &OptionError{Option: name, Problem: "want " + what}
		}
	}
	for _, o := range k.Options() {
		if _, given := opts[o.Name]; o.Required && !given {
			return &OptionError{Option: o.Name, Problem: "required by " + k.Name()}
		}
	}
	return k.Check(d)
}

// Rate is how fast a destination's kind may be sent to; an unknown kind
// gets a careful rate (its sends fail anyway).
func Rate(kind string) (rate.Limit, int) {
	if k, ok := Lookup(kind); ok {
		return k.Rate()
	}
	return 1, 1
}

// Send delivers a message once to a destination, by its kind.
func Send(ctx context.Context, c *http.Client, d Destination, m Message, now time.Time) Outcome {
	k, ok := Lookup(d.Kind)
	if !ok {
		return Outcome{Reason: UnknownKind(d.Kind).Error()}
	}
	return k.Send(ctx, Env{Client: c, Now: now}, &d, &m)
}
