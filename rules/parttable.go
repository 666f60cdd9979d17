package rules

// partTable is an open-addressing hash table from the text of a part to
// its id. A slot holds the text's hash and the id, so a lookup that misses
// reads one cache line of the table and never the texts; it is several
// times faster than a Go map of the same size. Read-only after newPartTable.
type partTable struct {
	slots []uint64 // hash<<32 | id+1; zero is an empty slot
	texts *partTexts
	mask  uint32
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

// partTexts holds the texts of all parts of a Matcher in one block, so
// that comparing a word with a part reads memory close to the table's.
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

func newPartTable(parts map[string]int32, texts *partTexts) partTable {
	size := 8
	for size < 2*len(parts) {
		size *= 2
	}
	t := partTable{slots: make([]uint64, size), texts: texts, mask: uint32(size - 1)}
	for text, id := range parts {
		h := hashString(text)
		i := slotIndex(h) & t.mask
		for t.slots[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = uint64(h)<<32 | uint64(id+1)
	}
	return t
}

// slotIndex spreads FNV's low bits, which are weak for short strings.
func slotIndex(h uint32) uint32 {
	return (h ^ h>>15) * 0x2c1b3c6d
}

// get returns the id of text, whose hashString is h.
func (t *partTable) get(text string, h uint32) (int32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	for i := slotIndex(h) & t.mask; ; i = (i + 1) & t.mask {
		v := t.slots[i]
		if v == 0 {
			return 0, false
		}
		if uint32(v>>32) == h {
			if id := int32(uint32(v)) - 1; t.texts.equal(id, text) {
				return id, true
			}
		}
	}
}
