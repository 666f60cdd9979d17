package rules

import (
	"cmp"
	"regexp"
	"slices"
	"sync"
	"unicode/utf8"
)

// Document is the text of one item as the matcher sees it. Every string is
// plain text: HTML is stripped and entities decoded before an item gets
// here. Each author and each category is a value of its own, and a match
// never spans two values or two fields.
type Document struct {
	Title      string
	Content    string // summary and body
	Authors    []string
	Categories []string
	Link       string
	Source     string
}

// values returns the values of one field of d.
func (d *Document) values(f int) []string {
	switch Field(1) << f {
	case FieldTitle:
		return []string{d.Title}
	case FieldContent:
		return []string{d.Content}
	case FieldAuthor:
		return d.Authors
	case FieldCategory:
		return d.Categories
	case FieldLink:
		return []string{d.Link}
	case FieldSource:
		return []string{d.Source}
	}
	return nil
}

// Value returns the text a Hit points into.
func (d *Document) Value(f Field, i int) string {
	for b := range numFields {
		if f == 1<<b {
			if vs := d.values(b); i >= 0 && i < len(vs) {
				return vs[i]
			}
		}
	}
	return ""
}

// Rule is a named query.
type Rule struct {
	Name  string
	Query *Query
}

// Match is a rule that matched a document, with the terms that matched.
type Match struct {
	Rule int // index of the rule in the slice given to NewMatcher
	Name string
	Hits []Hit
}

// Hit is one occurrence of a query term in a document: bytes Start to End
// of value Value of Field.
type Hit struct {
	Term       string // the term in canonical form
	Field      Field
	Value      int
	Start, End int
}

// Matcher matches documents against many rules at once. Every rule is
// compiled into one index, and a document is tokenised once, so the cost of
// matching grows with the document's length and its matches, not with the
// number of rules. A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	rules []compiledRule

	// The dictionary of parts, each with an id.
	words      map[string]int32
	prefixes   map[string]int32
	prefixLens []int // byte lengths of the prefixes, ascending
	cjk        map[string]int32
	cjkLens    []int     // byte lengths of the CJK parts, ascending
	anchored   [][]int32 // part id -> term atoms anchored on it

	atoms   []atom
	regexes []int32 // ids of the regex atoms, which run on every document
	always  []int32 // rules with no trigger, evaluated for every document
	fields  Field   // the fields any rule searches

	pool sync.Pool // of *scratch
}

type atomKind uint8

const (
	atomTerm atomKind = iota
	atomNear
	atomRegex
)

// atom is a leaf of the queries: a term, a NEAR pair or a regex, shared by
// every rule that uses it.
type atom struct {
	kind   atomKind
	label  string // canonical form
	fields Field
	parts  []int32 // term: part ids
	anchor int     // term: the part looked up first
	a, b   int32   // near: the two term atoms
	max    int     // near: the distance
	re     *regexp.Regexp

	triggers []int32 // rules that may match when this atom does
	nears    []int32 // near atoms that use this term atom
}

type exprOp uint8

const (
	opAtom exprOp = iota
	opAnd
	opOr
	opNot
)

type expr struct {
	op   exprOp
	atom int32
	kids []expr
}

type compiledRule struct {
	name     string
	expr     expr
	positive []int32 // atoms in non-negated positions, for explaining
}

// NewMatcher compiles rules into a Matcher.
func NewMatcher(rules []Rule) *Matcher {
	b := &builder{
		m: &Matcher{
			words:    map[string]int32{},
			prefixes: map[string]int32{},
			cjk:      map[string]int32{},
		},
		atomIDs: map[string]int32{},
	}
	m := b.m
	m.rules = make([]compiledRule, len(rules))
	for i, r := range rules {
		cr := compiledRule{name: r.Name}
		cr.expr = b.compile(r.Query.Root)
		seen := map[int32]bool{}
		b.collectPositive(&cr.expr, false, seen, &cr.positive)
		trig, ok := b.triggers(&cr.expr, false)
		if ok {
			for _, a := range trig {
				m.atoms[a].triggers = append(m.atoms[a].triggers, int32(i))
			}
		} else {
			m.always = append(m.always, int32(i))
		}
		m.rules[i] = cr
	}
	m.prefixLens = lengths(m.prefixes)
	m.cjkLens = lengths(m.cjk)
	for id := range m.atoms {
		a := &m.atoms[id]
		a.triggers = slices.Compact(a.triggers)
		if a.kind == atomRegex {
			m.regexes = append(m.regexes, int32(id))
		}
		m.fields |= a.fields
	}
	m.pool.New = func() any {
		return &scratch{
			atomGen: make([]uint32, len(m.atoms)),
			nearGen: make([]uint32, len(m.atoms)),
			ruleGen: make([]uint32, len(m.rules)),
		}
	}
	return m
}

func lengths(m map[string]int32) []int {
	var ls []int
	for k := range m {
		ls = append(ls, len(k))
	}
	slices.Sort(ls)
	return slices.Compact(ls)
}

// builder holds what compiling needs and matching does not.
type builder struct {
	m         *Matcher
	atomIDs   map[string]int32 // canonical form -> atom id
	partTexts []Part           // part id -> the part
}

func (b *builder) partID(p Part) int32 {
	dict := b.m.words
	switch {
	case p.CJK:
		dict = b.m.cjk
	case p.Prefix:
		dict = b.m.prefixes
	}
	id, ok := dict[p.Text]
	if !ok {
		id = int32(len(b.m.anchored))
		dict[p.Text] = id
		b.m.anchored = append(b.m.anchored, nil)
		b.partTexts = append(b.partTexts, p)
	}
	return id
}

// addAtom returns the id of the atom with a's label, adding a if it is new.
func (b *builder) addAtom(a atom) (int32, bool) {
	if id, ok := b.atomIDs[a.label]; ok {
		return id, false
	}
	id := int32(len(b.m.atoms))
	b.atomIDs[a.label] = id
	b.m.atoms = append(b.m.atoms, a)
	return id, true
}

func (b *builder) termAtom(t *Term) int32 {
	id, added := b.addAtom(atom{kind: atomTerm, label: t.String(), fields: t.Fields})
	if !added {
		return id
	}
	a := &b.m.atoms[id]
	a.parts = make([]int32, len(t.Parts))
	best := -1
	for i, p := range t.Parts {
		a.parts[i] = b.partID(p)
		// Anchor on the part least likely to be common: a whole word
		// before a prefix, a long word before a short one.
		score := len(p.Text)
		if p.Prefix {
			score -= 100
		}
		if score > best {
			best, a.anchor = score, i
		}
	}
	pid := a.parts[a.anchor]
	b.m.anchored[pid] = append(b.m.anchored[pid], id)
	return id
}

func (b *builder) compile(n Node) expr {
	switch n := n.(type) {
	case *And:
		return expr{op: opAnd, kids: b.compileAll(n.Nodes)}
	case *Or:
		return expr{op: opOr, kids: b.compileAll(n.Nodes)}
	case *Not:
		return expr{op: opNot, kids: []expr{b.compile(n.Node)}}
	case *Term:
		return expr{op: opAtom, atom: b.termAtom(n)}
	case *Near:
		ta, tb := b.termAtom(n.A), b.termAtom(n.B)
		id, added := b.addAtom(atom{kind: atomNear, label: n.String(), fields: n.A.Fields, a: ta, b: tb, max: n.Max})
		if added {
			b.m.atoms[ta].nears = append(b.m.atoms[ta].nears, id)
			if tb != ta {
				b.m.atoms[tb].nears = append(b.m.atoms[tb].nears, id)
			}
		}
		return expr{op: opAtom, atom: id}
	case *Regex:
		id, _ := b.addAtom(atom{kind: atomRegex, label: n.String(), fields: n.Fields, re: n.re})
		return expr{op: opAtom, atom: id}
	}
	panic("rules: unknown node type")
}

func (b *builder) compileAll(ns []Node) []expr {
	es := make([]expr, len(ns))
	for i, n := range ns {
		es[i] = b.compile(n)
	}
	return es
}

func (b *builder) collectPositive(e *expr, negated bool, seen map[int32]bool, out *[]int32) {
	switch e.op {
	case opAtom:
		if !negated && !seen[e.atom] {
			seen[e.atom] = true
			*out = append(*out, e.atom)
		}
	case opNot:
		b.collectPositive(&e.kids[0], !negated, seen, out)
	default:
		for i := range e.kids {
			b.collectPositive(&e.kids[i], negated, seen, out)
		}
	}
}

// triggers returns atoms of which at least one matches whenever e is true
// (false when negated), choosing the cheapest such set; ok is false when
// there is none.
func (b *builder) triggers(e *expr, negated bool) (set []int32, ok bool) {
	op := e.op
	if negated {
		switch op {
		case opAnd:
			op = opOr
		case opOr:
			op = opAnd
		}
	}
	switch op {
	case opAtom:
		if negated {
			return nil, false
		}
		return []int32{e.atom}, true
	case opNot:
		return b.triggers(&e.kids[0], !negated)
	case opOr:
		// Any child may be the one that is true: all of them must trigger.
		for i := range e.kids {
			s, ok := b.triggers(&e.kids[i], negated)
			if !ok {
				return nil, false
			}
			set = append(set, s...)
		}
		return set, true
	default: // opAnd: every child is true, so one child's set will do.
		best := -1.0
		for i := range e.kids {
			s, ok := b.triggers(&e.kids[i], negated)
			if !ok {
				continue
			}
			if c := b.cost(s); best < 0 || c < best {
				set, best = s, c
			}
		}
		return set, best >= 0
	}
}

// cost estimates how often a set of atoms matches: short words and
// prefixes are common, long words and NEAR pairs rare.
func (b *builder) cost(set []int32) float64 {
	total := 0.0
	for _, id := range set {
		total += b.atomCost(id)
	}
	return total
}

func (b *builder) atomCost(id int32) float64 {
	a := &b.m.atoms[id]
	switch a.kind {
	case atomNear:
		return min(b.atomCost(a.a), b.atomCost(a.b)) / 4
	case atomRegex:
		return 5
	}
	cost := 100.0
	for range a.parts {
		cost /= 4
	}
	p := b.partTexts[a.parts[a.anchor]]
	cost /= float64(utf8.RuneCountInString(p.Text) + 1)
	if p.Prefix {
		cost *= 4
	}
	return cost
}

// Len returns the number of rules.
func (m *Matcher) Len() int { return len(m.rules) }

// tok is a token of a document field, with the ids of the parts found in
// it: parts[p0:p1] of the scratch.
type tok struct {
	value      int32
	start, end int32
	p0, p1     int32
}

// occurrence is where an atom matched: tokens t0..t1 (inclusive) of a
// field's value, bytes start..end of it.
type occurrence struct {
	atom       int32
	field      uint8
	value      int32
	t0, t1     int32
	start, end int32
}

// scratch is the per-document working memory of Match, reused through a
// pool.
type scratch struct {
	tz      tokenizer
	toks    [numFields][]tok
	parts   []int32
	occs    []occurrence
	hits    []int32 // atoms that matched, in order
	nears   []int32 // near atoms to check
	cands   []int32 // rules to evaluate
	gen     uint32
	atomGen []uint32 // == gen when the atom matched
	nearGen []uint32
	ruleGen []uint32 // == gen when the rule is a candidate
}

func (s *scratch) reset() {
	s.gen++
	if s.gen == 0 { // wrapped: forget every old mark
		clear(s.atomGen)
		clear(s.ruleGen)
		clear(s.nearGen)
		s.gen = 1
	}
	for i := range s.toks {
		s.toks[i] = s.toks[i][:0]
	}
	s.parts, s.occs, s.hits, s.nears, s.cands = s.parts[:0], s.occs[:0], s.hits[:0], s.nears[:0], s.cands[:0]
}

func (s *scratch) hit(id int32) bool { return s.atomGen[id] == s.gen }

// Match returns the rules that match d, in rule order, each with its hits.
func (m *Matcher) Match(d *Document) []Match {
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	s.reset()
	for f := range numFields {
		if m.fields&(1<<f) == 0 {
			continue
		}
		m.tokenize(s, f, d.values(f))
	}
	for f := range numFields {
		m.findTerms(s, f)
	}
	m.findNears(s)
	m.findRegexes(s, d)

	for _, a := range s.hits {
		for _, r := range m.atoms[a].triggers {
			if s.ruleGen[r] != s.gen {
				s.ruleGen[r] = s.gen
				s.cands = append(s.cands, r)
			}
		}
	}
	s.cands = append(s.cands, m.always...)
	slices.Sort(s.cands)
	var out []Match
	for i, r := range s.cands {
		if i > 0 && s.cands[i-1] == r {
			continue
		}
		cr := &m.rules[r]
		if !s.eval(&cr.expr) {
			continue
		}
		out = append(out, Match{Rule: int(r), Name: cr.name, Hits: m.explain(s, cr)})
	}
	return out
}

func (s *scratch) eval(e *expr) bool {
	switch e.op {
	case opAtom:
		return s.hit(e.atom)
	case opNot:
		return !s.eval(&e.kids[0])
	case opAnd:
		for i := range e.kids {
			if !s.eval(&e.kids[i]) {
				return false
			}
		}
		return true
	default:
		for i := range e.kids {
			if s.eval(&e.kids[i]) {
				return true
			}
		}
		return false
	}
}

// tokenize splits the values of field f into tokens and looks each one up
// in the dictionary of parts.
func (m *Matcher) tokenize(s *scratch, f int, values []string) {
	for v, text := range values {
		s.tz.each(text, func(t token) {
			p0 := int32(len(s.parts))
			if t.kind == kindCJK {
				m.lookupCJK(s, t.text, p0)
			} else {
				if id, ok := m.words[t.text]; ok {
					s.parts = append(s.parts, id)
				}
				for _, l := range m.prefixLens {
					if l > len(t.text) {
						break
					}
					if l < len(t.text) && !utf8.RuneStart(t.text[l]) {
						continue
					}
					if id, ok := m.prefixes[t.text[:l]]; ok {
						s.parts = append(s.parts, id)
					}
				}
			}
			s.toks[f] = append(s.toks[f], tok{value: int32(v), start: int32(t.start), end: int32(t.end), p0: p0, p1: int32(len(s.parts))})
		})
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
			if id, ok := m.cjk[text[i:i+l]]; ok && !slices.Contains(s.parts[p0:], id) {
				s.parts = append(s.parts, id)
			}
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
}

// findTerms finds the term atoms in field f: each token's parts lead to
// the terms anchored on them, whose other parts are then checked on the
// neighbouring tokens.
func (m *Matcher) findTerms(s *scratch, f int) {
	toks := s.toks[f]
	bit := Field(1) << f
	for i := range toks {
		t := &toks[i]
		for _, pid := range s.parts[t.p0:t.p1] {
			for _, aid := range m.anchored[pid] {
				a := &m.atoms[aid]
				if a.fields&bit == 0 {
					continue
				}
				first := i - a.anchor
				last := first + len(a.parts) - 1
				if first < 0 || last >= len(toks) || toks[first].value != t.value || toks[last].value != t.value {
					continue
				}
				if !s.hasParts(toks[first:last+1], a.parts, a.anchor) {
					continue
				}
				s.occs = append(s.occs, occurrence{
					atom: aid, field: uint8(f), value: t.value,
					t0: int32(first), t1: int32(last),
					start: toks[first].start, end: toks[last].end,
				})
				s.mark(m, aid)
			}
		}
	}
}

// hasParts reports whether each token holds the part at the same index,
// skipping the anchor, which is known to be there.
func (s *scratch) hasParts(toks []tok, parts []int32, anchor int) bool {
	for k, pid := range parts {
		if k == anchor {
			continue
		}
		if !slices.Contains(s.parts[toks[k].p0:toks[k].p1], pid) {
			return false
		}
	}
	return true
}

// mark records that atom id matched.
func (s *scratch) mark(m *Matcher, id int32) {
	if s.atomGen[id] == s.gen {
		return
	}
	s.atomGen[id] = s.gen
	s.hits = append(s.hits, id)
	for _, n := range m.atoms[id].nears {
		if s.nearGen[n] != s.gen {
			s.nearGen[n] = s.gen
			s.nears = append(s.nears, n)
		}
	}
}

// findNears checks the NEAR atoms whose terms matched.
func (m *Matcher) findNears(s *scratch) {
	for _, id := range s.nears {
		a := &m.atoms[id]
		if !s.hit(a.a) || !s.hit(a.b) {
			continue
		}
		n := len(s.occs)
		for i := range n {
			x := s.occs[i]
			if x.atom != a.a {
				continue
			}
			for j := range n {
				y := s.occs[j]
				if y.atom != a.b || y.field != x.field || y.value != x.value || Field(1)<<x.field&a.fields == 0 {
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
				s.occs = append(s.occs,
					occurrence{atom: id, field: x.field, value: x.value, t0: x.t0, t1: x.t1, start: x.start, end: x.end},
					occurrence{atom: id, field: y.field, value: y.value, t0: y.t0, t1: y.t1, start: y.start, end: y.end})
				s.mark(m, id)
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
					s.occs = append(s.occs, occurrence{atom: id, field: uint8(f), value: int32(v), t0: -1, t1: -1, start: int32(loc[0]), end: int32(loc[1])})
					s.mark(m, id)
				}
			}
		}
	}
}

// explain lists where the positive atoms of a matched rule matched.
func (m *Matcher) explain(s *scratch, cr *compiledRule) []Hit {
	var hits []Hit
	for _, id := range cr.positive {
		if !s.hit(id) {
			continue
		}
		for _, o := range s.occs {
			if o.atom == id {
				hits = append(hits, Hit{Term: m.atoms[id].label, Field: Field(1) << o.field, Value: int(o.value), Start: int(o.start), End: int(o.end)})
			}
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(a.Field, b.Field), cmp.Compare(a.Value, b.Value), cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End), cmp.Compare(a.Term, b.Term))
	})
	return slices.Compact(hits)
}
