package feed

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBound(t *testing.T) {
	now := time.Date(2026, 9, 10, 4, 0, 0, 0, time.UTC)
	para := "<p>" + strings.Repeat("김정은 위원장이 블라디보스토크에 도착했다. ", 40) + "</p>"
	it := Item{
		ID:         strings.Repeat("i", 5000),
		Title:      strings.Repeat("Summit ", 1000),
		Link:       "https://news.example/" + strings.Repeat("a", 10<<10),
		Summary:    strings.Repeat(para, 100),
		Content:    strings.Repeat(para, 1000) + `<a href="https://x.example/`,
		Text:       strings.Repeat("A paragraph of the article, of some length.\n\n", 10000),
		Authors:    []string{strings.Repeat("Kim ", 100)},
		Categories: make([]string, 100),
		Published:  time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		Updated:    now.Add(5 * time.Minute),
	}
	Bound(&it, now)
	if !strings.HasPrefix(it.ID, "sha256:") || it.Link != "" {
		t.Errorf("id %q, link %q: want a hash and no link", it.ID[:10], it.Link)
	}
	for name, f := range map[string]struct {
		s   string
		max int
	}{"title": {it.Title, MaxTitle}, "summary": {it.Summary, MaxSummary}, "content": {it.Content, MaxContent}, "text": {it.Text, MaxText}, "author": {it.Authors[0], MaxName}} {
		if len(f.s) > f.max || len(f.s) < f.max/2 || !utf8.ValidString(f.s) {
			t.Errorf("%s: %d bytes (valid UTF-8: %v), want at most %d and more than half", name, len(f.s), utf8.ValidString(f.s), f.max)
		}
	}
	if !strings.HasSuffix(it.Content, "</p>") || !strings.HasSuffix(it.Summary, "</p>") || !strings.HasSuffix(it.Text, ".") || strings.HasSuffix(it.Title, " ") {
		t.Errorf("cut where it should not be: content …%q, text …%q, title …%q", it.Content[len(it.Content)-8:], it.Text[len(it.Text)-8:], it.Title[len(it.Title)-8:])
	}
	if len(it.Categories) != MaxNames {
		t.Errorf("%d categories, want %d", len(it.Categories), MaxNames)
	}
	if !it.Published.Equal(now) || !it.Updated.Equal(now.Add(5*time.Minute)) {
		t.Errorf("published %v, updated %v: want now, and the date 5 minutes ahead kept", it.Published, it.Updated)
	}
	small := Item{ID: "a", Title: "Kim", Content: "<p>x</p>", Published: now}
	want := small
	Bound(&small, now)
	if small.ID != want.ID || small.Title != want.Title || small.Content != want.Content || !small.Published.Equal(want.Published) {
		t.Errorf("an item within the limits changed: %+v", small)
	}
}

func TestStripControl(t *testing.T) {
	for in, want := range map[string]string{
		"Kim\x1b]52;c;cm0=\x07 Putin":      "Kim]52;c;cm0= Putin",
		"a\r\nb\tc\u0085d\u009be\x7ff 김정은": "a\nb\tcdef 김정은",
		"plain, with é and 푸틴":             "plain, with é and 푸틴",
	} {
		if got := StripControl(in); got != want {
			t.Errorf("StripControl(%q) = %q, want %q", in, got, want)
		}
	}
	it := Item{Title: "Summit\x1b[2J", Authors: []string{"Kim\x1b"}, Text: "x\x1by"}
	BoundText(&it)
	if it.Title != "Summit[2J" || it.Authors[0] != "Kim" || it.Text != "xy" {
		t.Errorf("bounded item %+v still has control characters", it)
	}
}
