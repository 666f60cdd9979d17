package notify

import (
	"context"
	"fmt"
	"github.com/feedhound/feedhound/destination"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/pgtest"
	"github.com/feedhound/feedhound/store"
)

// limitedSlack accepts at most limit messages a second, as Slack does
// (about one), and answers 429 with Retry-After beyond it.
type limitedSlack struct {
	limiter  *rate.Limiter
	mu       sync.Mutex // protects all following fields
	got      map[string]time.Time
	tooMany  int
	accepted int
}

func (s *limitedSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m slackMessage
	decodeInto(r, &m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.limiter.Allow() {
		s.tooMany++
		w.Header().Set("Retry-After", "1")
		http.Error(w, "rate_limited", http.StatusTooManyRequests)
		return
	}
	if _, dup := s.got[m.Text]; !dup {
		s.got[m.Text] = time.Now()
	}
	s.accepted++
	fmt.Fprint(w, "ok")
}

// BenchmarkBurst puts a burst of 1,000 matches in the outbox at once and
// delivers them to a receiver that takes perSecond messages a second: the
// deliverer keeps to the rate, so no 429 comes back, and nothing is lost.
// Slack's rate is about one a second; the benchmark runs faster, with the
// receiver's limit and the deliverer's rate raised alike, so it takes
// seconds rather than a quarter of an hour.
func BenchmarkBurst(b *testing.B) {
	sqlite := func(b *testing.B) string { return filepath.Join(b.TempDir(), "db") }
	b.Run("each", func(b *testing.B) { burst(b, sqlite, 1, false) })
	b.Run("digest", func(b *testing.B) { burst(b, sqlite, 1, true) })
}

// BenchmarkBurstCluster is BenchmarkBurst on PostgreSQL (with
// FEEDHOUND_TEST_POSTGRES), with one and with three instances delivering
// the same outbox: the one holding the destination's lease sends, so the
// cluster keeps to the destination's rate and sends each alert once.
func BenchmarkBurstCluster(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) { burst(b, func(b *testing.B) string { return pgtest.URL(b) }, n, false) })
	}
}

func burst(b *testing.B, data func(*testing.B) string, instances int, digest bool) {
	const n, perSecond = 1000, 100
	var messages int
	for b.Loop() {
		b.StopTimer()
		slack := &limitedSlack{limiter: rate.NewLimiter(perSecond, 3), got: map[string]time.Time{}}
		srv := httptest.NewServer(slack)
		st, err := store.Open(context.Background(), data(b))
		if err != nil {
			b.Fatal(err)
		}
		var items []store.NewItem
		for i := range n {
			items = append(items, store.NewItem{
				Item:    feed.Item{ID: fmt.Sprint("b", i), Title: fmt.Sprintf("Burst story %d", i), Link: fmt.Sprintf("https://a.example/%d", i)},
				Matches: []store.Match{{Rule: "kim-putin", Notify: []string{"newsroom"}}},
			})
			if digest {
				items[i].Matches[0].DigestAt = time.Now().Add(-time.Second)
			}
		}
		start := time.Now()
		if _, err := st.Record(context.Background(), "wire", items, start); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var ds []*Deliverer
		for i := range instances {
			d := NewDeliverer(destination.Destination{Name: "newsroom", Kind: "slack", URL: srv.URL}, st, srv.Client(), quiet, func(string) string { return "http://x/f" })
			d.limiter.SetLimit(perSecond)
			d.Instance = fmt.Sprint("instance-", i)
			ds = append(ds, d)
		}
		b.StartTimer()
		for _, d := range ds {
			go d.Run(ctx)
		}
		for {
			c, _ := st.NotificationCounts(ctx)
			if c["delivered"] == n {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		b.StopTimer()
		cancel()
		slack.mu.Lock()
		var delays []time.Duration
		for _, at := range slack.got {
			delays = append(delays, at.Sub(start))
		}
		tooMany, distinct, accepted := slack.tooMany, len(slack.got), slack.accepted
		slack.mu.Unlock()
		slices.Sort(delays)
		if !digest && distinct != n {
			b.Fatalf("%d distinct messages arrived, want %d", distinct, n)
		}
		messages = accepted
		b.ReportMetric(float64(tooMany), "429s")
		b.ReportMetric(float64(messages), "messages")
		b.ReportMetric(delays[len(delays)/2].Seconds(), "p50-delay-s")
		b.ReportMetric(delays[len(delays)*99/100].Seconds(), "p99-delay-s")
		srv.Close()
		st.Close()
		b.StartTimer()
	}
}
