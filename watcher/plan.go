// Package watcher polls sources on their schedules, remembers what it has
// seen, and records the items that match the rules.
package watcher

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/source"
	"github.com/feedhound/feedhound/store"
)

// Plan is what the watcher does: which sources to poll and when, and
// which rules to match against whose items. A Plan is immutable; a new
// configuration makes a new Plan.
type Plan struct {
	Sources []Source
	// Rules are the configured rules; the subscriptions made through the
	// API are Subscriptions.
	Rules         []Rule
	Subscriptions *Subscriptions
	// Skipped lists the API's sources left out because they are no longer
	// accepted; Subscriptions.Skipped lists the subscriptions.
	Skipped []error
	matcher *rules.Matcher
}

// Source is a source to poll.
type Source struct {
	// Spec is the source as the configuration or the API gives it.
	source.Spec
	Host string // of URL, for the per-host limit
	// Cron is Schedule, parsed.
	Cron cron.Schedule
	// reader reads the source at each poll, and articles fetch its items'
	// articles for their full text: with the guard against internal
	// addresses, unless the source may reach them. The watcher sets them
	// once when it takes a plan up (bind).
	reader   source.Reader
	articles *feed.Articles
}

// Rule is a rule to match, and the sources it applies to.
type Rule struct {
	Name    string
	Query   *rules.Query
	Sources map[string]bool // nil: every source
	Notify  []string        // notifiers to alert
	Digest  cron.Schedule   // when set, alerts wait for the next digest
	// OncePerStory alerts for the first copy of a story only (group:
	// story, the default).
	OncePerStory bool
}

// Dynamic is what the API added to the configuration: subscriptions, each
// a rule named by its Rule(), and sources. Matched, when set, is the
// subscriptions already built, and Subscriptions is not read.
type Dynamic struct {
	Subscriptions []store.Subscription
	Matched       *Subscriptions
	Sources       []store.APISource
}

// NewPlan makes a Plan from a validated configuration and what the API
// added to it. The API's sources are checked again, as the configuration
// was: one that no longer passes is left out, in Skipped.
func NewPlan(c *config.Config, d Dynamic) (*Plan, error) {
	p := &Plan{}
	specs := make([]source.Spec, 0, len(c.Sources)+len(d.Sources))
	for _, s := range c.Sources {
		specs = append(specs, s.Spec)
	}
	for _, s := range d.Sources {
		spec := s.Spec
		// The floor was the API's to hold when the source was added.
		if err := source.Check(&spec, 0); err != nil {
			p.Skipped = append(p.Skipped, fmt.Errorf("source %s: %w", s.Name, err))
			continue
		}
		specs = append(specs, spec)
	}
	for _, spec := range specs {
		// The global key covers every source, the API's too.
		spec.AllowPrivateNetworks = spec.AllowPrivateNetworks || c.AllowPrivateNetworks
		sched, err := cron.ParseStandard(spec.Schedule)
		if err != nil {
			return nil, fmt.Errorf("source %s: schedule %q: %w", spec.Name, spec.Schedule, err)
		}
		host := spec.URL
		if u, err := url.Parse(spec.URL); err == nil {
			host = u.Host
		}
		p.Sources = append(p.Sources, Source{Spec: spec, Host: host, Cron: sched})
	}
	rs := make([]rules.Rule, len(c.Rules))
	for i, r := range c.Rules {
		q := r.Parsed
		if q == nil {
			var err error
			if q, err = rules.Parse(r.Query); err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.Name, err)
			}
		}
		pr := Rule{Name: r.Name, Query: q, Notify: r.Notify, Sources: sourceSet(r.Sources), OncePerStory: config.ByStory(r.Group)}
		if r.Digest != "" {
			sched, err := config.DigestSchedule(r.Digest)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.Name, err)
			}
			pr.Digest = sched
		}
		p.Rules = append(p.Rules, pr)
		rs[i] = rules.Rule{Name: r.Name, Query: q}
	}
	if len(rs) > 0 {
		p.matcher = rules.NewMatcher(rs)
	}
	p.Subscriptions = d.Matched
	if p.Subscriptions == nil {
		p.Subscriptions = NewSubscriptions(d.Subscriptions)
	}
	return p, nil
}

// sourceSet is a rule's sources as a set, nil (every source) for none.
func sourceSet(names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}

// WithSubscriptions returns the plan with other subscriptions.
func (p *Plan) WithSubscriptions(s *Subscriptions) *Plan {
	q := *p
	q.Subscriptions = s
	return &q
}

// source returns the planned source with the name.
func (p *Plan) source(name string) (Source, bool) {
	for _, s := range p.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// match returns the rules that match an item of a source, found at now.
// It matches into res, which the caller keeps for all the items of a feed.
func (p *Plan) match(res *rules.Result, source, feedTitle string, it *feed.Item, now time.Time) []store.Match {
	doc := store.DocumentOf(source, feedTitle, it)
	var out []store.Match
	if p.matcher != nil {
		p.matcher.MatchInto(res, &doc)
		out = collect(out, res, p.Rules, nil, source, now)
	}
	return p.Subscriptions.match(out, res, &doc, source, now)
}

// Backfill matches one rule against the items stored since a time, from
// the given sources (nil: all), and records the matches without alerts:
// a new rule or subscription's feed then starts with the stories already
// seen. It returns how many matches were new.
func Backfill(ctx context.Context, st *store.Store, rule string, q *rules.Query, sources []string, since, now time.Time) (int, error) {
	m := rules.NewMatcher([]rules.Rule{{Name: rule, Query: q}})
	var found []store.Matched
	err := st.ItemsSeenSince(ctx, since, sources, func(it store.Matched) error {
		doc := it.Document()
		if ms := m.Match(&doc); len(ms) > 0 {
			it.Hits = ms[0].Hits
			found = append(found, it)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return st.AddMatches(ctx, rule, found, now)
}
