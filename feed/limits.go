package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// What is kept of an item, whatever its source sends: a feed of six
// items linking to 18 MB articles must not add hundreds of megabytes to
// the database, nor to every render of the feeds that carry it.
const (
	MaxTitle    = 2 << 10   // bytes of a title
	MaxID       = 1 << 10   // bytes of an id; a longer one is replaced by its hash
	MaxLink     = 8 << 10   // bytes of a link; a longer one is dropped
	MaxSummary  = 64 << 10  // bytes of a summary's HTML
	MaxContent  = 256 << 10 // bytes of a content's HTML
	MaxText     = 256 << 10 // bytes of the plain text rules match
	MaxNames    = 32        // authors, and categories
	MaxName     = 256       // bytes of an author's or a category's name
	FutureSlack = time.Hour
)

// Bound cuts an item to what is kept of it (see the limits above): text is
// cut at a paragraph or a word, HTML after a tag, names at a character.
// Dates more than FutureSlack after now are taken for wrong and the item
// is dated now, as one without a date is: a date in the year 9999 must
// not sort first in every feed, nor move the window of stories.
func Bound(it *Item, now time.Time) {
	BoundText(it)
	if late := now.Add(FutureSlack); it.Published.After(late) {
		it.Published = now
	}
	if late := now.Add(FutureSlack); it.Updated.After(late) {
		it.Updated = now
	}
}

// BoundText is Bound without the dates: the cuts of text, HTML and names,
// and control characters out of them all (a title's ESC ] 52 would write
// to the clipboard of the terminal that shows it).
func BoundText(it *Item) {
	for _, s := range []*string{&it.ID, &it.Title, &it.Link, &it.Summary, &it.Content, &it.Text} {
		*s = StripControl(*s)
	}
	for _, names := range [][]string{it.Authors, it.Categories} {
		for i := range names {
			names[i] = StripControl(names[i])
		}
	}
	if len(it.ID) > MaxID {
		sum := sha256.Sum256([]byte(it.ID))
		it.ID = "sha256:" + hex.EncodeToString(sum[:])
	}
	if len(it.Link) > MaxLink {
		it.Link = ""
	}
	it.Title = cutText(it.Title, MaxTitle)
	it.Summary = cutHTML(it.Summary, MaxSummary)
	it.Content = cutHTML(it.Content, MaxContent)
	it.Text = cutText(it.Text, MaxText)
	it.Authors = cutNames(it.Authors)
	it.Categories = cutNames(it.Categories)
}

// cutRunes cuts s to at most n bytes, at a character's start.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cutText cuts plain text to at most n bytes: at the last paragraph break
// in its second half, else at the last space, else at a character.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = cutRunes(s, n)
	if i := strings.LastIndex(s, "\n\n"); i > n/2 {
		return s[:i]
	}
	if i := strings.LastIndexAny(s, " \n"); i > n/2 {
		return s[:i]
	}
	return s
}

// cutHTML cuts HTML to at most n bytes, after the last tag that ends in
// it (a closing paragraph's, if there is one in its second half): what
// reads it closes the elements left open.
func cutHTML(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = cutRunes(s, n)
	if i := strings.LastIndex(s, "</p>"); i > n/2 {
		return s[:i+len("</p>")]
	}
	if i := strings.LastIndexByte(s, '>'); i > 0 && strings.LastIndexByte(s, '<') < i {
		return s[:i+1]
	}
	if i := strings.LastIndexByte(s, '<'); i > 0 {
		return s[:i] // not inside a tag
	}
	return s
}

func cutNames(names []string) []string {
	if len(names) > MaxNames {
		names = names[:MaxNames]
	}
	for i, s := range names {
		names[i] = cutRunes(s, MaxName)
	}
	return names
}

// StripControl removes the control characters of s but for tabs and line
// feeds: C0 (escape, carriage return, backspace...), DEL and C1.
func StripControl(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = !(c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f)
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f {
			return -1
		}
		return r
	}, s)
}
