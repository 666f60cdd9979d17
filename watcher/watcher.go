package watcher

import (
	"container/heap"
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/source"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/story"
)

// Options tune a Watcher. The zero value of each field means its default.
type Options struct {
	Workers int // polls at once; default 8
	PerHost int // polls of one host at once; default 2
	// SlowAfter is how long a poll may take before it no longer holds
	// one of the Workers slots: slow servers (a trickled answer) then hold
	// slots of their own, at most MaxSlow, and cannot keep the other
	// sources waiting. A host whose last poll was slow is polled in those
	// slots only. Defaults 5s, and 4 × Workers.
	SlowAfter time.Duration
	MaxSlow   int
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
	// StoryWindow is how far apart in time copies of one story may be;
	// zero means story.DefaultWindow.
	StoryWindow time.Duration
	// OnMatch, if set, is called with the name of each rule that has new
	// matches, and how many, after they are recorded.
	OnMatch func(rule string, n int)
	// OnPoll, if set, is called after each scheduled poll with its result
	// and how long it took.
	OnPoll func(Result, time.Duration)
	// PrivateReader, if set, reads the sources allowed to reach internal
	// addresses; the others use the Watcher's reader.
	PrivateReader *feed.Reader
	// Instance names this instance among those sharing the database: it
	// takes sources' leases under it, and is shown as the one that polled
	// them. Lease is how long a lease lasts; zero means PollTimeout and
	// 30 s.
	Instance string
	Lease    time.Duration
}

// Watcher polls the sources of a Plan on their schedules. Make one with
// New; it is safe for concurrent use.
type Watcher struct {
	store  *store.Store
	reader *feed.Reader
	log    *slog.Logger
	opts   Options
	now    func() time.Time

	plan   atomic.Pointer[Plan]
	wake   chan struct{} // a new plan, or a poll finished
	states *stateWriter
	// stories groups the copies of a story across sources.
	stories *stories
	// rounds counts the scheduling rounds of Run: tests hold it to a
	// few per poll, where a busy loop would make millions.
	rounds atomic.Int64
	notes  sync.Map // source -> how its last feed was made (feed.Feed.Note)
	// articles fetch the articles of full-text sources, with the
	// reader's guard or, for sources allowed to, the private reader's.
	articles, privateArticles *feed.Articles
}

// noted records how a source's feed was made, and reports whether that
// changed: the selectors found for a scraped page are logged when they
// change, so that a user can pin them.
func (w *Watcher) noted(source, note string) bool {
	prev, loaded := w.notes.Swap(source, note)
	return !loaded || prev.(string) != note
}

// New returns a Watcher that records into st and fetches with r, which
// should refuse internal addresses (see netguard).
func New(st *store.Store, r *feed.Reader, log *slog.Logger, p *Plan, opts Options) *Watcher {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.PerHost <= 0 {
		opts.PerHost = 2
	}
	if opts.SlowAfter <= 0 {
		opts.SlowAfter = 5 * time.Second
	}
	if opts.MaxSlow <= 0 {
		opts.MaxSlow = 4 * opts.Workers
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
	if opts.StoryWindow <= 0 {
		opts.StoryWindow = story.DefaultWindow
	}
	w := &Watcher{store: st, reader: r, log: log, opts: opts, now: opts.Now, wake: make(chan struct{}, 1), states: newStateWriter(st, log),
		articles: &feed.Articles{Reader: r}, stories: newStories(opts.StoryWindow)}
	if opts.PrivateReader != nil {
		w.privateArticles = &feed.Articles{Reader: opts.PrivateReader}
	}
	w.plan.Store(w.bind(p))
	return w
}

// bind returns the plan with each source's reader and articles, as the
// source may reach the network: the Watcher's reader, or the private
// reader for a source allowed to reach internal addresses. A source the
// plan being carried out has with the same spec keeps its reader: a new
// subscription makes a new plan, and must not make every reader again.
// A source whose reader cannot be made fails each poll with the reason.
func (w *Watcher) bind(p *Plan) *Plan {
	if p == nil {
		return nil
	}
	bound := map[string]Source{}
	if cur := w.plan.Load(); cur != nil {
		for _, s := range cur.Sources {
			bound[s.Name] = s
		}
	}
	q := *p
	q.Sources = slices.Clone(p.Sources)
	for i := range q.Sources {
		s := &q.Sources[i]
		if b, ok := bound[s.Name]; ok && b.Spec == s.Spec {
			s.reader, s.articles = b.reader, b.articles
			continue
		}
		env, articles := source.Env{Reader: w.reader}, w.articles
		if s.AllowPrivateNetworks && w.opts.PrivateReader != nil {
			env, articles = source.Env{Reader: w.opts.PrivateReader}, w.privateArticles
		}
		r, err := source.New(&s.Spec, env)
		if err != nil {
			r = failing{fmt.Errorf("source %s: %w", s.Name, err)}
		}
		s.reader, s.articles = r, articles
	}
	return &q
}

// failing is the reader of a source that cannot be read.
type failing struct{ err error }

func (f failing) Read(context.Context, feed.Request) (source.Answer, error) {
	return source.Answer{}, f.err
}

// Plan returns the plan being carried out.
func (w *Watcher) Plan() *Plan { return w.plan.Load() }

// SetPlan replaces the plan; Run takes it up at once.
func (w *Watcher) SetPlan(p *Plan) {
	w.plan.Store(w.bind(p))
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
	s := newScheduler(w)
	var wg sync.WaitGroup
	sctx, stopStates := context.WithCancel(context.WithoutCancel(ctx))
	statesDone := make(chan struct{})
	go func() {
		w.states.run(sctx)
		close(statesDone)
	}()
	defer func() {
		wg.Wait() // the polls first, then their states
		stopStates()
		<-statesDone
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastPrune time.Time
	for {
		w.rounds.Add(1)
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
		for _, e := range s.ready(now) {
			// A copy: a new plan may change the entry while it is polled.
			src := e.src
			wg.Go(func() {
				pctx, cancel := context.WithTimeout(ctx, w.opts.PollTimeout)
				start := time.Now()
				res := w.poll(pctx, src)
				cancel()
				if w.opts.OnPoll != nil {
					w.opts.OnPoll(res, time.Since(start))
				}
				s.finish(e, res)
				w.signal()
			})
		}
		timer.Reset(s.wait(now))
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// clusterSpread is how far instances sharing a database spread their
// tries of one source: each tries it at an offset of its own, so that the
// first takes it and the others find it polled, instead of all racing to
// claim it at the same moment.
const clusterSpread = 2 * time.Second

// spread is this instance's offset for a source: zero unless instances
// share the database.
func (w *Watcher) spread(source string) time.Duration {
	if !w.store.Shared() || w.opts.Instance == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(w.opts.Instance + "\x00" + source))
	return time.Duration(h.Sum64() % uint64(clusterSpread))
}

// scheduler keeps the sources in a queue by due time and starts their
// polls within the limits: so many at once, so many per host.
type scheduler struct {
	w *Watcher

	mu      sync.Mutex // protects all following fields
	plan    *Plan
	entries map[string]*entry    // the planned sources, by name
	queue   entryHeap            // entries waiting for their time
	held    map[string][]*entry  // per host: due, but the host is busy
	hosts   map[string]int       // polls in flight per host
	started map[*entry]time.Time // polls in flight, and when they began
	slow    map[string]bool      // hosts whose last poll was slow
}

// entry is a planned source.
type entry struct {
	src     Source
	host    string // the host its poll in flight counts against
	due     time.Time
	index   int  // in the queue, or -1
	removed bool // no longer in the plan
	replan  bool // its url, schedule or network permission changed
	// slowSlot is true while its poll in flight holds a slow slot.
	slowSlot bool
}

func newScheduler(w *Watcher) *scheduler {
	return &scheduler{w: w, entries: map[string]*entry{}, held: map[string][]*entry{}, hosts: map[string]int{},
		started: map[*entry]time.Time{}, slow: map[string]bool{}}
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
		if e, ok := s.entries[src.Name]; ok {
			changed := e.src.Spec != src.Spec
			sameURL := e.src.URL == src.URL
			e.src = src
			if changed {
				// Polled at once with what changed (unless its server
				// asked for a wait); one in flight is polled again when
				// it ends.
				if _, inFlight := s.started[e]; inFlight {
					e.replan = true
				} else if e.index >= 0 {
					e.due = now
					if st := known[src.Name]; sameURL && st.RetryAt.After(now) {
						e.due = st.RetryAt
					}
					heap.Fix(&s.queue, e.index)
				}
			}
			continue
		}
		st := known[src.Name]
		e := &entry{src: src, index: -1}
		// At start-up every source is polled (spread over StartJitter),
		// whatever its backoff, except that a server's Retry-After is
		// honoured.
		switch {
		case st.Gone && st.ConfigURL == src.URL:
			continue
		case st.RetryAt.After(now) && st.ConfigURL == src.URL:
			e.due = st.RetryAt
		default:
			e.due = now.Add(s.w.spread(src.Name))
			if s.w.opts.StartJitter > 0 {
				e.due = e.due.Add(rand.N(s.w.opts.StartJitter))
			}
		}
		s.entries[src.Name] = e
		heap.Push(&s.queue, e)
	}
	for name, e := range s.entries {
		if keep[name] {
			continue
		}
		e.removed = true
		delete(s.entries, name)
		if e.index >= 0 {
			heap.Remove(&s.queue, e.index)
		}
	}
	for h, list := range s.held {
		s.held[h] = slices.DeleteFunc(list, func(e *entry) bool { return e.removed })
	}
}

// slots counts the polls in flight that hold one of the Workers slots:
// those begun less than SlowAfter ago. slowest is when the next of them
// turns slow and frees its slot.
func (s *scheduler) slots(now time.Time) (fast int, slowest time.Time) {
	for e, t := range s.started {
		if turns := t.Add(s.w.opts.SlowAfter); turns.After(now) && !e.slowSlot {
			fast++
			if slowest.IsZero() || turns.Before(slowest) {
				slowest = turns
			}
		}
	}
	return fast, slowest
}

// ready takes the entries due by now that can start: a source of a host
// known to be slow in a slow slot, any other in one of the Workers slots.
// Polls in flight are never more than Workers + MaxSlow.
func (s *scheduler) ready(now time.Time) []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	fast, _ := s.slots(now)
	total := len(s.started)
	slow := total - fast
	var out, later []*entry
loop:
	for len(s.queue) > 0 && !s.queue[0].due.After(now) {
		e := heap.Pop(&s.queue).(*entry)
		if s.hosts[e.src.Host] >= s.w.opts.PerHost {
			s.held[e.src.Host] = append(s.held[e.src.Host], e)
			continue
		}
		inSlow := s.slow[e.src.Host]
		switch {
		case inSlow && slow < s.w.opts.MaxSlow:
			slow++
		case inSlow:
			e.due = now.Add(s.w.opts.SlowAfter) // no slow slot free: later
			later = append(later, e)
			continue
		case fast < s.w.opts.Workers && total < s.w.opts.Workers+s.w.opts.MaxSlow:
			fast++
		default:
			later = append(later, e) // every slot is taken
			break loop
		}
		total++
		e.host = e.src.Host
		s.hosts[e.host]++
		s.started[e] = now
		e.slowSlot = inSlow
		out = append(out, e)
	}
	for _, e := range later {
		heap.Push(&s.queue, e)
	}
	return out
}

// wait is how long Run may sleep: until the next source is due; or, when
// one is due but every slot is taken, until a poll in flight turns slow
// and frees its slot — a poll that finishes wakes Run anyway. (Arming
// the timer at zero then would spin until a poll finished.)
func (s *scheduler) wait(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return time.Hour
	}
	if due := s.queue[0].due; due.After(now) {
		return due.Sub(now)
	}
	if _, slowest := s.slots(now); !slowest.IsZero() {
		return slowest.Sub(now)
	}
	return time.Hour
}

// finish records the end of a poll and when the source is due again.
func (s *scheduler) finish(e *entry, res Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if begun, ok := s.started[e]; ok {
		if s.w.now().Sub(begun) >= s.w.opts.SlowAfter {
			s.slow[e.host] = true
		} else {
			delete(s.slow, e.host)
		}
	}
	delete(s.started, e)
	e.slowSlot = false
	h := e.host
	if s.hosts[h]--; s.hosts[h] <= 0 {
		delete(s.hosts, h)
	}
	// A source held back for this host may go now.
	if list := s.held[h]; len(list) > 0 {
		heap.Push(&s.queue, list[0])
		if s.held[h] = list[1:]; len(s.held[h]) == 0 {
			delete(s.held, h)
		}
	}
	replan := e.replan
	e.replan = false
	switch {
	case e.removed:
		return
	case res.Status == "410":
		delete(s.entries, e.src.Name)
		return
	case replan:
		e.due = s.w.now() // the poll in flight was made as it was before
	case res.NextPoll.IsZero():
		// The poll ended before it could plan the next one (shutdown, or
		// the database failed): try again soon rather than never.
		e.due = s.w.now().Add(firstBackoff)
	default:
		e.due = res.NextPoll.Add(s.w.spread(e.src.Name))
	}
	heap.Push(&s.queue, e)
}

// entryHeap orders entries by due time, for container/heap.
type entryHeap []*entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*h = old[:len(old)-1]
	return e
}
