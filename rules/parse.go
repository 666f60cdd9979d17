package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedhound/feedhound/internal/suggest"
)

// Error is a problem with a query. Column counts runes from 1; zero means
// the problem concerns the query as a whole.
type Error struct {
	Column int
	Msg    string
}

func (e *Error) Error() string {
	if e.Column == 0 {
		return e.Msg
	}
	return fmt.Sprintf("column %d: %s", e.Column, e.Msg)
}

type tokType uint8

const (
	tEOF tokType = iota
	tWord
	tPhrase
	tRegex
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tMinus
	tNear
	tField
)

type qtoken struct {
	typ   tokType
	text  string // word, phrase contents, regex pattern, operator or field name
	col   int
	near  int   // distance, for tNear
	field Field // for tField
}

// lexer splits a query into tokens.
type lexer struct {
	src string
	pos int // byte offset
	// The column of the byte offset colPos, so that columns are counted
	// once over the query rather than from its start for every token.
	colPos, colAt int
}

func (lx *lexer) col(pos int) int {
	if pos < lx.colPos {
		return utf8.RuneCountInString(lx.src[:pos]) + 1
	}
	lx.colAt += utf8.RuneCountInString(lx.src[lx.colPos:pos])
	lx.colPos = pos
	return lx.colAt + 1
}

func (lx *lexer) errAt(pos int, format string, args ...any) *Error {
	return &Error{Column: lx.col(pos), Msg: fmt.Sprintf(format, args...)}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// endsWord reports whether the byte at pos ends a bare word.
func (lx *lexer) endsWord(pos int) bool {
	if pos >= len(lx.src) {
		return true
	}
	switch c := lx.src[pos]; c {
	case '(', ')', '"':
		return true
	default:
		return isSpace(c)
	}
}

func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) {
		if c := lx.src[lx.pos]; isSpace(c) {
			lx.pos++
			continue
		}
		r, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
		if r < utf8.RuneSelf || !unicode.IsSpace(r) {
			return
		}
		lx.pos += size
	}
}

// next returns the next token. A minus starts a negation when it begins a
// token and a term follows it directly; inside a word it is a word break.
func (lx *lexer) next() (qtoken, error) {
	lx.skipSpace()
	start := lx.pos
	col := lx.col(start)
	if start >= len(lx.src) {
		return qtoken{typ: tEOF, col: col}, nil
	}
	switch c := lx.src[start]; c {
	case '(':
		lx.pos++
		return qtoken{typ: tLParen, col: col, text: "("}, nil
	case ')':
		lx.pos++
		return qtoken{typ: tRParen, col: col, text: ")"}, nil
	case '"':
		end := strings.IndexByte(lx.src[start+1:], '"')
		if end < 0 {
			return qtoken{}, lx.errAt(start, "unbalanced quote: the phrase is not closed")
		}
		lx.pos = start + 1 + end + 1
		return qtoken{typ: tPhrase, col: col, text: lx.src[start+1 : start+1+end]}, nil
	case '/':
		var pat strings.Builder
		for i := start + 1; i < len(lx.src); i++ {
			switch lx.src[i] {
			case '\\':
				if i+1 < len(lx.src) && lx.src[i+1] == '/' {
					pat.WriteByte('/')
					i++
					continue
				}
				pat.WriteByte('\\')
				if i+1 < len(lx.src) {
					i++
					pat.WriteByte(lx.src[i])
				}
			case '/':
				lx.pos = i + 1
				return qtoken{typ: tRegex, col: col, text: pat.String()}, nil
			default:
				pat.WriteByte(lx.src[i])
			}
		}
		return qtoken{}, lx.errAt(start, "unterminated regex: no closing /")
	case '-':
		if next := start + 1; next < len(lx.src) && !isSpace(lx.src[next]) && lx.src[next] != ')' {
			lx.pos++
			return qtoken{typ: tMinus, col: col, text: "-"}, nil
		}
	}
	end := start
	for !lx.endsWord(end) {
		end++
	}
	word := lx.src[start:end]
	lx.pos = end
	switch word {
	case "AND":
		return qtoken{typ: tAnd, col: col, text: word}, nil
	case "OR":
		return qtoken{typ: tOr, col: col, text: word}, nil
	case "NOT":
		return qtoken{typ: tNot, col: col, text: word}, nil
	case "NEAR":
		return qtoken{typ: tNear, col: col, text: word, near: DefaultNear}, nil
	}
	if rest, ok := strings.CutPrefix(word, "NEAR/"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > MaxNear {
			return qtoken{}, lx.errAt(start, "NEAR/ takes a number of words from 0 to %d, as in NEAR/5", MaxNear)
		}
		return qtoken{typ: tNear, col: col, text: word, near: n}, nil
	}
	if i := strings.IndexByte(word, ':'); i > 0 && isFieldName(word[:i]) && !strings.HasPrefix(word[i+1:], "//") {
		name := strings.ToLower(word[:i])
		f, ok := lookupField(name)
		if !ok {
			return qtoken{}, lx.errAt(start, "unknown field %q%s", word[:i], suggestField(name))
		}
		lx.pos = start + i + 1
		if lx.pos >= len(lx.src) || isSpace(lx.src[lx.pos]) || lx.src[lx.pos] == ')' {
			return qtoken{}, lx.errAt(start, "field %s: needs a term right after the colon", name)
		}
		return qtoken{typ: tField, col: col, text: name, field: f}, nil
	}
	return qtoken{typ: tWord, col: col, text: word}, nil
}

func isFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func lookupField(name string) (Field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// suggestField returns a hint naming the field closest to name.
func suggestField(name string) string {
	if best, ok := suggest.Nearest(name, fieldNames[:]); ok {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (fields are " + strings.Join(fieldNames[:], ", ") + ")"
}

// parser is a recursive-descent parser over the lexer's tokens with one
// token of lookahead.
type parser struct {
	lx    lexer
	tok   qtoken
	depth int // of groups and negations around the current token
}

// Limits on a query, so that no query costs much to parse or to match:
// its length in bytes, and how deeply groups and negations may nest.
const (
	MaxQueryBytes = 8 << 10
	MaxDepth      = 32
)

// enter notes one more level of nesting at a token, refusing too many.
func (p *parser) enter(t qtoken) error {
	if p.depth++; p.depth > MaxDepth {
		return p.errf(t.col, "%s nested more than %d deep; simplify the query", t.text, MaxDepth)
	}
	return nil
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errf(col int, format string, args ...any) *Error {
	return &Error{Column: col, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses a keyword query. A query that cannot be parsed, or that
// would match items containing none of its terms, gives an *Error naming
// the column of the problem.
func Parse(src string) (*Query, error) {
	if len(src) > MaxQueryBytes {
		return nil, &Error{Column: utf8.RuneCountInString(src[:MaxQueryBytes]) + 1, Msg: fmt.Sprintf("query longer than %d bytes (%d); split it into several rules", MaxQueryBytes, len(src))}
	}
	p := &parser{lx: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.typ == tEOF {
		return nil, &Error{Msg: "empty query"}
	}
	root, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	switch p.tok.typ {
	case tEOF:
	case tRParen:
		return nil, p.errf(p.tok.col, "unbalanced parenthesis: no ( for this )")
	default:
		return nil, p.errf(p.tok.col, "unexpected %s", p.tok.text)
	}
	if !hasPositive(root, false) {
		return nil, &Error{Column: 1, Msg: "query has only negated terms, so it would match everything; add a term to look for"}
	}
	if eval(root, func(Node) bool { return false }) {
		return nil, &Error{Column: 1, Msg: "query would match items that contain none of its terms; an OR with a negated term matches almost everything"}
	}
	return &Query{Root: root}, nil
}

// startsOperand reports whether the current token can begin an operand of
// AND.
func (p *parser) startsOperand() bool {
	switch p.tok.typ {
	case tWord, tPhrase, tRegex, tLParen, tNot, tMinus, tField:
		return true
	}
	return false
}

// parseOr parses OR-separated AND expressions. fields is the field the
// enclosing group is restricted to, or zero.
func (p *parser) parseOr(fields Field) (Node, error) {
	first, err := p.parseAnd(fields)
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for p.tok.typ == tOr {
		op := p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.startsOperand() {
			return nil, p.errf(op.col, "OR needs a term on each side")
		}
		n, err := p.parseAnd(fields)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return flatten(nodes, func(n Node) ([]Node, bool) {
		o, ok := n.(*Or)
		if ok {
			return o.Nodes, true
		}
		return nil, false
	}, func(ns []Node) Node { return &Or{Nodes: ns} }), nil
}

func (p *parser) parseAnd(fields Field) (Node, error) {
	if !p.startsOperand() {
		return nil, p.operandError()
	}
	first, err := p.parseUnary(fields)
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for {
		if p.tok.typ == tAnd {
			op := p.tok
			if err := p.advance(); err != nil {
				return nil, err
			}
			if !p.startsOperand() {
				return nil, p.errf(op.col, "AND needs a term on each side")
			}
		} else if !p.startsOperand() {
			break
		}
		n, err := p.parseUnary(fields)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return flatten(nodes, func(n Node) ([]Node, bool) {
		a, ok := n.(*And)
		if ok {
			return a.Nodes, true
		}
		return nil, false
	}, func(ns []Node) Node { return &And{Nodes: ns} }), nil
}

// operandError explains why the current token cannot start an operand.
func (p *parser) operandError() error {
	switch p.tok.typ {
	case tEOF:
		return p.errf(p.tok.col, "query ends where a term was expected")
	case tRParen:
		return p.errf(p.tok.col, "unbalanced parenthesis: no ( for this )")
	case tAnd, tOr, tNear:
		return p.errf(p.tok.col, "%s needs a term on each side", p.tok.text)
	}
	return p.errf(p.tok.col, "unexpected %s", p.tok.text)
}

func flatten(nodes []Node, children func(Node) ([]Node, bool), build func([]Node) Node) Node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	var flat []Node
	for _, n := range nodes {
		if cs, ok := children(n); ok {
			flat = append(flat, cs...)
		} else {
			flat = append(flat, n)
		}
	}
	return build(flat)
}

func (p *parser) parseUnary(fields Field) (Node, error) {
	if p.tok.typ == tNot || p.tok.typ == tMinus {
		op := p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.startsOperand() {
			return nil, p.errf(op.col, "%s needs a term after it", op.text)
		}
		if err := p.enter(op); err != nil {
			return nil, err
		}
		n, err := p.parseUnary(fields)
		if err != nil {
			return nil, err
		}
		p.depth--
		return &Not{Node: n}, nil
	}
	return p.parseNear(fields)
}

func (p *parser) parseNear(fields Field) (Node, error) {
	startCol := p.tok.col
	a, err := p.parsePrimary(fields)
	if err != nil {
		return nil, err
	}
	if p.tok.typ != tNear {
		return a, nil
	}
	op := p.tok
	ta, ok := a.(*Term)
	if !ok {
		return nil, p.errf(startCol, "NEAR needs a word, phrase or prefix on each side, not a group or regex")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if !p.startsOperand() {
		return nil, p.errf(op.col, "NEAR needs a term on each side")
	}
	bCol := p.tok.col
	b, err := p.parsePrimary(fields)
	if err != nil {
		return nil, err
	}
	tb, ok := b.(*Term)
	if !ok {
		return nil, p.errf(bCol, "NEAR needs a word, phrase or prefix on each side, not a group or regex")
	}
	if p.tok.typ == tNear {
		return nil, p.errf(p.tok.col, "NEAR joins exactly two terms; join several NEAR pairs with AND")
	}
	common := ta.Fields & tb.Fields
	if common == 0 {
		return nil, p.errf(op.col, "NEAR terms are in different fields (%s, %s); a match never spans two fields", ta.Fields, tb.Fields)
	}
	ta.Fields, tb.Fields = common, common
	return &Near{A: ta, B: tb, Max: op.near}, nil
}

func (p *parser) parsePrimary(fields Field) (Node, error) {
	t := p.tok
	effective := fields
	if effective == 0 {
		effective = DefaultFields
	}
	switch t.typ {
	case tField:
		if fields != 0 && fields != t.field {
			return nil, p.errf(t.col, "field %s: inside a group restricted to %s:", t.text, fields)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.typ == tNot || p.tok.typ == tMinus {
			return nil, p.errf(p.tok.col, "put the negation before the field, as in -%s:word", t.text)
		}
		return p.parsePrimary(t.field)
	case tLParen:
		if err := p.enter(t); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.typ == tRParen {
			return nil, p.errf(t.col, "empty parentheses")
		}
		if p.tok.typ == tEOF {
			return nil, p.errf(t.col, "unbalanced parenthesis: this ( is not closed")
		}
		n, err := p.parseOr(fields)
		if err != nil {
			return nil, err
		}
		if p.tok.typ != tRParen {
			return nil, p.errf(t.col, "unbalanced parenthesis: this ( is not closed")
		}
		p.depth--
		if err := p.advance(); err != nil {
			return nil, err
		}
		return n, nil
	case tWord, tPhrase:
		parts, err := parseParts(t)
		if err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &Term{Fields: effective, Parts: parts}, nil
	case tRegex:
		if t.text == "" {
			return nil, p.errf(t.col, "empty regex")
		}
		re, err := regexp.Compile("(?i)" + t.text)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
			return nil, p.errf(t.col, "invalid regex: %s", msg)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &Regex{Fields: effective, Pattern: t.text, re: re}, nil
	}
	return nil, p.operandError()
}

// parseParts normalises a bare word or the text of a phrase into the parts
// of a term.
func parseParts(t qtoken) ([]Part, error) {
	if t.typ == tPhrase && strings.TrimSpace(t.text) == "" {
		return nil, &Error{Column: t.col, Msg: "empty phrase"}
	}
	var parts []Part
	var tz tokenizer
	offset := 0
	if t.typ == tPhrase {
		offset = 1 // the opening quote
	}
	text := t.text
	for len(text) > 0 {
		// Each space-separated chunk may end in a * that makes its last
		// word a prefix.
		i := strings.IndexFunc(text, unicode.IsSpace)
		chunk := text
		if i >= 0 {
			chunk = text[:i]
		}
		chunkCol := t.col + offset + utf8.RuneCountInString(t.text[:len(t.text)-len(text)])
		prefix := strings.HasSuffix(chunk, "*")
		body := strings.TrimSuffix(chunk, "*")
		if j := strings.IndexByte(body, '*'); j >= 0 {
			return nil, &Error{Column: chunkCol + utf8.RuneCountInString(body[:j]), Msg: "* may only end a word, as in denuclear*"}
		}
		n := len(parts)
		tz.each(body, func(tk token) {
			parts = append(parts, Part{Text: strings.Clone(tk.text), CJK: tk.kind == kindCJK})
		})
		if prefix {
			if len(parts) == n {
				return nil, &Error{Column: chunkCol, Msg: "* needs a word before it"}
			}
			last := &parts[len(parts)-1]
			last.Prefix = !last.CJK
		}
		if i < 0 {
			break
		}
		text = strings.TrimLeftFunc(text[i:], unicode.IsSpace)
	}
	if len(parts) == 0 {
		return nil, &Error{Column: t.col, Msg: fmt.Sprintf("%q has no letters or digits to match", t.text)}
	}
	return parts, nil
}

// hasPositive reports whether n contains a term that is not negated.
func hasPositive(n Node, negated bool) bool {
	switch n := n.(type) {
	case *And:
		for _, c := range n.Nodes {
			if hasPositive(c, negated) {
				return true
			}
		}
		return false
	case *Or:
		for _, c := range n.Nodes {
			if hasPositive(c, negated) {
				return true
			}
		}
		return false
	case *Not:
		return hasPositive(n.Node, !negated)
	default:
		return !negated
	}
}

// eval evaluates n with leaf results from hit.
func eval(n Node, hit func(Node) bool) bool {
	switch n := n.(type) {
	case *And:
		for _, c := range n.Nodes {
			if !eval(c, hit) {
				return false
			}
		}
		return true
	case *Or:
		for _, c := range n.Nodes {
			if eval(c, hit) {
				return true
			}
		}
		return false
	case *Not:
		return !eval(n.Node, hit)
	default:
		return hit(n)
	}
}
