package rssscan

import (
	"bytes"
	"html"
	"strconv"
	"strings"
	"unicode/utf8"
)

// elementText is what gofeed makes of an element it reads as text (a
// title, a description, a guid): the element's inner markup as written,
// trimmed; then, if it holds a CDATA section, the sections' contents kept
// as they are and the text around them entity-decoded, else all of it
// entity-decoded the way an HTML parser would.
func elementText(inner []byte) string {
	s := strings.TrimSpace(string(inner))
	if strings.Contains(s, cdataOpen) {
		return withoutCDATA(s)
	}
	return unescapeHTML(s)
}

const (
	cdataOpen  = "<![CDATA["
	cdataClose = "]]>"
)

// withoutCDATA unwraps the CDATA sections of s, keeping their contents
// verbatim, and entity-decodes the text outside them. A section that is
// not closed is kept with its marker, decoded like the text around it.
func withoutCDATA(s string) string {
	var out strings.Builder
	out.Grow(len(s))
	for s != "" {
		open := strings.Index(s, cdataOpen)
		if open < 0 {
			out.WriteString(unescapeHTML(s))
			break
		}
		out.WriteString(unescapeHTML(s[:open]))
		body := s[open+len(cdataOpen):]
		end := strings.Index(body, cdataClose)
		if end < 0 {
			out.WriteString(unescapeHTML(s[open:]))
			break
		}
		out.WriteString(body[:end])
		s = body[end+len(cdataClose):]
	}
	return out.String()
}

// entityReach is how far after an '&' the ';' closing a reference may be
// for it to count as one: the longest HTML entity name with its '&' and
// ';' is 33 bytes.
const entityReach = 64

// unescapeHTML decodes the character references of s that end in ';' —
// named HTML ones and numeric ones, as an HTML parser reads them — and
// leaves every other '&' as it is, so a URL's "&copy=2" stays whole.
func unescapeHTML(s string) string {
	amp := strings.IndexByte(s, '&')
	if amp < 0 {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	for amp >= 0 {
		out.WriteString(s[:amp])
		s = s[amp:]
		ref, decoded, ok := reference(s)
		if ok {
			out.WriteString(decoded)
			s = s[len(ref):]
		} else if ref == "" {
			// No ';' anywhere after: the rest is text.
			out.WriteString(s)
			return out.String()
		} else {
			out.WriteByte('&')
			s = s[1:]
		}
		amp = strings.IndexByte(s, '&')
	}
	out.WriteString(s)
	return out.String()
}

// reference reads the character reference s starts with ('&' ... ';').
// ok says whether it is one an HTML parser decodes whole, with decoded its
// text. ref is "" when s has no ';' at all within reach and s is shorter
// than the reach, so nothing later can be a reference either.
func reference(s string) (ref, decoded string, ok bool) {
	window := s[:min(len(s), entityReach)]
	semi := strings.IndexByte(window, ';')
	if semi < 0 {
		if len(window) == len(s) {
			return "", "", false
		}
		return s[:1], "", false
	}
	ref = s[:semi+1]
	if strings.ContainsAny(ref[1:semi], " \t\r\n") {
		return ref, "", false
	}
	if r, ok := commonEntity(ref); ok {
		return ref, r, true
	}
	// The reference counts only when its ';' is part of it: an HTML
	// parser also decodes some names without one ("&copy"), and then the
	// ';' was text.
	decoded = html.UnescapeString(ref)
	if decoded == html.UnescapeString(ref[:semi])+";" {
		return ref, "", false
	}
	return ref, decoded, true
}

// commonEntity decodes, without the general HTML decoder, the references
// news feeds are full of: the five XML entities and numeric references to
// characters an HTML parser takes as they are.
func commonEntity(ref string) (string, bool) {
	for _, e := range xmlEntities {
		if ref[1:] == e.name {
			return e.text, true
		}
	}
	if len(ref) < 4 || ref[1] != '#' || ref[2] == 'x' || ref[2] == 'X' {
		return "", false
	}
	n, err := strconv.ParseUint(ref[2:len(ref)-1], 10, 32)
	if err != nil {
		return "", false
	}
	// Below 0xA0 HTML maps some numbers to other characters (&#150; is a
	// dash) and refuses others; surrogates and beyond are replaced.
	if n < 0x20 && n != '\t' && n != '\n' || n >= 0x7F && n < 0xA0 || n >= 0xD800 && n < 0xE000 || n > 0xFFFD {
		return "", false
	}
	return string(rune(n)), true
}

// xmlText decodes text as an XML parser that is not strict does: the five
// predefined entities and numeric references ending in ';' are decoded,
// every other '&' is kept, and line ends become "\n". It is what gofeed
// keeps of an extension element's text and of attribute values.
func xmlText(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '\r':
			out = append(out, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		case '&':
			if n, r, ok := xmlReference(b[i:]); ok {
				out = append(out, r...)
				i += n - 1
				continue
			}
		}
		out = append(out, c)
	}
	return string(out)
}

// xmlReference reads the XML reference b starts with: its length and text,
// or ok false when b does not start with one the parser decodes.
func xmlReference(b []byte) (n int, text string, ok bool) {
	if len(b) > 1 && b[1] == '#' {
		r, n, ok := charRef(b)
		if !ok {
			return 0, "", false
		}
		return n, string(r), true
	}
	for _, e := range xmlEntities {
		if len(b) > len(e.name) && string(b[1:1+len(e.name)]) == e.name {
			return 1 + len(e.name), e.text, true
		}
	}
	return 0, "", false
}

var xmlEntities = [...]struct{ name, text string }{
	{"lt;", "<"}, {"gt;", ">"}, {"amp;", "&"}, {"apos;", "'"}, {"quot;", `"`},
}

// charRef reads the numeric reference b starts with ("&#39;", "&#x27;"):
// the character and the reference's length. ok is false when the digits
// do not end in ';' or the number is past Unicode. A surrogate becomes
// U+FFFD, as the conversion to a string makes it.
func charRef(b []byte) (r rune, n int, ok bool) {
	j, base := 2, 10
	if j < len(b) && b[j] == 'x' {
		j, base = j+1, 16
	}
	start := j
	for j < len(b) && ('0' <= b[j] && b[j] <= '9' || base == 16 && ('a' <= b[j] && b[j] <= 'f' || 'A' <= b[j] && b[j] <= 'F')) {
		j++
	}
	if j == len(b) || b[j] != ';' {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(b[start:j]), base, 64)
	if err != nil || v > utf8.MaxRune {
		return 0, 0, false
	}
	r = rune(v)
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return r, j + 1, true
}

// xmlChar says whether r is a character XML allows in a document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}
