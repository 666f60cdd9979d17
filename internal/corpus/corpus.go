// Package corpus makes synthetic news items and keyword rules for
// benchmarks: the same seed always gives the same corpus, so results can
// be compared between runs and machines.
package corpus

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// Item is a synthetic news item in plain text.
type Item struct {
	Title, Content string
	Categories     []string
}

// Size returns the number of bytes of text in the item.
func (it Item) Size() int {
	n := len(it.Title) + len(it.Content)
	for _, c := range it.Categories {
		n += len(c)
	}
	return n
}

// Generator makes items and rules over one vocabulary. Not safe for
// concurrent use.
type Generator struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

// common are real words placed at the top of the frequency ranking.
var common = strings.Fields(`the of and to in a for on said that with was is by at as from
his it be has have will are its but after who were been their which more not he this
would they about than two had or new when over government president leader officials
talks summit meeting minister visit state military nuclear security foreign trade
north south korea russia china japan united states kim putin xi moscow seoul beijing
tokyo pyongyang washington sanctions missile weapons defence economy market week`)

// vocabSeed fixes the vocabulary: generators with different seeds draw
// items and rules from the same words, so a rule set made with one seed
// searches for words that occur in the items made with another.
const vocabSeed = 0x5eed

// Vocabulary returns the first size words of the benchmarks' vocabulary
// (at least the common words), ranked by frequency. It is the same for
// every seed.
func Vocabulary(size int) []string {
	r := rand.New(rand.NewPCG(vocabSeed, vocabSeed^0x9e3779b97f4a7c15))
	vocab := append([]string(nil), common...)
	seen := map[string]bool{}
	for _, w := range vocab {
		seen[w] = true
	}
	syllables := strings.Fields("ka ri mo sun ta ne vo li an del gor u pre sta min ko ya ber ton is el ha chu ro zin")
	for len(vocab) < size {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	return vocab
}

// New returns a Generator over the Vocabulary of size words, drawn from
// a Zipf distribution as words in news text are. The seed chooses the
// draws, not the words.
func New(seed uint64, size int) *Generator {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	vocab := Vocabulary(size)
	return &Generator{r: r, zipf: rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1)), vocab: vocab}
}

func (g *Generator) word() string { return g.vocab[g.zipf.Uint64()] }

// rareWord is a word from below the most common ones, as people search for
// names and topics rather than for "the".
func (g *Generator) rareWord() string {
	return g.vocab[len(common)+g.r.IntN(len(g.vocab)-len(common))]
}

func (g *Generator) sentence(b *strings.Builder, words int) {
	for i := range words {
		w := g.word()
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if g.r.IntN(12) == 0 {
			b.WriteString([]string{",", " –", "-" + g.word(), "'s"}[g.r.IntN(4)])
		}
	}
	b.WriteString(". ")
}

// Item returns an item of about size bytes of text.
func (g *Generator) Item(size int) Item {
	var title, content strings.Builder
	g.sentence(&title, 6+g.r.IntN(6))
	for content.Len() < size-title.Len() {
		g.sentence(&content, 8+g.r.IntN(14))
	}
	return Item{
		Title:      strings.TrimSpace(title.String()),
		Content:    strings.TrimSpace(content.String()),
		Categories: []string{g.word(), g.word()},
	}
}

// Items returns n items of about size bytes each.
func (g *Generator) Items(n, size int) []Item {
	items := make([]Item, n)
	for i := range items {
		items[i] = g.Item(size)
	}
	return items
}

// Rule returns a query in the mix people write: phrases, boolean
// combinations with an exclusion, prefixes and NEAR. Regex is the first
// term of the query as one case-insensitive regular expression, the way
// feed readers filter with one regexp per rule.
func (g *Generator) Rule() (query, regex string) {
	a, b, c, d := g.rareWord(), g.rareWord(), g.word(), g.rareWord()
	switch k := g.r.IntN(20); {
	case k < 8:
		return fmt.Sprintf(`"%s %s"`, a, c), fmt.Sprintf(`(?i)\b%s\W+%s\b`, a, c)
	case k < 14:
		return fmt.Sprintf(`%s (%s OR %s) -%s`, a, b, c, d), fmt.Sprintf(`(?i)\b%s\b`, a)
	case k < 17:
		p := a[:min(len(a), 4)]
		return fmt.Sprintf(`%s* %s`, p, b), fmt.Sprintf(`(?i)\b%s`, p)
	default:
		return fmt.Sprintf(`%s NEAR/5 %s`, a, b), fmt.Sprintf(`(?i)\b%s\b(?:\W+\w+){0,5}?\W+%s\b`, a, b)
	}
}

// WriteRSS writes items as an RSS 2.0 feed, each with a guid, a link and a
// date, as a news site would publish them.
func WriteRSS(w io.Writer, items []Item) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>Synthetic wire</title><link>https://wire.example.org/</link><description>Generated for benchmarks</description>\n")
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i, it := range items {
		fmt.Fprintf(bw, "<item><title>%s</title><link>https://wire.example.org/a/%d</link><guid isPermaLink=\"false\">wire-%d</guid><pubDate>%s</pubDate>",
			xmlEscape(it.Title), i, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
		for _, c := range it.Categories {
			fmt.Fprintf(bw, "<category>%s</category>", xmlEscape(c))
		}
		fmt.Fprintf(bw, "<description>%s</description></item>\n", xmlEscape("<p>"+it.Content+"</p>"))
	}
	bw.WriteString("</channel></rss>\n")
	return bw.Flush()
}

// WriteRules writes n rules in the name<TAB>query format of
// feedhound match --rules.
func (g *Generator) WriteRules(w io.Writer, n int) error {
	bw := bufio.NewWriter(w)
	for i := range n {
		q, _ := g.Rule()
		fmt.Fprintf(bw, "rule-%d\t%s\n", i, q)
	}
	return bw.Flush()
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
