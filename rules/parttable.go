package rules

import (
	"encoding/binary"
	"unsafe"
)

// partTable is an open-addressing hash table from the text of a part to
// its id. A slot is 16 bytes and holds the first 8 bytes of its text, so
// looking up a word of up to 8 bytes reads one slot, and the table of the
// 12,500 words of 10,000 rules takes 512 KB: with that many rules most
// words of a text are rule words, and their slots are spread over the
// whole table. Read-only after newPartTable.
type partTable struct {
	slots []partSlot
	texts *partTexts // for texts longer than a slot holds
	mask  uint32
	shift uint8 // 32 - log2(len(slots))
}

// partSlot is 16 bytes, four to a cache line.
type partSlot struct {
	// meta is the text's hash in the high 24 bits, its length (at most
	// 255) in the low 8; zero marks an empty slot.
	meta uint32
	ref  int32            // the part's id, and anchorsBit when terms are anchored on it
	key  [slotKeyLen]byte // the text, or its start, padded with zeros
}

// The build fails if partSlot is not 16 bytes.
var _ = [1]struct{}{}[unsafe.Sizeof(partSlot{})-16]

const anchorsBit = -1 << 31

const slotKeyLen = 8

// partRef is what a lookup finds: a part, and whether terms are anchored
// on it.
type partRef struct {
	id      int32
	anchors bool
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

// equalTail reports whether the text of part id, which is as long as s,
// ends as s does from byte from on.
func (t *partTexts) equalTail(id int32, s string, from int) bool {
	return string(t.data[int(t.off[id])+from:t.off[id+1]]) == s[from:]
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

// home returns the slot where the probe for a text with hashString h
// starts: the high bits of a multiplicative hash, as FNV's low bits are
// weak for short strings and multiplying only carries low bits upwards.
func (t *partTable) home(h uint32) uint32 {
	return (h * 0x9E3779B1) >> t.shift
}

// newPartTable indexes parts; anchorStart tells which have terms anchored
// on them. The table is at most half full, so that most lookups read one
// or two slots.
func newPartTable(parts map[string]int32, texts *partTexts, anchorStart []int32) partTable {
	size, shift := 8, uint8(32-3)
	for size < 2*len(parts) {
		size, shift = size*2, shift-1
	}
	t := partTable{slots: make([]partSlot, size), texts: texts, mask: uint32(size - 1), shift: shift}
	for text, id := range parts {
		h := hashString(text)
		i := t.home(h)
		for t.slots[i].meta != 0 {
			i = (i + 1) & t.mask
		}
		sl := &t.slots[i]
		sl.meta = slotMeta(h, len(text))
		sl.ref = id
		if anchorStart[id] != anchorStart[id+1] {
			sl.ref |= anchorsBit
		}
		copy(sl.key[:], text)
	}
	return t
}

// keyOf returns the first slotKeyLen bytes of s, padded with zeros, as
// a slot's key holds them, read as one word.
func keyOf(s string) uint64 {
	if len(s) >= slotKeyLen {
		return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), slotKeyLen))
	}
	var k uint64
	for i := len(s) - 1; i >= 0; i-- {
		k = k<<8 | uint64(s[i])
	}
	return k
}

// get looks up text, whose hashString is h.
func (t *partTable) get(text string, h uint32) (partRef, bool) {
	if len(t.slots) == 0 {
		return partRef{}, false
	}
	meta := slotMeta(h, len(text))
	for i := t.home(h); ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		// Equal metas mean equal lengths (up to 255), so the key's
		// padding needs no look.
		if sl.meta == meta && binary.LittleEndian.Uint64(sl.key[:]) == keyOf(text) &&
			(len(text) <= slotKeyLen || t.texts.equalTail(sl.ref&^anchorsBit, text, slotKeyLen)) {
			return partRef{id: sl.ref &^ anchorsBit, anchors: sl.ref < 0}, true
		}
		if sl.meta == 0 { // a text's length makes its meta nonzero
			return partRef{}, false
		}
	}
}
