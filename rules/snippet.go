package rules

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippet is a passage of a text around a match, for showing people why
// an item matched.
type Snippet struct {
	Text  string   // the passage, with "…" where the text was cut
	Spans [][2]int // byte ranges of the hits within Text, in order, not overlapping
}

// SnippetOf returns the passage of text around the first of hits, cut at
// word boundaries about context bytes to either side, with every hit that
// falls in it. The hits must point into text.
func SnippetOf(text string, hits []Hit, context int) Snippet {
	if len(hits) == 0 {
		end := wordEnd(text, min(2*context, len(text)))
		s := Snippet{Text: text[:end]}
		if end < len(text) {
			s.Text += "…"
		}
		return s
	}
	first := hits[0]
	for _, h := range hits {
		if h.Start < first.Start {
			first = h
		}
	}
	start := wordStart(text, max(first.Start-context, 0))
	end := wordEnd(text, min(first.End+context, len(text)))
	if end < first.End {
		end = first.End
	}
	var s Snippet
	prefix := 0
	if start > 0 {
		s.Text = "…"
		prefix = len(s.Text)
	}
	s.Text += text[start:end]
	if end < len(text) {
		s.Text += "…"
	}
	var spans [][2]int
	for _, h := range hits {
		a, b := max(h.Start, start), min(h.End, end)
		if a < b {
			spans = append(spans, [2]int{a - start + prefix, b - start + prefix})
		}
	}
	slices.SortFunc(spans, func(x, y [2]int) int { return x[0] - y[0] })
	for _, sp := range spans {
		if n := len(s.Spans); n > 0 && sp[0] <= s.Spans[n-1][1] {
			s.Spans[n-1][1] = max(s.Spans[n-1][1], sp[1])
			continue
		}
		s.Spans = append(s.Spans, sp)
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
