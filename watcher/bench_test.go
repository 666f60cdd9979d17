package watcher

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/corpus"
)

// smallFeed is a typical feed of 20 items.
func smallFeed(tb testing.TB) []byte {
	var b bytes.Buffer
	if err := corpus.WriteRSS(&b, corpus.New(3, 20000).Items(20, 600)); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// pollServer answers like a well-behaved feed server: 304 to a matching
// If-None-Match. One path in twenty changes on every request, as a busy
// feed would, and always answers 200.
type pollServer struct {
	body     []byte
	requests atomic.Int64
}

func (ps *pollServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ps.requests.Add(1)
	if strings.HasPrefix(r.URL.Path, "/plain") { // no validators: every answer a 200
		w.Write(ps.body)
		return
	}
	etag := `"v1"`
	if strings.HasSuffix(r.URL.Path, "0") && strings.HasPrefix(r.URL.Path, "/busy") {
		etag = fmt.Sprintf(`"%d"`, time.Now().UnixNano())
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Write(ps.body)
}

// loopbackHosts serves h on n loopback addresses, as n hosts.
func loopbackHosts(tb testing.TB, n int, h http.Handler) []string {
	var addrs []string
	for i := range n {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", i+1))
		if err != nil {
			tb.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		tb.Cleanup(func() { srv.Close() })
		addrs = append(addrs, "http://"+ln.Addr().String())
	}
	return addrs
}

// BenchmarkPollCycle polls every source once, with 95% of them answering
// 304, as a steady state looks. One op is one whole cycle.
func BenchmarkPollCycle(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("sources=%d", n), func(b *testing.B) {
			ps := &pollServer{body: smallFeed(b)}
			hosts := loopbackHosts(b, 16, ps)
			var cfg strings.Builder
			cfg.WriteString("sources:\n")
			for i := range n {
				kind := "feed"
				if i%20 == 0 {
					kind = "busy"
				}
				fmt.Fprintf(&cfg, "  - name: s%d\n    url: %s/%s%d\n    schedule: '@every 1h'\n", i, hosts[i%len(hosts)], kind, i)
			}
			cfg.WriteString("rules:\n  - name: r\n    query: 'kari* NEAR/5 summit'\n")
			st := openStore(b, filepath.Join(b.TempDir(), "db"))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}
			p := plan(b, cfg.String())
			cycle := func() time.Duration {
				w := New(st, &feed.Reader{Client: client}, quiet, p, Options{StartJitter: -1})
				ctx, cancel := context.WithCancel(context.Background())
				start := time.Now()
				target := ps.requests.Load() + int64(n)
				done := make(chan struct{})
				go func() { w.Run(ctx); close(done) }()
				for ps.requests.Load() < target {
					time.Sleep(time.Millisecond)
				}
				elapsed := time.Since(start)
				cancel()
				<-done
				return elapsed
			}
			cycle() // the first cycle fetches everything and stores the ETags
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			var total time.Duration
			polls := 0
			for b.Loop() {
				total += cycle()
				polls += n
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(total.Seconds()/float64(b.N), "s/cycle")
			b.ReportMetric(cpu.Seconds()/float64(polls)*1000, "cpu-s/1000polls")
			b.ReportMetric(float64(ru1.Maxrss)/1024, "peak-RSS-MB")
		})
	}
}

// BenchmarkPoll304 is one poll of a source that answers 304 as the daemon
// does it: state read, conditional GET, state queued and written in
// batches (here, of 100).
func BenchmarkPoll304(b *testing.B) { benchPoll(b, "/feed1", "304") }

// BenchmarkPollUnchanged200 is one poll of a source that sends no ETag
// or Last-Modified and answers 200 with the body it sent last time: the
// target is at most 1.5x BenchmarkPoll304.
func BenchmarkPollUnchanged200(b *testing.B) { benchPoll(b, "/plain1", "200") }

// benchPoll polls a source at path again and again, as the daemon does;
// every poll after the first must answer status with no new item.
func benchPoll(b *testing.B, path, status string) {
	ps := &pollServer{body: smallFeed(b)}
	hosts := loopbackHosts(b, 1, ps)
	st := openStore(b, filepath.Join(b.TempDir(), "db"))
	p := plan(b, fmt.Sprintf("sources:\n  - name: s\n    url: %s%s\n", hosts[0], path))
	w := New(st, &feed.Reader{}, quiet, p, Options{})
	ctx := context.Background()
	w.Poll(ctx, "s")
	src, _ := p.source("s")
	i := 0
	for b.Loop() {
		if res := w.poll(ctx, src); res.Status != status || res.New != 0 {
			b.Fatalf("status %s, %d new", res.Status, res.New)
		}
		if i++; i%100 == 0 {
			w.states.flush(ctx)
		}
	}
}

// BenchmarkBareGET200 is the floor of BenchmarkPollUnchanged200: the same
// request and body with net/http alone, the body read whole.
func BenchmarkBareGET200(b *testing.B) {
	ps := &pollServer{body: smallFeed(b)}
	hosts := loopbackHosts(b, 1, ps)
	for b.Loop() {
		resp, err := http.Get(hosts[0] + "/plain1")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkBareGET is the same conditional request with net/http alone.
func BenchmarkBareGET(b *testing.B) {
	ps := &pollServer{body: smallFeed(b)}
	hosts := loopbackHosts(b, 1, ps)
	for b.Loop() {
		req, _ := http.NewRequest("GET", hosts[0]+"/feed1", nil)
		req.Header.Set("If-None-Match", `"v1"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 304 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkIngest parses a 10,000-item feed and records it into an empty
// database: dedup, match against 100 rules, store.
func BenchmarkIngest(b *testing.B) {
	var body bytes.Buffer
	corpus.WriteRSS(&body, corpus.New(1, 20000).Items(10000, 1024))
	g := corpus.New(2, 20000)
	var cfg strings.Builder
	cfg.WriteString("sources:\n  - name: wire\n    url: https://wire.example.org/feed\nrules:\n")
	for i := range 100 {
		q, _ := g.Rule()
		fmt.Fprintf(&cfg, "  - name: r%d\n    query: '%s'\n", i, strings.ReplaceAll(q, "'", "''"))
	}
	p := plan(b, cfg.String())
	ctx := context.Background()
	items := 0
	for b.Loop() {
		b.StopTimer()
		st := openStore(b, filepath.Join(b.TempDir(), "db"))
		w := New(st, &feed.Reader{}, quiet, p, Options{})
		b.StartTimer()
		f, err := feed.Parse(body.Bytes(), "https://wire.example.org/feed")
		if err != nil {
			b.Fatal(err)
		}
		n, _, _, err := w.record(ctx, p, Source{Name: "wire"}, f, time.Now())
		if err != nil || n != 10000 {
			b.Fatalf("recorded %d, %v", n, err)
		}
		items += n
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
	b.SetBytes(int64(body.Len()))
}
