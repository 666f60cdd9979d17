// Command gen writes the synthetic feed and rule files that the
// whole-process benchmark of feedhound match reads (see docs/benchmarks-history.md):
//
//	go run ./internal/corpus/gen -items 10000 -rules 100,10000 -out /tmp/fhbench
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/feedhound/feedhound/internal/corpus"
)

func main() {
	items := flag.Int("items", 10000, "items in the feed")
	ruleCounts := flag.String("rules", "100,10000", "comma-separated sizes of the rule sets")
	out := flag.String("out", ".", "directory to write feed.xml and rules-N.tsv to")
	flag.Parse()
	if err := write(*out, *items, *ruleCounts); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func write(dir string, items int, ruleCounts string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "feed.xml"))
	if err != nil {
		return err
	}
	if err := corpus.WriteRSS(f, corpus.New(1, 20000).Items(items, 1024)); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, s := range strings.Split(ruleCounts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-rules: %w", err)
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("rules-%d.tsv", n)))
		if err != nil {
			return err
		}
		if err := corpus.New(2, 20000).WriteRules(f, n); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
