package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/feedhound/feedhound/rules"
)

// ANSI escapes for terminal output.
const (
	ansiBold      = "\x1b[1m"
	ansiHighlight = "\x1b[1;33m"
	ansiReset     = "\x1b[0m"
)

// highlighter marks matched text on a terminal; when off it prints text
// as it is.
type highlighter struct {
	on bool
}

// mark returns text with spans highlighted, after the style base that
// the rest of the text has.
func (h highlighter) mark(text string, spans [][2]int, base string) string {
	if !h.on {
		return text
	}
	var b strings.Builder
	b.WriteString(base)
	at := 0
	for _, sp := range spans {
		b.WriteString(text[at:sp[0]])
		b.WriteString(ansiHighlight + text[sp[0]:sp[1]] + ansiReset + base)
		at = sp[1]
	}
	b.WriteString(text[at:])
	b.WriteString(ansiReset)
	return b.String()
}

// title returns an item's title with its hits highlighted.
func (h highlighter) title(text string, hits []rules.Hit) string {
	return h.mark(text, rules.SnippetOf(text, hits, len(text)).Spans, ansiBold)
}

// snippetContext is how many bytes of text a snippet shows on each side
// of the first match.
const snippetContext = 80

// snippet returns the part of text around the first hit with the hits
// highlighted.
func (h highlighter) snippet(text string, hits []rules.Hit) string {
	s := rules.SnippetOf(text, hits, snippetContext)
	return h.mark(s.Text, s.Spans, "")
}

// progress shows, on a terminal, how many sources have been read, when
// there are enough of them for the wait to be noticed.
type progress struct {
	w          io.Writer
	done, all  int
	active     bool
	shownWidth int
}

func newProgress(w io.Writer, all int) *progress {
	return &progress{w: w, all: all, active: all >= 3 && isTerminal(w)}
}

func (p *progress) step() {
	p.done++
	if !p.active || p.done >= p.all {
		return
	}
	msg := fmt.Sprintf("read %d of %d sources…", p.done, p.all)
	p.shownWidth = utf8.RuneCountInString(msg)
	fmt.Fprint(p.w, "\r"+msg)
}

func (p *progress) clear() {
	if p.shownWidth > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.shownWidth)+"\r")
		p.shownWidth = 0
	}
}
