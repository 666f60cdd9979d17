package corpus

import (
	"strings"
	"testing"
	"unicode"
)

// The rules of one seed must search for the words of another seed's
// items: before the vocabulary was fixed, only about a third of the rule
// words occurred in the items at all.
func TestRulesShareTheItemsVocabulary(t *testing.T) {
	const size = 20000
	vocab := map[string]bool{}
	for _, w := range Vocabulary(size) {
		vocab[w] = true
	}
	inItems := map[string]bool{}
	for _, it := range New(1, size).Items(2000, 1024) {
		for _, w := range strings.FieldsFunc(strings.ToLower(it.Title+" "+it.Content), func(r rune) bool {
			return !unicode.IsLetter(r)
		}) {
			if w == "s" { // the 's of a possessive
				continue
			}
			if !vocab[w] {
				t.Fatalf("item word %q is not in the vocabulary", w)
			}
			inItems[w] = true
		}
	}
	g := New(2, size)
	words, found := 0, 0
	for range 1000 {
		q, _ := g.Rule()
		for _, f := range strings.Fields(q) {
			w := strings.Trim(f, `"()-`)
			if w == "OR" || strings.HasPrefix(w, "NEAR/") {
				continue
			}
			prefix := strings.HasSuffix(w, "*")
			w = strings.TrimSuffix(w, "*")
			if !prefix && !vocab[w] || prefix && !hasPrefixIn(vocab, w) {
				t.Fatalf("rule word %q of %q is not in the vocabulary", w, q)
			}
			words++
			if inItems[w] || prefix && hasPrefixIn(inItems, w) {
				found++
			}
		}
	}
	share := float64(found) / float64(words)
	t.Logf("%.0f%% of %d rule words occur in the items", 100*share, words)
	if share < 0.6 {
		t.Errorf("only %.0f%% of rule words occur in the items", 100*share)
	}
}

func hasPrefixIn(set map[string]bool, p string) bool {
	for w := range set {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
