package feed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/feedhound/feedhound/internal/corpus"
)

func benchFeed(b *testing.B, items int) []byte {
	var buf bytes.Buffer
	if err := corpus.WriteRSS(&buf, corpus.New(1, 20000).Items(items, 1024)); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkGuards compares parsing with feedhound's guards — charset and
// byte-order-mark handling, UTF-8 repair, the nesting check — against
// bare gofeed on the same bytes. Normalising items is not included.
func BenchmarkGuards(b *testing.B) {
	for _, n := range []int{50, 10000} {
		body := benchFeed(b, n)
		b.Run(fmt.Sprintf("items=%d/gofeed", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "items/s")
		})
		b.Run(fmt.Sprintf("items=%d/guarded", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				prepared, err := prepare(body, "application/rss+xml; charset=utf-8", DefaultMaxDepth)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := gofeed.NewParser().Parse(bytes.NewReader(prepared)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

// BenchmarkDecode reads the same prepared RSS document into gofeed's feed
// two ways: with gofeed's own parser, and with rssscan (which the daemon
// and match use for RSS of the usual shape), each translated by gofeed.
func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{50, 10000} {
		body, err := prepare(benchFeed(b, n), "", DefaultMaxDepth)
		if err != nil {
			b.Fatal(err)
		}
		for _, way := range []struct {
			name string
			fast bool
		}{{"gofeed", false}, {"rssscan", true}} {
			b.Run(fmt.Sprintf("items=%d/%s", n, way.name), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					f, _, err := decode(body, way.fast)
					if err != nil || len(f.Items) != n {
						b.Fatalf("%v", err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}

// BenchmarkFetchParse fetches a 50-item feed over loopback and parses it:
// through a Reader (size limit, guards, normalised items) and with bare
// net/http and gofeed.
func BenchmarkFetchParse(b *testing.B) {
	body := benchFeed(b, 50)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	b.Run("bare", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			resp, err := http.Get(srv.URL)
			if err != nil {
				b.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if _, err := gofeed.NewParser().Parse(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reader", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		var r Reader
		for b.Loop() {
			if _, err := r.Read(context.Background(), srv.URL); err != nil {
				b.Fatal(err)
			}
		}
	})
}
