package rules

// prefixKeyLen is how many leading bytes of a prefix bitFilter looks at.
const prefixKeyLen = 4

// bitFilter is a one-hash Bloom filter over the beginnings of prefixes:
// all of a prefix shorter than prefixKeyLen, the first prefixKeyLen bytes
// of a longer one. It is keyed by their hashString, which lookupWord
// computes anyway. The zero value is empty and ready to use.
type bitFilter struct {
	bits []uint64
}

const filterBits = 1 << 16

func filterIndex(h uint32) uint32 {
	return (h * 0x9E3779B1) >> (32 - 16)
}

// add adds the beginning of prefix p.
func (f *bitFilter) add(p string) {
	if f.bits == nil {
		f.bits = make([]uint64, filterBits/64)
	}
	k := filterIndex(hashString(p[:min(len(p), prefixKeyLen)]))
	f.bits[k/64] |= 1 << (k % 64)
}

// has reports whether a prefix may begin with the bytes whose hashString
// is h.
func (f *bitFilter) has(h uint32) bool {
	if f.bits == nil {
		return false
	}
	k := filterIndex(h)
	return f.bits[k/64]&(1<<(k%64)) != 0
}
