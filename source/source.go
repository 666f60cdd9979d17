// Package source is the seam of the kinds of source feedhound reads —
// a feed, a page scraped for items — each a Kind in a file of its own:
// the options it takes, what is wrong with them, how a source of the kind
// is read at each poll, and how it is tried once before the API accepts
// it. Kinds register themselves; the configuration file, the API, the
// store and the watcher all take a source as one Spec and check it with
// one Check.
//
// Full text is not a kind: it is a stage any kind can have (Spec.FullText),
// run on the items a read gives.
package source

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/registry"
	"github.com/feedhound/feedhound/internal/suggest"
)

// DefaultSchedule is how often a source without a schedule is polled.
const DefaultSchedule = "@every 15m"

// DefaultKind is the kind of a source that names none: a feed.
const DefaultKind = "feed"

// Spec is a source as the configuration file, the API and the store give
// it. It is comparable: two Specs are the same source read the same way.
type Spec struct {
	Name string
	URL  string
	// Schedule is a robfig/cron spec or descriptor; "" is DefaultSchedule.
	Schedule string
	// Kind is a registered kind's name; "" is DefaultKind.
	Kind string
	// Options are the options of its kind: a JSON object of strings, ""
	// for none (EncodeOptions makes it).
	Options string
	// FullText fetches each new item's article, whose text rules then
	// match instead of the feed's teaser.
	FullText bool
	// Timezone names the zone of the source's dates that give none; "" is
	// UTC.
	Timezone string
	// AllowPrivateNetworks lets the source reach internal addresses.
	AllowPrivateNetworks bool
}

// KindName is the spec's kind, DefaultKind when it names none.
func (s *Spec) KindName() string {
	if s.Kind == "" {
		return DefaultKind
	}
	return s.Kind
}

// Location is the zone of the source's dates that give none: nil for
// UTC, or for a zone that is not known (Check reports it).
func (s *Spec) Location() *time.Location {
	if s.Timezone == "" {
		return nil
	}
	loc, _ := Timezone(s.Timezone)
	return loc
}

// Env is what a source is read with, chosen once for each source when a
// plan is built: the reader with the private-network guard, or, for a
// source allowed to reach internal addresses, one without.
type Env struct {
	Reader *feed.Reader
}

// Answer is what one read of a source gave.
type Answer struct {
	// Resp is the last answer fetched: the source's, or that of the feed
	// its page links to.
	Resp *feed.Response
	// Feed is what Resp held, read; nil when Unchanged or for a 304.
	Feed *feed.Feed
	// Unchanged is set for a body the same as the one last recorded (a
	// server that sends no validators): nothing to read or record.
	Unchanged bool
	// Found, when set, is the URL of the feed the source's page links to:
	// the source is polled there from now on.
	Found string
}

// Reader reads a source of a kind at each poll: it fetches the source
// (conditionally, with the validators req carries) and reads the answer
// as a feed. It stops when ctx ends.
type Reader interface {
	Read(ctx context.Context, req feed.Request) (Answer, error)
}

// Kind is a kind of source.
type Kind interface {
	// Name is the kind's name in configuration and the API: "page".
	Name() string
	// Options lists the options a source of the kind takes.
	Options() []Option
	// Check reports what is wrong with the options of a source of the
	// kind (given ones only: none is ""), as a *FieldError naming the
	// option.
	Check(s *Spec, opts map[string]string) error
	// New makes the reader of a checked source of the kind.
	New(s *Spec, env Env) (Reader, error)
	// Try reads a new source once, as the API does before it accepts one,
	// and returns where it is to be polled and its title. An error the
	// source's options cause is a *FieldError; any other is the URL's.
	Try(ctx context.Context, s *Spec, env Env) (url, title string, err error)
}

var kinds = registry.New[Kind]("source")

// Register adds a kind; each kind's file registers it at start-up. A
// name registered twice is a programming error.
func Register(k Kind) { kinds.Register(k) }

// Lookup returns the kind of a name; "" is DefaultKind.
func Lookup(name string) (Kind, bool) {
	if name == "" {
		name = DefaultKind
	}
	return kinds.Lookup(name)
}

// Names lists the kinds' names, sorted.
func Names() []string { return kinds.Names() }

// FieldError is what is wrong with one field of a source: "url",
// "schedule", "timezone", "kind", "options", or an option of its kind
// as "options.NAME".
type FieldError struct {
	Field string
	// Value is the field's value, when the message shows it.
	Value string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s %q: %v", e.Field, e.Value, e.Err)
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Option returns the name of the option the error is about, "" for a
// field of every source.
func (e *FieldError) Option() string {
	name, _ := strings.CutPrefix(e.Field, "options.")
	if name == e.Field {
		return ""
	}
	return name
}

// optionError is what is wrong with an option of a kind.
func optionError(name, value string, err error) *FieldError {
	return &FieldError{Field: "options." + name, Value: value, Err: err}
}

// Check reports the first thing wrong with a source (see Problems), and
// fills in its defaults.
func Check(s *Spec, floor time.Duration) error {
	if ps := Problems(s, floor); len(ps) > 0 {
		return ps[0]
	}
	return nil
}

// Problems lists what is wrong with a source — its URL, its schedule
// (which must poll at most once per floor), its timezone, its kind and
// the kind's options — and fills in the defaults of its schedule and
// kind. The name is the caller's to check: it must be unique where the
// source is defined.
func Problems(s *Spec, floor time.Duration) []*FieldError {
	var ps []*FieldError
	if s.Schedule == "" {
		s.Schedule = DefaultSchedule
	}
	if s.Kind == "" {
		s.Kind = DefaultKind
	}
	if err := CheckURL(s.URL); err != nil {
		ps = append(ps, &FieldError{Field: "url", Err: err})
	}
	if err := CheckSchedule(s.Schedule, floor); err != nil {
		ps = append(ps, &FieldError{Field: "schedule", Value: s.Schedule, Err: err})
	}
	if s.Timezone != "" {
		if _, err := Timezone(s.Timezone); err != nil {
			ps = append(ps, &FieldError{Field: "timezone", Value: s.Timezone, Err: err})
		}
	}
	k, ok := Lookup(s.Kind)
	if !ok {
		return append(ps, &FieldError{Field: "kind", Value: s.Kind, Err: fmt.Errorf("want %s", suggest.OrList(Names()))})
	}
	opts, err := DecodeOptions(s.Options)
	if err != nil {
		return append(ps, &FieldError{Field: "options", Err: err})
	}
	for _, name := range slices.Sorted(maps.Keys(opts)) {
		if !slices.ContainsFunc(k.Options(), func(o Option) bool { return o.Name == name }) {
			ps = append(ps, optionError(name, "", fmt.Errorf("a %s takes no such option (it takes: %s)", k.Name(), optionNames(k))))
			delete(opts, name)
		}
	}
	var fe *FieldError
	if err := k.Check(s, opts); errors.As(err, &fe) {
		ps = append(ps, fe)
	} else if err != nil {
		ps = append(ps, &FieldError{Field: "options", Err: err})
	}
	return ps
}

// New makes the reader of a source: Check first.
func New(s *Spec, env Env) (Reader, error) {
	k, ok := Lookup(s.Kind)
	if !ok {
		return nil, fmt.Errorf("source %s: unknown kind %q", s.Name, s.Kind)
	}
	return k.New(s, env)
}

// Try reads a new source once, as the API does before it accepts one:
// where it is to be polled and its title. Check first.
func Try(ctx context.Context, s *Spec, env Env) (url, title string, err error) {
	k, ok := Lookup(s.Kind)
	if !ok {
		return "", "", &FieldError{Field: "kind", Value: s.Kind, Err: errors.New("unknown kind")}
	}
	return k.Try(ctx, s, env)
}

// fetch fetches a source; done is set when there is nothing to read: an
// error, a body the same as the last, or an answer other than 200 (a
// 304).
func fetch(ctx context.Context, r *feed.Reader, req feed.Request) (a Answer, done bool, err error) {
	a.Resp, err = r.Fetch(ctx, req)
	if err != nil {
		return a, true, err
	}
	a.Unchanged = a.Resp.Unchanged
	return a, a.Unchanged || a.Resp.Status != http.StatusOK, nil
}
