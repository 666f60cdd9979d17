package story

import "time"

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
//
// An index holds the signatures of days of items, so it keeps them where
// the garbage collector has nothing to follow, in arrays it never copies
// as it grows: the items in chunks of slots, their sets in chunks of
// numbers, and the items of each band key in lists linked through the
// slots, whose heads are in a hash table of numbers.
type Index struct {
	window int64 // seconds
	slots  [][]slot
	nSlots int32
	free   []int32 // slots to reuse
	ids    map[int64]int32
	sets   setChunks
	heads  bandTable
	// byAge holds the items by publication, the oldest on top, for aging
	// out: feeds list their newest items first, so items come in any
	// order.
	byAge ageHeap
	// newest is the latest publication of an item put, in Unix seconds.
	newest int64
	seen   []int32 // the candidates of a lookup, reused
}

// slotsPerChunk is the number of slots in a chunk of them.
const slotsPerChunk = 1 << 10

// slot returns slot i.
func (ix *Index) slot(i int32) *slot { return &ix.slots[i/slotsPerChunk][i%slotsPerChunk] }

// newSlot returns an unused slot.
func (ix *Index) newSlot() int32 {
	if n := len(ix.free); n > 0 {
		i := ix.free[n-1]
		ix.free = ix.free[:n-1]
		return i
	}
	if int(ix.nSlots) == len(ix.slots)*slotsPerChunk {
		ix.slots = append(ix.slots, make([]slot, slotsPerChunk))
	}
	ix.nSlots++
	return ix.nSlots - 1
}

// setChunks holds the sets of a window's signatures in chunks of a fixed
// size. Each item's sets are in one chunk, which counts the numbers of
// its items still kept; a chunk whose items are all gone is reused. As
// items age out about in the order they came, chunks empty out whole.
type setChunks struct {
	chunks [][]uint32
	live   []int
	spare  []int32 // chunks emptied
	cur    int32   // the chunk being filled
}

// chunkLen is the numbers in a chunk of sets.
const chunkLen = 1 << 16

// add keeps the sets of a signature and returns where.
func (c *setChunks) add(sig *Signature) uint32 {
	n := len(sig.shingles) + len(sig.title) + len(sig.numbers)
	if len(c.chunks) == 0 || len(c.chunks[c.cur])+n > chunkLen {
		if k := len(c.spare); k > 0 {
			c.cur, c.spare = c.spare[k-1], c.spare[:k-1]
		} else {
			c.cur = int32(len(c.chunks))
			c.chunks, c.live = append(c.chunks, make([]uint32, 0, chunkLen)), append(c.live, 0)
		}
	}
	chunk := c.chunks[c.cur]
	off := uint32(c.cur)*chunkLen + uint32(len(chunk))
	c.chunks[c.cur] = append(append(append(chunk, sig.shingles...), sig.title...), sig.numbers...)
	c.live[c.cur] += n
	return off
}

// get returns n numbers kept at off.
func (c *setChunks) get(off uint32, n int) []uint32 {
	at := int(off % chunkLen)
	return c.chunks[off/chunkLen][at : at+n : at+n]
}

// drop lets go of n numbers kept at off.
func (c *setChunks) drop(off uint32, n int) {
	k := int32(off / chunkLen)
	if c.live[k] -= n; c.live[k] == 0 && k != c.cur {
		c.chunks[k] = c.chunks[k][:0]
		c.spare = append(c.spare, k)
	}
}

// slot is an item of the index.
type slot struct {
	id, story int64
	published int64 // Unix seconds
	off       uint32
	// The lengths of the sets at off: shingles, title and numbers.
	nShingles, nTitle, nNumbers uint8
	short                       bool
	bands                       [bands]uint32
	// next links the slots of each band key: the next slot with the key of
	// band b, or none (-1).
	next [bands]int32
}

type aged struct {
	published int64
	id        int64
}

// ageHeap is a min-heap of items by publication.
type ageHeap []aged

func (h *ageHeap) push(a aged) {
	*h = append(*h, a)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if q[p].published <= q[i].published {
			break
		}
		q[p], q[i] = q[i], q[p]
		i = p
	}
}

func (h *ageHeap) pop() aged {
	q := *h
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && q[c+1].published < q[c].published {
			c++
		}
		if q[i].published <= q[c].published {
			break
		}
		q[i], q[c] = q[c], q[i]
		i = c
	}
	*h = q
	return top
}

// NewIndex returns an empty index of a window; zero means DefaultWindow.
func NewIndex(window time.Duration) *Index {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Index{window: int64(window / time.Second), ids: map[int64]int32{}}
}

// Horizon is the publication before which an item can be the same story
// as no item the index holds, now or later: items are kept a window from
// the newest, which only grows, and are candidates for items published
// within a window of them. An item published before it need not be
// signed; Add would make it the first of a story of its own.
func (ix *Index) Horizon() time.Time {
	if ix.newest == 0 {
		return time.Time{}
	}
	return time.Unix(ix.newest-2*ix.window, 0)
}

// Len returns the number of items in the index.
func (ix *Index) Len() int { return len(ix.ids) }

// signature returns the parts of a kept item's signature that Same reads.
// Its sets alias the index's: it is valid until the index next changes.
func (ix *Index) signature(s *slot) Signature {
	n1, n2 := int(s.nShingles), int(s.nShingles)+int(s.nTitle)
	sets := ix.sets.get(s.off, n2+int(s.nNumbers))
	return Signature{shingles: sets[:n1:n1], title: sets[n1:n2:n2], numbers: sets[n2:],
		published: time.Unix(s.published, 0), short: s.short}
}

// setsLen is the numbers of a slot's sets.
func (s *slot) setsLen() int { return int(s.nShingles) + int(s.nTitle) + int(s.nNumbers) }

// Find returns the story that the item signed by sig belongs to — the id
// of the story's first item — and whether there is one. Of several
// candidates that are the same story, the earliest published wins.
func (ix *Index) Find(sig *Signature) (int64, bool) {
	ix.heads.touch(&sig.bands)
	best := int32(-1)
	ix.seen = ix.seen[:0]
	for b := range bands {
		head, ok := ix.heads.get(sig.bands[b])
		if ok {
			best = ix.better(best, head, b, sig)
		}
	}
	if best < 0 {
		return 0, false
	}
	return ix.slot(best).story, true
}

// maxCandidates bounds the candidates a lookup checks. A story carried by
// thousands of feeds fills its bands' lists with its copies; they are all
// one story, so the newest few of them tell it as well as all would, and
// a lookup stays a few microseconds instead of growing with the copies.
const maxCandidates = 64

// better walks the list of band b from head and returns the candidate of
// those and best that is the same story as sig and published first.
func (ix *Index) better(best, head int32, b int, sig *Signature) int32 {
	for i := head; i >= 0 && len(ix.seen) < maxCandidates; i = ix.slot(i).next[b] {
		if ix.checked(i) {
			continue
		}
		s := ix.slot(i)
		if d := s.published - sig.published.Unix(); d > ix.window || d < -ix.window {
			continue
		}
		if best >= 0 && (s.story == ix.slot(best).story || !earlier(s, ix.slot(best))) {
			continue // a copy of the story found already, or a later one
		}
		if kept := ix.signature(s); Same(&kept, sig) {
			best = i
		}
	}
	return best
}

// earlier reports whether item a was published before b; of two
// published in the same second, the one with the lower key.
func earlier(a, b *slot) bool {
	return a.published < b.published || a.published == b.published && a.id < b.id
}

// checked reports whether slot i was already a candidate of this lookup,
// and notes it as one. A lookup has a handful of candidates.
func (ix *Index) checked(i int32) bool {
	for _, j := range ix.seen {
		if j == i {
			return true
		}
	}
	ix.seen = append(ix.seen, i)
	return false
}

// Add finds the story of item id (see Find), or makes it the first of
// its own, and keeps the item as a candidate for later ones. It returns
// the item's story.
func (ix *Index) Add(id int64, sig Signature) int64 {
	return ix.insert(id, id, &sig, true)
}

// Put keeps an item whose story is already known, as when the index is
// filled again from the items stored. An item put twice is kept once.
func (ix *Index) Put(id, story int64, sig Signature) {
	ix.insert(id, story, &sig, false)
}

// insert keeps an item of a story and links it into its bands' lists,
// and returns its story. With find, the story is that of the candidates'
// first copy, if there is one: each band key is looked up once, to find
// the candidates and to put the item at the head of their list.
func (ix *Index) insert(id, story int64, sig *Signature, find bool) int64 {
	if i, ok := ix.ids[id]; ok {
		return ix.slot(i).story
	}
	if ix.newest-sig.published.Unix() > ix.window {
		// Too old to be kept: it would age out at once. It is still
		// the story of a candidate published within a window of it.
		if find {
			if found, ok := ix.Find(sig); ok {
				return found
			}
		}
		return story
	}
	ix.heads.touch(&sig.bands)
	i := ix.keep(id, story, sig)
	best := int32(-1)
	ix.seen = ix.seen[:0]
	for b, k := range sig.bands {
		old := ix.heads.push(k, i)
		ix.slot(i).next[b] = old
		if find {
			best = ix.better(best, old, b, sig)
		}
	}
	if best >= 0 {
		ix.slot(i).story = ix.slot(best).story
	}
	story = ix.slot(i).story
	ix.age()
	return story
}

// keep gives an item a slot and its sets a place, and notes its age; the
// caller links it into its bands' lists.
func (ix *Index) keep(id, story int64, sig *Signature) int32 {
	i := ix.newSlot()
	ix.ids[id] = i
	s := ix.slot(i)
	*s = slot{id: id, story: story, published: sig.published.Unix(), off: ix.sets.add(sig),
		nShingles: uint8(len(sig.shingles)), nTitle: uint8(len(sig.title)), nNumbers: uint8(len(sig.numbers)),
		short: sig.short, bands: sig.bands}
	ix.byAge.push(aged{published: s.published, id: id})
	ix.newest = max(ix.newest, s.published)
	return i
}

// SetStory changes the story of a kept item: one put with a provisional
// story, known once the item is stored.
func (ix *Index) SetStory(id, story int64) {
	if i, ok := ix.ids[id]; ok {
		ix.slot(i).story = story
	}
}

// Remove drops a kept item: one put before it was stored, when storing
// it failed.
func (ix *Index) Remove(id int64) {
	if i, ok := ix.ids[id]; ok {
		ix.unlink(i) // its place in byAge goes when it ages
	}
}

// age drops the items published more than a window before the newest.
func (ix *Index) age() {
	for len(ix.byAge) > 0 && ix.newest-ix.byAge[0].published > ix.window {
		a := ix.byAge.pop()
		// An item removed and put again has a later place too.
		if i, ok := ix.ids[a.id]; ok && ix.slot(i).published == a.published {
			ix.unlink(i)
		}
	}
}

// unlink takes slot i out of its bands' lists and frees it.
func (ix *Index) unlink(i int32) {
	s := ix.slot(i)
	ix.heads.touch(&s.bands)
	for b, k := range s.bands {
		p, _ := ix.heads.find(k)
		head := &ix.heads.entries[p].head
		if *head == i {
			if s.next[b] < 0 {
				ix.heads.removeAt(p)
			} else {
				*head = s.next[b]
			}
			continue
		}
		for q := *head; q >= 0; q = ix.slot(q).next[b] {
			if ix.slot(q).next[b] == i {
				ix.slot(q).next[b] = s.next[b]
				break
			}
		}
	}
	delete(ix.ids, s.id)
	ix.sets.drop(s.off, s.setsLen())
	*s = slot{}
	ix.free = append(ix.free, i)
}

// bandTable maps band keys to the first slot of their lists: an
// open-addressed hash table, probed linearly, whose deletions move the
// entries after them back instead of leaving marks. A key and its head
// are side by side, so a lookup is one miss of the cache, not two; eight
// of them fill a line of the cache, and the table is kept at most half
// full, so that a probe seldom runs on into the next line.
type bandTable struct {
	entries []bandEntry
	n       int
	touched uint64 // what touch read, so that its reads are made
}

// touch reads the home places of keys, so that the lookups that follow
// find them in the cache: read one after the other without depending on
// each other, the misses of the cache overlap, where the lookups, each
// waiting on the one before, would take them one at a time.
func (t *bandTable) touch(keys *[bands]uint32) {
	if len(t.entries) == 0 {
		return
	}
	var x uint64
	for _, k := range keys {
		x += uint64(t.entries[t.home(tableKey(k))].key)
	}
	t.touched += x
}

type bandEntry struct {
	// key is zero where empty. A key of zero is kept as one, so the two
	// share a list: the index checks every candidate anyway.
	key  uint32
	head int32
}

func tableKey(k uint32) uint32 {
	if k == 0 {
		return 1
	}
	return k
}

func (t *bandTable) home(k uint32) int { return int(k) & (len(t.entries) - 1) }

// find returns where key k is, or the empty place where it would go.
func (t *bandTable) find(k uint32) (int, bool) {
	k = tableKey(k)
	mask := len(t.entries) - 1
	for p := t.home(k); ; p = (p + 1) & mask {
		switch t.entries[p].key {
		case k:
			return p, true
		case 0:
			return p, false
		}
	}
}

func (t *bandTable) get(k uint32) (int32, bool) {
	if t.n == 0 {
		return -1, false
	}
	p, ok := t.find(k)
	if !ok {
		return -1, false
	}
	return t.entries[p].head, true
}

// push makes slot i the head of key k's list and returns the old head,
// or -1.
func (t *bandTable) push(k uint32, i int32) int32 {
	if (t.n+1)*2 > len(t.entries) {
		t.grow()
	}
	p, ok := t.find(k)
	e := &t.entries[p]
	if ok {
		old := e.head
		e.head = i
		return old
	}
	*e = bandEntry{key: tableKey(k), head: i}
	t.n++
	return -1
}

// removeAt empties the place p of the table.
func (t *bandTable) removeAt(p int) {
	mask := len(t.entries) - 1
	t.entries[p] = bandEntry{}
	t.n--
	// Move back each later entry of the run whose home is not between the
	// hole and it, so that a probe from its home still reaches it.
	for q := (p + 1) & mask; t.entries[q].key != 0; q = (q + 1) & mask {
		if (q-t.home(t.entries[q].key))&mask >= (q-p)&mask {
			t.entries[p], t.entries[q] = t.entries[q], bandEntry{}
			p = q
		}
	}
}

func (t *bandTable) grow() {
	old := t.entries
	t.entries = make([]bandEntry, max(1024, 2*len(old)))
	for _, e := range old {
		if e.key != 0 {
			p, _ := t.find(e.key)
			t.entries[p] = e
		}
	}
}
