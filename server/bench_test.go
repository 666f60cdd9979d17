package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
)

// BenchmarkServeFeed serves a 50-entry filtered feed over loopback TCP to
// parallel keep-alive clients: full responses, and 304s to clients that
// have the current copy.
func BenchmarkServeFeed(b *testing.B) {
	srv, st := fixture(b)
	var items []store.NewItem
	for i := range 50 {
		items = append(items, store.NewItem{
			Item: feed.Item{
				ID: fmt.Sprint("bench-", i), Title: fmt.Sprintf("Kim-Putin summit: update %d", i),
				Link: fmt.Sprintf("https://wire.example.org/%d", i), Published: t0,
				Summary: "<p>Officials in Seoul said preparations for the <b>Kim–Putin summit</b> were under way, citing an armoured train near the border.</p>",
			},
			Matches: []store.Match{{Rule: "kim-putin"}},
		})
	}
	if _, err := st.Record(context.Background(), "wire", items, t0); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	url := hs.URL + "/feeds/kim-putin.atom"
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	etag := resp.Header.Get("ETag")
	resp.Body.Close()
	for _, tc := range []struct {
		name   string
		header string
		status int
	}{{"200", "", 200}, {"304", etag, 304}} {
		b.Run(tc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
			start := time.Now()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", url, nil)
					if tc.header != "" {
						req.Header.Set("If-None-Match", tc.header)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != tc.status {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}
