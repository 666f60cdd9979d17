package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/feedhound/feedhound/internal/corpus"
)

// BenchmarkMatchCommand runs the whole of feedhound match --json --rules
// over a 10,000-item feed (about 13 MB) with 100 and with 10,000 rules:
// reading and parsing the feed, compiling the rules, matching, printing.
func BenchmarkMatchCommand(b *testing.B) {
	dir := b.TempDir()
	feedPath := filepath.Join(dir, "feed.xml")
	f, err := os.Create(feedPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := corpus.WriteRSS(f, corpus.New(1, 20000).Items(10000, 1024)); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rulesPath := filepath.Join(dir, fmt.Sprintf("rules-%d.tsv", n))
			f, err := os.Create(rulesPath)
			if err != nil {
				b.Fatal(err)
			}
			if err := corpus.New(2, 20000).WriteRules(f, n); err != nil {
				b.Fatal(err)
			}
			f.Close()
			for b.Loop() {
				code := run(context.Background(), []string{"match", "--json", "--rules", rulesPath, feedPath}, nil, io.Discard, io.Discard)
				if code != exitMatch {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
