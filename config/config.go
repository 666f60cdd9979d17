// Package config reads feedhound's YAML configuration file. It reports
// every problem it finds, each with the file, line and column it comes
// from, rather than stopping at the first.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/feedhound/feedhound/netguard"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	"github.com/robfig/cron/v3"

	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/internal/suggest"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/scrape"
)

// Defaults for settings a file leaves out.
const (
	DefaultListen   = "127.0.0.1:8080"
	DefaultData     = "feedhound.db"
	DefaultSchedule = "@every 15m"
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
	Name     string
	URL      string
	Schedule string // a robfig/cron spec or descriptor
	// AllowPrivateNetworks lets this source reach internal addresses.
	AllowPrivateNetworks bool
	// Scrape, if set, makes the source a web page scraped for items, by
	// these selectors, or by those feedhound finds when they are empty
	// (scrape: {}).
	Scrape *scrape.Selectors
	// FullText fetches each new item's article, whose text rules then
	// match instead of the feed's teaser.
	FullText bool
	// Timezone is where the source's dates without a zone are; nil is UTC.
	Timezone    *time.Location
	Pos         Pos // of the entry
	schedulePos Pos
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

// decoder walks the YAML tree, collecting values and problems.
type decoder struct {
	file     string
	problems Problems
	// noSecrets leaves notifiers' secrets unread (LoadWithoutSecrets).
	noSecrets bool
}

func (d *decoder) addf(p Pos, format string, args ...any) {
	d.problems = append(d.problems, &Error{File: d.file, Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func pos(n ast.Node) Pos {
	if n == nil {
		return Pos{}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{Line: tk.Position.Line, Column: tk.Position.Column}
}

// entryPos is where a list entry starts: at its first key when it is a
// mapping.
func entryPos(n ast.Node) Pos {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		if len(v.Values) > 0 {
			return pos(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return pos(v.Key)
	}
	return pos(n)
}

// valueStart is where a scalar's text begins, inside its quotes.
func valueStart(n ast.Node) Pos {
	p := pos(n)
	if tk := n.GetToken(); tk != nil && (tk.Type == token.DoubleQuoteType || tk.Type == token.SingleQuoteType) {
		p.Column++
	}
	return p
}

// unwrap skips tags and anchors.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

// entries returns the key-value pairs of a mapping, or reports that n is
// not one.
func (d *decoder) entries(n ast.Node, what string) ([]*ast.MappingValueNode, bool) {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	case *ast.NullNode:
		return nil, true
	}
	d.addf(pos(n), "%s must be a mapping of keys to values", what)
	return nil, false
}

func (d *decoder) items(n ast.Node, what string) ([]ast.Node, bool) {
	switch v := unwrap(n).(type) {
	case *ast.SequenceNode:
		return v.Values, true
	case *ast.NullNode:
		return nil, true
	}
	d.addf(pos(n), "%s must be a list", what)
	return nil, false
}

func (d *decoder) str(n ast.Node, what string) string {
	n = unwrap(n)
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		d.addf(pos(n), "%s must be a string", what)
		return ""
	case *ast.NullNode:
		return ""
	case *ast.AliasNode:
		d.addf(pos(n), "%s: aliases are not supported", what)
		return ""
	}
	var s string
	if err := yaml.NodeToValue(n, &s); err != nil {
		d.addf(pos(n), "%s must be a string", what)
	}
	return s
}

func (d *decoder) boolean(n ast.Node, what string) bool {
	if _, ok := unwrap(n).(*ast.BoolNode); !ok {
		d.addf(pos(n), "%s must be true or false", what)
		return false
	}
	var b bool
	if err := yaml.NodeToValue(unwrap(n), &b); err != nil {
		d.addf(pos(n), "%s must be true or false", what)
	}
	return b
}

func keyName(kv *ast.MappingValueNode) string {
	return kv.Key.GetToken().Value
}

// unknownKey reports a key that is not one of known, suggesting the
// nearest.
func (d *decoder) unknownKey(kv *ast.MappingValueNode, where string, known []string) {
	name := keyName(kv)
	hint := " (known keys: " + strings.Join(known, ", ") + ")"
	if best, ok := suggest.Nearest(name, known); ok {
		hint = fmt.Sprintf(" (did you mean %q?)", best)
	}
	d.addf(pos(kv.Key), "unknown key %q in %s%s", name, where, hint)
}

var (
	topKeys      = []string{"listen", "data", "base_url", "allow_private_networks", "min_interval", "story_window", "lease", "api", "sources", "notifiers", "rules"}
	apiKeys      = []string{"max_subscriptions", "max_sources", "max_name"}
	sourceKeys   = []string{"name", "url", "schedule", "allow_private_networks", "scrape", "timezone", "fulltext"}
	scrapeKeys   = []string{"item", "title", "link", "date", "summary", "author", "image"}
	notifierKeys = []string{"name", "type", "url", "url_file", "secret", "secret_file", "allow_private_networks"}
	ruleKeys     = []string{"name", "query", "sources", "notify", "digest", "backfill", "group"}
)

func (d *decoder) top(n ast.Node, c *Config) {
	kvs, ok := d.entries(n, "the configuration")
	if !ok {
		return
	}
	for _, kv := range kvs {
		switch keyName(kv) {
		case "listen":
			c.Listen = d.str(kv.Value, "listen")
		case "data":
			c.Data = d.expand(kv.Value, "data") // ${STATE_DIRECTORY}/feedhound.db under systemd
		case "base_url":
			c.BaseURL = d.str(kv.Value, "base_url")
		case "allow_private_networks":
			c.AllowPrivateNetworks = d.boolean(kv.Value, "allow_private_networks")
		case "min_interval":
			v := d.str(kv.Value, "min_interval")
			if iv, err := time.ParseDuration(v); err != nil || iv < time.Second {
				d.addf(pos(kv.Value), "min_interval %q: want a duration of at least 1s, such as 1m", v)
			} else {
				c.MinInterval = iv
			}
		case "story_window":
			v := d.str(kv.Value, "story_window")
			if w, err := time.ParseDuration(v); err != nil || w < time.Minute || w > MaxBackfill {
				d.addf(pos(kv.Value), "story_window %q: want a duration from 1m to 2160h (90 days), such as 72h", v)
			} else {
				c.StoryWindow = w
			}
		case "lease":
			v := d.str(kv.Value, "lease")
			if l, err := time.ParseDuration(v); err != nil || l < 2*time.Second || l > time.Hour {
				d.addf(pos(kv.Value), "lease %q: want a duration from 2s to 1h, such as 1m", v)
			} else {
				c.Lease = l
			}
		case "api":
			c.API = d.apiLimits(kv.Value)
		case "sources":
			c.Sources = decodeList(d, kv.Value, "sources", d.source)
		case "notifiers":
			c.Notifiers = decodeList(d, kv.Value, "notifiers", d.notifier)
		case "rules":
			c.Rules = decodeList(d, kv.Value, "rules", d.rule)
		default:
			d.unknownKey(kv, "the configuration", topKeys)
		}
	}
}

// apiLimits reads the api: block.
func (d *decoder) apiLimits(n ast.Node) APILimits {
	var l APILimits
	kvs, _ := d.entries(n, "api")
	for _, kv := range kvs {
		switch name := keyName(kv); name {
		case "max_subscriptions":
			l.MaxSubscriptions = d.count(kv.Value, "api: "+name, 1_000_000)
		case "max_sources":
			l.MaxSources = d.count(kv.Value, "api: "+name, 100_000)
		case "max_name":
			l.MaxName = d.count(kv.Value, "api: "+name, 10_000)
		default:
			d.unknownKey(kv, "api", apiKeys)
		}
	}
	return l
}

// count reads a whole number from 1 to max.
func (d *decoder) count(n ast.Node, what string, max int) int {
	var v int
	if _, ok := unwrap(n).(*ast.IntegerNode); !ok || yaml.NodeToValue(unwrap(n), &v) != nil || v < 1 || v > max {
		d.addf(pos(n), "%s: want a whole number from 1 to %d", what, max)
		return 0
	}
	return v
}

// decodeList decodes each entry of a list with one.
func decodeList[T any](d *decoder, n ast.Node, what string, one func(ast.Node) T) []T {
	list, _ := d.items(n, what)
	out := make([]T, 0, len(list))
	for _, it := range list {
		out = append(out, one(it))
	}
	return out
}

func (d *decoder) source(n ast.Node) Source {
	s := Source{Pos: entryPos(n)}
	kvs, _ := d.entries(n, "a source")
	for _, kv := range kvs {
		switch keyName(kv) {
		case "name":
			s.Name = d.str(kv.Value, "name")
		case "url":
			s.URL = d.str(kv.Value, "url")
			if err := checkURL(s.URL); err != nil {
				d.addf(pos(kv.Value), "source url: %v", err)
			}
		case "allow_private_networks":
			s.AllowPrivateNetworks = d.boolean(kv.Value, "allow_private_networks")
		case "schedule":
			s.Schedule = d.str(kv.Value, "schedule")
			s.schedulePos = pos(kv.Value)
		case "scrape":
			s.Scrape = d.scrape(kv.Value)
		case "fulltext":
			s.FullText = d.boolean(kv.Value, "fulltext")
		case "timezone":
			name := d.str(kv.Value, "timezone")
			loc, err := Timezone(name)
			if err != nil {
				d.addf(pos(kv.Value), "timezone %q: %v", name, err)
			} else {
				s.Timezone = loc
			}
		default:
			d.unknownKey(kv, "a source", sourceKeys)
		}
	}
	if s.Schedule == "" {
		s.Schedule = DefaultSchedule
	}
	return s
}

// scrape reads a source's scrape: selectors, checking each where it is
// written.
func (d *decoder) scrape(n ast.Node) *scrape.Selectors {
	sel := &scrape.Selectors{}
	kvs, _ := d.entries(n, "scrape")
	fields := map[string]*string{"item": &sel.Item, "title": &sel.Title, "link": &sel.Link, "date": &sel.Date,
		"summary": &sel.Summary, "author": &sel.Author, "image": &sel.Image}
	positions := map[string]Pos{}
	for _, kv := range kvs {
		key := keyName(kv)
		f, ok := fields[key]
		if !ok {
			d.unknownKey(kv, "scrape", scrapeKeys)
			continue
		}
		*f = d.str(kv.Value, key)
		positions[key] = valueStart(unwrap(kv.Value))
		if *f == "" {
			d.addf(pos(kv.Value), "scrape %s: an empty selector (leave the key out for the default)", key)
		}
	}
	if sel.IsZero() {
		return sel // found in each page
	}
	if sel.Item == "" {
		d.addf(entryPos(n), "scrape: item is needed with the other selectors (or give none, scrape: {}, to have them found)")
		return sel
	}
	if _, err := scrape.Compile(*sel); err != nil {
		var se *scrape.SelectorError
		if errors.As(err, &se) {
			d.addf(positions[se.Field], "scrape %s selector %q: %v", se.Field, *fields[se.Field], se.Err)
		} else {
			d.addf(pos(n), "scrape: %v", err)
		}
	}
	return sel
}

func (d *decoder) rule(n ast.Node) Rule {
	r := Rule{Pos: entryPos(n), Group: GroupStory}
	kvs, _ := d.entries(n, "a rule")
	var sourcesNodes []ast.Node
	for _, kv := range kvs {
		switch keyName(kv) {
		case "name":
			r.Name = d.str(kv.Value, "name")
		case "query":
			r.Query = d.str(kv.Value, "query")
			r.QueryPos = valueStart(unwrap(kv.Value))
		case "backfill":
			v := d.str(kv.Value, "backfill")
			if b, err := Backfill(v); err != nil {
				d.addf(pos(kv.Value), "%v", err)
			} else {
				r.Backfill = b
			}
		case "digest":
			r.Digest = d.str(kv.Value, "digest")
			if _, err := DigestSchedule(r.Digest); err != nil {
				d.addf(pos(kv.Value), "%v", err)
			}
		case "group":
			r.Group = d.str(kv.Value, "group")
			if !ValidGroup(r.Group) {
				d.addf(pos(kv.Value), "group %q: want story (one alert per story, the default) or none (one for every copy)", r.Group)
			}
		case "notify":
			list, _ := d.items(kv.Value, "notify")
			for _, n := range list {
				r.Notify = append(r.Notify, d.str(n, "a notifier name"))
				r.notifyPos = append(r.notifyPos, pos(n))
			}
		case "sources":
			sourcesNodes, _ = d.items(kv.Value, "sources")
			for _, sn := range sourcesNodes {
				r.Sources = append(r.Sources, d.str(sn, "a source name"))
			}
			r.sourcePos = make([]Pos, len(sourcesNodes))
			for i, sn := range sourcesNodes {
				r.sourcePos[i] = pos(sn)
			}
		default:
			d.unknownKey(kv, "a rule", ruleKeys)
		}
	}
	return r
}

func (d *decoder) notifier(n ast.Node) Notifier {
	// Without its secrets a notifier cannot be checked: it is taken as it is.
	nt := Notifier{Pos: entryPos(n), reported: d.noSecrets}
	kvs, _ := d.entries(n, "a notifier")
	// The type says which other keys there are: it is read first.
	var kind destination.Kind
	for _, kv := range kvs {
		if keyName(kv) == "type" {
			nt.Type = d.str(kv.Value, "type")
			var ok bool
			if kind, ok = destination.Lookup(nt.Type); !ok {
				d.addf(pos(kv.Value), "notifier type %q: use %s", nt.Type, destination.List())
			}
		}
	}
	opts := map[string]any{}
	for _, kv := range kvs {
		switch key := keyName(kv); key {
		case "type":
		case "name":
			nt.Name = d.str(kv.Value, "name")
		case "url", "secret", "url_file", "secret_file":
			before := len(d.problems)
			v := d.secret(kv.Value, key)
			if strings.HasPrefix(key, "url") {
				nt.URL = v
			} else {
				nt.Secret = v
			}
			// One error, not a second for the missing value.
			nt.reported = nt.reported || len(d.problems) > before
		case "allow_private_networks":
			nt.AllowPrivateNetworks = d.boolean(kv.Value, key)
		default:
			name, fromFile := strings.CutSuffix(key, "_file")
			var o destination.Option
			ok := false
			if kind != nil {
				o, ok = destination.OptionOf(kind, name)
			}
			switch {
			case kind == nil && nt.Type != "":
				// An unknown type, reported: its keys cannot be told.
			case !ok || fromFile && !o.Secret:
				d.unknownKey(kv, "a notifier", notifierKeysOf(kind))
			case o.List:
				opts[name] = decodeList(d, kv.Value, key, func(n ast.Node) string { return d.expand(n, key) })
			default:
				before := len(d.problems)
				opts[name] = d.secret(kv.Value, key)
				nt.reported = nt.reported || len(d.problems) > before
			}
		}
	}
	nt.Options = destination.EncodeOptions(opts)
	return nt
}

// secret reads a value that may be a secret: a string with ${VAR}s, or,
// for a key ending in _file, the content of a file.
func (d *decoder) secret(n ast.Node, key string) string {
	if d.noSecrets {
		d.str(n, key)
		return ""
	}
	if strings.HasSuffix(key, "_file") {
		return d.secretFile(n, key)
	}
	return d.expand(n, key)
}

// notifierKeysOf lists the keys of a notifier of a kind.
func notifierKeysOf(k destination.Kind) []string {
	keys := slices.Clone(notifierKeys)
	if k != nil {
		for _, o := range k.Options() {
			keys = append(keys, o.Name)
			if o.Secret {
				keys = append(keys, o.Name+"_file")
			}
		}
	}
	return keys
}

// Destination is where the notifier's alerts go.
func (n *Notifier) Destination() destination.Destination {
	return destination.Destination{Name: n.Name, Kind: n.Type, URL: n.URL, Secret: n.Secret, Options: n.Options}
}

// envRef matches ${NAME} in a value.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand reads a value that may name environment variables as ${NAME}
// (notifiers' secrets, and the data path).
func (d *decoder) expand(n ast.Node, what string) string {
	v := d.str(n, what)
	return envRef.ReplaceAllStringFunc(v, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		val, ok := os.LookupEnv(name)
		if !ok {
			d.addf(pos(n), "%s: environment variable %s is not set", what, name)
		}
		return val
	})
}

// secretFile reads a value from a file, relative to the configuration.
func (d *decoder) secretFile(n ast.Node, what string) string {
	path := d.str(n, what)
	if path == "" {
		return ""
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(d.file), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		d.addf(pos(n), "%s: %v", what, err)
		return ""
	}
	return strings.TrimSpace(string(b))
}

// validate checks what single values cannot: names, references and
// defaults.
func (d *decoder) validate(c *Config) {
	for _, f := range []struct{ v, def *int }{
		{&c.API.MaxSubscriptions, &DefaultAPILimits.MaxSubscriptions},
		{&c.API.MaxSources, &DefaultAPILimits.MaxSources},
		{&c.API.MaxName, &DefaultAPILimits.MaxName},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	} else if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		d.addf(Pos{}, "listen %q: want host:port, as in %s", c.Listen, DefaultListen)
	}
	if c.Data == "" {
		c.Data = DefaultData
	}
	switch {
	case isPostgres(c.Data):
		// A PostgreSQL database, for several instances.
	case strings.Contains(c.Data, "://"):
		d.addf(Pos{}, "data: want a file's path or a postgres:// URL, not a URL of %s", c.Data[:strings.Index(c.Data, "://")+3])
	case !filepath.IsAbs(c.Data) && c.Data != ":memory:":
		c.Data = filepath.Join(filepath.Dir(c.File), c.Data)
	}
	if c.BaseURL == "" {
		host, port, err := net.SplitHostPort(c.Listen)
		if err == nil {
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "localhost"
			}
			c.BaseURL = "http://" + net.JoinHostPort(host, port)
		}
	} else if err := checkURL(c.BaseURL); err != nil {
		d.addf(Pos{}, "base_url: %v", err)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")

	if len(c.Sources) == 0 && len(c.Rules) == 0 {
		d.addf(Pos{}, "no sources and no rules: there is nothing to watch (start from examples/feedhound.yaml)")
	}
	if c.MinInterval == 0 {
		c.MinInterval = DefaultMinInterval
	}
	sources := map[string]Pos{}
	for _, s := range c.Sources {
		d.checkName("source", s.Name, s.Pos, sources)
		if s.URL == "" {
			d.addf(s.Pos, "source %q has no url", s.Name)
		}
		if s.schedulePos.Line > 0 {
			if err := CheckSchedule(s.Schedule, c.MinInterval); err != nil {
				d.addf(s.schedulePos, "%v", err)
			}
		}
	}
	// The global key covers every request of the daemon, deliveries too.
	for i := range c.Notifiers {
		c.Notifiers[i].AllowPrivateNetworks = c.Notifiers[i].AllowPrivateNetworks || c.AllowPrivateNetworks
	}
	notifiers := map[string]Pos{}
	for _, nt := range c.Notifiers {
		d.checkName("notifier", nt.Name, nt.Pos, notifiers)
		if nt.Type == "" {
			d.addf(nt.Pos, "notifier %q has no type (%s)", nt.Name, destination.List())
		}
		if _, known := destination.Lookup(nt.Type); !known && nt.Type != "" {
			continue // its type is the problem
		}
		// What is wrong is said without the URL, the secret or a secret
		// option.
		dest := nt.Destination()
		var oe *destination.OptionError
		switch err := destination.Check(&dest); {
		case nt.reported || err == nil:
		case nt.URL == "" && (nt.Type == "" || errors.As(err, &oe) && oe.Option == "url"):
			d.addf(nt.Pos, "notifier %q has no url (or url_file)", nt.Name)
		case nt.Type != "":
			d.addf(nt.Pos, "notifier %q: %v", nt.Name, err)
		}
	}
	names := map[string]Pos{}
	for i := range c.Rules {
		r := &c.Rules[i]
		d.checkName("rule", r.Name, r.Pos, names)
		if r.Query == "" && r.QueryPos.Line == 0 {
			d.addf(r.Pos, "rule %q has no query", r.Name)
		} else {
			d.parseQuery(r)
		}
		for i, s := range r.Sources {
			if _, ok := sources[s]; !ok && s != "" {
				d.addf(r.sourcePos[i], "rule %q: unknown source %q%s", r.Name, s, nearest(s, sources))
			}
		}
		for i, n := range r.Notify {
			if _, ok := notifiers[n]; !ok && n != "" {
				d.addf(r.notifyPos[i], "rule %q: unknown notifier %q%s", r.Name, n, nearest(n, notifiers))
			}
		}
	}
}

// checkName checks the name of a source or rule: present, well formed
// and not seen before.
func (d *decoder) checkName(kind, name string, p Pos, seen map[string]Pos) {
	switch {
	case name == "":
		d.addf(p, "%s has no name", kind)
	case !namePattern.MatchString(name):
		d.addf(p, "%s name %q: use lower-case letters, digits, '.', '_' and '-'", kind, name)
	default:
		if prev, dup := seen[name]; dup {
			d.addf(p, "%s %q is already defined on line %d", kind, name, prev.Line)
		} else {
			seen[name] = p
		}
	}
}

// parseQuery parses a rule's query, placing an error at its column in
// the file.
func (d *decoder) parseQuery(r *Rule) {
	q, err := rules.Parse(r.Query)
	if err == nil {
		r.Parsed = q
		return
	}
	p := r.QueryPos
	var qerr *rules.Error
	if errors.As(err, &qerr) {
		if qerr.Column > 0 {
			p.Column += qerr.Column - 1
		}
		d.addf(p, "rule %s: %s", r.Name, qerr.Msg)
		return
	}
	d.addf(p, "rule %s: %v", r.Name, err)
}

// Timezone reads the zone of a source's dates that give none, by its
// name in the zone database (Asia/Seoul, UTC).
func Timezone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		return nil, errors.New("want a zone name such as Asia/Seoul or UTC")
	}
	return loc, nil
}

// CheckSchedule checks a source's schedule: a cron spec or descriptor
// that polls at most once per floor.
func CheckSchedule(spec string, floor time.Duration) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("schedule %q: %v", spec, err)
	}
	if gap := shortestGap(spec, sched); gap < floor {
		return fmt.Errorf("schedule %q: polls %s apart; at least %s apart (min_interval)", spec, gap, floor)
	}
	return nil
}

// shortestGap is the shortest time between two runs of a schedule: its
// delay for @every, else the least gap over the runs of two days (cron
// specs of five fields are at least a minute apart).
func shortestGap(spec string, s cron.Schedule) time.Duration {
	if every, ok := s.(cron.ConstantDelaySchedule); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(spec, "@every"))); err == nil && d < every.Delay {
			return d // cron rounds @every 1ns up to a second
		}
		return every.Delay
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	least := 48 * time.Hour
	prev := s.Next(start)
	for t := prev; t.Sub(start) < 48*time.Hour; prev = t {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		least = min(least, t.Sub(prev))
	}
	return least
}

// MaxBackfill is how far back a backfill may reach.
const MaxBackfill = 90 * 24 * time.Hour

// Backfill reads how far back a new rule or subscription is matched
// against the stories already stored: "7d", "36h" or "90m", at most 90d.
func Backfill(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("backfill: %q is not a number of days", s)
		}
		if time.Duration(n) > MaxBackfill/(24*time.Hour) {
			return 0, errors.New("backfill: at most 90d") // before it overflows
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("backfill: %q is not a duration such as 7d or 12h", s)
	}
	if d > MaxBackfill {
		return 0, errors.New("backfill: at most 90d")
	}
	return d, nil
}

// DigestSchedule reads a rule's digest: a duration between digests, or a
// cron spec of when to send them. A duration's digests go out at the end
// of aligned periods (Periods): every alert of a period waits for the
// same digest, however many arrive in it.
func DigestSchedule(spec string) (cron.Schedule, error) {
	if d, err := time.ParseDuration(spec); err == nil {
		if d < time.Minute {
			return nil, fmt.Errorf("digest %q: at least a minute apart", spec)
		}
		return Periods(d.Round(time.Second)), nil
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("digest %q: use a duration such as 15m or a cron spec such as \"0 8 * * 1-5\" (%v)", spec, err)
	}
	return s, nil
}

// Periods is a schedule of aligned periods of its length: each time is
// the end of the period that holds the time asked about. Periods start at
// multiples of the length since the Unix epoch, so a length that divides a
// day starts them at UTC midnight: 1h sends at every full hour, 15m at
// :00, :15, :30 and :45, whoever asks, on any instance, after any restart.
type Periods time.Duration

// Next is the end of the period that holds t.
func (p Periods) Next(t time.Time) time.Time {
	d := time.Duration(p)
	return time.UnixMilli(t.UnixMilli() - t.UnixMilli()%d.Milliseconds()).Add(d).In(t.Location())
}

// checkURL accepts absolute http and https URLs.
func checkURL(s string) error {
	if _, ok := netguard.WebURL(s); ok {
		return nil
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: only http and https URLs can be fetched", s)
	}
	return fmt.Errorf("%q has no host", s)
}

// yamlError turns a go-yaml syntax error into an Error with its position.
func (d *decoder) yamlError(err error) *Error {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		e := &Error{File: d.file, Msg: yerr.GetMessage()}
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			e.Pos = Pos{Line: tk.Position.Line, Column: tk.Position.Column}
		}
		return e
	}
	return &Error{File: d.file, Msg: strings.Join(strings.Fields(err.Error()), " ")}
}

// Fingerprint is a digest of the configuration's sources and rules: the
// instances of a cluster, which share one database, must run the same.
func (c *Config) Fingerprint() string {
	type source struct {
		Name, URL, Schedule, Timezone string
		Private, FullText             bool
		Scrape                        *scrape.Selectors
	}
	type rule struct {
		Name, Query, Digest, Group string
		Sources, Notify            []string
	}
	var v struct {
		Sources []source
		Rules   []rule
	}
	for _, s := range c.Sources {
		tz := ""
		if s.Timezone != nil {
			tz = s.Timezone.String()
		}
		v.Sources = append(v.Sources, source{s.Name, s.URL, s.Schedule, tz, s.AllowPrivateNetworks || c.AllowPrivateNetworks, s.FullText, s.Scrape})
	}
	for _, r := range c.Rules {
		v.Rules = append(v.Rules, rule{r.Name, r.Query, r.Digest, r.Group, r.Sources, r.Notify})
	}
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// isPostgres reports whether data is a PostgreSQL URL, its scheme in any
// case (as store.IsPostgres, which opens it).
func isPostgres(data string) bool {
	scheme, _, ok := strings.Cut(data, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// nearest is the hint of an unknown name: the known one it is likely a
// misspelling of, or the known ones if they are few.
func nearest[V any](name string, known map[string]V) string {
	names := slices.Sorted(maps.Keys(known))
	if n, ok := suggest.Nearest(name, names); ok {
		return fmt.Sprintf(" (did you mean %q?)", n)
	}
	switch {
	case len(names) == 0:
		return " (there are none)"
	case len(names) <= 8:
		return " (have: " + strings.Join(names, ", ") + ")"
	}
	return ""
}
