package watcher

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
)

// Subscriptions are the subscriptions a plan matches, made so that a
// change reaches matching at once however many there are: a large matcher
// of every subscription as it was when the set was last built (the base),
// a small one of those created or changed since (the recent), and the
// base's rules that were deleted or changed since, masked. A change
// rebuilds only the recent matcher; when it has grown, the caller builds
// the whole set again in the background (see Recent) and carries over the
// changes made meanwhile. Subscriptions are immutable: a change returns a
// new set that shares the base.
type Subscriptions struct {
	base   *segment
	recent *segment
	// masked holds the base rules that are no longer current.
	masked map[int32]bool
	// Skipped lists the subscriptions left out because their query or
	// digest is no longer accepted (one made before a limit existed).
	Skipped []error
}

// segment is a matcher of subscriptions and what a match of each of its
// rules leads to. Its rules carry no parsed query: at a million
// subscriptions the trees would take more memory than the matcher.
type segment struct {
	matcher *rules.Matcher
	rules   []Rule
	index   map[string]int32 // subscription id -> rule
	// recent only: the queries, to build the segment again with a change.
	queries []*rules.Query
}

// NewSubscriptions builds the set of subscriptions, in one base.
func NewSubscriptions(subs []store.Subscription) *Subscriptions {
	s := &Subscriptions{masked: map[int32]bool{}}
	var rs []Rule
	var qs []*rules.Query
	for _, sub := range subs {
		r, q, err := subscriptionRule(sub)
		if err != nil {
			s.Skipped = append(s.Skipped, err)
			continue
		}
		rs = append(rs, r)
		qs = append(qs, q)
	}
	s.base = newSegment(rs, qs, false)
	s.recent = newSegment(nil, nil, true)
	return s
}

// subscriptionRule is the rule a subscription is matched by.
func subscriptionRule(sub store.Subscription) (Rule, *rules.Query, error) {
	q, err := rules.Parse(sub.Query)
	if err != nil {
		return Rule{}, nil, fmt.Errorf("subscription %s: query: %w", sub.ID, err)
	}
	r := Rule{Name: sub.Rule(), Sources: sourceSet(sub.Sources), OncePerStory: config.ByStory(sub.Group)}
	if sub.Notify.URL != "" {
		r.Notify = []string{r.Name} // its own destination, named as its rule
	}
	if sub.Digest != "" {
		if r.Digest, err = config.DigestSchedule(sub.Digest); err != nil {
			return Rule{}, nil, fmt.Errorf("subscription %s: %w", sub.ID, err)
		}
	}
	return r, q, nil
}

// subscriptionOf is the id of the subscription a rule of a segment is.
func subscriptionOf(r Rule) string { return strings.TrimPrefix(r.Name, store.SubscriptionRulePrefix) }

func newSegment(rs []Rule, qs []*rules.Query, keepQueries bool) *segment {
	sg := &segment{rules: rs, index: make(map[string]int32, len(rs))}
	mrs := make([]rules.Rule, len(rs))
	for i, r := range rs {
		sg.index[subscriptionOf(r)] = int32(i)
		mrs[i] = rules.Rule{Name: r.Name, Query: qs[i]}
	}
	if len(rs) > 0 {
		sg.matcher = rules.NewMatcher(mrs)
	}
	if keepQueries {
		sg.queries = qs
	}
	return sg
}

// Apply returns the set with the subscriptions changed (or created) and
// those with the ids deleted, building only the recent matcher again. The
// errors are of changed subscriptions whose query or digest is not
// accepted: they are left out, as NewSubscriptions leaves them out.
func (s *Subscriptions) Apply(changed []store.Subscription, deleted []string) (*Subscriptions, []error) {
	out := &Subscriptions{base: s.base, masked: s.masked, Skipped: s.Skipped}
	gone := map[string]bool{}
	for _, id := range deleted {
		gone[id] = true
	}
	last := map[string]int{} // a subscription changed twice: the last change
	for i, sub := range changed {
		gone[sub.ID] = true // its old rule, wherever it is
		last[sub.ID] = i
	}
	cloned := false
	for id := range gone {
		if i, ok := s.base.index[id]; ok && !out.masked[i] {
			if !cloned {
				out.masked, cloned = maps.Clone(s.masked), true
			}
			out.masked[i] = true
		}
	}
	var rs []Rule
	var qs []*rules.Query
	for i, r := range s.recent.rules {
		if !gone[subscriptionOf(r)] {
			rs, qs = append(rs, r), append(qs, s.recent.queries[i])
		}
	}
	var errs []error
	for i, sub := range changed {
		if last[sub.ID] != i {
			continue
		}
		r, q, err := subscriptionRule(sub)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rs, qs = append(rs, r), append(qs, q)
	}
	out.recent = newSegment(rs, qs, true)
	return out, errs
}

// Len returns how many subscriptions are matched.
func (s *Subscriptions) Len() int {
	if s == nil {
		return 0
	}
	return len(s.base.rules) - len(s.masked) + len(s.recent.rules)
}

// Recent returns how many changes the set carries beside its base: the
// subscriptions in the recent matcher and the base's rules masked. The
// larger it is, the more a change costs and the more matching does
// twice; the daemon builds the set again when it passes a few thousand.
func (s *Subscriptions) Recent() int {
	if s == nil {
		return 0
	}
	return len(s.recent.rules) + len(s.masked)
}

// Has reports whether the subscription with the id is matched.
func (s *Subscriptions) Has(id string) bool {
	_, ok := s.Rule(id)
	return ok
}

// Rule returns the rule the subscription with the id is matched by,
// without its query, which the set does not keep.
func (s *Subscriptions) Rule(id string) (Rule, bool) {
	if s == nil {
		return Rule{}, false
	}
	if i, ok := s.recent.index[id]; ok {
		return s.recent.rules[i], true
	}
	if i, ok := s.base.index[id]; ok && !s.masked[i] {
		return s.base.rules[i], true
	}
	return Rule{}, false
}

// match appends the subscriptions that match doc, an item of source, to
// out. It matches into res.
func (s *Subscriptions) match(out []store.Match, res *rules.Result, doc *rules.Document, source string, now time.Time) []store.Match {
	if s == nil {
		return out
	}
	if s.base.matcher != nil {
		s.base.matcher.MatchInto(res, doc)
		out = collect(out, res, s.base.rules, s.masked, source, now)
	}
	if s.recent.matcher != nil {
		s.recent.matcher.MatchInto(res, doc)
		out = collect(out, res, s.recent.rules, nil, source, now)
	}
	return out
}

// collect appends the matches in res of rules rs, those masked left out,
// that apply to source.
func collect(out []store.Match, res *rules.Result, rs []Rule, masked map[int32]bool, source string, now time.Time) []store.Match {
	for _, m := range res.Matches {
		if masked[int32(m.Rule)] {
			continue
		}
		r := rs[m.Rule]
		if r.Sources != nil && !r.Sources[source] {
			continue
		}
		sm := store.Match{Rule: m.Name, Hits: slices.Clone(m.Hits), Notify: r.Notify, OncePerStory: r.OncePerStory}
		if r.Digest != nil && len(r.Notify) > 0 {
			sm.DigestAt = r.Digest.Next(now)
		}
		out = append(out, sm)
	}
	return out
}
