package story

import (
	"container/heap"
	"slices"
	"time"
)

// DefaultWindow is how long an item stays a story's candidate.
const DefaultWindow = 72 * time.Hour

// Index holds the signatures of the items of a time window and finds the
// stories new items belong to. Each item's MinHash signature is cut into
// bands, and an item is a candidate for another when one band is the
// same: items sharing much of their text share a band with high
// probability, unrelated ones seldom, so a new item is compared with a
// few candidates, not with every item. Items older than the window, by
// their time of publication, age out as newer ones are added. Not safe
// for concurrent use.
type Index struct {
	window  time.Duration
	entries map[int64]*entry
	// buckets maps a band key to its first item, and more to the others
	// of the few keys that have several: most keys have one, and a map of
	// plain numbers is one the garbage collector need not scan.
	buckets map[uint64]int64
	more    map[uint64][]int64
	// byAge holds the items by publication, the oldest on top, for aging
	// out: feeds list their newest items first, so items come in any
	// order.
	byAge ageHeap
	// newest is the latest publication of an item put.
	newest time.Time
}

type aged struct {
	published time.Time
	id        int64
}

// ageHeap is a min-heap of items by publication (container/heap).
type ageHeap []aged

func (h ageHeap) Len() int           { return len(h) }
func (h ageHeap) Less(i, j int) bool { return h[i].published.Before(h[j].published) }
func (h ageHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *ageHeap) Push(x any)        { *h = append(*h, x.(aged)) }
func (h *ageHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type entry struct {
	sig   Signature
	story int64
}

// each calls fn with the items of band key k.
func (ix *Index) each(k uint64, fn func(id int64)) {
	first, ok := ix.buckets[k]
	if !ok {
		return
	}
	fn(first)
	for _, id := range ix.more[k] {
		fn(id)
	}
}

// NewIndex returns an empty index of a window; zero means DefaultWindow.
func NewIndex(window time.Duration) *Index {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Index{window: window, entries: map[int64]*entry{}, buckets: map[uint64]int64{}, more: map[uint64][]int64{}}
}

// Len returns the number of items in the index.
func (ix *Index) Len() int { return len(ix.entries) }

// Find returns the story that the item signed by sig belongs to — the id
// of the story's first item — and whether there is one. Of several
// candidates that are the same story, the earliest published wins.
func (ix *Index) Find(sig *Signature) (int64, bool) {
	var best *entry
	var seen map[int64]bool
	for b := range bands {
		ix.each(sig.bands[b], func(id int64) {
			if seen[id] {
				return
			}
			if seen == nil {
				seen = map[int64]bool{}
			}
			seen[id] = true
			e := ix.entries[id]
			if e == nil || !ix.within(&e.sig, sig) || !Same(&e.sig, sig) {
				return
			}
			if best == nil || e.sig.published.Before(best.sig.published) {
				best = e
			}
		})
	}
	if best == nil {
		return 0, false
	}
	return best.story, true
}

// within reports whether two items are close enough in time to be
// grouped.
func (ix *Index) within(a, b *Signature) bool {
	d := a.published.Sub(b.published)
	return d <= ix.window && d >= -ix.window
}

// Add finds the story of item id (see Find), or makes it the first of
// its own, and keeps the item as a candidate for later ones. It returns
// the item's story.
func (ix *Index) Add(id int64, sig Signature) int64 {
	story, ok := ix.Find(&sig)
	if !ok {
		story = id
	}
	ix.Put(id, story, sig)
	return story
}

// Put keeps an item whose story is already known, as when the index is
// filled again from the items stored. An item put twice is kept once.
func (ix *Index) Put(id, story int64, sig Signature) {
	if _, ok := ix.entries[id]; ok {
		return
	}
	ix.entries[id] = &entry{sig: sig, story: story}
	for b := range bands {
		k := sig.bands[b]
		if _, ok := ix.buckets[k]; ok {
			ix.more[k] = append(ix.more[k], id)
		} else {
			ix.buckets[k] = id
		}
	}
	heap.Push(&ix.byAge, aged{published: sig.published, id: id})
	if sig.published.After(ix.newest) {
		ix.newest = sig.published
	}
	ix.age()
}

// SetStory changes the story of a kept item: one put with a provisional
// story, known once the item is stored.
func (ix *Index) SetStory(id, story int64) {
	if e := ix.entries[id]; e != nil {
		e.story = story
	}
}

// Remove drops a kept item: one put before it was stored, when storing
// it failed.
func (ix *Index) Remove(id int64) {
	if _, ok := ix.entries[id]; ok {
		ix.unlink(id) // its place in byAge goes when it ages
	}
}

// age drops the items published more than a window before the newest.
func (ix *Index) age() {
	for len(ix.byAge) > 0 && ix.newest.Sub(ix.byAge[0].published) > ix.window {
		if id := heap.Pop(&ix.byAge).(aged).id; ix.entries[id] != nil {
			ix.unlink(id)
		}
	}
}

// unlink takes an item out of the buckets and the entries.
func (ix *Index) unlink(id int64) {
	e := ix.entries[id]
	for b := range bands {
		k := e.sig.bands[b]
		more := slices.DeleteFunc(ix.more[k], func(x int64) bool { return x == id })
		if ix.buckets[k] == id {
			if len(more) == 0 {
				delete(ix.buckets, k)
			} else {
				ix.buckets[k], more = more[0], more[1:]
			}
		}
		if len(more) == 0 {
			delete(ix.more, k)
		} else {
			ix.more[k] = more
		}
	}
	delete(ix.entries, id)
}
