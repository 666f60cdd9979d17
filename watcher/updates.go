package watcher

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/feedhound/feedhound/store"
)

// DefaultMergeAfter is how many changes Subscriptions carry beside their
// base before Updates builds them again.
const DefaultMergeAfter = 2000

// mergeRetry is how long Updates waits to build the set again after a
// rebuild could not read the store; changes are applied meanwhile.
const mergeRetry = time.Minute

// LoadSubscriptions reads every stored subscription and builds the set.
func LoadSubscriptions(ctx context.Context, st *store.Store) (*Subscriptions, error) {
	var subs []store.Subscription
	var after int64
	for {
		page, err := st.Subscriptions(ctx, "", after, 10000)
		if err != nil {
			return nil, err
		}
		subs = append(subs, page...)
		if len(page) < 10000 {
			break
		}
		after = page[len(page)-1].Seq()
	}
	return NewSubscriptions(subs), nil
}

// Updates carries the API's changes into the plan as they are made: each
// subscription changed is read from the store and applied to the set
// being matched (Subscriptions.Apply), and once the set carries
// MergeAfter changes it is built again from the store in the background,
// the changes made meanwhile applied on top. Its fields are set before
// Run.
type Updates struct {
	Store *store.Store
	Log   *slog.Logger
	// Current returns the subscriptions being matched; Set makes s the
	// plan's, and makes the plan again if sources is set (the API's
	// sources changed).
	Current func() *Subscriptions
	Set     func(s *Subscriptions, sources bool)
	// MergeAfter is how many changes start a rebuild; zero means
	// DefaultMergeAfter.
	MergeAfter int

	mu      sync.Mutex
	pending []string // "" for the sources
	wake    chan struct{}
}

// Changed tells that the subscription with the id was created, changed
// or deleted, or with "" that a source was. It does not wait.
func (u *Updates) Changed(id string) {
	u.mu.Lock()
	u.pending = append(u.pending, id)
	u.mu.Unlock()
	select {
	case u.wakeup() <- struct{}{}:
	default:
	}
}

func (u *Updates) wakeup() chan struct{} {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.wake == nil {
		u.wake = make(chan struct{}, 1)
	}
	return u.wake
}

// Run applies the changes until ctx ends.
func (u *Updates) Run(ctx context.Context) {
	mergeAfter := u.MergeAfter
	if mergeAfter <= 0 {
		mergeAfter = DefaultMergeAfter
	}
	wake := u.wakeup()
	merged := make(chan *Subscriptions, 1)
	merging := false
	var notBefore time.Time // after a rebuild that failed, the next one waits
	var during []string     // changes applied while a merge runs
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
			u.mu.Lock()
			ids := u.pending
			u.pending = nil
			u.mu.Unlock()
			if merging {
				during = append(during, ids...)
			}
			u.apply(ctx, u.Current(), ids)
		case s := <-merged:
			merging = false
			if s != nil {
				// The new base was read after the changes in during began to
				// be applied; reading them again puts them on top of it.
				u.apply(ctx, s, during)
			} else {
				notBefore = time.Now().Add(mergeRetry)
			}
			during = nil
		}
		if !merging && u.Current().Recent() >= mergeAfter && time.Now().After(notBefore) {
			merging = true
			go func() {
				s, err := LoadSubscriptions(ctx, u.Store)
				if err != nil && ctx.Err() == nil {
					u.Log.Error("subscriptions could not be read again; changes keep being applied", "error", err)
				}
				merged <- s
			}()
		}
	}
}

// apply reads the subscriptions with the ids and applies them to s, then
// makes the result the plan's.
func (u *Updates) apply(ctx context.Context, s *Subscriptions, ids []string) {
	var changed []store.Subscription
	var deleted []string
	sources := false
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" {
			sources = true
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		sub, err := u.Store.Subscription(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			deleted = append(deleted, id)
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			u.Log.Error("a changed subscription could not be read; trying again in a second", "subscription", id, "error", err)
			time.AfterFunc(time.Second, func() { u.Changed(id) })
		default:
			changed = append(changed, sub)
		}
	}
	s, errs := s.Apply(changed, deleted)
	for _, err := range errs {
		u.Log.Error("subscription not matched; change its query through the API", "error", err)
	}
	u.Set(s, sources)
}

// DefaultFollowEvery is how often Follow reads the changes when no
// announcement woke it: the fallback for a listening connection that
// broke.
const DefaultFollowEvery = 10 * time.Second

// Follow applies the changes other instances sharing the database make
// through their APIs, as they announce them (Store.Listen) and every so
// often (every; zero means DefaultFollowEvery), until ctx ends. Those of
// instance itself were applied as they were made.
func (u *Updates) Follow(ctx context.Context, instance string, every time.Duration) {
	if every <= 0 {
		every = DefaultFollowEvery
	}
	last, err := u.Store.LastChange(ctx)
	if err != nil && ctx.Err() == nil {
		u.Log.Error("changes of other instances: cannot read where they are", "error", err)
	}
	wake := make(chan struct{}, 1)
	u.Store.OnListenError(func(err error) {
		u.Log.Warn("changes of other instances: listening stopped; reading them every so often until it resumes", "error", err)
	})
	u.Store.Listen(ctx, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	t := time.NewTicker(every)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
		// Changes a day old have been read by every instance running.
		if now := time.Now(); now.Sub(pruned) > time.Hour {
			pruned = now
			if err := u.Store.PruneChanges(ctx, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				u.Log.Warn("changes of other instances: old ones could not be deleted", "error", err)
			}
		}
		for {
			cs, err := u.Store.Changes(ctx, last, 1000)
			if err != nil {
				if ctx.Err() == nil {
					u.Log.Error("changes of other instances: cannot read them", "error", err)
				}
				break
			}
			for _, c := range cs {
				if c.Origin != instance {
					u.Changed(c.Subject)
				}
				last = c.Seq
			}
			if len(cs) < 1000 {
				break
			}
		}
	}
}
