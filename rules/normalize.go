package rules

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Text is normalised for matching one rune at a time: NFKC compatibility
// mapping, full Unicode case folding, then removal of combining marks
// (diacritics) from everything but kana, whose voicing marks change the word.
// The same function normalises query terms and item text, so both sides
// always agree.
//
// Words are runs of letters, digits and marks. Everything else — spaces,
// punctuation, hyphens and every Unicode dash — separates words. Runs of
// Han, Hiragana, Katakana and Hangul form separate tokens from adjacent
// Latin text and are matched as substrings, because those languages do not
// separate words with spaces the way the others do.

// tokenKind tells how a token is compared.
type tokenKind uint8

const (
	kindWord tokenKind = iota // compared whole
	kindCJK                   // searched as a substring
)

// foldTableSize covers Latin, Greek, Cyrillic, the other alphabetic scripts,
// punctuation, symbols and the kana blocks: every rune below it is
// normalised through a table built once.
const foldTableSize = 0x3400

// foldTable maps each rune below foldTableSize, and each rune of the
// halfwidth and fullwidth forms block, to its normalised form.
var foldTable = sync.OnceValue(func() *[foldTableSize + 0x100]string {
	var t [foldTableSize + 0x100]string
	for r := rune(0); r < foldTableSize; r++ {
		t[r] = foldSlow(r)
	}
	for r := rune(0xFF00); r < 0x10000; r++ {
		t[foldTableSize+r-0xFF00] = foldSlow(r)
	}
	return &t
})

// foldSlow normalises one rune the long way.
func foldSlow(r rune) string {
	if !utf8.ValidRune(r) {
		return ""
	}
	s := norm.NFKC.String(string(r))
	s = strings.Map(func(c rune) rune {
		// x/text folds Cherokee letters back and forth between the cases;
		// mapping through upper to lower case makes the result stable.
		return unicode.ToLower(unicode.ToUpper(c))
	}, cases.Fold().String(s))
	if isKana(r) {
		return s
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	for _, c := range d {
		if !unicode.Is(unicode.Mn, c) {
			b.WriteRune(c)
		}
	}
	return norm.NFC.String(b.String())
}

func isKana(r rune) bool {
	return (r >= 0x3040 && r <= 0x30FF) || (r >= 0xFF66 && r <= 0xFF9F) || (r >= 0x31F0 && r <= 0x31FF)
}

// isIdentity reports whether the rune is known to normalise to itself:
// the CJK ideographs and Hangul syllables that make up most East Asian text.
func isIdentity(r rune) bool {
	return (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0xAC00 && r <= 0xD7A3)
}

// fold returns the normalised form of r, and whether it is that rune
// itself (so the caller can append r without a lookup).
func fold(r rune) (string, bool) {
	switch {
	case r < foldTableSize:
		return foldTable()[r], false
	case r >= 0xFF00 && r <= 0xFFFF:
		return foldTable()[foldTableSize+r-0xFF00], false
	case isIdentity(r):
		return "", true
	default:
		return foldSlow(r), false
	}
}

// isCJK reports whether a normalised rune belongs to the scripts matched as
// substrings.
func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r == 0x30FC || r == 0x3005 // prolonged sound mark, iteration mark
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// asciiWord maps ASCII letters and digits to their lower case and every
// other byte to zero.
var asciiWord = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
		t[c-'a'+'A'] = byte(c)
	}
	return t
}()

// token is one normalised word of a text. Start and End are byte offsets of
// the word in the original text.
type token struct {
	text       string
	start, end int
	kind       tokenKind
}

// tokenizer splits text into normalised tokens. Its buffer is reused
// between calls; the zero value is ready to use. Not safe for concurrent
// use.
type tokenizer struct {
	buf   []byte
	start int // byte offset where the current token began, or -1
	kind  tokenKind
	sink  tokenSink
	// runeEnd is the byte offset after the rune being added, which ends a
	// token that the normalised form of a single rune splits, as ½ is 1⁄2.
	runeEnd int
	// done is set by a sink that wants no more tokens.
	done bool
}

// each calls fn for every token of s, in order. The token's text aliases
// the tokenizer's buffer: it is valid only during the call and must be
// copied to be kept.
func (tz *tokenizer) each(s string, fn func(token)) {
	tz.run(s, sinkFunc(fn))
}

// tokenSink receives the tokens of a text from tokenizer.run.
type tokenSink interface {
	token(token)
}

type sinkFunc func(token)

func (f sinkFunc) token(t token) { f(t) }

// run gives sink every token of s, in order, as each does. Unlike a
// function literal, a sink that is already on the heap costs no
// allocation.
func (tz *tokenizer) run(s string, sink tokenSink) {
	tz.buf, tz.start, tz.sink, tz.done = tz.buf[:0], -1, sink, false
	for i := 0; i < len(s) && !tz.done; {
		c := s[i]
		if c < utf8.RuneSelf {
			lc := asciiWord[c]
			if lc == 0 {
				tz.flush(i)
				i++
				continue
			}
			if tz.start >= 0 && tz.kind != kindWord {
				tz.flush(i)
			}
			if tz.start < 0 {
				tz.start, tz.kind = i, kindWord
			}
			// The common case: a run of ASCII letters and digits.
			tz.buf = append(tz.buf, lc)
			for i++; i < len(s); i++ {
				lc = asciiWord[s[i]]
				if lc == 0 {
					break
				}
				tz.buf = append(tz.buf, lc)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		tz.runeEnd = i + size
		switch f, same := fold(r); {
		case same:
			tz.add(r, i)
		case f == "" && unicode.IsMark(r):
			// A stripped diacritic inside a word keeps the word whole.
		case f == "":
			tz.flush(i)
		default:
			for _, fr := range f {
				tz.add(fr, i)
			}
		}
		i += size
	}
	tz.flush(len(s))
	tz.sink = nil
}

// flush ends the current token, if any, at byte offset end.
func (tz *tokenizer) flush(end int) {
	if end <= tz.start {
		end = tz.runeEnd
	}
	if tz.start >= 0 && len(tz.buf) > 0 {
		tz.sink.token(token{text: unsafe.String(unsafe.SliceData(tz.buf), len(tz.buf)), start: tz.start, end: end, kind: tz.kind})
	}
	tz.buf = tz.buf[:0]
	tz.start = -1
}

// add appends a normalised rune that came from byte offset i of the
// original text, starting or ending tokens as its class requires.
func (tz *tokenizer) add(r rune, i int) {
	if !isWordRune(r) {
		tz.flush(i)
		return
	}
	k := kindWord
	if isCJK(r) {
		k = kindCJK
	}
	if tz.start >= 0 && tz.kind != k && !unicode.IsMark(r) {
		tz.flush(i)
	}
	if tz.start < 0 {
		tz.start, tz.kind = i, k
	}
	if (r == 0x3099 || r == 0x309A) && len(tz.buf) > 0 {
		// A separate kana voicing mark, as halfwidth katakana writes it,
		// joins the kana before it: ｶﾞ is ガ.
		last, size := utf8.DecodeLastRune(tz.buf)
		if c := []rune(norm.NFC.String(string([]rune{last, r}))); len(c) == 1 {
			tz.buf = utf8.AppendRune(tz.buf[:len(tz.buf)-size], c[0])
			return
		}
	}
	tz.buf = utf8.AppendRune(tz.buf, r)
}

// Words calls fn with each word of s, normalised as Normalize gives it,
// until fn returns false. The word is valid only during the call.
func Words(s string, fn func(word string) bool) {
	w := wordsPool.Get().(*wordSink)
	w.fn = fn
	w.tz.run(s, w)
	w.fn = nil
	wordsPool.Put(w)
}

// wordSink gives Words' function the tokens of a text until it asks to
// stop. Words keeps them, with their tokenizer's buffer, for the next
// call.
type wordSink struct {
	tz tokenizer
	fn func(string) bool
}

func (w *wordSink) token(t token) {
	if !w.tz.done && !w.fn(t.text) {
		w.tz.done = true
	}
}

var wordsPool = sync.Pool{New: func() any { return new(wordSink) }}

// Normalize returns the words of s, normalised for matching and separated
// by single spaces: what the matcher compares. It is idempotent.
func Normalize(s string) string {
	var tz tokenizer
	var b strings.Builder
	tz.each(s, func(t token) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	})
	return b.String()
}
