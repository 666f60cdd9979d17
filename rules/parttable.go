package rules

// partTable is an open-addressing hash table from the text of a part to
// its id and the range of terms anchored on it. A slot holds a short text
// itself, so a lookup usually reads one cache line: it is several times
// faster than a Go map of the same size. Read-only after newPartTable.
type partTable struct {
	slots []partSlot
	texts *partTexts // for texts longer than a slot holds
	mask  uint32
}

// partSlot is 32 bytes, two to a cache line.
type partSlot struct {
	meta uint32 // the text's hash in the high 24 bits, its length (at most 255) in the low 8
	ref  partRef
	key  [slotKeyLen]byte // the text, or its start, padded with zeros
}

const slotKeyLen = 16

// partRef is what a lookup finds: a part, and the terms anchored on it,
// anchored[refStart:refEnd] of the Matcher.
type partRef struct {
	id               int32
	refStart, refEnd int32
}

// partTexts holds the texts of all parts of a Matcher in one block.
type partTexts struct {
	data []byte
	off  []uint32 // part id -> start in data; off[id+1] is its end
}

func newPartTexts(texts []string) *partTexts {
	t := &partTexts{off: make([]uint32, 1, len(texts)+1)}
	for _, s := range texts {
		t.data = append(t.data, s...)
		t.off = append(t.off, uint32(len(t.data)))
	}
	return t
}

func (t *partTexts) equal(id int32, s string) bool {
	return string(t.data[t.off[id]:t.off[id+1]]) == s
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// hashString is 32-bit FNV-1a, which the tokenizer can also compute byte by
// byte to look up every prefix of a word in one pass.
func hashString(s string) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	return h
}

func slotMeta(h uint32, n int) uint32 {
	return h<<8 | uint32(min(n, 255))
}

// slotIndex spreads FNV's low bits, which are weak for short strings.
func slotIndex(h uint32) uint32 {
	return (h ^ h>>15) * 0x2c1b3c6d
}

// newPartTable indexes parts; anchorStart gives each part's anchored range.
func newPartTable(parts map[string]int32, texts *partTexts, anchorStart []int32) partTable {
	size := 8
	for size < 2*len(parts) {
		size *= 2
	}
	t := partTable{slots: make([]partSlot, size), texts: texts, mask: uint32(size - 1)}
	for text, id := range parts {
		h := hashString(text)
		i := slotIndex(h) & t.mask
		for t.slots[i].ref.id != 0 {
			i = (i + 1) & t.mask
		}
		sl := &t.slots[i]
		sl.meta = slotMeta(h, len(text))
		sl.ref = partRef{id: id + 1, refStart: anchorStart[id], refEnd: anchorStart[id+1]}
		copy(sl.key[:], text)
	}
	return t
}

// get looks up text, whose hashString is h.
func (t *partTable) get(text string, h uint32) (partRef, bool) {
	if len(t.slots) == 0 {
		return partRef{}, false
	}
	meta := slotMeta(h, len(text))
	n := min(len(text), slotKeyLen)
	for i := slotIndex(h) & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.ref.id == 0 {
			return partRef{}, false
		}
		// Equal metas mean equal lengths (up to 255), so the key's
		// padding needs no look.
		if sl.meta != meta || string(sl.key[:n]) != text[:n] {
			continue
		}
		ref := sl.ref
		ref.id--
		if len(text) <= slotKeyLen || t.texts.equal(ref.id, text) {
			return ref, true
		}
	}
}
