package destination

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Truncate cuts s to at most max characters, ending with "…" when it cuts:
// for text shown where room is short (alerts, names made of queries,
// terminal lines).
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// urlish matches text that a reader would take for an address: a scheme,
// "www.", or a dotted name ending in letters, as in bank.example/login.
var urlish = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://|\bwww\.|\b[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(/|\b)`)

// linkText is the text to show for a link: the title, unless the title
// looks like an address, when it is the link itself — link text must never
// name another address than the one it goes to.
func linkText(title, link string) string {
	if link == "" || !urlish.MatchString(title) {
		return title
	}
	return link
}

// when is a time as alerts show it.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// marked renders a snippet with each of its hits between open and close,
// the text escaped by esc.
func marked(s Snippet, esc func(string) string, open, close string) string {
	var b strings.Builder
	at := 0
	for _, sp := range s.Spans {
		b.WriteString(esc(s.Text[at:sp[0]]))
		b.WriteString(open + esc(s.Text[sp[0]:sp[1]]) + close)
		at = sp[1]
	}
	b.WriteString(esc(s.Text[at:]))
	return b.String()
}

// heading is the title of a digest.
func heading(m *Message) string {
	return fmt.Sprintf("%d new stories for %s", len(m.Entries)+m.More, m.Rule)
}

func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// noMentions keeps a chat from taking text for a mention: "@room",
// "@channel", "@here", "@everyone" or "@name" in a feed's title must not
// notify a whole room. A word joiner after the @ looks the same and is
// no mention.
func noMentions(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		b.WriteRune(r)
		if r == '@' && i+1 < len(s) {
			if next, _ := utf8.DecodeRuneInString(s[i+1:]); unicode.IsLetter(next) || unicode.IsDigit(next) {
				b.WriteString("\u2060")
			}
		}
	}
	return b.String()
}
