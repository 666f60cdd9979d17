package rules

import (
	"regexp"
	"strconv"
	"strings"
)

// Field is a set of the parts of an item a term is searched in.
type Field uint8

// The fields a query can name. A term without a field searches
// DefaultFields.
const (
	FieldTitle Field = 1 << iota
	FieldContent
	FieldAuthor
	FieldCategory
	FieldLink
	FieldSource

	DefaultFields = FieldTitle | FieldContent | FieldCategory
)

// fieldNames lists the fields in the order of their bits.
var fieldNames = [...]string{"title", "content", "author", "category", "link", "source"}

const numFields = len(fieldNames)

// String returns the field's name as written in a query, or the names of
// the fields of a set joined with "|".
func (f Field) String() string {
	var names []string
	for i, n := range fieldNames {
		if f&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, "|")
}

// Node is a node of a parsed query: *And, *Or, *Not, *Term, *Near or *Regex.
type Node interface {
	node()
}

// And matches when all of its nodes match.
type And struct{ Nodes []Node }

// Or matches when any of its nodes matches.
type Or struct{ Nodes []Node }

// Not matches when its node does not.
type Not struct{ Node Node }

// Term matches a word, a prefix, or a phrase of several parts that follow
// each other, in one of its fields.
type Term struct {
	Fields Field
	Parts  []Part
}

// Part is one normalised word of a term.
type Part struct {
	Text   string
	Prefix bool // the word starts with Text
	CJK    bool // Text is Han, kana or Hangul and is found inside words
}

// Near matches when both terms occur in the same field with at most Max
// words between them, in either order.
type Near struct {
	A, B *Term
	Max  int
}

// Regex matches a case-insensitive RE2 expression against the plain text of
// its fields.
type Regex struct {
	Fields  Field
	Pattern string
	re      *regexp.Regexp
}

func (*And) node()   {}
func (*Or) node()    {}
func (*Not) node()   {}
func (*Term) node()  {}
func (*Near) node()  {}
func (*Regex) node() {}

// DefaultNear is the distance of NEAR written without one; MaxNear is the
// largest distance a query may ask for.
const (
	DefaultNear = 10
	MaxNear     = 1000
)

// Query is a parsed keyword query. Its zero value is not useful; make one
// with Parse. A Query is immutable and safe for concurrent use.
type Query struct {
	Root Node
}

// String returns the query in canonical form: normalised words, explicit
// operators and fields, minimal parentheses. Parsing the canonical form
// gives the same tree.
func (q *Query) String() string {
	var b strings.Builder
	writeNode(&b, q.Root)
	return b.String()
}

func writeNode(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Or:
		for i, c := range n.Nodes {
			if i > 0 {
				b.WriteString(" OR ")
			}
			writeGrouped(b, c, false)
		}
	case *And:
		for i, c := range n.Nodes {
			if i > 0 {
				b.WriteString(" AND ")
			}
			writeGrouped(b, c, false)
		}
	case *Not:
		b.WriteString("NOT ")
		writeGrouped(b, n.Node, true)
	case *Near:
		writeTerm(b, n.A)
		b.WriteString(" NEAR/")
		b.WriteString(strconv.Itoa(n.Max))
		b.WriteByte(' ')
		writeTerm(b, n.B)
	case *Term:
		writeTerm(b, n)
	case *Regex:
		writeField(b, n.Fields)
		b.WriteByte('/')
		for i := 0; i < len(n.Pattern); i++ {
			switch c := n.Pattern[i]; c {
			case '\\':
				b.WriteByte(c)
				if i+1 < len(n.Pattern) {
					i++
					b.WriteByte(n.Pattern[i])
				}
			case '/':
				b.WriteString(`\/`)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('/')
	}
}

// writeGrouped writes n in parentheses where it would otherwise bind
// differently, or, inside a negation, where it is not a single term.
func writeGrouped(b *strings.Builder, n Node, negated bool) {
	group := false
	switch n.(type) {
	case *Or, *And:
		group = true
	case *Near:
		group = negated
	}
	if group {
		b.WriteByte('(')
	}
	writeNode(b, n)
	if group {
		b.WriteByte(')')
	}
}

func writeField(b *strings.Builder, f Field) {
	if f != DefaultFields {
		b.WriteString(f.String())
		b.WriteByte(':')
	}
}

func writeTerm(b *strings.Builder, t *Term) {
	writeField(b, t.Fields)
	if len(t.Parts) > 1 {
		b.WriteByte('"')
	}
	for i, p := range t.Parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Text)
		if p.Prefix {
			b.WriteByte('*')
		}
	}
	if len(t.Parts) > 1 {
		b.WriteByte('"')
	}
}

// String returns the term as written in canonical form.
func (t *Term) String() string {
	var b strings.Builder
	writeTerm(&b, t)
	return b.String()
}

// String returns the NEAR expression in canonical form.
func (n *Near) String() string {
	var b strings.Builder
	writeNode(&b, n)
	return b.String()
}

// String returns the regex as written in canonical form.
func (r *Regex) String() string {
	var b strings.Builder
	writeNode(&b, r)
	return b.String()
}
