package notify

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/feedhound/feedhound/store"
)

// Retry timing of a Deliverer.
const (
	firstRetry  = time.Second
	maxRetry    = 10 * time.Minute
	giveUpAfter = 24 * time.Hour
)

// Rate returns how fast a kind of destination accepts messages, and the
// burst it allows: Slack takes about one message a second per webhook.
func Rate(k Kind) (rate.Limit, int) {
	switch k {
	case KindSlack:
		return 1, 3
	case KindDiscord:
		return 2, 5
	}
	return 10, 10
}

// Deliverer sends one destination's alerts from the outbox, oldest first,
// within the destination's rate, until each is delivered or has failed
// for good. Make one with NewDeliverer; run it with Run.
type Deliverer struct {
	dest    Destination
	store   *store.Store
	client  *http.Client
	log     *slog.Logger
	limiter *rate.Limiter
	feedURL func(rule string) string
	now     func() time.Time
	wake    chan struct{}
	// firstRetry is the first wait after a failure; tests shorten it.
	firstRetry time.Duration
}

// NewDeliverer returns a Deliverer for dest. feedURL gives the URL of a
// rule's filtered feed, for links in the alerts.
func NewDeliverer(dest Destination, st *store.Store, c *http.Client, log *slog.Logger, feedURL func(string) string) *Deliverer {
	r, burst := Rate(dest.Kind)
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
		n, ok, err := d.store.NextNotification(ctx, d.dest.Name)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Error("read the outbox", "error", err)
			}
			d.sleep(ctx, idle)
			continue
		}
		if !ok {
			d.sleep(ctx, idle)
			continue
		}
		if wait := n.NextAttempt.Sub(d.now()); wait > 0 {
			d.sleep(ctx, wait)
			continue
		}
		if err := d.limiter.Wait(ctx); err != nil {
			return
		}
		d.deliver(ctx, n)
	}
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
func MessageOf(n *store.Notification, feedURL string) Message {
	return Message{ID: fmt.Sprintf("fh_%d", n.ID), Rule: n.Rule, FeedURL: feedURL, Entries: []Entry{EntryOf(&n.Match)}}
}

func (d *Deliverer) deliver(ctx context.Context, n store.Notification) {
	now := d.now()
	o := Send(ctx, d.client, d.dest, MessageOf(&n, d.feedURL(n.Rule)), now)
	if !o.Delivered && ctx.Err() != nil {
		return // shutting down: it stays pending
	}
	attempts := n.Attempts + 1
	var err error
	switch {
	case o.Delivered:
		err = d.store.Delivered(ctx, n.ID, now, attempts)
		d.log.Debug("delivered", "notification", n.ID, "rule", n.Rule)
	case o.Retry && now.Sub(n.Created) < giveUpAfter:
		wait := max(backoff(d.firstRetry, attempts), o.RetryAfter)
		err = d.store.Retry(ctx, n.ID, attempts, now.Add(wait), o.Reason)
		d.log.Warn("delivery failed; will retry", "notification", n.ID, "attempt", attempts, "retry_in", wait.Round(time.Second), "reason", o.Reason)
	case o.Retry:
		err = d.store.Failed(ctx, n.ID, attempts, "gave up after 24h: "+o.Reason)
		d.log.Error("delivery failed for 24 hours; giving up", "notification", n.ID, "reason", o.Reason)
	default:
		err = d.store.Failed(ctx, n.ID, attempts, o.Reason)
		d.log.Error("delivery refused", "notification", n.ID, "reason", o.Reason)
	}
	if err != nil {
		d.log.Error("record delivery", "notification", n.ID, "error", err)
	}
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
