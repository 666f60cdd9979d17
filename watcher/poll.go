package watcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/source"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/story"
)

// Result is the outcome of one poll.
type Result struct {
	Source   string
	Status   string // "200", "304", "410", "error", or "elsewhere": another instance polls it
	Err      error
	New      int // items seen for the first time
	Matches  int
	NextPoll time.Time
}

// maxBackoff caps the wait after consecutive failures.
const maxBackoff = 6 * time.Hour

// firstBackoff is the wait after one failure; it doubles with each
// further failure.
const firstBackoff = 30 * time.Second

// A source's lease lasts a poll's timeout and leaseMargin; an instance
// that finds another polling a source looks again after elsewhereRetry.
const (
	leaseMargin    = 30 * time.Second
	elsewhereRetry = 5 * time.Second
)

// Poll polls one source of the current plan now, whatever its schedule.
func (w *Watcher) Poll(ctx context.Context, name string) (Result, error) {
	p := w.plan.Load()
	src, ok := p.source(name)
	if !ok {
		return Result{}, fmt.Errorf("no source named %q", name)
	}
	res := w.poll(ctx, src)
	if err := w.states.flush(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// claim loads a source's state and makes the poll this instance's: not
// while the database cannot be written, not for a source gone (HTTP 410),
// and, for instances sharing the database, only with the source's lease.
// ok is false when the poll is not to be made; res says why.
func (w *Watcher) claim(ctx context.Context, src Source, res *Result, log *slog.Logger) (st store.Source, ok bool) {
	// What a poll finds could not be recorded: it waits (the scheduler
	// tries again after firstBackoff), and the source is not blamed.
	if err := w.store.Writable(ctx); err != nil {
		res.Err = err
		log.Warn("poll postponed", "error", err)
		return st, false
	}
	st, err := w.states.load(ctx, src.Name, src.URL)
	if err != nil {
		res.Err = err
		log.Error("poll failed", "error", err)
		return st, false
	}
	if st.Gone {
		res.Status = "410"
		return st, false
	}
	// Instances sharing the database take turns: a source is polled by
	// the one that takes its lease, and the others schedule by its state.
	if w.store.Shared() {
		now := w.now()
		if st.NextPoll.After(now) && st.PolledBy != w.opts.Instance {
			// Another instance polled it since this one planned to, and
			// planned the next poll.
			res.Status, res.NextPoll = "elsewhere", st.NextPoll
			return st, false
		}
		lease := w.opts.Lease
		if lease <= 0 {
			lease = w.opts.PollTimeout + leaseMargin
		}
		fresh, ok, err := w.store.ClaimSource(ctx, src.Name, w.opts.Instance, st.LastPoll, now, now.Add(lease))
		if err != nil {
			res.Err = err
			log.Error("poll failed", "error", err)
			return st, false
		}
		if !ok {
			res.Status = "elsewhere"
			res.NextPoll = fresh.NextPoll
			if !res.NextPoll.After(now) {
				res.NextPoll = now.Add(elsewhereRetry) // polled elsewhere now: its next time comes with its state
			}
			return st, false
		}
	}
	return st, true
}

// poll fetches a source, records its new items and their matches, and
// saves its state with the time of its next poll: claim -> read -> ingest
// -> settle. A panic is a failed poll.
func (w *Watcher) poll(ctx context.Context, src Source) (res Result) {
	res = Result{Source: src.Name, Status: "error"}
	log := w.log.With("source", src.Name)
	st, ok := w.claim(ctx, src, &res, log)
	if !ok {
		return res
	}
	st.PolledBy = w.opts.Instance
	defer func() {
		if v := recover(); v != nil {
			res.Status, res.Err = "error", fmt.Errorf("internal error: %v", v)
			log.Error("poll panicked", "error", res.Err)
			st.Failures++
			st.LastStatus, st.LastError = res.Status, res.Err.Error()
			st.NextPoll = w.nextPoll(src.Cron, st.LastPoll, st.Failures, 0, time.Time{})
			res.NextPoll = st.NextPoll
			w.states.save(st)
		}
	}()

	now := w.now()
	st.LastPoll = now
	a, err := w.read(ctx, src, &st, log)
	floor, err := w.ingestAnswer(ctx, src, &st, a, err, &res, now, log)
	return w.settle(ctx, src, &st, a, err, floor, now, res, log)
}

// read fetches a source and reads its answer as a feed, as its kind
// does. The feed a page links to is polled from then on (st.URL becomes
// its URL).
func (w *Watcher) read(ctx context.Context, src Source, st *store.Source, log *slog.Logger) (a source.Answer, err error) {
	a, err = src.reader.Read(ctx, feed.Request{URL: st.URL, ETag: st.ETag, LastModified: st.LastModified, BodyHash: st.BodyHash})
	if a.Found != "" {
		log.Info("the source is a page; polling the feed it links to", "page", feed.ShowURL(st.URL), "feed", feed.ShowURL(a.Found))
		st.URL = a.Found
	}
	return a, err
}

// ingestAnswer records what a poll read, and returns the least time the
// source asked to wait before the next poll. Validators are saved only
// with the items: a 304 must never hide items that were not recorded.
func (w *Watcher) ingestAnswer(ctx context.Context, src Source, st *store.Source, a source.Answer, err error, res *Result, now time.Time, log *slog.Logger) (floor time.Duration, _ error) {
	switch {
	case err != nil:
		return 0, err
	case a.Unchanged:
		st.LastPresent = now
		return max(st.TTL, a.Resp.MaxAge), nil
	case a.Feed == nil: // 304
		return a.Resp.MaxAge, nil
	}
	f := a.Feed
	if f.Note != "" && w.noted(src.Name, f.Note) {
		log.Info("scraped the page", "selectors", f.Note, "items", len(f.Items))
	}
	if f.Warning != "" {
		log.Warn("the source is read with a problem", "problem", f.Warning)
	}
	// The plan as it is now, not as it was when the poll began: a
	// subscription made while the source answered must see its
	// stories, which will never be new again.
	var ft fullTextResult
	res.New, res.Matches, ft, err = w.ingest(ctx, w.plan.Load(), src, f, now)
	if ft.tried > 0 {
		st.FullTextFetched, st.FullTextFailed, st.FullTextError = ft.tried, ft.failed, ft.last
	}
	if err != nil {
		return 0, err
	}
	resp := a.Resp
	st.ETag, st.LastModified, st.Title = resp.ETag, resp.LastModified, f.Title
	st.FeedID, st.Link, st.FeedUpdated, st.Language = f.ID, f.Link, f.Updated, f.Language
	st.BodyHash, st.LastRecorded, st.LastPresent, st.TTL = resp.BodyHash, now, now, f.TTL
	return max(f.TTL, resp.MaxAge), nil
}

// settle keeps how a poll went in the source's state — its failures and
// their kind, a 410, a permanent move — with the time of its next poll,
// and saves it.
func (w *Watcher) settle(ctx context.Context, src Source, st *store.Source, a source.Answer, err error, floor time.Duration, now time.Time, res Result, log *slog.Logger) Result {
	resp := a.Resp
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		// Shutting down: not the source's fault, and its state stays as
		// it was.
		res.Err = err
		return res
	}
	var retryAt time.Time
	var se *feed.StatusError
	switch {
	case errors.As(err, &se) && se.Code == http.StatusGone:
		st.Gone = true
		res.Status, res.Err = "410", err
		st.LastStatus, st.LastError = res.Status, err.Error()
		log.Warn("source is gone (HTTP 410); polling stopped", "url", feed.ShowURL(st.URL))
	case err != nil:
		if kind := failureKind(err); kind != st.FailureKind {
			st.Failures, st.FailureKind = 0, kind // another fault: count again
		}
		st.Failures++
		if st.FailingSince.IsZero() {
			st.FailingSince = now
		}
		res.Err = err
		st.LastStatus, st.LastError = "error", err.Error()
		st.RetryAt = time.Time{}
		if se != nil && (se.Code == http.StatusTooManyRequests || se.Code == http.StatusServiceUnavailable) {
			if d, ok := se.RetryDelay(now); ok {
				retryAt = now.Add(d)
				st.RetryAt = retryAt
			}
		}
		log.Warn("poll failed", "error", err, "failures", st.Failures)
	default:
		res.Status = fmt.Sprint(resp.Status)
		st.Failures, st.LastStatus, st.LastError, st.FailureKind = 0, res.Status, "", ""
		st.RetryAt, st.LastSuccess, st.FailingSince, st.LastNew = time.Time{}, now, time.Time{}, res.New
		if resp.Moved && resp.URL != st.URL {
			log.Info("source moved permanently", "from", feed.ShowURL(st.URL), "to", feed.ShowURL(resp.URL))
			st.URL = resp.URL
		}
		log.Debug("polled", "status", resp.Status, "new", res.New, "matches", res.Matches)
	}
	if !st.Gone {
		st.NextPoll = w.nextPoll(src.Cron, now, st.Failures, floor, retryAt)
	}
	res.NextPoll = st.NextPoll
	w.states.save(*st)
	return res
}

// fullTextResult is how the full text of a poll's new items went:
// articles tried, how many could not be read, and the last failure.
type fullTextResult struct {
	tried, failed int
	last          string
}

// fullText fetches the article of each item not seen before and makes its
// text the item's; an article that cannot be read leaves the item as the
// feed gave it. Items seen before are never fetched again.
func (w *Watcher) fullText(ctx context.Context, src Source, f *feed.Feed, unseen map[string]bool) fullTextResult {
	var r fullTextResult
	var errs []error
	r.tried, errs = src.articles.FillFeed(ctx, f, func(it *feed.Item) bool { return unseen[it.ID] })
	for _, err := range errs {
		w.log.Warn("full text not read; the feed's text is kept", "source", src.Name, "error", err)
		r.last = err.Error()
	}
	r.failed = len(errs)
	return r
}

// failureKind names the kind of a failed poll, so that a failure of
// another kind starts a new count: an HTTP status, an answer that is not a
// usable feed (feed.ErrFormat), or the network (and everything else).
func failureKind(err error) string {
	var se *feed.StatusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("HTTP %d", se.Code)
	case errors.Is(err, feed.ErrFormat):
		return "parse"
	}
	return "network"
}

// ingest matches the items never seen before — with their articles'
// text, for a full-text source — and records all of them.
func (w *Watcher) ingest(ctx context.Context, p *Plan, src Source, f *feed.Feed, now time.Time) (newItems, matches int, ft fullTextResult, err error) {
	source := src.Name
	ids := make([]string, len(f.Items))
	for i := range f.Items {
		feed.Bound(&f.Items[i], now)
		ids[i] = f.Items[i].ID
	}
	unseen, err := w.store.Unseen(ctx, source, ids)
	if err != nil {
		return 0, 0, ft, err
	}
	if src.FullText {
		ft = w.fullText(ctx, src, f, unseen)
	}
	items := make([]store.NewItem, len(f.Items))
	sigs := make([]*story.Signature, len(f.Items))
	var found rules.Result // reused for every item
	for i := range f.Items {
		it := &f.Items[i]
		if src.FullText {
			feed.Bound(it, now) // the article's text too
		}
		if it.Published.IsZero() {
			it.Published = now // an item without a date is dated when first seen
		}
		items[i] = store.NewItem{Item: *it}
		if unseen[it.ID] {
			items[i].Matches = p.match(&found, source, f.Title, it, now)
			if w.stories != nil && w.stories.worthSigning(it.Published) {
				sig := sign(it)
				sigs[i] = &sig
			}
		}
	}
	res, err := w.stories.record(ctx, w.store, w.log, source, items, sigs, now)
	if err != nil {
		return 0, 0, ft, err
	}
	if res.Matches > 0 {
		w.log.Info("new matches", "source", source, "new_items", res.New, "matches", res.Matches)
		if w.opts.OnMatch != nil {
			perRule := map[string]int{}
			for _, it := range items {
				for _, m := range it.Matches {
					perRule[m.Rule]++
				}
			}
			for rule, n := range perRule {
				w.opts.OnMatch(rule, n)
			}
		}
	}
	return res.New, res.Matches, ft, nil
}

// nextPoll is when a source is next due: its schedule's next time after
// now, pushed later by the feed's own minimum interval, by exponential
// backoff after failures, and by a server's Retry-After.
func (w *Watcher) nextPoll(sched cron.Schedule, now time.Time, failures int, floor time.Duration, retryAt time.Time) time.Time {
	next := sched.Next(now)
	if floor > 0 && next.Before(now.Add(floor)) {
		next = now.Add(floor)
	}
	if failures > 0 {
		if b := now.Add(backoff(failures)); next.Before(b) {
			next = b
		}
	}
	if next.Before(retryAt) {
		next = retryAt
	}
	return next
}

// backoff is the wait after n consecutive failures: 30 s doubling up to
// 6 h, give or take a fifth so that sources failing together spread out.
func backoff(n int) time.Duration {
	d := maxBackoff
	if n < 20 {
		d = min(firstBackoff<<(n-1), maxBackoff)
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return min(time.Duration(float64(d)*jitter), maxBackoff)
}
