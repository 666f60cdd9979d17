package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/internal/corpus"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// BenchmarkSubscriptions stores 100,000 subscriptions, then measures what
// one more costs: the API's create, get and list, and making the plan
// again (parsing and compiling every query), which is how long a change
// takes to reach matching.
func BenchmarkSubscriptions(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	g := corpus.New(2, 20000)
	for i := range n {
		q, _ := g.Rule()
		if _, err := st.CreateSubscription(ctx, store.Subscription{Name: fmt.Sprint("s", i), Query: q}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	c, _ := config.Parse([]byte("sources:\n  - name: wire\n    url: https://wire.example/atom\n"), "b.yaml")
	replan := func() *watcher.Plan {
		var subs []store.Subscription
		var after int64
		for {
			page, _ := st.Subscriptions(ctx, after, 1000)
			subs = append(subs, page...)
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].Seq()
		}
		p, err := watcher.NewPlan(c, watcher.Dynamic{Subscriptions: subs})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	p := replan()
	token, _ := st.CreateToken(ctx, "bench", false, time.Now())
	a := New(st, Options{BaseURL: "http://x", Plan: func() *watcher.Plan { return p }, Changed: func(string) {}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := a.Handler()
	call := func(method, path, body string) time.Duration {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if rec.Code >= 300 {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return time.Since(start)
	}
	var create, get, list, rebuild []time.Duration
	var ids []string
	for b.Loop() {
		q, _ := g.Rule()
		create = append(create, call("POST", "/api/v1/subscriptions", fmt.Sprintf(`{"query": %q}`, q)))
		subs, _ := st.Subscriptions(ctx, int64(n/2+len(ids)), 1)
		ids = append(ids, subs[0].ID)
		get = append(get, call("GET", "/api/v1/subscriptions/"+subs[0].ID, ""))
		list = append(list, call("GET", fmt.Sprintf("/api/v1/subscriptions?after=%d&limit=100", n/3), ""))
		if len(rebuild) < 3 {
			start := time.Now()
			p = replan()
			rebuild = append(rebuild, time.Since(start))
		}
	}
	pct := func(ds []time.Duration, q float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(create, 0.5), "create-p50-ms")
	b.ReportMetric(pct(create, 0.99), "create-p99-ms")
	b.ReportMetric(pct(get, 0.99), "get-p99-ms")
	b.ReportMetric(pct(list, 0.99), "list-p99-ms")
	b.ReportMetric(pct(rebuild, 0.5), "replan-ms")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
}
