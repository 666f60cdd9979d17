package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"

	"github.com/feedhound/feedhound/internal/corpus"
	"github.com/feedhound/feedhound/internal/cputime"
	"github.com/feedhound/feedhound/watcher"
)

// BenchmarkMatchCommand runs the whole of feedhound match --json --rules
// over a 10,000-item feed (about 13 MB) with 100 and with 10,000 rules:
// reading and parsing the feed, compiling the rules, matching, printing.
// Beside them, gofeed-defaults is the bare program #17 measures against:
// open the same file and parse it with gofeed's defaults, nothing more.
// Each reports the process's CPU time per run, the garbage collector's on
// the other core included.
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
	// The bare program: open the file, parse it with gofeed's defaults.
	// Then gofeed's RSS parser alone, without translating its items into
	// gofeed.Items: the floor of any program that parses with gofeed.
	for _, bare := range []struct {
		name  string
		parse func(io.Reader) (items int, err error)
	}{
		{"gofeed-defaults", func(r io.Reader) (int, error) {
			f, err := gofeed.NewParser().Parse(r)
			if err != nil {
				return 0, err
			}
			return len(f.Items), nil
		}},
		{"gofeed-rss-parser-only", func(r io.Reader) (int, error) {
			f, err := (&rss.Parser{}).Parse(r)
			if err != nil {
				return 0, err
			}
			return len(f.Items), nil
		}},
	} {
		b.Run(bare.name, func(b *testing.B) {
			reportCPU(b, func() {
				f, err := os.Open(feedPath)
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				if n, err := bare.parse(f); err != nil || n != 10000 {
					b.Fatalf("parsed %d items: %v", n, err)
				}
			})
		})
	}
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
			reportCPU(b, func() {
				code := run(context.Background(), []string{"match", "--json", "--rules", rulesPath, feedPath}, nil, io.Discard, io.Discard)
				if code != exitMatch {
					b.Fatalf("exit %d", code)
				}
			})
		})
	}
}

// reportCPU runs op in the benchmark's loop and reports the process's CPU
// time per op beside the wall-clock time.
func reportCPU(b *testing.B, op func()) {
	cpu0 := cputime.Process()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64((cputime.Process()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkAlertLatency measures the time from a source publishing a
// matching story to a Slack-like receiver getting the alert, with sources
// polled every 10 seconds, their first polls spread over an interval as
// the daemon spreads them. Ten sources each publish one story at a random
// moment of three poll intervals: fewer than one alert every two seconds,
// which one Slack channel takes without queueing (it takes one a second).
func BenchmarkAlertLatency(b *testing.B) {
	const sources = 10
	const interval = 10 * time.Second
	for b.Loop() {
		var mu sync.Mutex
		published := map[string]time.Time{}
		arrived := map[string]time.Time{}
		feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name := strings.TrimPrefix(r.URL.Path, "/")
			mu.Lock()
			at, ok := published[name]
			mu.Unlock()
			items := `<item><guid>old</guid><title>Weather</title><description>Rain in Seoul.</description></item>`
			if ok && time.Now().After(at) {
				items += fmt.Sprintf(`<item><guid>new</guid><title>Kim-Putin summit: %s</title><description>The Kim-Putin summit.</description></item>`, name)
			}
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>%s</title>%s</channel></rss>`, name, items)
		}))
		slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var m struct{ Text string }
			json.NewDecoder(r.Body).Decode(&m)
			// The fallback text is "Kim-Putin summit: sN — sN (rule kim-putin)".
			name := strings.Fields(m.Text)[2]
			mu.Lock()
			if _, dup := arrived[name]; !dup {
				arrived[name] = time.Now()
			}
			mu.Unlock()
			fmt.Fprint(w, "ok")
		}))
		dir := b.TempDir()
		var cfg strings.Builder
		fmt.Fprintf(&cfg, "listen: 127.0.0.1:0\ndata: feedhound.db\nallow_private_networks: true\nmin_interval: 1s\nsources:\n")
		for i := range sources {
			fmt.Fprintf(&cfg, "  - name: s%d\n    url: %s/s%d\n    schedule: '@every 10s'\n", i, feedSrv.URL, i)
		}
		fmt.Fprintf(&cfg, "notifiers:\n  - name: newsroom\n    type: slack\n    url: %s/hook\n    allow_private_networks: true\n", slack.URL)
		cfg.WriteString("rules:\n  - name: kim-putin\n    query: '\"Kim-Putin summit\"'\n    notify: [newsroom]\n")
		path := filepath.Join(dir, "feedhound.yaml")
		os.WriteFile(path, []byte(cfg.String()), 0o644)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		ctx, cancel := context.WithCancel(context.Background())
		// First polls spread over an interval, as the daemon does.
		d, err := newDaemon(ctx, path, log, watcher.Options{StartJitter: interval})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- d.serve(ctx) }()
		start := time.Now().Add(interval) // after the first polls
		mu.Lock()
		for i := range sources {
			published[fmt.Sprintf("s%d", i)] = start.Add(time.Duration(rand.Int64N(int64(3 * interval))))
		}
		mu.Unlock()
		deadline := time.Now().Add(6 * interval)
		for {
			mu.Lock()
			n := len(arrived)
			mu.Unlock()
			if n == sources || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		<-done
		feedSrv.Close()
		slack.Close()
		var delays []time.Duration
		mu.Lock()
		for name, at := range arrived {
			delays = append(delays, at.Sub(published[name]))
		}
		mu.Unlock()
		if len(delays) != sources {
			b.Fatalf("%d of %d alerts arrived", len(delays), sources)
		}
		slices.Sort(delays)
		if os.Getenv("FH_DEBUG") != "" {
			for name, at := range arrived {
				fmt.Printf("%s published %.1fs arrived %.1fs\n", name, published[name].Sub(start).Seconds(), at.Sub(start).Seconds())
			}
		}
		b.ReportMetric(delays[len(delays)/2].Seconds(), "p50-s")
		b.ReportMetric(delays[len(delays)*99/100].Seconds(), "p99-s")
	}
}
