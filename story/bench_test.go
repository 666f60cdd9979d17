package story

import (
	"fmt"
	"runtime"
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
		queries[i] = signItem(g, 1024, at)
	}
	ix := NewIndex(0)
	for _, n := range []int{10000, 100000, 1000000} {
		for ix.Len() < n {
			ix.Put(int64(ix.Len()+1), int64(ix.Len()+1), signItem(g, 600, at))
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

// BenchmarkAdd adds new items, signed beforehand, to an index holding
// 100,000 items of the window, each published after the last, so that
// each ages the oldest out: the window's steady state, and what grouping
// costs each new item recorded beside signing it (BenchmarkSign).
func BenchmarkAdd(b *testing.B) {
	at := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	const kept = 100000
	step := DefaultWindow / kept
	g := corpus.New(1, 20000)
	sigs := make([]Signature, kept)
	for i := range sigs {
		sigs[i] = signItem(g, 600, at.Add(time.Duration(i)*step))
	}
	before := heapInUse()
	ix := NewIndex(0)
	for i, sig := range sigs {
		ix.Put(int64(i+1), int64(i+1), sig)
	}
	// What the index keeps an item: the signatures signed are still
	// live, and counted before.
	perItem := float64(heapInUse()-before) / float64(ix.Len())
	runtime.KeepAlive(sigs)
	sigs = nil
	var news []Signature // signed 20,000 at a time, the oldest first
	id := int64(kept + 1)
	for b.Loop() {
		if len(news) == 0 {
			b.StopTimer()
			for k := range int64(20000) {
				news = append(news, signItem(g, 1024, at.Add(time.Duration(id+k)*step)))
			}
			b.StartTimer()
		}
		ix.Add(id, news[0])
		news = news[1:]
		id++
	}
	if n := ix.Len(); n < kept-10 || n > kept+10 {
		b.Fatalf("%d items in the window, want about %d", n, kept)
	}
	b.ReportMetric(perItem, "index-B/item")
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
