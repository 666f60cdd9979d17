package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
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

// mark returns text with the spans of hits highlighted, after the style
// base that the rest of the text has.
func (h highlighter) mark(text string, hits []rules.Hit, offset int, base string) string {
	if !h.on {
		return text
	}
	spans := make([][2]int, 0, len(hits))
	for _, hit := range hits {
		s, e := hit.Start-offset, hit.End-offset
		if e <= 0 || s >= len(text) {
			continue
		}
		spans = append(spans, [2]int{max(s, 0), min(e, len(text))})
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	b.WriteString(base)
	at := 0
	for _, sp := range spans {
		if sp[1] <= at {
			continue
		}
		s := max(sp[0], at)
		b.WriteString(text[at:s])
		b.WriteString(ansiHighlight + text[s:sp[1]] + ansiReset + base)
		at = sp[1]
	}
	b.WriteString(text[at:])
	b.WriteString(ansiReset)
	return b.String()
}

func (h highlighter) title(text string, hits []rules.Hit) string {
	return h.mark(text, hits, 0, ansiBold)
}

// snippetContext is how many bytes of text a snippet shows on each side
// of the first match.
const snippetContext = 80

// snippet returns the part of text around the first hit, cut at word
// boundaries, with the hits highlighted.
func (h highlighter) snippet(text string, hits []rules.Hit) string {
	first := hits[0]
	for _, hit := range hits {
		if hit.Start < first.Start {
			first = hit
		}
	}
	start := wordStart(text, max(first.Start-snippetContext, 0))
	end := wordEnd(text, min(first.End+snippetContext, len(text)))
	s := h.mark(text[start:end], hits, start, "")
	if start > 0 {
		s = "…" + s
	}
	if end < len(text) {
		s += "…"
	}
	return s
}

// wordStart moves i forward to the start of a word, unless it is at the
// start of the text.
func wordStart(text string, i int) int {
	if i == 0 {
		return 0
	}
	for i < len(text) && !utf8.RuneStart(text[i]) {
		i++
	}
	if j := strings.IndexFunc(text[i:], unicode.IsSpace); j >= 0 && j < 20 {
		return i + j + 1
	}
	return i
}

// wordEnd moves i back to the end of a word, unless it is at the end of
// the text.
func wordEnd(text string, i int) int {
	if i >= len(text) {
		return len(text)
	}
	for i > 0 && !utf8.RuneStart(text[i]) {
		i--
	}
	if j := strings.LastIndexFunc(text[:i], unicode.IsSpace); j >= 0 && i-j < 20 {
		return j
	}
	return i
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
