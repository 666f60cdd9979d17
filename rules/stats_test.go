package rules

import (
	"fmt"
	"testing"
)

func TestStatsTmp(t *testing.T) {
	docs, _ := benchCorpus()
	for _, n := range []int{100, 10000} {
		rs, _ := benchRules(t, n)
		m := NewMatcher(rs)
		var toks, kept, parts, refs, hits, cands, matches, quick int
		for i := range 500 {
			s := m.pool.Get().(*scratch)
			s.reset()
			d := &docs[i]
			var tz tokenizer
			tz.each(d.Title+" "+d.Content+" "+d.Categories[0]+" "+d.Categories[1], func(token) { toks++ })
			for f := range numFields {
				if m.fields&(1<<f) != 0 {
					m.tokenize(s, f, d.values(f))
				}
			}
			for f := range numFields {
				kept += len(s.toks[f])
				for _, tk := range s.toks[f] {
					for _, pid := range s.parts[tk.p0:tk.p1] {
						for _, ref := range m.anchored[m.anchorStart[pid]:m.anchorStart[pid+1]] {
							refs++
							if ref.quick {
								quick++
							}
						}
					}
				}
				m.findTerms(s, f)
			}
			parts += len(s.parts)
			hits += len(s.hits)
			for _, a := range s.hits {
				cands += int(m.trigStart[a+1] - m.trigStart[a])
			}
			matches += len(m.Match(d))
			m.pool.Put(s)
		}
		fmt.Printf("rules=%d atoms=%d parts=%d | per item: tokens %d kept %d parts %d refs %d (quick %d) hits %d cands %d matches %.2f\n",
			n, len(m.atoms), len(m.anchorStart)-1, toks/500, kept/500, parts/500, refs/500, quick/500, hits/500, cands/500, float64(matches)/500)
	}
}
