package story

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/corpus"
)

// BenchmarkSign signs ~1 KB items.
func BenchmarkSign(b *testing.B) {
	items := corpus.New(1, 20000).Items(2000, 1024)
	b.SetBytes(int64(items[0].Size()))
	i := 0
	for b.Loop() {
		it := items[i%len(items)]
		Sign(Doc{Title: it.Title, Text: it.Content})
		i++
	}
}

// BenchmarkFind finds the story of a new item in an index holding 10,000,
// 100,000 and 1,000,000 items of one window: the time should grow far
// slower than the items, as a new item is checked only against the
// candidates that share a band of its signature.
func BenchmarkFind(b *testing.B) {
	at := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	g := corpus.New(1, 20000)
	queries := make([]Signature, 1000)
	for i := range queries {
		it := g.Item(1024)
		queries[i] = Sign(Doc{Title: it.Title, Text: it.Content, Published: at})
	}
	ix := NewIndex(0)
	for _, n := range []int{10000, 100000, 1000000} {
		for ix.Len() < n {
			it := g.Item(600)
			ix.Put(int64(ix.Len()+1), int64(ix.Len()+1), Sign(Doc{Title: it.Title, Text: it.Content, Published: at}))
		}
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			found, compared, i := 0, 0, 0
			for b.Loop() {
				q := &queries[i%len(queries)]
				if _, ok := ix.Find(q); ok {
					found++
				}
				compared += ix.candidates(q)
				i++
			}
			b.ReportMetric(float64(compared)/float64(i), "candidates/op")
			b.ReportMetric(float64(found)/float64(i), "found/op")
		})
	}
}
