package rules

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Matcher matches documents against many rules at once. Every rule is
// compiled into one index, and a document is tokenised once, so the cost of
// matching grows with the document's length and its matches, not with the
// number of rules. A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	names []string // the rules' names
	// Rule r's expression starts at code[ruleCode[r]]; the atoms in its
	// non-negated positions, which explain a match, are
	// positive[posStart[r]:posStart[r+1]].
	ruleCode []int32
	posStart []int32
	positive []int32

	// The dictionary of parts, each with an id.
	words    partTable
	prefixes partTable
	// prefixLen[n] is set when some prefix is n bytes long; it is as
	// long as the longest prefix allows.
	prefixLen []bool
	// prefixFilter holds the beginnings of the prefixes, so most words
	// need no prefix lookups at all.
	prefixFilter bitFilter
	cjk          partTable
	cjkLens      []int // byte lengths of the CJK parts, ascending
	// The terms anchored on part p are anchored[anchorStart[p]:anchorStart[p+1]].
	anchored    []anchorRef
	anchorStart []int32

	atoms []atom
	hot   []atomHot // what matching reads of each atom
	// The parts of the terms listed in anchored, one after the other.
	termParts []int32
	code      []instr // the rules' expressions
	// The rules that may match when atom a matches are
	// trigRules[trigStart[a]:trigStart[a+1]].
	trigStart []int32
	trigRules []int32
	regexes   []int32 // ids of the regex atoms, which run on every document
	always    []int32 // rules with no trigger, evaluated for every document
	fields    Field   // the fields any rule searches

	pool sync.Pool // of *scratch
}

// tok is a token of a document field that holds parts of the rules, with
// their ids: parts[p0:p1] of the scratch. Tokens that hold none are not
// kept, only counted, so their positions are known.
type tok struct {
	pos        int32 // position of the word in its field
	value      int32
	start, end int32
	p0, p1     int32
}

// occurrence is where an atom matched: tokens t0..t1 (inclusive) of a
// field's value, bytes start..end of it.
type occurrence struct {
	next       int32 // the atom's previous occurrence, or -1
	atom       int32
	field      uint8
	value      int32
	t0, t1     int32
	start, end int32
}

// scratch is the per-document working memory of Match, reused through a
// pool.
type scratch struct {
	tz tokenizer
	// What tokenize is working on: the matcher, the field, its bit in
	// seen and its tokens kept so far, the value, the position of the
	// next token in the field.
	m       *Matcher
	field   uint8
	bit     uint8
	cur     []tok
	value   int32
	pos     int32
	toks    [numFields][]tok
	parts   []found
	anchors []int32 // the indexes in parts of those that anchor terms
	occs    []occurrence
	hits    []int32 // atoms that matched and may make rules candidates
	nears   []int32 // near atoms to check
	cands   []int32 // rules to evaluate
	matched []int32 // rules that matched
	ends    []int   // the end of each one's hits in the result
	result  Result  // Match's, before it is copied
	gen     uint32
	atoms   []atomState
	seen    []uint8 // part -> the fields it was seen in, and seenWanted
	// The quick atoms whose occurrences findQuick looks for, listed by
	// part: want[wantFirst[part]], then on through wantNext.
	want      []int32
	wantFirst []int32 // part -> index in want
	wantNext  []int32
	ruleGen   []uint32 // == gen when the rule is a candidate
}

// atomState is what matching a document has found out about an atom, all
// in one place, as an atom is looked at after tokenising in no order. A
// mark is valid when it equals the scratch's gen.
type atomState struct {
	gen  uint32 // marks that it matched (a quick atom: that it triggered)
	last int32  // its latest occurrence, when it matched
	want uint32 // a quick atom: marks that findQuick looks for it
	near uint32 // a near atom: marks that it is listed to check
}

func (s *scratch) reset() {
	// The parts of the document before are all that seen marks: one byte
	// each keeps seen small enough to stay in cache.
	for _, p := range s.parts {
		s.seen[p.id] = 0
	}
	s.gen++
	if s.gen == 0 { // wrapped: forget every old mark
		clear(s.atoms)
		clear(s.ruleGen)
		s.gen = 1
	}
	for i := range s.toks {
		s.toks[i] = s.toks[i][:0]
	}
	s.parts, s.anchors, s.occs, s.hits, s.nears, s.cands = s.parts[:0], s.anchors[:0], s.occs[:0], s.hits[:0], s.nears[:0], s.cands[:0]
}

// found is a part found in a token: toks[field][tok].
type found struct {
	partRef
	tok   int32
	field uint8
}

// seenWanted marks in seen the parts of the atoms findQuick looks for.
const seenWanted = 0x80

// hit reports whether atom id, which is not quick, matched.
func (s *scratch) hit(id int32) bool { return s.atoms[id].gen == s.gen }

// seenIn reports whether part p was seen in one of fields.
func (s *scratch) seenIn(p int32, fields Field) bool {
	return Field(s.seen[p])&fields != 0
}

// matched reports whether atom id matched (ruleMatches is for rules).
func (m *Matcher) matched(s *scratch, id int32) bool {
	if h := m.hot[id]; h.part >= 0 {
		return s.seenIn(h.part, h.fields)
	}
	return s.hit(id)
}

// Result holds the matches of a document. Matching into a Result again
// reuses its memory, so matching documents one after the other allocates
// nothing once it has grown; its Matches and their Hits are valid until
// then, and must be copied to be kept longer. A Result is for one
// goroutine at a time.
type Result struct {
	Matches []Match // in rule order, each with its hits
	hits    []Hit   // the hits of them all
}

// Match returns the rules that match d, in rule order, each with its hits.
// The matches are the caller's to keep; to match many documents without
// allocating, use MatchInto.
func (m *Matcher) Match(d *Document) []Match {
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	r := &s.result
	m.match(s, d, r)
	if len(r.Matches) == 0 {
		return nil
	}
	// The copy is made in two allocations: the matches, and one array for
	// the hits of them all, which lie in it one after the other.
	out := slices.Clone(r.Matches)
	all := slices.Clone(r.hits)
	start := 0
	for i := range out {
		end := start + len(out[i].Hits)
		out[i].Hits = all[start:end:end]
		start = end
	}
	return out
}

// MatchInto matches d and puts its matches into r, reusing r's memory.
func (m *Matcher) MatchInto(r *Result, d *Document) {
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	m.match(s, d, r)
}

// match matches d into res, working in s.
func (m *Matcher) match(s *scratch, d *Document, res *Result) {
	s.reset()
	res.Matches, res.hits = res.Matches[:0], res.hits[:0]
	for f := range numFields {
		if m.fields&(1<<f) == 0 {
			continue
		}
		m.tokenize(s, f, d.values(f))
	}
	m.findTerms(s)
	m.findNears(s)
	m.findRegexes(s, d)

	for _, a := range s.hits {
		for _, r := range m.trigRules[m.trigStart[a]:m.trigStart[a+1]] {
			if s.ruleGen[r] != s.gen {
				s.ruleGen[r] = s.gen
				s.cands = append(s.cands, r)
			}
		}
	}
	s.cands = append(s.cands, m.always...)
	slices.Sort(s.cands)
	matched := s.matched[:0]
	for i, r := range s.cands {
		if (i == 0 || s.cands[i-1] != r) && s.ruleMatches(m, r) {
			matched = append(matched, r)
		}
	}
	s.matched = matched
	if len(matched) == 0 {
		return
	}
	m.findQuick(s, matched)
	hits, ends := res.hits, s.ends[:0]
	for _, r := range matched {
		hits = m.explain(s, r, hits)
		ends = append(ends, len(hits))
	}
	res.hits, s.ends = hits, ends
	start := 0
	for i, r := range matched {
		res.Matches = append(res.Matches, Match{Rule: int(r), Name: m.names[r], Hits: hits[start:ends[i]:ends[i]]})
		start = ends[i]
	}
}

// findQuick finds the occurrences of the quick atoms of the matched
// rules, for explaining.
func (m *Matcher) findQuick(s *scratch, matched []int32) {
	want, next := s.want[:0], s.wantNext[:0]
	for _, r := range matched {
		for _, id := range m.positive[m.posStart[r]:m.posStart[r+1]] {
			h := m.hot[id]
			st := &s.atoms[id]
			if h.part < 0 || st.want == s.gen || !s.seenIn(h.part, h.fields) {
				continue
			}
			st.want, st.last = s.gen, -1
			if s.seen[h.part]&seenWanted == 0 {
				s.seen[h.part] |= seenWanted
				s.wantFirst[h.part] = -1
			}
			next = append(next, s.wantFirst[h.part])
			s.wantFirst[h.part] = int32(len(want))
			want = append(want, id)
		}
	}
	s.want, s.wantNext = want, next
	if len(want) == 0 {
		return
	}
	// One pass over the parts found finds them all.
	parts, seen := s.parts, s.seen
	for i := range parts {
		p := &parts[i]
		if seen[p.id]&seenWanted == 0 {
			continue
		}
		for k := s.wantFirst[p.id]; k >= 0; k = next[k] {
			id := want[k]
			if m.hot[id].fields&(1<<p.field) == 0 {
				continue
			}
			t := &s.toks[p.field][p.tok]
			s.occs = append(s.occs, occurrence{next: s.atoms[id].last, atom: id, field: p.field, value: t.value, t0: t.pos, t1: t.pos, start: t.start, end: t.end})
			s.atoms[id].last = int32(len(s.occs) - 1)
		}
	}
}

// ruleMatches reports whether rule r matches.
func (s *scratch) ruleMatches(m *Matcher, r int32) bool {
	v, _ := s.eval(m.code, m.ruleCode[r])
	return v
}

// eval evaluates the node code[i] and returns its value and the index
// after it and its children.
func (s *scratch) eval(code []instr, i int32) (bool, int32) {
	in := code[i]
	switch in.op {
	case opAtom:
		return s.hit(in.arg), i + 1
	case opPart:
		return s.seenIn(in.arg, in.fields), i + 1
	case opNot:
		v, next := s.eval(code, i+1)
		return !v, next
	}
	// And or Or: the first child with the deciding value decides.
	decides := in.op == opOr
	for j := i + 1; j < in.arg; {
		v, next := s.eval(code, j)
		if v == decides {
			return v, in.arg
		}
		j = next
	}
	return !decides, in.arg
}

// tokenize splits the values of field f into tokens and looks each one up
// in the dictionary of parts.
func (m *Matcher) tokenize(s *scratch, f int, values []string) {
	s.m, s.field, s.bit, s.pos, s.cur = m, uint8(f), 1<<f, 0, s.toks[f]
	for v, text := range values {
		s.value = int32(v)
		s.tz.run(text, s)
	}
	s.toks[f] = s.cur
}

// token looks up a token of the field and value being tokenised, and
// keeps it if it holds parts of the rules.
func (s *scratch) token(t token) {
	m := s.m
	p0 := int32(len(s.parts))
	if t.kind == kindCJK {
		m.lookupCJK(s, t.text, p0)
	} else {
		m.lookupWord(s, t.text)
	}
	if p1 := int32(len(s.parts)); p1 > p0 {
		s.cur = append(s.cur, tok{pos: s.pos, value: s.value, start: int32(t.start), end: int32(t.end), p0: p0, p1: p1})
	}
	s.pos++
}

// addPart adds a part found in the token being looked up, which is kept
// as the next of cur.
func (s *scratch) addPart(ref partRef) {
	if ref.anchors {
		s.anchors = append(s.anchors, int32(len(s.parts)))
	}
	s.parts = append(s.parts, found{partRef: ref, tok: int32(len(s.cur)), field: s.field})
	s.seen[ref.id] |= s.bit
}

// lookupWord finds the word and the prefixes that a word token is.
func (m *Matcher) lookupWord(s *scratch, text string) {
	h := uint32(fnvOffset)
	j := 0
	// The bytes that may end a prefix: each length that some prefix has
	// is looked up, if the filter lets it.
	if end := min(len(text), len(m.prefixLen)-1); end > 0 {
		// long is the filter's answer for every prefix of prefixKeyLen
		// bytes or more, which all start with the same prefixKeyLen bytes.
		long := false
		for ; j < end; j++ {
			h = (h ^ uint32(text[j])) * fnvPrime
			n := j + 1
			if n == prefixKeyLen {
				long = m.prefixFilter.has(h)
			}
			if !m.prefixLen[n] || n < len(text) && !utf8.RuneStart(text[n]) {
				continue
			}
			if n < prefixKeyLen && !m.prefixFilter.has(h) || n >= prefixKeyLen && !long {
				continue
			}
			if ref, ok := m.prefixes.get(text[:n], h); ok {
				s.addPart(ref)
			}
		}
	}
	for ; j < len(text); j++ {
		h = (h ^ uint32(text[j])) * fnvPrime
	}
	if ref, ok := m.words.get(text, h); ok {
		s.addPart(ref)
	}
}

// lookupCJK finds the CJK parts contained in a token.
func (m *Matcher) lookupCJK(s *scratch, text string, p0 int32) {
	if len(m.cjkLens) == 0 {
		return
	}
	for i := 0; i < len(text); {
		for _, l := range m.cjkLens {
			if i+l > len(text) {
				break
			}
			if i+l < len(text) && !utf8.RuneStart(text[i+l]) {
				continue
			}
			if ref, ok := m.cjk.get(text[i:i+l], hashString(text[i:i+l])); ok && !hasPart(s.parts[p0:], ref.id) {
				s.addPart(ref)
			}
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
}

func hasPart(refs []found, id int32) bool {
	for _, r := range refs {
		if r.id == id {
			return true
		}
	}
	return false
}

// findTerms finds the term atoms: each part found that anchors terms
// leads to them, whose other parts are then checked on the neighbouring
// tokens.
func (m *Matcher) findTerms(s *scratch) {
	for _, pi := range s.anchors {
		p := &s.parts[pi]
		f, i := int(p.field), int(p.tok)
		toks := s.toks[f]
		t := &toks[i]
		bit := Field(1) << f
		for _, ref := range m.anchored[m.anchorStart[p.id]:m.anchorStart[p.id+1]] {
			if ref.fields&bit == 0 {
				continue
			}
			aid := ref.atom
			if ref.quick {
				// A trigger: the rules it leads to become candidates.
				if s.atoms[aid].gen != s.gen {
					s.atoms[aid].gen = s.gen
					s.hits = append(s.hits, aid)
				}
				continue
			}
			// Every word of a phrase holds a part, so its tokens
			// are neighbours in toks too.
			first := i - int(ref.anchor)
			last := first + int(ref.n) - 1
			if first < 0 || last >= len(toks) || !s.hasParts(toks[first:last+1], m.termParts[ref.parts:ref.parts+ref.n], int(ref.anchor)) {
				continue
			}
			s.addOcc(m, occurrence{
				atom: aid, field: uint8(f), value: t.value,
				t0: toks[first].pos, t1: toks[last].pos,
				start: toks[first].start, end: toks[last].end,
			})
		}
	}
}

// hasParts reports whether toks are consecutive words of one value and
// each holds the part at the same index, skipping the anchor, which is
// known to be there.
func (s *scratch) hasParts(toks []tok, parts []int32, anchor int) bool {
	for k, pid := range parts {
		t := &toks[k]
		if t.pos != toks[0].pos+int32(k) || t.value != toks[0].value {
			return false
		}
		if k != anchor && !hasPart(s.parts[t.p0:t.p1], pid) {
			return false
		}
	}
	return true
}

// addOcc records an occurrence of an atom.
func (s *scratch) addOcc(m *Matcher, o occurrence) {
	if s.atoms[o.atom].gen != s.gen {
		s.atoms[o.atom].gen = s.gen
		s.atoms[o.atom].last = -1
		s.hits = append(s.hits, o.atom)
		if m.hot[o.atom].hasNears {
			for _, n := range m.atoms[o.atom].nears {
				if s.atoms[n].near != s.gen {
					s.atoms[n].near = s.gen
					s.nears = append(s.nears, n)
				}
			}
		}
	}
	o.next = s.atoms[o.atom].last
	s.atoms[o.atom].last = int32(len(s.occs))
	s.occs = append(s.occs, o)
}

// findNears checks the NEAR atoms whose terms matched.
func (m *Matcher) findNears(s *scratch) {
	for _, id := range s.nears {
		a := &m.atoms[id]
		if !s.hit(a.a) || !s.hit(a.b) {
			continue
		}
		for i := s.atoms[a.a].last; i >= 0; i = s.occs[i].next {
			x := s.occs[i]
			for j := s.atoms[a.b].last; j >= 0; j = s.occs[j].next {
				y := s.occs[j]
				if y.field != x.field || y.value != x.value {
					continue
				}
				var gap int32
				switch {
				case x.t1 < y.t0:
					gap = y.t0 - x.t1 - 1
				case y.t1 < x.t0:
					gap = x.t0 - y.t1 - 1
				default:
					continue // overlapping: not two separate terms
				}
				if int(gap) > a.max {
					continue
				}
				x.atom, y.atom = id, id
				s.addOcc(m, x)
				s.addOcc(m, y)
			}
		}
	}
}

// findRegexes runs the regex atoms over the plain text of their fields.
func (m *Matcher) findRegexes(s *scratch, d *Document) {
	for _, id := range m.regexes {
		a := &m.atoms[id]
		for f := range numFields {
			if a.fields&(1<<f) == 0 {
				continue
			}
			for v, text := range d.values(f) {
				for _, loc := range a.re.FindAllStringIndex(text, -1) {
					if loc[0] == loc[1] {
						continue
					}
					s.addOcc(m, occurrence{atom: id, field: uint8(f), value: int32(v), t0: -1, t1: -1, start: int32(loc[0]), end: int32(loc[1])})
				}
			}
		}
	}
}

// explain appends to buf where the positive atoms of a matched rule
// matched, in order.
func (m *Matcher) explain(s *scratch, r int32, buf []Hit) []Hit {
	start := len(buf)
	for _, id := range m.positive[m.posStart[r]:m.posStart[r+1]] {
		if !m.matched(s, id) {
			continue
		}
		// An atom's occurrences are chained from the latest found, and
		// most are found in the order of the text: reversed, they are
		// usually in order already.
		from := len(buf)
		label := m.atoms[id].label
		for i := s.atoms[id].last; i >= 0; i = s.occs[i].next {
			o := &s.occs[i]
			buf = append(buf, Hit{Term: label, Field: Field(1) << o.field, Value: int(o.value), Start: int(o.start), End: int(o.end)})
		}
		slices.Reverse(buf[from:])
	}
	hits := buf[start:]
	if !slices.IsSortedFunc(hits, compareHits) {
		slices.SortFunc(hits, compareHits)
	}
	return buf[:start+len(slices.Compact(hits))]
}

// compareHits orders hits by where they are, then by term.
func compareHits(a, b Hit) int {
	if c := cmp.Compare(a.Field, b.Field); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Value, b.Value); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Start, b.Start); c != 0 {
		return c
	}
	if c := cmp.Compare(a.End, b.End); c != 0 {
		return c
	}
	return strings.Compare(a.Term, b.Term)
}
