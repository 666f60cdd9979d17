package rules

import (
	"regexp"
	"slices"
	"unicode/utf8"
)

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

	nears []int32 // near atoms that use this term atom
}

// anchorRef is an entry of the list of terms anchored on a part, with what
// the first checks need so they do not have to read the atom.
type anchorRef struct {
	atom int32
	// A term that is not quick: its parts are termParts[parts:parts+n],
	// the anchor the one at index anchor.
	parts, n, anchor int32
	fields           Field
	// quick is set for a quick term (see Matcher.quick), which is listed
	// only when it may make some rule a candidate.
	quick bool
}

// atomHot is what matching reads of an atom after tokenising, apart from
// the rest so that looking at an atom touches one small entry.
type atomHot struct {
	part     int32 // a quick term: its part; otherwise -1
	fields   Field
	hasNears bool // a term that near atoms use
}

type exprOp uint8

const (
	opAtom exprOp = iota
	opAnd
	opOr
	opNot
	opPart // instr only: a quick term, true when its part was seen in one of its fields
)

// expr is a rule's expression while the rule is compiled.
type expr struct {
	op   exprOp
	atom int32
	kids []expr
}

// instr is a node of a rule's expression as matching evaluates it: the
// nodes of all rules lie in one array, each followed by its children, so
// evaluating a rule reads a few neighbouring bytes.
type instr struct {
	op     exprOp
	fields Field // opPart: the term's fields
	// opAtom: the atom; opPart: the part; opAnd and opOr: the index
	// after the node's children.
	arg int32
}

// NewMatcher compiles rules into a Matcher.
func NewMatcher(rules []Rule) *Matcher {
	b := &builder{
		m:        &Matcher{},
		atomIDs:  map[string]int32{},
		words:    map[string]int32{},
		prefixes: map[string]int32{},
		cjk:      map[string]int32{},
	}
	m := b.m
	m.names = make([]string, len(rules))
	m.ruleCode = make([]int32, len(rules))
	m.posStart = make([]int32, len(rules)+1)
	exprs := make([]expr, len(rules))
	for i, r := range rules {
		m.names[i] = r.Name
		exprs[i] = b.compile(r.Query.Root)
	}
	b.chooseAnchors()
	triggers := make([][]int32, len(m.atoms)) // atom -> rules it may make match
	for i := range exprs {
		e := &exprs[i]
		seen := map[int32]bool{}
		b.collectPositive(e, false, seen, &m.positive)
		m.posStart[i+1] = int32(len(m.positive))
		trig, ok := b.triggers(e, false)
		if ok {
			for _, a := range trig {
				triggers[a] = append(triggers[a], int32(i))
			}
		} else {
			m.always = append(m.always, int32(i))
		}
		m.ruleCode[i] = int32(len(m.code))
		m.emit(e)
	}
	b.listAnchored(triggers)
	all := make([]string, len(b.partTexts))
	for i, p := range b.partTexts {
		all[i] = p.Text
	}
	texts := newPartTexts(all)
	m.words = newPartTable(b.words, texts, m.anchorStart)
	m.prefixes = newPartTable(b.prefixes, texts, m.anchorStart)
	m.cjk = newPartTable(b.cjk, texts, m.anchorStart)
	if lens := lengths(b.prefixes); len(lens) > 0 {
		m.prefixLen = make([]bool, lens[len(lens)-1]+1)
		for _, n := range lens {
			m.prefixLen[n] = true
		}
	}
	m.cjkLens = lengths(b.cjk)
	for p := range b.prefixes {
		m.prefixFilter.add(p)
	}
	m.hot = make([]atomHot, len(m.atoms))
	for id := range m.atoms {
		a := &m.atoms[id]
		m.hot[id] = atomHot{part: -1, fields: a.fields, hasNears: len(a.nears) > 0}
		if m.quick(int32(id)) {
			m.hot[id].part = a.parts[0]
		}
		if a.kind == atomRegex {
			m.regexes = append(m.regexes, int32(id))
		}
		m.fields |= a.fields
	}
	m.trigStart = make([]int32, len(m.atoms)+1)
	for id, rs := range triggers {
		m.trigRules = append(m.trigRules, slices.Compact(rs)...)
		m.trigStart[id+1] = int32(len(m.trigRules))
	}
	m.pool.New = func() any {
		return &scratch{
			atoms:     make([]atomState, len(m.atoms)),
			seen:      make([]uint8, len(texts.off)-1),
			wantFirst: make([]int32, len(texts.off)-1),
			ruleGen:   make([]uint32, len(m.names)),
		}
	}
	return m
}

// emit appends the instrs of e to code. A quick term becomes an opPart,
// which reads whether its part was seen instead of the atom's state.
func (m *Matcher) emit(e *expr) {
	i := len(m.code)
	m.code = append(m.code, instr{op: e.op})
	switch {
	case e.op == opAtom && m.quick(e.atom):
		a := &m.atoms[e.atom]
		m.code[i] = instr{op: opPart, fields: a.fields, arg: a.parts[0]}
	case e.op == opAtom:
		m.code[i].arg = e.atom
	}
	for k := range e.kids {
		m.emit(&e.kids[k])
	}
	if e.op == opAnd || e.op == opOr {
		m.code[i].arg = int32(len(m.code))
	}
}

// chooseAnchors picks, for each term, the part looked up first: the one
// fewest terms use, which is likely the rarest in text too (many rules
// say "summit", few name a minister), then the longest, and a whole word
// before a prefix.
func (b *builder) chooseAnchors() {
	b.uses = make([]int, len(b.partTexts))
	for _, a := range b.m.atoms {
		for _, p := range a.parts {
			b.uses[p]++
		}
	}
	for id := range b.m.atoms {
		a := &b.m.atoms[id]
		if a.kind != atomTerm {
			continue
		}
		for i, pid := range a.parts {
			if b.anchorLess(pid, a.parts[a.anchor], b.uses) {
				a.anchor = i
			}
		}
	}
}

// listAnchored lists the terms anchored on each part that a document's
// tokens must lead to: every term but the quick ones that make no rule a
// candidate, whose hits the parts seen tell.
func (b *builder) listAnchored(triggers [][]int32) {
	lists := make([][]anchorRef, len(b.partTexts))
	for id := range b.m.atoms {
		a := &b.m.atoms[id]
		if a.kind != atomTerm {
			continue
		}
		quick := b.m.quick(int32(id))
		if quick && len(triggers[id]) == 0 {
			continue
		}
		ref := anchorRef{atom: int32(id), fields: a.fields, quick: quick}
		if !quick {
			ref.parts, ref.n, ref.anchor = int32(len(b.m.termParts)), int32(len(a.parts)), int32(a.anchor)
			b.m.termParts = append(b.m.termParts, a.parts...)
		}
		pid := a.parts[a.anchor]
		lists[pid] = append(lists[pid], ref)
	}
	b.m.anchorStart = make([]int32, len(lists)+1)
	for p, l := range lists {
		b.m.anchored = append(b.m.anchored, l...)
		b.m.anchorStart[p+1] = int32(len(b.m.anchored))
	}
}

// anchorLess reports whether part x makes a better anchor than part y.
func (b *builder) anchorLess(x, y int32, uses []int) bool {
	px, py := b.partTexts[x], b.partTexts[y]
	if px.Prefix != py.Prefix {
		return !px.Prefix
	}
	if uses[x] != uses[y] {
		return uses[x] < uses[y]
	}
	return len(px.Text) > len(py.Text)
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
	uses      []int            // part id -> number of terms using it

	words, prefixes, cjk map[string]int32 // part text -> part id
}

func (b *builder) partID(p Part) int32 {
	dict := b.words
	switch {
	case p.CJK:
		dict = b.cjk
	case p.Prefix:
		dict = b.prefixes
	}
	id, ok := dict[p.Text]
	if !ok {
		id = int32(len(b.partTexts))
		dict[p.Text] = id
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
	for i, p := range t.Parts {
		a.parts[i] = b.partID(p)
	}
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
	pid := a.parts[a.anchor]
	p := b.partTexts[pid]
	cost *= float64(b.uses[pid]) / float64(utf8.RuneCountInString(p.Text)+1)
	if p.Prefix {
		cost *= 4
	}
	return cost
}

// quick reports whether atom id is a single-part term used in no NEAR.
// Whether it matched is whether its part was seen in one of its fields;
// its positions are looked up again only when a rule using it matches.
func (m *Matcher) quick(id int32) bool {
	a := &m.atoms[id]
	return a.kind == atomTerm && len(a.parts) == 1 && len(a.nears) == 0
}

// Len returns the number of rules.
func (m *Matcher) Len() int { return len(m.names) }
