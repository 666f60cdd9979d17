// Package story tells when two items are the same story: one copy of a
// wire report republished under another headline, trimmed, extended, with
// a dateline added or removed, in capitals or in British spelling. It
// signs an item's title and lead (Sign), keeps the signatures of a time
// window in an index that finds a new item's candidates without looking
// at every item (Index), and checks each candidate precisely (Same). A
// false merge hides news, so the check asks for much of the same text and
// the same figures: different events about the same people, and daily
// reports made from one template with other numbers, stay apart.
//
// The package does no I/O.
package story

import (
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/feedhound/feedhound/rules"
)

// Doc is what a story is told by.
type Doc struct {
	Title string
	Text  string // the plain text of the body
	// Published is when the item was published, or first seen.
	Published time.Time
}

// leadWords is how much of the body signs an item: about two paragraphs,
// which a trimmed copy keeps and an extended one starts with.
const leadWords = 60

// shingleLen is the number of words (or CJK characters) in a shingle.
const shingleLen = 3

// Signature is what the index keeps of an item. Its zero value is an
// item without text, which is the same story as nothing.
type Signature struct {
	// shingles are the hashes of the lead's shingles.
	shingles []uint32
	// title holds the hashes of the title's words.
	title []uint32
	// numbers are the hashes of the figures in the title and lead.
	numbers []uint32
	// bands are the keys of the MinHash signature's bands in the index.
	bands     [bands]uint32
	published time.Time
	short     bool // a title and little or no text
}

// shortWords is the length of lead under which an item is short: it is
// then grouped only on a near-identical title published close in time.
const shortWords = 12

// Sign makes the signature of a document.
func Sign(d Doc) Signature {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	// The title's units, a separator that keeps shingles from joining the
	// title's end to the lead's start, and the lead's.
	seq := units(sc.seq[:0], d.Title, maxTitleWords)
	title := seq
	seq = append(seq, unit{hash: 0x5e9a})
	seq = units(seq, stripDateline(d.Text), leadWords)
	sc.seq = seq
	lead := seq[len(title)+1:]
	sig := Signature{published: d.Published, short: len(lead) < shortWords}
	// The three sets are built in one scratch array, then kept in one
	// array of their length: an index keeps a window's signatures.
	scratch := sc.sets[:0]
	defer func() { sc.sets = scratch[:0] }()
	for i := 0; i+shingleLen <= len(seq); i++ {
		scratch = append(scratch, shingle(seq[i:i+shingleLen]))
	}
	if len(seq) < shingleLen {
		for _, u := range seq {
			scratch = append(scratch, uint32(u.hash))
		}
	}
	// The sets are kept as they come, duplicates and all: minhash ignores
	// both, and only the few candidates a signature is checked against
	// are sorted, when they are (overlap).
	shingles := scratch
	titles := scratch[len(scratch):]
	for _, u := range title {
		titles = append(titles, uint32(u.hash))
	}
	nums := titles[len(titles):]
	for _, u := range seq {
		if u.number {
			nums = append(nums, uint32(u.hash))
		}
	}
	kept := make([]uint32, 0, len(shingles)+len(titles)+len(nums))
	kept = append(append(append(kept, shingles...), titles...), nums...)
	n1, n2 := len(shingles), len(shingles)+len(titles)
	sig.shingles, sig.title, sig.numbers = kept[:n1:n1], kept[n1:n2:n2], kept[n2:]
	m := minhash(sig.shingles)
	for b := range sig.bands {
		// A band's rows are buckets far apart: densification makes
		// neighbouring buckets alike.
		var rows [bandRows]uint32
		for r := range rows {
			rows[r] = m[b+r*bands]
		}
		sig.bands[b] = bandKey(b, rows[:])
	}
	return sig
}

// scratch holds what signing a document needs only while it signs.
type scratch struct {
	seq  []unit
	sets []uint32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// unit is what shingles are made of: a word, or a CJK character.
type unit struct {
	hash   uint64
	number bool // a figure: it holds a digit
}

// shingle hashes a run of units.
func shingle(us []unit) uint32 {
	h := uint64(len(us))
	for _, u := range us {
		h = bits.RotateLeft64(h^u.hash, 23) * 0x9E3779B97F4A7C15
	}
	return uint32(h>>32) ^ uint32(h)
}

// maxTitleWords bounds the words of a title that count.
const maxTitleWords = 40

// units splits text into what shingles are made of, at most limit of
// them: normalised words, with British spellings made American, and each
// character of Hangul, Han and kana on its own, as those scripts do not
// separate words the same way. Only the start of a long text is read.
func units(out []unit, s string, limit int) []unit {
	if cut := limit * 9; len(s) > cut { // about limit words of English; a CJK character is 3 bytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	limit += len(out)
	if quick, ok := quickUnits(out, s, limit); ok {
		return quick
	}
	return tokenizedUnits(out, s, limit)
}

// unitHash is the hash of a unit: FNV-1a, of 64 bits, which quickUnits
// computes as it reads a word's bytes. shingle mixes it further.
func unitHash(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
	}
	return h
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// tokenizedUnits is units through rules' tokenizer, for any text.
func tokenizedUnits(out []unit, s string, limit int) []unit {
	rules.Words(s, func(w string) bool {
		r, _ := utf8.DecodeRuneInString(w)
		if r >= 0x1100 && unicode.In(r, unicode.Hangul, unicode.Han, unicode.Hiragana, unicode.Katakana) {
			for i, c := range w {
				if len(out) == limit {
					break
				}
				out = append(out, unit{hash: unitHash(w[i : i+utf8.RuneLen(c)])})
			}
		} else {
			out = append(out, unit{hash: unitHash(american(w)), number: isNumber(w)})
		}
		return len(out) < limit
	})
	return out
}

// wordByte is what rules' tokenizer makes of each byte of ASCII: the byte
// of a word it becomes (lower case), or 0 for one that separates words. It
// is asked of the tokenizer itself, so the two cannot disagree. The bytes
// outside ASCII are 0 too: quickUnits looks at them on their own.
var wordByte = func() (t [256]byte) {
	for c := range utf8.RuneSelf {
		rules.Words(string(rune(c)), func(w string) bool {
			if len(w) == 1 {
				t[c] = w[0]
			}
			return false
		})
	}
	return t
}()

// separators are the punctuation outside ASCII that news text is full of
// and that rules' tokenizer takes for a break between words whatever is
// around it; asked of the tokenizer, as wordByte is.
var separators = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "\u00a0\u00ab\u00b7\u00bb\u2010\u2011\u2012\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u3000" {
		var words []string
		rules.Words("a"+string(r)+"b", func(w string) bool {
			words = append(words, strings.Clone(w)) // w is the tokenizer's
			return true
		})
		if len(words) == 2 && words[0] == "a" && words[1] == "b" {
			m[r] = true
		}
	}
	return m
}()

// quickUnits is units for text of ASCII words and the separators above,
// without the tokenizer's general path; a word already in lower case is
// hashed where it stands. ok is false for text with any other character,
// which the tokenizer reads.
func quickUnits(out []unit, s string, limit int) ([]unit, bool) {
	start := len(out)
	// Each word is written here in lower case, and hashed, as it is read;
	// a longer one is left to the tokenizer.
	var buf [64]byte
	for i := 0; i < len(s) && len(out) < limit; {
		c := s[i]
		if wordByte[c] == 0 {
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s[i:])
				if !separators[r] {
					return out[:start], false
				}
				i += size
				continue
			}
			i++
			continue
		}
		j, n, number, h := i, 0, false, uint64(fnvOffset)
		for ; j < len(s) && n < len(buf); j, n = j+1, n+1 {
			lc := wordByte[s[j]]
			if lc == 0 {
				break
			}
			buf[n] = lc
			h = (h ^ uint64(lc)) * fnvPrime // unitHash
			number = number || lc-'0' < 10
		}
		if j < len(s) && s[j] >= utf8.RuneSelf {
			// A letter outside ASCII right after would be part of the word.
			if r, _ := utf8.DecodeRuneInString(s[j:]); !separators[r] {
				return out[:start], false
			}
		} else if n == len(buf) && j < len(s) && wordByte[s[j]] != 0 {
			return out[:start], false
		}
		if n >= 5 && britishPairs[buf[n-1]]&(1<<(buf[n-2]&63)) != 0 {
			w := unsafe.String(&buf[0], n)
			if us := american(w); us != w {
				h = unitHash(us)
			}
		}
		out = append(out, unit{hash: h, number: number})
		i = j
	}
	return out, true
}

// american spells a word as American English does, by the common
// patterns: -ise, -isation, -our, -tre, -ence, -ogue, doubled l.
// Applied to both sides of a comparison, a word it spells wrong is still
// spelt the same way on both.
func american(w string) string {
	if len(w) < 5 {
		return w
	}
	for _, sfx := range britishEndings[w[len(w)-1]] {
		if strings.HasSuffix(w, sfx[0]) {
			return w[:len(w)-len(sfx[0])] + sfx[1]
		}
	}
	return w
}

// britishPairs tells the words with none of the British endings at a
// glance: for each last letter, a bit for each letter before it in one of
// them (its low six bits).
var britishPairs = func() (t [256]uint64) {
	for last, es := range britishEndings {
		for _, e := range es {
			t[last] |= 1 << (e[0][len(e[0])-2] & 63)
		}
	}
	return t
}()

// britishEndings lists British endings and their American spelling by
// their last letter, longest first.
var britishEndings = func() (t [256][][2]string) {
	for _, e := range [...][2]string{
		{"isations", "izations"}, {"isation", "ization"}, {"ising", "izing"}, {"ysed", "yzed"}, {"ised", "ized"}, {"ises", "izes"},
		{"ise", "ize"}, {"yse", "yze"}, {"ours", "ors"}, {"our", "or"}, {"tres", "ters"}, {"tre", "ter"}, {"ence", "ense"},
		{"ogues", "ogs"}, {"ogue", "og"}, {"lled", "led"}, {"lling", "ling"}, {"ammes", "ams"}, {"amme", "am"},
	} {
		last := e[0][len(e[0])-1]
		t[last] = append(t[last], e)
	}
	return t
}()

// stripDateline drops a leading dateline: "SEOUL, Sept. 10 (Yonhap) --",
// "VLADIVOSTOK, Russia (AP) —", "(서울=연합뉴스) 김수진 기자 =": the words
// before the first dash or equals sign between spaces, within the first
// few words, when they name an agency in parentheses or are a place in
// capitals.
func stripDateline(s string) string {
	head := s[:min(len(s), 120)]
	// Every end of a dateline has a '-', a '=' or the first byte of a dash.
	if strings.IndexByte(head, '-') < 0 && strings.IndexByte(head, '=') < 0 && strings.IndexByte(head, "\u2014"[0]) < 0 {
		return s
	}
	// The first end in the head; each starts with a space.
	i, sep := -1, ""
	for _, end := range datelineEnds {
		if k := strings.Index(head, end); k >= 0 && (i < 0 || k < i) {
			i, sep = k, end
		}
	}
	if i < 0 {
		return s
	}
	if pre := head[:i]; strings.Contains(pre, "(") && strings.Contains(pre, ")") || isCapitals(pre) {
		return s[i+len(sep):]
	}
	return s // a dash in the text, not a dateline's
}

// datelineEnds are what end a dateline.
var datelineEnds = [...]string{" -- ", " — ", " – ", " = "}

// isCapitals reports whether the first word of s is written in capitals,
// as a dateline's place is.
func isCapitals(s string) bool {
	s = strings.TrimLeft(s, " ,")
	if i := strings.IndexAny(s, " ,"); i >= 0 {
		s = s[:i]
	}
	if len(s) < 3 {
		return false
	}
	for _, r := range s {
		if !unicode.IsUpper(r) && r != '-' {
			return false
		}
	}
	return true
}

// isNumber reports whether a word holds a digit.
func isNumber(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; '0' <= c && c <= '9' {
			return true
		} else if c >= utf8.RuneSelf {
			for _, r := range w[i:] {
				if unicode.IsDigit(r) {
					return true
				}
			}
			return false
		}
	}
	return false
}

// numHashes is the length of a MinHash signature: bands of bandRows.
const (
	numHashes = bands * bandRows
	bands     = 20
	bandRows  = 3
)

// minhash returns a MinHash signature of a set of shingle hashes by one
// permutation hashing: each shingle is hashed once, into one of numHashes
// buckets, and each bucket keeps its least value; an empty bucket takes
// the value of the next bucket that has one, changed by the distance
// (densification by rotation, after Shrivastava and Li, 2014). Two sets
// then agree in a bucket about as often as their Jaccard similarity, at
// one hash a shingle instead of numHashes.
func minhash(set []uint32) [numHashes]uint32 {
	const empty = ^uint32(0)
	var m [numHashes]uint32
	for i := range m {
		m[i] = empty
	}
	for _, x := range set {
		h := uint64(x)
		h ^= h >> 31
		h *= 0x9E3779B97F4A7C15
		h ^= h >> 29
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 32
		b := (h >> 32) * numHashes >> 32
		if v := uint32(h) >> 1; v < m[b] { // below empty
			m[b] = v
		}
	}
	if len(set) == 0 {
		return m
	}
	orig := m
	for i := range m {
		for d := 1; m[i] == empty; d++ {
			if v := orig[(i+d)%numHashes]; v != empty {
				m[i] = v ^ uint32(d)*0x9E3779B9
			}
		}
	}
	return m
}

// bandKey is the key of band b, whose values are m, in the index. Two
// bands' keys that collide only make a candidate more, which is checked.
func bandKey(b int, m []uint32) uint32 {
	h := uint64(b+1) * 0x9E3779B97F4A7C15
	for _, v := range m {
		h = bits.RotateLeft64(h^uint64(v), 27) * 0xBF58476D1CE4E5B9
	}
	return uint32(h>>32) ^ uint32(h)
}

// Thresholds of the precise check, chosen on the labelled fixtures in
// testdata/stories (see TestPrecisionAndRecall).
const (
	// MinContainment is the share of the smaller lead's shingles that the
	// other must have.
	MinContainment = 0.5
	// MinTitleOverlap is the share of the shorter title's words a short
	// item (a title with little text) must share with the other's.
	MinTitleOverlap = 0.85
	// ShortGap is how close in time short items must be.
	ShortGap = 6 * time.Hour
)

// Same reports whether two signed items are the same story.
func Same(a, b *Signature) bool {
	if len(a.shingles) == 0 || len(b.shingles) == 0 {
		return false
	}
	if a.short || b.short {
		gap := a.published.Sub(b.published)
		if gap < 0 {
			gap = -gap
		}
		return gap <= ShortGap && overlap(a.title, b.title) >= MinTitleOverlap && sameNumbers(a, b)
	}
	return overlap(a.shingles, b.shingles) >= MinContainment && sameNumbers(a, b)
}

// sameNumbers reports whether the figures of two items agree: those of
// the one with fewer are nearly all in the other. Templated reports —
// markets, weather — differ in little else.
func sameNumbers(a, b *Signature) bool {
	if len(a.numbers) == 0 || len(b.numbers) == 0 {
		return true
	}
	return overlap(a.numbers, b.numbers) >= 0.8
}

// maxUnits bounds the units of a signature, and so the length of each of
// its sets.
const maxUnits = maxTitleWords + 1 + leadWords

// overlap returns |a ∩ b| / min(|a|, |b|) of the sets of distinct values
// of a and b, sorted in arrays of their own: a signature's sets are kept
// unsorted, as most are never compared.
func overlap(a, b []uint32) float64 {
	var as, bs [maxUnits]uint32
	a, b = distinct(as[:0], a), distinct(bs[:0], b)
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	common, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			common++
			i++
			j++
		}
	}
	return float64(common) / float64(n)
}

// distinct appends the values of s to buf, sorted, each once.
func distinct(buf, s []uint32) []uint32 {
	buf = append(buf, s...)
	slices.Sort(buf)
	return slices.Compact(buf)
}
