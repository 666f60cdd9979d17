package watcher

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/corpus"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
)

// matched lists the rules of s that match a document made of text.
func matched(s *Subscriptions, text string) string {
	var res rules.Result
	doc := rules.Document{Title: text}
	var names []string
	for _, m := range s.match(nil, &res, &doc, "wire", time.Now()) {
		names = append(names, strings.TrimPrefix(m.Rule, store.SubscriptionRulePrefix))
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

func TestSubscriptionsApply(t *testing.T) {
	s := NewSubscriptions([]store.Subscription{{ID: "a", Query: "Putin"}, {ID: "b", Query: "Xi"}, {ID: "c", Query: "tennis"}})
	if got := matched(s, "Putin meets Xi"); got != "a b" {
		t.Fatalf("built: %q", got)
	}
	// b changed and a deleted: the base's rules are masked, b's new one is recent.
	s2, errs := s.Apply([]store.Subscription{{ID: "b", Query: "tennis"}}, []string{"a"})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if got := matched(s2, "Putin meets Xi"); got != "" {
		t.Errorf("after the change, Putin meets Xi matched %q", got)
	}
	if got := matched(s2, "tennis"); got != "b c" {
		t.Errorf("after the change, tennis matched %q", got)
	}
	if s2.Len() != 2 || s2.Recent() != 3 || s2.Has("a") || !s2.Has("b") {
		t.Errorf("len %d, recent %d, has a %v, has b %v", s2.Len(), s2.Recent(), s2.Has("a"), s2.Has("b"))
	}
	// The set changed from is as it was.
	if got := matched(s, "Putin meets Xi"); got != "a b" || s.Len() != 3 || s.Recent() != 0 {
		t.Errorf("the first set changed: %q, len %d", got, s.Len())
	}
	// A recent rule changed again, a new one, one that does not parse.
	s3, errs := s2.Apply([]store.Subscription{{ID: "b", Query: "Putin"}, {ID: "d", Query: "Putin OR Xi"}, {ID: "e", Query: "(Putin"}}, nil)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "subscription e: query:") {
		t.Errorf("errors %v, want one for e", errs)
	}
	if got := matched(s3, "Putin"); got != "b d" {
		t.Errorf("Putin matched %q", got)
	}
	s4, _ := s3.Apply(nil, []string{"d", "nothing"})
	if got := matched(s4, "Putin meets Xi"); got != "b" || s4.Len() != 2 {
		t.Errorf("after deleting d, %q and %d subscriptions", got, s4.Len())
	}
}

// TestSubscriptionsApplyAgreesWithABuild: whatever changes are applied,
// the set matches what a set built from the subscriptions as they end up
// matches.
func TestSubscriptionsApplyAgreesWithABuild(t *testing.T) {
	g := corpus.New(5, 300)
	rng := rand.New(rand.NewPCG(5, 6))
	current := map[string]string{}
	var subs []store.Subscription
	for i := range 60 {
		q, _ := g.Rule()
		id := fmt.Sprint("s", i)
		current[id] = q
		subs = append(subs, store.Subscription{ID: id, Query: q})
	}
	s := NewSubscriptions(subs)
	for round := range 40 {
		var changed []store.Subscription
		var deleted []string
		picked := map[string]bool{}
		for range rng.IntN(5) + 1 {
			id := fmt.Sprint("s", rng.IntN(80))
			if picked[id] {
				continue
			}
			picked[id] = true
			if rng.IntN(3) == 0 {
				deleted = append(deleted, id)
				delete(current, id)
				continue
			}
			q, _ := g.Rule()
			changed = append(changed, store.Subscription{ID: id, Query: q})
			current[id] = q
		}
		var errs []error
		if s, errs = s.Apply(changed, deleted); len(errs) != 0 {
			t.Fatal(errs)
		}
		var all []store.Subscription
		for id, q := range current {
			all = append(all, store.Subscription{ID: id, Query: q})
		}
		built := NewSubscriptions(all)
		if s.Len() != built.Len() {
			t.Fatalf("round %d: %d subscriptions, a build has %d", round, s.Len(), built.Len())
		}
		for _, it := range g.Items(10, 400) {
			if got, want := matched(s, it.Title+" "+it.Content), matched(built, it.Title+" "+it.Content); got != want {
				t.Fatalf("round %d: matched %q, a build matches %q", round, got, want)
			}
		}
	}
}

// TestUpdatesCarryChangesIntoThePlan: subscriptions created, changed and
// deleted in the store reach the set being matched once Changed names
// them, and a rebuild after MergeAfter changes keeps every change.
func TestUpdatesCarryChangesIntoThePlan(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	now := time.Now()
	a, _ := st.CreateSubscription(ctx, store.Subscription{Name: "a", Query: "Putin"}, now)
	s, err := LoadSubscriptions(ctx, st)
	if err != nil || s.Len() != 1 {
		t.Fatalf("loaded %d, %v", s.Len(), err)
	}
	var cur atomic.Pointer[Subscriptions]
	cur.Store(s)
	var sourcesChanged atomic.Bool
	u := &Updates{Store: st, Log: quiet, MergeAfter: 3, Current: cur.Load, Set: func(s *Subscriptions, sources bool) {
		cur.Store(s)
		if sources {
			sourcesChanged.Store(true)
		}
	}}
	go u.Run(ctx)
	waitUntil := func(what string, ok func(s *Subscriptions) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok(cur.Load()) {
			if time.Now().After(deadline) {
				t.Fatalf("never: %s (recent %d, len %d)", what, cur.Load().Recent(), cur.Load().Len())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	b, _ := st.CreateSubscription(ctx, store.Subscription{Name: "b", Query: "Xi"}, now)
	u.Changed(b.ID)
	waitUntil("b is matched", func(s *Subscriptions) bool { return matched(s, "Xi") == b.ID })
	a.Query = "tennis"
	if _, err := st.UpdateSubscription(ctx, a, now); err != nil {
		t.Fatal(err)
	}
	u.Changed(a.ID)
	waitUntil("a's new query is matched", func(s *Subscriptions) bool {
		return matched(s, "tennis") == a.ID && matched(s, "Putin Xi") == b.ID
	})
	if err := st.DeleteSubscription(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	u.Changed(b.ID)
	// Three changes: the set is built again, with every change in it.
	first := s.base
	waitUntil("rebuilt with every change", func(s *Subscriptions) bool {
		return s.base != first && s.Len() == 1 && matched(s, "Xi Putin tennis") == a.ID
	})
	// Many changes at once, some while the set is built again.
	want := []string{a.ID}
	for i := range 30 {
		sub, _ := st.CreateSubscription(ctx, store.Subscription{Query: "summit"}, now)
		u.Changed(sub.ID)
		if i%3 == 0 {
			st.DeleteSubscription(ctx, sub.ID)
			u.Changed(sub.ID)
		} else {
			want = append(want, sub.ID)
		}
	}
	slices.Sort(want)
	waitUntil("every change", func(s *Subscriptions) bool {
		return s.Len() == len(want) && matched(s, "tennis summit") == strings.Join(want, " ")
	})
	u.Changed("")
	waitUntil("sources changed", func(*Subscriptions) bool { return sourcesChanged.Load() })
}
