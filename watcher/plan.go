// Package watcher polls sources on their schedules, remembers what it has
// seen, and records the items that match the rules.
package watcher

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/scrape"
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
	Name     string
	URL      string
	Host     string // of URL, for the per-host limit
	Spec     string // the schedule as written
	Schedule cron.Schedule
	// AllowPrivate lets the source reach internal addresses.
	AllowPrivate bool
	// Parser reads what the source answers; nil means the watcher's
	// reader: a feed, or a page that links to one.
	Parser Parser
	// FullText fetches each new item's article for its text.
	FullText bool
}

// Parser reads a fetched source as a feed other than as a feed document:
// a page scraped for items (scrape.Parser). It stops when ctx ends.
type Parser interface {
	Parse(ctx context.Context, resp *feed.Response) (*feed.Feed, error)
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
// added to it.
func NewPlan(c *config.Config, d Dynamic) (*Plan, error) {
	p := &Plan{}
	all := slices.Clone(c.Sources)
	for _, s := range d.Sources {
		cs := config.Source{Name: s.Name, URL: s.URL, Schedule: s.Schedule, FullText: s.FullText}
		if s.Scrape != "" {
			cs.Scrape = new(scrape.Selectors)
			if err := json.Unmarshal([]byte(s.Scrape), cs.Scrape); err != nil {
				p.Skipped = append(p.Skipped, fmt.Errorf("source %s: scrape: %w", s.Name, err))
				continue
			}
		}
		if s.Timezone != "" {
			loc, err := config.Timezone(s.Timezone)
			if err != nil {
				p.Skipped = append(p.Skipped, fmt.Errorf("source %s: timezone: %w", s.Name, err))
				continue
			}
			cs.Timezone = loc
		}
		all = append(all, cs)
	}
	for _, s := range all {
		sched, err := cron.ParseStandard(s.Schedule)
		if err != nil {
			return nil, fmt.Errorf("source %s: schedule %q: %w", s.Name, s.Schedule, err)
		}
		host := s.URL
		if u, err := url.Parse(s.URL); err == nil {
			host = u.Host
		}
		src := Source{
			Name: s.Name, URL: s.URL, Host: host, Spec: s.Schedule, Schedule: sched,
			AllowPrivate: c.AllowPrivateNetworks || s.AllowPrivateNetworks, FullText: s.FullText,
		}
		if s.Scrape != nil {
			if src.Parser, err = scrape.NewParser(*s.Scrape, s.Timezone); err != nil {
				return nil, fmt.Errorf("source %s: scrape: %w", s.Name, err)
			}
		}
		p.Sources = append(p.Sources, src)
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
