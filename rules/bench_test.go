package rules

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/feedhound/feedhound/internal/corpus"
	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// benchCorpus returns 2,000 synthetic news items of about 1 KB.
func benchCorpus() ([]Document, int) {
	g := corpus.New(1, 20000)
	var docs []Document
	total := 0
	for _, it := range g.Items(2000, 1024) {
		docs = append(docs, Document{Title: it.Title, Content: it.Content, Categories: it.Categories})
		total += it.Size()
	}
	return docs, total
}

// benchRules returns n rules and, for the baseline, one regexp each.
func benchRules(tb testing.TB, n int) ([]Rule, []*regexp.Regexp) {
	g := corpus.New(2, 20000)
	rs := make([]Rule, n)
	res := make([]*regexp.Regexp, n)
	for i := range rs {
		q, re := g.Rule()
		pq, err := Parse(q)
		if err != nil {
			tb.Fatalf("rule %d %q: %v", i, q, err)
		}
		rs[i] = Rule{Name: fmt.Sprint(i), Query: pq}
		res[i] = regexp.MustCompile(re)
	}
	return rs, res
}

var ruleCounts = []int{1, 100, 1000, 10000, 100000}

// BenchmarkMatch measures normalising and matching one ~1 KB item against
// rule sets of growing size, explaining every match, with one Result for
// all items as the watcher and feedhound match keep one per feed.
func BenchmarkMatch(b *testing.B) {
	docs, total := benchCorpus()
	for _, n := range ruleCounts {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rs, _ := benchRules(b, n)
			m := NewMatcher(rs)
			b.SetBytes(int64(total / len(docs)))
			b.ReportAllocs()
			var res Result
			matches, i := 0, 0
			for b.Loop() {
				m.MatchInto(&res, &docs[i%len(docs)])
				matches += len(res.Matches)
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(matches)/float64(i), "matches/item")
		})
	}
}

// BenchmarkRegexpBaseline matches the same items the way feed readers
// filter: one case-insensitive regexp per rule, run over title and content.
func BenchmarkRegexpBaseline(b *testing.B) {
	docs, total := benchCorpus()
	for _, n := range ruleCounts[:4] {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			_, res := benchRules(b, n)
			b.SetBytes(int64(total / len(docs)))
			matches, i := 0, 0
			for b.Loop() {
				d := &docs[i%len(docs)]
				for _, re := range res {
					if re.MatchString(d.Title) || re.MatchString(d.Content) {
						matches++
					}
				}
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(matches)/float64(i), "matches/item")
		})
	}
}

// BenchmarkAhoCorasickAnchor is an in-process anchor for BenchmarkMatch: a
// Go port of Rust's aho-corasick (a DFA, ASCII case-insensitive, leftmost
// longest) finds the words and phrases of the same rules in the title and
// content of the same items, and counts them. It does less than the
// matcher — no normalising beyond ASCII case, no word boundaries, no
// boolean logic, no positions kept — so it is a floor to compare with,
// not a rival.
func BenchmarkAhoCorasickAnchor(b *testing.B) {
	docs, total := benchCorpus()
	for _, n := range ruleCounts[1:4] {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rs, _ := benchRules(b, n)
			phrases := rulePhrases(rs)
			builder := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{
				AsciiCaseInsensitive: true,
				MatchKind:            ahocorasick.LeftMostLongestMatch,
				DFA:                  true,
			})
			ac := builder.Build(phrases)
			b.SetBytes(int64(total / len(docs)))
			b.ReportAllocs()
			found, i := 0, 0
			for b.Loop() {
				d := &docs[i%len(docs)]
				for _, s := range [2]string{d.Title, d.Content} {
					for it := ac.Iter(s); it.Next() != nil; {
						found++
					}
				}
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(len(phrases)), "phrases")
			b.ReportMetric(float64(found)/float64(i), "found/item")
		})
	}
}

// rulePhrases returns the distinct texts of the rules' terms, a phrase's
// parts joined by spaces, as the anchor searches for them.
func rulePhrases(rs []Rule) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(Node)
	term := func(t *Term) {
		words := make([]string, len(t.Parts))
		for i, p := range t.Parts {
			words[i] = p.Text
		}
		if s := strings.Join(words, " "); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	walk = func(n Node) {
		switch n := n.(type) {
		case *And:
			for _, c := range n.Nodes {
				walk(c)
			}
		case *Or:
			for _, c := range n.Nodes {
				walk(c)
			}
		case *Not:
			walk(n.Node)
		case *Term:
			term(n)
		case *Near:
			term(n.A)
			term(n.B)
		}
	}
	for _, r := range rs {
		walk(r.Query.Root)
	}
	return out
}

// BenchmarkCompile measures parsing and compiling 10,000 rules.
func BenchmarkCompile(b *testing.B) {
	g := corpus.New(2, 20000)
	qs := make([]string, 10000)
	for i := range qs {
		qs[i], _ = g.Rule()
	}
	for b.Loop() {
		rs := make([]Rule, len(qs))
		for i, q := range qs {
			pq, err := Parse(q)
			if err != nil {
				b.Fatal(err)
			}
			rs[i] = Rule{Query: pq}
		}
		NewMatcher(rs)
	}
}

// BenchmarkParseLong parses long queries: the time per byte should not
// grow with the length (it did, when each token counted its column from
// the start of the query).
func BenchmarkParseLong(b *testing.B) {
	for _, size := range []int{1 << 10, 8 << 10} {
		var q strings.Builder
		for i := 0; q.Len() < size-40; i++ {
			fmt.Fprintf(&q, "김정은%d OR -x%d ", i, i)
		}
		q.WriteString("summit")
		b.Run(fmt.Sprintf("bytes=%d", q.Len()), func(b *testing.B) {
			b.SetBytes(int64(q.Len()))
			for b.Loop() {
				if _, err := Parse(q.String()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
