// Package config reads feedhound's YAML configuration file. It reports
// every problem it finds, each with the file, line and column it comes
// from, rather than stopping at the first.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/parser"

	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/source"
)

// Defaults for settings a file leaves out.
const (
	DefaultListen = "127.0.0.1:8080"
	DefaultData   = "feedhound.db"
	// DefaultMinInterval is the shortest time between two polls of a
	// source that a schedule may ask for, unless min_interval says
	// otherwise.
	DefaultMinInterval = time.Minute
)

// Config is a validated configuration file.
type Config struct {
	File    string // the file it was read from
	Listen  string // host:port of the HTTP server
	Data    string // path of the SQLite database, relative paths taken from the file's directory
	BaseURL string // absolute URL the server is reached at, used in self links
	// AllowPrivateNetworks lets every source reach loopback, private and
	// other internal addresses, for intranet use.
	AllowPrivateNetworks bool
	// MinInterval is the shortest time between polls that a source's
	// schedule may ask for (min_interval; default DefaultMinInterval).
	MinInterval time.Duration
	// StoryWindow is how far apart in time copies of one story may be
	// (story_window; zero means story.DefaultWindow, 72h).
	StoryWindow time.Duration
	// Lease is, for instances sharing a PostgreSQL database, how long a
	// source's poll or a destination's deliveries belong to one instance
	// before another takes over, should that one die (lease; zero means
	// the defaults: a poll's timeout and 30 s, and 2 minutes).
	Lease time.Duration
	// API bounds what each account may make through the API (api:).
	API       APILimits
	Sources   []Source
	Notifiers []Notifier
	Rules     []Rule
}

// APILimits bound what each account may make through the API; a zero
// field is its default (see DefaultAPILimits).
type APILimits struct {
	MaxSubscriptions int // subscriptions an account may have
	MaxSources       int // sources an account may add
	MaxName          int // characters of a subscription's or a source's name
}

// DefaultAPILimits are the API's limits a file does not set.
var DefaultAPILimits = APILimits{MaxSubscriptions: 1000, MaxSources: 50, MaxName: 200}

// Notifier is a destination for alerts.
type Notifier struct {
	Name   string
	Type   string // a kind of destination.Names
	URL    string // a secret: never print it
	Secret string // the webhook signing secret, or the kind's token; a secret too
	// Options are the options of its kind (destination.Destination's).
	Options string
	// AllowPrivateNetworks lets deliveries reach internal addresses: set
	// by the notifier's own key or by the file's.
	AllowPrivateNetworks bool
	Pos                  Pos
	reported             bool // one of its values had a problem already reported
}

// Source is a feed or page to watch.
type Source struct {
	// Spec is the source: scrape: in the file is the page kind with
	// those selectors as its options.
	source.Spec
	Pos Pos // of the entry
	// pos is where each key's value is, and each option's ("options.item").
	pos map[string]Pos
	// scrape is set when the options were given as scrape:.
	scrape bool
}

// Rule is a named keyword query.
type Rule struct {
	Name    string
	Query   string
	Parsed  *rules.Query
	Sources []string // names of the sources it applies to; empty means all
	Notify  []string // names of the notifiers to alert
	// Digest, when set, collects the alerts and sends them together: a
	// duration ("15m") or a cron spec ("0 8 * * 1-5").
	Digest string
	// Backfill, when set, matches the stories stored in that window when
	// the rule is new or its query changed, without alerts.
	Backfill time.Duration
	// Group is GroupStory (the default: one alert per story, whatever
	// copies arrive) or GroupNone (an alert for every copy).
	Group string
	Pos   Pos // of the entry
	// QueryPos is where the query's first character is in the file.
	QueryPos  Pos
	sourcePos []Pos
	notifyPos []Pos
}

// The values of a rule's or a subscription's group.
const (
	GroupStory = "story"
	GroupNone  = "none"
)

// ValidGroup reports whether g is one of the groups.
func ValidGroup(g string) bool { return g == GroupStory || g == GroupNone }

// ByStory reports whether a group alerts once per story: GroupStory, and
// "" (a group not given).
func ByStory(g string) bool { return g != GroupNone }

// Pos is a position in a file; lines and columns count from 1.
type Pos struct {
	Line, Column int
}

// Error is a problem at a position of a configuration file.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Column, e.Msg)
}

// Problems is every problem found in a file, in file order.
type Problems []*Error

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Load reads, decodes and validates a configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// namePattern is what source and rule names look like: they appear in URLs.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidName reports whether s is a good name for a source, rule, notifier
// or token: lower-case letters, digits, '.', '_' and '-', at most 64.
func ValidName(s string) bool { return namePattern.MatchString(s) }

// Parse decodes and validates a configuration file's content; file names
// it in errors and anchors relative paths. A file with problems gives
// Problems, listing all of them.
func Parse(data []byte, file string) (*Config, error) {
	return parse(data, file, true)
}

// LoadWithoutSecrets reads a configuration file as Load does, but reads
// no notifier's secrets — neither the environment variables nor the
// files they name — and leaves them empty: for commands that send
// nothing (token, notifications), which must work in a shell without the
// daemon's secrets.
func LoadWithoutSecrets(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(data, path, false)
}

func parse(data []byte, file string, secrets bool) (*Config, error) {
	d := &decoder{file: file, noSecrets: !secrets}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{d.yamlError(err)}
	}
	c := &Config{File: file}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		d.top(f.Docs[0].Body, c)
	}
	d.validate(c)
	if len(d.problems) > 0 {
		slices.SortStableFunc(d.problems, func(a, b *Error) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Column - b.Pos.Column
		})
		return nil, d.problems
	}
	return c, nil
}

// MaxBackfill is how far back a backfill may reach.
const MaxBackfill = 90 * 24 * time.Hour

// Fingerprint is a digest of the configuration's sources and rules: the
// instances of a cluster, which share one database, must run the same.
func (c *Config) Fingerprint() string {
	type rule struct {
		Name, Query, Digest, Group string
		Sources, Notify            []string
	}
	var v struct {
		Sources []source.Spec
		Rules   []rule
	}
	for _, s := range c.Sources {
		v.Sources = append(v.Sources, s.Spec)
	}
	for _, r := range c.Rules {
		v.Rules = append(v.Rules, rule{r.Name, r.Query, r.Digest, r.Group, r.Sources, r.Notify})
	}
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}
