package rules

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
