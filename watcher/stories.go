package watcher

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/story"
)

// stories decides which story each new item is a copy of, across
// sources. The index of the window's items is filled from the store when
// it is first needed; mu is held from finding the stories of a poll's
// items until they are recorded and indexed, so two copies recorded at
// once by two polls cannot both start a story.
type stories struct {
	mu     sync.Mutex // protects all following fields
	index  *story.Index
	window time.Duration
	loaded bool
	// lastKey is the index key of the last new item: new items are keyed
	// by negative numbers, the items loaded from the store by their ids.
	lastKey int64
	// horizon is the index's Horizon in Unix seconds, kept where polls
	// read it without the lock: it only grows, so one read a moment ago
	// is still safe to go by.
	horizon atomic.Int64
}

func newStories(window time.Duration) *stories {
	return &stories{index: story.NewIndex(window), window: window}
}

// sign is the signature of an item, dated as it is stored.
func sign(it *feed.Item) story.Signature {
	return story.Sign(story.Doc{Title: it.Title, Text: it.Text, Published: it.Published})
}

// worthSigning reports whether an item published at t could be a copy of
// an item of the window, or kept for later ones: a feed's first poll
// brings weeks of items, and the older of them need not be signed.
func (s *stories) worthSigning(t time.Time) bool {
	h := s.horizon.Load()
	return h == 0 || t.Unix() >= h
}

// noteHorizon keeps the index's horizon for worthSigning.
func (s *stories) noteHorizon() {
	if h := s.index.Horizon(); !h.IsZero() {
		s.horizon.Store(h.Unix())
	}
}

// load fills the index with the items stored in the window, once. A
// store that cannot be read leaves it empty until the next poll: items
// are recorded all the same, only not grouped.
func (s *stories) load(ctx context.Context, st *store.Store, now time.Time, log *slog.Logger) {
	if s.loaded {
		return
	}
	n := 0
	err := st.ItemsSeenSince(ctx, now.Add(-s.window), nil, func(m store.Matched) error {
		feed.Bound(&m.Item, now) // an item stored with a date in the year 9999
		s.index.Put(m.ItemID, m.Story, sign(&m.Item))
		n++
		return nil
	})
	if err != nil {
		log.Error("stories: the items of the window could not be read; new items are not grouped until they are", "error", err)
		s.index = story.NewIndex(s.window)
		return
	}
	s.loaded = true
	s.noteHorizon()
	log.Debug("stories: items of the window indexed", "items", n)
}

// record records a poll's items, giving each new one the story it is a
// copy of, and indexes them. sigs holds the signatures of the new items
// (nil for the others).
func (s *stories) record(ctx context.Context, st *store.Store, log *slog.Logger, source string, items []store.NewItem, sigs []*story.Signature, now time.Time) (store.RecordResult, error) {
	if s == nil { // grouping off: benchmarks measure its cost so
		return st.Record(ctx, source, items, now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load(ctx, st, now, log)
	// Each new item is indexed at once, under a key of its own and with a
	// provisional story, so that a later copy in the same poll (an
	// aggregator's feed) finds it; the stories are set once stored.
	keys := make([]int64, len(items))
	first := map[int64]int{} // provisional story -> the item that starts it
	for i, sig := range sigs {
		if sig == nil {
			continue
		}
		s.lastKey--
		keys[i] = s.lastKey
		switch story := s.index.Add(keys[i], *sig); {
		case story == keys[i]:
			first[story] = i
		case story < 0:
			items[i].SameAs = first[story] + 1
		default:
			items[i].Story = story
		}
	}
	res, err := st.Record(ctx, source, items, now)
	for i, key := range keys {
		switch {
		case key == 0:
		case err != nil || res.IDs[i] == 0:
			s.index.Remove(key) // not stored now: it will be new again
		default:
			s.index.SetStory(key, res.Stories[i])
		}
	}
	s.noteHorizon()
	return res, err
}
