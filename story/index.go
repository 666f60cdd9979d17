package story

import (
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
	buckets map[uint64][]int64 // band key -> items
	// order lists the items by publication, oldest first, for aging out.
	order []int64
}

type entry struct {
	sig   Signature
	story int64
}

// NewIndex returns an empty index of a window; zero means DefaultWindow.
func NewIndex(window time.Duration) *Index {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Index{window: window, entries: map[int64]*entry{}, buckets: map[uint64][]int64{}}
}

// Len returns the number of items in the index.
func (ix *Index) Len() int { return len(ix.entries) }

// Find returns the story that the item signed by sig belongs to — the id
// of the story's first item — and whether there is one. Of several
// candidates that are the same story, the earliest published wins.
func (ix *Index) Find(sig *Signature) (int64, bool) {
	var best *entry
	seen := map[int64]bool{}
	for b := range bands {
		for _, id := range ix.buckets[sig.bandKey(b)] {
			if seen[id] {
				continue
			}
			seen[id] = true
			e := ix.entries[id]
			if e == nil || !ix.within(&e.sig, sig) || !Same(&e.sig, sig) {
				continue
			}
			if best == nil || e.sig.published.Before(best.sig.published) {
				best = e
			}
		}
	}
	if best == nil {
		return 0, false
	}
	return best.story, true
}

// candidates returns how many items share a band with sig: those Find
// checks.
func (ix *Index) candidates(sig *Signature) int {
	seen := map[int64]bool{}
	for b := range bands {
		for _, id := range ix.buckets[sig.bandKey(b)] {
			seen[id] = true
		}
	}
	return len(seen)
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
		k := sig.bandKey(b)
		ix.buckets[k] = append(ix.buckets[k], id)
	}
	// Items mostly come in order of publication: insert from the end.
	i := len(ix.order)
	for i > 0 && ix.entries[ix.order[i-1]].sig.published.After(sig.published) {
		i--
	}
	ix.order = slices.Insert(ix.order, i, id)
	ix.age(sig.published)
}

// age drops the items published more than a window before the newest.
func (ix *Index) age(newest time.Time) {
	if n := len(ix.order); n > 0 {
		newest = maxTime(newest, ix.entries[ix.order[n-1]].sig.published)
	}
	cut := 0
	for cut < len(ix.order) && newest.Sub(ix.entries[ix.order[cut]].sig.published) > ix.window {
		id := ix.order[cut]
		e := ix.entries[id]
		for b := range bands {
			k := e.sig.bandKey(b)
			ids := slices.DeleteFunc(ix.buckets[k], func(x int64) bool { return x == id })
			if len(ids) == 0 {
				delete(ix.buckets, k)
			} else {
				ix.buckets[k] = ids
			}
		}
		delete(ix.entries, id)
		cut++
	}
	ix.order = ix.order[cut:]
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
