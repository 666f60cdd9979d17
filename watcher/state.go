package watcher

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/feedhound/feedhound/store"
)

// flushEvery is how long a source's new state may wait to be written.
const flushEvery = 100 * time.Millisecond

// stateWriter writes the states of sources in batches: one transaction
// for many polls costs far less than one each. Losing a batch in a crash
// loses nothing that matters: validators are written only after the items
// they cover, so the worst is one more full fetch.
type stateWriter struct {
	store *store.Store
	log   *slog.Logger

	mu      sync.Mutex // protects pending
	pending map[string]store.Source
}

func newStateWriter(st *store.Store, log *slog.Logger) *stateWriter {
	return &stateWriter{store: st, log: log, pending: map[string]store.Source{}}
}

// save queues a source's state.
func (sw *stateWriter) save(src store.Source) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.pending[src.Name] = src
}

// load returns a source's latest state, queued or stored, creating it for
// a new source.
func (sw *stateWriter) load(ctx context.Context, name, url string) (store.Source, error) {
	sw.mu.Lock()
	src, ok := sw.pending[name]
	sw.mu.Unlock()
	if ok && src.ConfigURL == url {
		return src, nil
	}
	return sw.store.EnsureSource(ctx, name, url)
}

// flush writes the queued states; they stay queued if they cannot be.
func (sw *stateWriter) flush(ctx context.Context) error {
	sw.mu.Lock()
	if len(sw.pending) == 0 {
		sw.mu.Unlock()
		return nil
	}
	batch := make([]store.Source, 0, len(sw.pending))
	for _, src := range sw.pending {
		batch = append(batch, src)
	}
	clear(sw.pending)
	sw.mu.Unlock()
	err := sw.store.SaveSources(ctx, batch)
	if err != nil {
		sw.mu.Lock()
		for _, src := range batch {
			if _, newer := sw.pending[src.Name]; !newer {
				sw.pending[src.Name] = src
			}
		}
		sw.mu.Unlock()
	}
	return err
}

// maxFlushWait is the longest wait between tries to write the states
// while the database cannot be written.
const maxFlushWait = time.Minute

// run flushes every flushEvery until ctx ends, then once more. While
// writes fail, it waits longer between tries, doubling up to a minute,
// and logs the first failure and then one a minute.
func (sw *stateWriter) run(ctx context.Context) {
	t := time.NewTimer(flushEvery)
	defer t.Stop()
	wait := flushEvery
	for {
		select {
		case <-ctx.Done():
			if err := sw.flush(context.WithoutCancel(ctx)); err != nil {
				sw.log.Error("save source states", "error", err)
			}
			return
		case <-t.C:
			if err := sw.flush(ctx); err != nil {
				if wait == flushEvery || wait == maxFlushWait {
					sw.log.Error("save source states", "error", err, "retry_in", min(wait*2, maxFlushWait))
				}
				wait = min(wait*2, maxFlushWait)
			} else {
				wait = flushEvery
			}
			t.Reset(wait)
		}
	}
}
