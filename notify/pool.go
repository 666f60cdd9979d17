package notify

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/store"
)

// Pool delivers the alerts of many destinations that come and go — one
// for each subscription with a webhook — with a few goroutines rather than
// one each. Each destination keeps its own order and rate.
type Pool struct {
	prefix  string // the notifiers it serves start with it
	store   *store.Store
	client  *http.Client
	log     *slog.Logger
	feedURL func(rule string) string
	// lookup returns the destination of a notifier; ok is false when it
	// is gone.
	lookup  func(ctx context.Context, name string) (destination.Destination, bool, error)
	workers int
	wake    chan struct{}
	// Observe and Instance, if set before Run, are given to every
	// Deliverer.
	Observe   func(result string)
	Instance  string
	LeaseTerm time.Duration

	mu   sync.Mutex // protects ds, busy and paces
	ds   map[string]*Deliverer
	busy map[string]bool
	// paces are the limiters of the places alerts go, by kind and URL:
	// three hundred subscriptions with one webhook are sent to at one
	// webhook's rate, not three hundred times it.
	paces map[string]*rate.Limiter
}

// NewPool returns a Pool for the notifiers starting with prefix.
func NewPool(prefix string, st *store.Store, c *http.Client, log *slog.Logger, feedURL func(string) string,
	lookup func(ctx context.Context, name string) (destination.Destination, bool, error)) *Pool {
	return &Pool{prefix: prefix, store: st, client: c, log: log, feedURL: feedURL, lookup: lookup, workers: 8,
		wake: make(chan struct{}, 1), ds: map[string]*Deliverer{}, busy: map[string]bool{}, paces: map[string]*rate.Limiter{}}
}

// Wake tells the Pool that the outbox may have new alerts.
func (p *Pool) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (p *Pool) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, p.workers)
	pause, stalls := time.Second, 0
	for ctx.Err() == nil {
		// Nothing is sent while its outcome cannot be recorded; the
		// Deliverers would each find that out, one claim at a time.
		if err := p.store.Writable(ctx); err != nil {
			stalls++
			pause = stallWait(stalls)
			if stalls == 1 {
				p.log.Error("deliveries paused: the database cannot be written", "error", err)
			}
		} else {
			stalls, pause = 0, time.Second
		}
		var names []string
		var err error
		if stalls == 0 {
			names, err = p.store.DueNotifiers(ctx, p.prefix, time.Now(), 100)
		}
		if err != nil && ctx.Err() == nil {
			p.log.Error("read the outbox", "error", err)
		}
		for _, name := range names {
			d, ok := p.claim(ctx, name)
			if !ok {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				p.release(name)
				return
			}
			wg.Go(func() {
				defer func() { <-sem; p.release(name) }()
				// Send what is due, then let others have the worker.
				for range 10 {
					if ctx.Err() != nil || d.step(ctx) > 0 {
						return
					}
				}
			})
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
		case <-p.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// claim marks a destination busy and returns its Deliverer; ok is false
// if it is busy or gone. The destination is looked up on every claim, as a
// subscription's can change or go at any time: its Deliverer, which keeps
// its pace, is kept while the destination stays the same.
func (p *Pool) claim(ctx context.Context, name string) (*Deliverer, bool) {
	p.mu.Lock()
	if p.busy[name] {
		p.mu.Unlock()
		return nil, false
	}
	d := p.ds[name]
	p.busy[name] = true
	p.mu.Unlock()
	dest, ok, err := p.lookup(ctx, name)
	if err != nil || !ok {
		if err == nil {
			// Nowhere to send them.
			p.store.FailPending(ctx, name, "the subscription was deleted or has no destination")
		}
		p.mu.Lock()
		delete(p.ds, name)
		p.mu.Unlock()
		p.release(name)
		return nil, false
	}
	if d != nil && d.dest == dest {
		return d, true
	}
	d = NewDeliverer(dest, p.store, p.client, p.log, p.feedURL)
	d.Observe, d.Instance, d.LeaseTerm = p.Observe, p.Instance, p.LeaseTerm
	place := dest.Kind + "\x00" + dest.URL
	p.mu.Lock()
	if pace, ok := p.paces[place]; ok {
		d.limiter = pace
	} else {
		p.paces[place] = d.limiter
	}
	p.mu.Unlock()
	// The destination is looked up again before each message, so that
	// one changed while the Deliverer works takes effect at once.
	d.still = func(ctx context.Context) bool { return p.unchanged(ctx, name, d) }
	p.mu.Lock()
	p.ds[name] = d
	p.mu.Unlock()
	return d, true
}

// unchanged reports whether a notifier's destination is still the one its
// Deliverer sends to.
func (p *Pool) unchanged(ctx context.Context, name string, d *Deliverer) bool {
	dest, ok, err := p.lookup(ctx, name)
	return err == nil && ok && dest == d.dest
}

func (p *Pool) release(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, name)
}
