// Package htmltext turns the HTML of feed titles, summaries and contents
// into the plain text that people read and rules match: tags stripped,
// entities decoded, whitespace collapsed, Unicode in NFC.
package htmltext

import (
	"strings"
	"unicode"

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
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not shown
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return collapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
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
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden(a) && skip > 0 {
				skip--
				continue
			}
			if breaks(a) {
				b.WriteByte(' ')
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
// single spaces, trims the ends and puts the text in NFC.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}
