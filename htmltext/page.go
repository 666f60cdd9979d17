package htmltext

import (
	"bytes"
	"fmt"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// DefaultMaxElements is the most elements of a page ParsePage reads when
// the limit given is zero. A news site's busiest front page has some ten
// thousand; past this a page is cut, not refused.
const DefaultMaxElements = 100_000

// Page is a parsed HTML page.
type Page struct {
	Root *html.Node
	// Cut is true when the page had more elements than the limit, and
	// only the part before the first one past it was read.
	Cut bool
}

// ParsePage reads an HTML page as a browser would, in its charset (HTTP,
// BOM or <meta>), within a bound on its elements: the document is cut
// before the maxElements-th start tag (zero means DefaultMaxElements), so
// that neither memory nor the work done on the tree grows with a hostile
// page's size. x/net/html refuses a page nested more than 512 deep.
func ParsePage(body []byte, contentType string, maxElements int) (Page, error) {
	if maxElements <= 0 {
		maxElements = DefaultMaxElements
	}
	text := body
	if enc, name, _ := charset.DetermineEncoding(body, contentType); name != "utf-8" {
		// Decoded into a buffer of about the page's size at once.
		var buf bytes.Buffer
		buf.Grow(len(body) + len(body)/4)
		if _, err := buf.ReadFrom(enc.NewDecoder().Reader(bytes.NewReader(body))); err != nil {
			return Page{}, fmt.Errorf("charset: %w", err)
		}
		text = buf.Bytes()
	} else {
		text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
	}
	var p Page
	if n := cutAt(text, maxElements); n < len(text) {
		text, p.Cut = text[:n], true
	}
	var err error
	p.Root, err = html.Parse(bytes.NewReader(text))
	if err != nil {
		return Page{}, err
	}
	return p, nil
}

// cutAt returns the offset of the max-th start tag of a document ('<' and
// a letter), or len(b) when it has fewer. It counts what looks like a tag
// inside scripts and comments too, so it may cut a little early, never
// late.
func cutAt(b []byte, max int) int {
	seen := 0
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return len(b)
		}
		i += j + 1
		if i < len(b) && (b[i]|0x20 >= 'a' && b[i]|0x20 <= 'z') {
			if seen == max {
				return i - 1
			}
			seen++
		}
	}
}
