package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/internal/corpus"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// BenchmarkSubscriptions stores 100,000 and 1,000,000 subscriptions,
// starts as the daemon does (reads them all and builds the set matched),
// then measures what changes cost with watcher.Updates carrying them into
// the plan, as in the daemon: each op creates one subscription through the
// API, changes the query of a stored one and deletes another, waiting each
// time until matching sees the change, and gets and lists through the API.
func BenchmarkSubscriptions(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprintf("subscriptions=%d", n), func(b *testing.B) { benchSubscriptions(b, n) })
	}
}

func benchSubscriptions(b *testing.B, n int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	g := corpus.New(2, 20000)
	var stored []store.Subscription
	for len(stored) < n {
		batch := make([]store.Subscription, min(10000, n-len(stored)))
		for i := range batch {
			q, _ := g.Rule()
			batch[i] = store.Subscription{Name: fmt.Sprint("s", len(stored)+i), Query: q}
		}
		made, err := st.CreateSubscriptions(ctx, batch, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		stored = append(stored, made...)
	}
	c, _ := config.Parse([]byte("sources:\n  - name: wire\n    url: https://wire.example/atom\n"), "b.yaml")
	runtime.GC()
	start := time.Now()
	subs, err := watcher.LoadSubscriptions(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	p, err := watcher.NewPlan(c, watcher.Dynamic{Matched: subs})
	if err != nil || p.Subscriptions.Len() != n {
		b.Fatalf("plan of %d subscriptions: %v", p.Subscriptions.Len(), err)
	}
	startup := time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap := ms.HeapInuse

	var cur atomic.Pointer[watcher.Plan]
	cur.Store(p)
	u := &watcher.Updates{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Current: func() *watcher.Subscriptions { return cur.Load().Subscriptions },
		Set:     func(s *watcher.Subscriptions, _ bool) { cur.Store(cur.Load().WithSubscriptions(s)) }}
	go u.Run(ctx)
	token, _ := st.CreateToken(ctx, store.TokenSpec{Name: "bench", ReadOnly: false}, time.Now())
	a := New(st, Options{BaseURL: "http://x", Plan: cur.Load, Changed: u.Changed, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := a.Handler()
	call := func(method, path, body string) (time.Duration, []byte) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if rec.Code >= 300 {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return time.Since(start), rec.Body.Bytes()
	}
	// visible waits until matching sees a change made at start.
	visible := func(start time.Time, seen func(*watcher.Subscriptions) bool) time.Duration {
		for !seen(cur.Load().Subscriptions) {
			if time.Since(start) > time.Minute {
				b.Fatal("a change never reached matching")
			}
			time.Sleep(50 * time.Microsecond)
		}
		return time.Since(start)
	}
	var create, get, list, change []time.Duration
	i := 0
	for b.Loop() {
		q, _ := g.Rule()
		t0 := time.Now()
		d, body := call("POST", "/api/v1/subscriptions", fmt.Sprintf(`{"query": %q}`, q))
		create = append(create, d)
		var made struct{ ID string }
		json.Unmarshal(body, &made)
		change = append(change, visible(t0, func(s *watcher.Subscriptions) bool { return s.Has(made.ID) }))
		d, _ = call("GET", "/api/v1/subscriptions/"+made.ID, "")
		get = append(get, d)
		d, _ = call("GET", fmt.Sprintf("/api/v1/subscriptions?after=%d&limit=100", n/3), "")
		list = append(list, d)
		// Change one stored subscription's query and delete another.
		before := cur.Load().Subscriptions
		t0 = time.Now()
		call("PATCH", "/api/v1/subscriptions/"+stored[2*i].ID, fmt.Sprintf(`{"query": %q}`, q))
		change = append(change, visible(t0, func(s *watcher.Subscriptions) bool { return s != before }))
		gone := stored[2*i+1].ID
		t0 = time.Now()
		call("DELETE", "/api/v1/subscriptions/"+gone, "")
		change = append(change, visible(t0, func(s *watcher.Subscriptions) bool { return !s.Has(gone) }))
		i++
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
	b.ReportMetric(pct(change, 0.5), "visible-p50-ms")
	b.ReportMetric(pct(change, 0.99), "visible-p99-ms")
	b.ReportMetric(startup.Seconds(), "startup-s")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
	b.ReportMetric(float64(cur.Load().Subscriptions.Recent()), "changes-carried")
}
