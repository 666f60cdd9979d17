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

// flush writes the queued states.
func (sw *stateWriter) flush(ctx context.Context) {
	sw.mu.Lock()
	if len(sw.pending) == 0 {
		sw.mu.Unlock()
		return
	}
	batch := make([]store.Source, 0, len(sw.pending))
	for _, src := range sw.pending {
		batch = append(batch, src)
	}
	clear(sw.pending)
	sw.mu.Unlock()
	if err := sw.store.SaveSources(ctx, batch); err != nil {
		sw.log.Error("save source states", "sources", len(batch), "error", err)
		sw.mu.Lock()
		for _, src := range batch {
			if _, newer := sw.pending[src.Name]; !newer {
				sw.pending[src.Name] = src
			}
		}
		sw.mu.Unlock()
	}
}

// run flushes every flushEvery until ctx ends, then once more.
func (sw *stateWriter) run(ctx context.Context) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			sw.flush(context.WithoutCancel(ctx))
			return
		case <-t.C:
			sw.flush(ctx)
		}
	}
}
