package watcher

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
)

// Options tune a Watcher. The zero value of each field means its default.
type Options struct {
	Workers int // polls at once; default 8
	PerHost int // polls of one host at once; default 2
	// StartJitter spreads the first polls after start-up over up to this
	// long; default 10s, negative for none.
	StartJitter time.Duration
	// PollTimeout bounds one poll, recording included; default 2m.
	PollTimeout time.Duration
	// Retention is how long an item that matched nothing is kept after
	// it was last seen in its feed; default 30 days.
	Retention time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnMatch, if set, is called with the name of each rule that has new
	// matches, after they are recorded.
	OnMatch func(rule string)
}

// Watcher polls the sources of a Plan on their schedules. Make one with
// New; it is safe for concurrent use.
type Watcher struct {
	store  *store.Store
	reader *feed.Reader
	log    *slog.Logger
	opts   Options
	now    func() time.Time

	plan atomic.Pointer[Plan]
	wake chan struct{} // a new plan, or a poll finished
}

// New returns a Watcher that records into st and fetches with r.
func New(st *store.Store, r *feed.Reader, log *slog.Logger, p *Plan, opts Options) *Watcher {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.PerHost <= 0 {
		opts.PerHost = 2
	}
	if opts.StartJitter == 0 {
		opts.StartJitter = 10 * time.Second
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 2 * time.Minute
	}
	if opts.Retention <= 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &Watcher{store: st, reader: r, log: log, opts: opts, now: opts.Now, wake: make(chan struct{}, 1)}
	w.plan.Store(p)
	return w
}

// Plan returns the plan being carried out.
func (w *Watcher) Plan() *Plan { return w.plan.Load() }

// SetPlan replaces the plan; Run takes it up at once.
func (w *Watcher) SetPlan(p *Plan) {
	w.plan.Store(p)
	w.signal()
}

func (w *Watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// pruneEvery is how often Run prunes old items.
const pruneEvery = 6 * time.Hour

// Run polls every source when it is due until ctx ends, then waits for
// the polls in flight, which the end of ctx cancels.
func (w *Watcher) Run(ctx context.Context) error {
	s := &scheduler{w: w, due: map[string]time.Time{}, busy: map[string]bool{}, hosts: map[string]int{}}
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastPrune time.Time
	for {
		p := w.plan.Load()
		now := w.now()
		if now.Sub(lastPrune) >= pruneEvery {
			lastPrune = now
			if n, err := w.store.Prune(ctx, now.Add(-w.opts.Retention)); err != nil {
				w.log.Error("prune", "error", err)
			} else if n > 0 {
				w.log.Info("pruned old items", "items", n)
			}
		}
		s.sync(ctx, p, now)
		for _, src := range s.ready(p, now) {
			wg.Go(func() {
				pctx, cancel := context.WithTimeout(ctx, w.opts.PollTimeout)
				res := w.poll(pctx, p, src)
				cancel()
				s.finish(src, res)
				w.signal()
			})
		}
		wait := time.Hour
		if t, ok := s.earliest(); ok {
			wait = max(t.Sub(now), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// scheduler keeps the due time of each source and limits polls at once,
// overall and per host.
type scheduler struct {
	w *Watcher

	mu    sync.Mutex // protects all following fields
	due   map[string]time.Time
	busy  map[string]bool
	hosts map[string]int // polls in flight per host
	plan  *Plan
}

// sync takes up a new plan: a source it has not seen is due at once, give
// or take the start-up jitter, unless it is backing off after failures.
func (s *scheduler) sync(ctx context.Context, p *Plan, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.plan == p {
		return
	}
	s.plan = p
	known := map[string]store.Source{}
	if states, err := s.w.store.Sources(ctx); err == nil {
		for _, st := range states {
			known[st.Name] = st
		}
	}
	keep := map[string]bool{}
	for _, src := range p.Sources {
		keep[src.Name] = true
		if _, ok := s.due[src.Name]; ok {
			continue
		}
		st := known[src.Name]
		switch {
		case st.Gone && st.ConfigURL == src.URL:
			continue
		case st.Failures > 0 && st.NextPoll.After(now) && st.ConfigURL == src.URL:
			s.due[src.Name] = st.NextPoll
		default:
			var jitter time.Duration
			if s.w.opts.StartJitter > 0 {
				jitter = rand.N(s.w.opts.StartJitter)
			}
			s.due[src.Name] = now.Add(jitter)
		}
	}
	for name := range s.due {
		if !keep[name] {
			delete(s.due, name)
		}
	}
}

// ready returns the sources due by now that can start, marking them.
func (s *scheduler) ready(p *Plan, now time.Time) []Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	inFlight := len(s.busy)
	var out []Source
	for _, src := range p.Sources {
		if inFlight >= s.w.opts.Workers {
			break
		}
		due, ok := s.due[src.Name]
		if !ok || s.busy[src.Name] || due.After(now) || s.hosts[host(src.URL)] >= s.w.opts.PerHost {
			continue
		}
		s.busy[src.Name] = true
		s.hosts[host(src.URL)]++
		inFlight++
		out = append(out, src)
	}
	return out
}

// finish records the end of a poll and when the source is due again.
func (s *scheduler) finish(src Source, res Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, src.Name)
	if s.hosts[host(src.URL)]--; s.hosts[host(src.URL)] <= 0 {
		delete(s.hosts, host(src.URL))
	}
	if _, planned := s.due[src.Name]; !planned {
		return // removed from the plan meanwhile
	}
	switch {
	case res.Status == "410":
		delete(s.due, src.Name)
	case res.NextPoll.IsZero():
		// The poll ended before it could plan the next one (shutdown, or
		// the database failed): try again soon rather than never.
		s.due[src.Name] = s.w.now().Add(firstBackoff)
	default:
		s.due[src.Name] = res.NextPoll
	}
}

// earliest is the soonest due time of a source not being polled.
func (s *scheduler) earliest() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first time.Time
	found := false
	for name, t := range s.due {
		if s.busy[name] {
			continue
		}
		if !found || t.Before(first) {
			first, found = t, true
		}
	}
	return first, found
}

func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}
