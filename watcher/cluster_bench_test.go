package watcher

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/cputime"
	"github.com/feedhound/feedhound/internal/pgtest"
	"github.com/feedhound/feedhound/store"
)

// BenchmarkClusterCycle polls every source once with one and with three
// instances on one PostgreSQL database (FEEDHOUND_TEST_POSTGRES), each
// with its own connections, as BenchmarkPollCycle does on SQLite: 95% of
// the sources answer 304. One op is one whole cycle of the cluster. It
// reports the polls made beyond one a source (none, if the leases work),
// the most connections the database had open, and CPU per 1,000 polls
// (all instances'; the server's not counted). FEEDHOUND_BENCH_SOURCES sets
// the number of sources (default 3,000; docs/benchmarks-history.md has 30,000).
func BenchmarkClusterCycle(b *testing.B) {
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("FEEDHOUND_BENCH_SOURCES")); err == nil && v > 0 {
		n = v
	}
	for _, instances := range []int{1, 3} {
		b.Run(fmt.Sprintf("sources=%d/instances=%d", n, instances), func(b *testing.B) {
			data := pgtest.URL(b)
			ps, cfg := cycleSources(b, n)
			p := plan(b, cfg)
			var stores []*store.Store
			for range instances {
				stores = append(stores, openStore(b, data))
			}
			admin, err := sql.Open("pgx", data)
			if err != nil {
				b.Fatal(err)
			}
			defer admin.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}
			var peakConns atomic.Int64
			var busiestShare float64 // summed over the timed cycles
			cycle := func() time.Duration {
				// Every source due again, polled by no one yet.
				if _, err := admin.Exec(`UPDATE sources SET next_poll = 0, polled_by = ''`); err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				start := time.Now()
				target := ps.requests.Load() + int64(n)
				var done []chan struct{}
				for i, st := range stores {
					w := New(st, &feed.Reader{Client: client}, quiet, p, Options{StartJitter: -1, Instance: fmt.Sprint("bench-", i)})
					d := make(chan struct{})
					done = append(done, d)
					go func() { w.Run(ctx); close(d) }()
				}
				for ps.requests.Load() < target {
					var c int64
					admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()`).Scan(&c)
					if c > peakConns.Load() {
						peakConns.Store(c)
					}
					time.Sleep(5 * time.Millisecond)
				}
				elapsed := time.Since(start)
				time.Sleep(200 * time.Millisecond) // polls made twice would come now
				cancel()
				for _, d := range done {
					<-d
				}
				// The busiest instance's part of the polls: on machines of
				// their own, a cycle takes about that part of one's work.
				var busiest int
				if err := admin.QueryRow(`SELECT COALESCE(MAX(c), 0) FROM (SELECT count(*) AS c FROM sources GROUP BY polled_by) p`).Scan(&busiest); err != nil {
					b.Fatal(err)
				}
				busiestShare += float64(busiest) / float64(n)
				return elapsed
			}
			cycle() // the first cycle fetches everything and stores the ETags
			busiestShare = 0
			cpu0 := cputime.Process()
			req0 := ps.requests.Load()
			var total time.Duration
			polls := 0
			for b.Loop() {
				total += cycle()
				polls += n
			}
			cpu := cputime.Process() - cpu0
			b.ReportMetric(total.Seconds()/float64(b.N), "s/cycle")
			b.ReportMetric(float64(ps.requests.Load()-req0-int64(polls))/float64(b.N), "extra-polls/cycle")
			b.ReportMetric(float64(peakConns.Load()), "peak-connections")
			b.ReportMetric(cpu.Seconds()/float64(polls)*1000, "cpu-s/1000polls")
			b.ReportMetric(100*busiestShare/float64(b.N), "busiest-instance-%")
		})
	}
}
