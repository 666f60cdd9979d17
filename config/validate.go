package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/internal/suggest"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/source"
)

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
	} else if err := source.CheckURL(c.BaseURL); err != nil {
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
	for i := range c.Sources {
		s := &c.Sources[i]
		d.checkName("source", s.Name, s.Pos, sources)
		// The global key covers every request of the daemon.
		s.AllowPrivateNetworks = s.AllowPrivateNetworks || c.AllowPrivateNetworks
		d.checkSource(s, c.MinInterval)
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

// checkSource reports what source.Problems finds wrong with a source,
// each where it is written.
func (d *decoder) checkSource(s *Source, floor time.Duration) {
	_, scheduled := s.pos["schedule"]
	mismatch := s.scrape && s.Kind != "page"
	if mismatch {
		d.addf(s.pos["kind"], "source %q: scrape: is the options of a page; a %s takes options:", s.Name, s.Kind)
	}
	for _, fe := range source.Problems(&s.Spec, floor) {
		if mismatch && strings.HasPrefix(fe.Field, "options") {
			continue // selectors of another kind: the kind is the problem
		}
		at := s.pos[fe.Field]
		if at.Line == 0 && fe.Option() != "" {
			at = s.pos["options"] // an option not given
		}
		if at.Line == 0 {
			at = s.Pos
		}
		name := fe.Option()
		switch {
		case fe.Field == "url" && s.URL == "":
			d.addf(s.Pos, "source %q has no url", s.Name)
		case fe.Field == "url":
			d.addf(at, "source url: %v", fe.Err)
		case fe.Field == "schedule" && !scheduled:
			// the default, whatever min_interval says
		case s.scrape && fe.Field == "options.item" && fe.Value == "":
			d.addf(s.pos["options"], "scrape: item is needed with the other selectors (or give none, scrape: {}, to have them found)")
		case s.scrape && name != "":
			d.addf(at, "scrape %s selector %q: %v", name, fe.Value, fe.Err)
		case fe.Field == "schedule" || fe.Field == "timezone":
			d.addf(at, "%v", fe)
		default:
			d.addf(at, "source %q: %v", s.Name, fe)
		}
	}
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
