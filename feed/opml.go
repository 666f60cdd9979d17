package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// Limits of an OPML document read by ParseOPML: a reader's export of a
// few thousand feeds is far below them.
const (
	MaxOPMLBytes    = 4 << 20
	maxOPMLOutlines = 20_000
	maxOPMLDepth    = 32
)

// Outline is a feed of an OPML subscription list, as readers export them
// (Miniflux, FreshRSS, Feedly, Inoreader, NetNewsWire).
type Outline struct {
	Title    string // its title, or its text
	URL      string // the feed's address (xmlUrl)
	Site     string // the site's address (htmlUrl), if given
	Category string // the titles of the outlines it is in, joined by " / "
}

// ParseOPML reads the feeds of an OPML document, in document order: the
// outlines with an xmlUrl, each with the category it is filed in. A
// document that is not OPML, that is larger than MaxOPMLBytes, nests
// deeper than 32 or holds more than 20,000 outlines, or that uses entities
// of a DTD, is refused with an error naming its line.
func ParseOPML(data []byte) ([]Outline, error) {
	if len(data) > MaxOPMLBytes {
		return nil, fmt.Errorf("opml: larger than %s", byteSize(MaxOPMLBytes))
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true                          // an undefined entity is an error, never expanded
	d.CharsetReader = charset.NewReaderLabel // exports in EUC-KR, Shift_JIS, windows-1252...
	var out []Outline
	var path []string // the titles of the open outlines
	root, outlines := false, 0
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("opml: %s", oneLine(err.Error()))
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(t, []byte("ENTITY")) {
				return nil, fmt.Errorf("opml: line %d: entity declarations are not read", line())
			}
		case xml.StartElement:
			if !root {
				if t.Name.Local != "opml" {
					return nil, fmt.Errorf("opml: line %d: not an OPML document (its root is <%s>)", line(), t.Name.Local)
				}
				root = true
				continue
			}
			if t.Name.Local != "outline" {
				continue
			}
			if outlines++; outlines > maxOPMLOutlines {
				return nil, fmt.Errorf("opml: more than %d outlines", maxOPMLOutlines)
			}
			if len(path) >= maxOPMLDepth {
				return nil, fmt.Errorf("opml: line %d: outlines nested deeper than %d", line(), maxOPMLDepth)
			}
			o := Outline{Title: attrOf(t, "title"), URL: strings.TrimSpace(attrOf(t, "xmlUrl")), Site: strings.TrimSpace(attrOf(t, "htmlUrl"))}
			if o.Title == "" {
				o.Title = attrOf(t, "text")
			}
			o.Title = strings.Join(strings.Fields(o.Title), " ")
			if o.URL != "" {
				o.Category = strings.Join(nonBlank(path), " / ")
				out = append(out, o)
			}
			path = append(path, o.Title)
		case xml.EndElement:
			if t.Name.Local == "outline" && len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	if !root {
		return nil, errors.New("opml: not an OPML document (no <opml> element)")
	}
	return out, nil
}

// attrOf is an element's attribute, matched without regard to case:
// exports write xmlUrl, xmlURL and xmlurl.
func attrOf(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func nonBlank(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
