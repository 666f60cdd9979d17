package rssscan

import (
	"bytes"
	"fmt"
)

// A Declined error says why Parse left a document to gofeed, and where.
type Declined struct {
	Offset int
	Reason string
}

func (d *Declined) Error() string {
	return fmt.Sprintf("rssscan: byte %d: %s", d.Offset, d.Reason)
}

// scanner walks a document's bytes. Anything it does not read exactly as
// encoding/xml (not strict, as gofeed sets it) and gofeed would, it
// declines by panicking with a *Declined, which Parse recovers.
type scanner struct {
	b     []byte
	pos   int
	attrs []attr   // the attributes of the last start tag read
	open  [][]byte // names of the elements open inside one being skipped
	ns    []binding
}

// A tag is a start tag just read; its attributes are the scanner's until
// the next start tag.
type tag struct {
	prefix, local []byte
	attrs         []attr
	empty         bool // <x/>
}

type attr struct {
	prefix, local []byte
	raw           []byte // the value as written, between its quotes
}

// binding is a namespace prefix declared on an element being read.
type binding struct {
	prefix, uri string
}

func (s *scanner) decline(format string, args ...any) {
	panic(&Declined{Offset: s.pos, Reason: fmt.Sprintf(format, args...)})
}

// byteAt returns b[i], declining at the end of the document.
func (s *scanner) byteAt(i int) byte {
	if i >= len(s.b) {
		s.decline("unexpected end of document")
	}
	return s.b[i]
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// nameByte is what encoding/xml takes as part of a name, within ASCII.
var nameByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'], t['.'], t['-'], t[':'] = true, true, true, true
	return t
}()

// name reads a name at pos: its prefix (nil without one) and local part.
func (s *scanner) name() (prefix, local []byte) {
	start := s.pos
	colon := -1
	for s.pos < len(s.b) && nameByte[s.b[s.pos]] {
		if s.b[s.pos] == ':' {
			if colon >= 0 {
				s.decline("a name with two colons")
			}
			colon = s.pos
		}
		s.pos++
	}
	if s.pos < len(s.b) && s.b[s.pos] >= 0x80 {
		s.decline("a name that is not ASCII")
	}
	if s.pos == start {
		s.decline("a '<' not starting a tag")
	}
	if c := s.b[start]; c < 'A' || c > 'Z' && c < 'a' && c != '_' || c > 'z' {
		s.decline("a name starting with %q", c)
	}
	if colon < 0 {
		return nil, s.b[start:s.pos]
	}
	if colon == start || colon == s.pos-1 {
		s.decline("a name that begins or ends with a colon")
	}
	return s.b[start:colon], s.b[colon+1 : s.pos]
}

// startTag reads the start tag at pos ('<' and a name).
func (s *scanner) startTag() tag {
	s.pos++
	var t tag
	t.prefix, t.local = s.name()
	s.attrs = s.attrs[:0]
	for {
		s.skipSpace()
		switch s.byteAt(s.pos) {
		case '/':
			if s.byteAt(s.pos+1) != '>' {
				s.decline("a '/' in a tag not before '>'")
			}
			s.pos += 2
			t.empty = true
			t.attrs = s.attrs
			return t
		case '>':
			s.pos++
			t.attrs = s.attrs
			return t
		}
		var a attr
		a.prefix, a.local = s.name()
		s.skipSpace()
		if s.byteAt(s.pos) != '=' {
			s.decline("an attribute without a value")
		}
		s.pos++
		s.skipSpace()
		q := s.byteAt(s.pos)
		if q != '"' && q != '\'' {
			s.decline("an attribute value without quotes")
		}
		s.pos++
		end := bytes.IndexByte(s.b[s.pos:], q)
		if end < 0 {
			s.decline("an attribute value not closed")
		}
		a.raw = s.b[s.pos : s.pos+end]
		if bytes.IndexByte(a.raw, '<') >= 0 {
			s.decline("a '<' in an attribute value")
		}
		s.pos += end + 1
		s.attrs = append(s.attrs, a)
	}
}

// endTag reads the end tag at pos ("</") and returns its name as written.
func (s *scanner) endTag() []byte {
	s.pos += 2
	start := s.pos
	s.name()
	name := s.b[start:s.pos]
	s.skipSpace()
	if s.byteAt(s.pos) != '>' {
		s.decline("an end tag not closed by '>'")
	}
	s.pos++
	return name
}

// text checks the character data between pos and the next '<', moves to
// that '<' and returns the data.
func (s *scanner) text() []byte {
	end := bytes.IndexByte(s.b[s.pos:], '<')
	if end < 0 {
		s.decline("unexpected end of document")
	}
	t := s.b[s.pos : s.pos+end]
	if bytes.IndexByte(t, ']') >= 0 && bytes.Contains(t, []byte(cdataClose)) {
		s.decline("]]> outside a CDATA section")
	}
	s.pos += end
	return t
}

// special reads the "<!" construct at pos: a comment (returned as nil) or
// a CDATA section (its contents returned). Anything else is declined.
func (s *scanner) special() (cdata []byte, isCDATA bool) {
	rest := s.b[s.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		// The first "--" must close the comment.
		dash := bytes.Index(rest[4:], []byte("--"))
		if dash < 0 || 4+dash+2 >= len(rest) || rest[4+dash+2] != '>' {
			s.decline("a comment holding -- or not closed")
		}
		s.pos += 4 + dash + 3
		return nil, false
	case bytes.HasPrefix(rest, []byte(cdataOpen)):
		end := bytes.Index(rest[len(cdataOpen):], []byte(cdataClose))
		if end < 0 {
			s.decline("a CDATA section not closed")
		}
		s.pos += len(cdataOpen) + end + len(cdataClose)
		return rest[len(cdataOpen) : len(cdataOpen)+end], true
	}
	s.decline("a declaration (<!...>)")
	return nil, false
}

// content reads what is inside the element whose start tag t was just
// read, through its end tag, and returns it as written. Elements inside
// must nest and close properly.
func (s *scanner) content(t tag) []byte {
	if t.empty {
		return nil
	}
	start := s.pos
	s.open = append(s.open[:0], qname(t.prefix, t.local))
	for {
		s.text()
		markup := s.pos
		switch s.byteAt(s.pos + 1) {
		case '/':
			name := s.endTag()
			last := len(s.open) - 1
			if !bytes.Equal(name, s.open[last]) {
				s.decline("<%s> closed by </%s>", s.open[last], name)
			}
			s.open = s.open[:last]
			if last == 0 {
				return s.b[start:markup]
			}
		case '!':
			s.special()
		case '?':
			s.decline("a processing instruction inside an element")
		default:
			inner := s.startTag()
			if !inner.empty {
				s.open = append(s.open, qname(inner.prefix, inner.local))
			}
		}
	}
}

// qname is the name prefix:local as written, a slice of the document.
func qname(prefix, local []byte) []byte {
	if prefix == nil {
		return local
	}
	// prefix and local are adjacent slices of the same bytes.
	return prefix[:len(prefix)+1+len(local)]
}

// nextChild moves to the next child element of the element named parent
// and returns its start tag, skipping text and comments; at the parent's
// end tag it consumes it and returns false.
func (s *scanner) nextChild(parent []byte) (tag, bool) {
	for {
		s.text()
		switch s.byteAt(s.pos + 1) {
		case '/':
			if name := s.endTag(); !bytes.Equal(name, parent) {
				s.decline("<%s> closed by </%s>", parent, name)
			}
			return tag{}, false
		case '!':
			s.special()
		case '?':
			s.decline("a processing instruction inside an element")
		default:
			return s.startTag(), true
		}
	}
}

// skip reads past the element whose start tag t was just read.
func (s *scanner) skip(t tag) { s.content(t) }
