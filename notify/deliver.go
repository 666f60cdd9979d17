package notify

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/store"
)

// Retry timing of a Deliverer.
const (
	firstRetry  = time.Second
	maxRetry    = 10 * time.Minute
	giveUpAfter = 24 * time.Hour
)

// Deliverer sends one destination's alerts from the outbox, oldest first,
// within the destination's rate, until each is delivered or has failed
// for good. Make one with NewDeliverer; run it with Run.
type Deliverer struct {
	dest    destination.Destination
	store   *store.Store
	client  *http.Client
	log     *slog.Logger
	limiter *rate.Limiter
	feedURL func(rule string) string
	now     func() time.Time
	wake    chan struct{}
	// firstRetry is the first wait after a failure; tests shorten it.
	firstRetry time.Duration
	// unrecorded is the outcome of a message sent but not yet recorded,
	// because the database could not be written: nothing else is sent
	// until it is. stalls counts the tries, for the wait between them.
	unrecorded func(context.Context) error
	stalls     int
	// still, if set, reports whether the destination is still the one
	// this Deliverer was made for; it is asked before each message, so a
	// changed destination takes effect at the next alert.
	still func(context.Context) bool

	// Observe, if set before Run, is called after each attempt with its
	// result: "delivered", "retry" or "failed".
	Observe func(result string)
	// Instance, set before Run, names this instance among those sharing
	// the database: one of them at a time sends to a destination, the
	// one holding its lease (until leaseUntil).
	Instance   string
	leaseUntil time.Time
	// LeaseTerm, if set before Run, is how long its lease lasts; zero
	// means DefaultLeaseTerm.
	LeaseTerm time.Duration
}

// A destination's lease lasts DefaultLeaseTerm and is renewed every third
// of it — between sends, and during a send that takes longer (at most the
// HTTP client's 30 s) — so that another instance takes over within a
// lease of a crash and never while a send is under way; an instance
// without it looks again after a tenth of it, at most leaseWait.
const (
	DefaultLeaseTerm = 30 * time.Second
	leaseWait        = 5 * time.Second
)

func (d *Deliverer) leaseTerm() time.Duration {
	if d.LeaseTerm > 0 {
		return d.LeaseTerm
	}
	return DefaultLeaseTerm
}

// holdLease reports whether this instance may send to the destination,
// taking or renewing its lease as needed.
func (d *Deliverer) holdLease(ctx context.Context, now time.Time) bool {
	term := d.leaseTerm()
	if d.leaseUntil.Sub(now) > term*2/3 {
		return true
	}
	ok, err := d.store.ClaimNotifier(ctx, d.dest.Name, d.Instance, now, now.Add(term))
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("claim the destination", "error", err)
		}
		ok = false
	}
	if ok {
		d.leaseUntil = now.Add(term)
	} else {
		d.leaseUntil = time.Time{}
	}
	return ok
}

// keepLease renews the destination's lease every third of it until the
// returned function is called: a send may take longer than that.
func (d *Deliverer) keepLease(ctx context.Context) (stop func()) {
	if !d.store.Shared() {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	term := d.leaseTerm()
	wg.Go(func() {
		t := time.NewTicker(term / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				now := time.Now()
				if _, err := d.store.ClaimNotifier(ctx, d.dest.Name, d.Instance, now, now.Add(term)); err != nil && ctx.Err() == nil {
					d.log.Error("renew the destination's lease", "error", err)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// NewDeliverer returns a Deliverer for dest. feedURL gives the URL of a
// rule's filtered feed, for links in the alerts.
func NewDeliverer(dest destination.Destination, st *store.Store, c *http.Client, log *slog.Logger, feedURL func(string) string) *Deliverer {
	r, burst := destination.Rate(dest.Kind)
	return &Deliverer{
		dest: dest, store: st, client: c, log: log.With("notifier", dest.Name),
		limiter: rate.NewLimiter(r, burst), feedURL: feedURL, now: time.Now, wake: make(chan struct{}, 1),
		firstRetry: firstRetry,
	}
}

// Wake tells the Deliverer that the outbox may have new alerts.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// idle is how long Run waits for news when the outbox is empty: alerts
// put back by `feedhound notifications retry` from another process are
// found within it.
const idle = 5 * time.Second

// Run delivers until ctx ends. A message in flight when it ends may be
// sent again by the next Run: receivers can tell by its stable id.
func (d *Deliverer) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if wait := d.step(ctx); wait > 0 {
			d.sleep(ctx, wait)
		}
	}
	// Another instance may take over at once.
	if !d.leaseUntil.IsZero() {
		d.store.ReleaseNotifier(context.WithoutCancel(ctx), d.dest.Name, d.Instance)
	}
}

// step sends the next message that is due, within the rate, and returns
// zero; or, when nothing is due, returns how long to wait for something.
func (d *Deliverer) step(ctx context.Context) time.Duration {
	// Nothing is sent that cannot be recorded: a message sent and not
	// recorded would be sent again and again.
	if d.unrecorded != nil {
		if err := d.unrecorded(context.WithoutCancel(ctx)); err != nil {
			return d.stalled("record delivery", err)
		}
		d.unrecorded = nil
	}
	if err := d.store.Writable(ctx); err != nil {
		return d.stalled("delivery paused", err)
	}
	d.stalls = 0
	now := d.now()
	if d.store.Shared() && !d.holdLease(ctx, now) {
		return min(leaseWait, d.leaseTerm()/10) // another instance sends to it
	}
	digest, nextDigest, err := d.store.DueDigest(ctx, d.dest.Name, now)
	if err != nil {
		return d.failedRead(ctx, err)
	}
	if len(digest) > 0 {
		if d.still != nil && !d.still(ctx) {
			return time.Millisecond // made again for the new destination
		}
		if d.limiter.Wait(ctx) == nil {
			d.deliverDigest(ctx, digest)
		}
		return 0
	}
	n, ok, err := d.store.NextNotification(ctx, d.dest.Name)
	if err != nil {
		return d.failedRead(ctx, err)
	}
	wait := idle
	if ok {
		if w := n.NextAttempt.Sub(now); w > 0 {
			wait = min(wait, w)
		} else {
			if d.still != nil && !d.still(ctx) {
				return time.Millisecond // made again for the new destination
			}
			if d.limiter.Wait(ctx) == nil {
				d.deliver(ctx, n)
			}
			return 0
		}
	}
	if !nextDigest.IsZero() {
		wait = max(min(wait, nextDigest.Sub(now)), time.Millisecond)
	}
	return wait
}

// stalled logs that the database cannot be written and returns how long
// to wait before trying again: from a second, doubling up to a minute.
func (d *Deliverer) stalled(what string, err error) time.Duration {
	d.stalls++
	wait := stallWait(d.stalls)
	if d.stalls == 1 || wait == time.Minute {
		d.log.Error(what+": the database cannot be written; nothing more is sent until it can", "error", err, "retry_in", wait)
	}
	return wait
}

func (d *Deliverer) failedRead(ctx context.Context, err error) time.Duration {
	if ctx.Err() == nil {
		d.log.Error("read the outbox", "error", err)
	}
	return idle
}

func (d *Deliverer) sleep(ctx context.Context, wait time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-d.wake:
	case <-t.C:
	}
}

// MessageOf makes the alert of a notification.
func MessageOf(n *store.Notification, feedURL string) destination.Message {
	return destination.Message{ID: fmt.Sprintf("fh_%d", n.ID), Rule: n.Rule, FeedURL: feedURL, Entries: []destination.Entry{EntryOf(&n.Match)}}
}

func (d *Deliverer) deliver(ctx context.Context, n store.Notification) {
	d.send(ctx, MessageOf(&n, d.feedOf(n.Rule)), []store.Notification{n})
}

// feedOf is the feed an alert of a rule links to.
func (d *Deliverer) feedOf(rule string) string {
	if d.dest.FeedURL != "" {
		return d.dest.FeedURL
	}
	return d.feedURL(rule)
}

// digestEntries is how many stories a digest lists; it counts the rest.
const digestEntries = 20

func (d *Deliverer) deliverDigest(ctx context.Context, ns []store.Notification) {
	m := destination.Message{ID: fmt.Sprintf("fh_d%d", ns[0].ID), Rule: ns[0].Rule, FeedURL: d.feedOf(ns[0].Rule)}
	for i := range ns {
		if i < digestEntries {
			m.Entries = append(m.Entries, EntryOf(&ns[i].Match))
		} else {
			m.More++
		}
	}
	d.send(ctx, m, ns)
}

// send sends a message made of the alerts ns and records the outcome for
// each of them.
func (d *Deliverer) send(ctx context.Context, m destination.Message, ns []store.Notification) {
	now := d.now()
	stop := d.keepLease(ctx)
	o := destination.Send(ctx, d.client, d.dest, m, now)
	stop()
	if !o.Delivered && ctx.Err() != nil {
		return // shutting down: they stay pending
	}
	first := ns[0]
	attempts := first.Attempts + 1
	log := d.log.With("notification", first.ID, "alerts", len(ns), "rule", first.Rule)
	ids := make([]int64, len(ns))
	for i := range ns {
		ids[i] = ns[i].ID
	}
	var record func(context.Context) error
	result := "failed"
	switch {
	case o.Delivered:
		result = "delivered"
		record = func(ctx context.Context) error { return d.store.Delivered(ctx, ids, now, attempts) }
		log.Info("alert delivered", "story", first.Match.StoryID, "title", first.Match.Item.Title, "attempts", attempts, "answer", o.Answer())
	case o.Retry && now.Sub(first.Created) < giveUpAfter:
		result = "retry"
		wait := max(backoff(d.firstRetry, attempts), o.RetryAfter)
		record = func(ctx context.Context) error { return d.store.Retry(ctx, ids, attempts, now.Add(wait), o.Reason) }
		log.Warn("delivery failed; will retry", "attempt", attempts, "retry_in", wait.Round(time.Second), "reason", o.Reason)
	case o.Retry:
		record = func(ctx context.Context) error {
			return d.store.Failed(ctx, ids, attempts, "gave up after 24h: "+o.Reason)
		}
		log.Error("delivery failed for 24 hours; giving up", "reason", o.Reason)
	default:
		record = func(ctx context.Context) error { return d.store.Failed(ctx, ids, attempts, o.Reason) }
		log.Error("delivery refused", "reason", o.Reason)
	}
	// What was sent is recorded even when shutting down, or it would be
	// sent again after a restart. If it cannot be, it is kept and tried
	// again before anything else is sent.
	if err := record(context.WithoutCancel(ctx)); err != nil {
		log.Error("record delivery", "error", err)
		d.unrecorded = record
	}
	if d.Observe != nil {
		d.Observe(result)
	}
}

// stallWait is the wait before the nth try to write a database that could
// not be written: a second, doubling up to a minute.
func stallWait(n int) time.Duration {
	return min(time.Second<<min(n-1, 6), time.Minute)
}

// backoff is the wait before attempt n+1: first, doubling up to ten
// minutes, give or take a fifth.
func backoff(first time.Duration, attempts int) time.Duration {
	d := maxRetry
	if attempts < 20 {
		d = min(first<<(attempts-1), maxRetry)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
