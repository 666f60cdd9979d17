// Package htmltext turns the HTML of feed titles, summaries and contents
// into the plain text that people read and rules match: tags stripped,
// entities decoded, whitespace collapsed, Unicode in NFC.
package htmltext

import (
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// FromHTML returns the plain text of an HTML fragment. Text inside
// script, style and similar elements is dropped; block elements and line
// breaks separate words. Malformed HTML is read as a browser would.
func FromHTML(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	var c collapser
	c.b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not shown
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return c.String()
		case html.TextToken:
			if skip == 0 {
				t := z.Text() // valid until the next token; write copies it
				c.write(unsafe.String(unsafe.SliceData(t), len(t)))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden(a) {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if breaks(a) {
				c.space = true
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden(a) && skip > 0 {
				skip--
				continue
			}
			if breaks(a) {
				c.space = true
			}
		}
	}
}

// hidden reports whether the element's text is never shown.
func hidden(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object, atom.Svg, atom.Math, atom.Head, atom.Title:
		return true
	}
	return false
}

// breaks reports whether the element separates the words around it.
func breaks(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre,
		atom.Table, atom.Tr, atom.Td, atom.Th, atom.Hr, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Aside, atom.Figure, atom.Figcaption, atom.Img:
		return true
	}
	return false
}

// collapse folds runs of white space, including no-break spaces, into
// single spaces, trims the ends and puts the text in NFC. Text that is
// already so is returned as it is.
func collapse(s string) string {
	if collapsedASCII(s) {
		return s
	}
	var c collapser
	c.b.Grow(len(s))
	c.write(s)
	return c.String()
}

// collapsedASCII reports whether s is ASCII with single spaces between
// words and none at the ends: what collapse would return unchanged.
func collapsedASCII(s string) bool {
	prev := byte(' ')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || asciiSpace[c] && (c != ' ' || prev == ' ') {
			return false
		}
		prev = c
	}
	return prev != ' ' || s == ""
}

// asciiSpace marks the ASCII bytes unicode.IsSpace reports as space.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// collapser gathers text, folding white space as it goes: a run of space
// between words becomes one space, and space at the ends none.
type collapser struct {
	b        strings.Builder
	space    bool // a space is due before the next word
	nonASCII bool // some rune was not ASCII, so NFC may change the text
}

func (c *collapser) write(s string) {
	for i := 0; i < len(s); {
		ch := s[i]
		if ch < utf8.RuneSelf {
			if asciiSpace[ch] {
				c.space = true
				i++
				continue
			}
			// A word of ASCII is copied whole.
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && !asciiSpace[s[j]] {
				j++
			}
			c.separate()
			c.b.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' {
			c.space = true
			continue
		}
		c.separate()
		c.nonASCII = true
		c.b.WriteRune(r)
	}
}

// separate writes the space due before a word, unless it would lead.
func (c *collapser) separate() {
	if c.space && c.b.Len() > 0 {
		c.b.WriteByte(' ')
	}
	c.space = false
}

// String returns the text gathered, in NFC.
func (c *collapser) String() string {
	if !c.nonASCII {
		return c.b.String()
	}
	return norm.NFC.String(c.b.String())
}
