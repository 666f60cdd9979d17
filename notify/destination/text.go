package destination

import (
	"regexp"
	"time"
	"unicode/utf8"
)

// truncate cuts s to at most max runes, ending with "…" when it cuts.
func truncate(s string, max int) string {
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

func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
