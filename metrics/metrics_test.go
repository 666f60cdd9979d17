package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// outbox is a fixed count of alerts, and of subscriptions.
type outbox map[string]int

func (o outbox) NotificationCounts(context.Context) (map[string]int, error) { return o, nil }
func (o outbox) SubscriptionCount(context.Context) (int, error)             { return o["subscriptions"], nil }
func (o outbox) WriteFailure() (time.Time, error) {
	if o["write_failures"] > 0 {
		return time.Unix(0, 0), errors.New("database or disk is full")
	}
	return time.Time{}, nil
}
func (o outbox) WriteFailures() int64 { return int64(o["write_failures"]) }

func TestExposition(t *testing.T) {
	m := New(outbox{"pending": 3, "delivered": 9, "subscriptions": 7}, Options{Version: "v1.2.3", Revision: "abc123", GoVersion: "go1.26.8",
		Sources: func(context.Context) ([]SourceStat, error) {
			return []SourceStat{{Name: "koreatimes", LastSuccess: time.Unix(1788000000, 500e6)}, {Name: "wire", Failures: 3}}, nil
		}})
	m.Rules([]string{"kim-putin", "quiet"})
	m.Poll("200", 120*time.Millisecond, 4)
	m.Poll("304", 10*time.Millisecond, 0)
	m.Poll("304", 12*time.Millisecond, 0)
	m.Match("kim-putin", 2)
	for i := range 50 { // subscriptions' rules: one series for all
		m.Match(fmt.Sprintf("@sub_%d", i), 1)
	}
	m.Delivery("delivered")
	m.Delivery("retry")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	if strings.Contains(string(body), "@sub_") {
		t.Error("a series of its own for a subscription")
	}
	for _, want := range []string{
		`feedhound_polls_total{result="200"} 1`,
		`feedhound_polls_total{result="304"} 2`,
		`feedhound_poll_duration_seconds_count 3`,
		`feedhound_items_ingested_total 4`,
		`feedhound_matches_total{rule="kim-putin"} 2`,
		`feedhound_matches_total{rule="@subscriptions"} 50`,
		`feedhound_notifications_total{result="delivered"} 1`,
		`feedhound_notifications_total{result="retry"} 1`,
		`feedhound_notifications_pending 3`,
		`feedhound_subscriptions 7`,
		`feedhound_database_writable 1`,
		`feedhound_build_info{goversion="go1.26.8",revision="abc123",version="v1.2.3"} 1`,
		`feedhound_source_last_success_timestamp_seconds{source="koreatimes"} 1.7880000005e+09`,
		`feedhound_source_consecutive_failures{source="koreatimes"} 0`,
		`feedhound_source_consecutive_failures{source="wire"} 3`,
		`feedhound_polls_total{result="error"} 0`,
		`feedhound_polls_total{result="410"} 0`,
		`feedhound_notifications_total{result="failed"} 0`,
		`feedhound_matches_total{rule="quiet"} 0`,
		`feedhound_database_write_failures_total 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// A database that cannot be written shows.
	full := New(outbox{"write_failures": 5}, Options{})
	rec = httptest.NewRecorder()
	full.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ = io.ReadAll(rec.Result().Body)
	for _, want := range []string{"feedhound_database_writable 0", "feedhound_database_write_failures_total 5"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics of a full disk lack %q", want)
		}
	}
	// Two Metrics do not share a registry.
	other := New(outbox{}, Options{})
	rec = httptest.NewRecorder()
	other.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ = io.ReadAll(rec.Result().Body)
	if strings.Contains(string(body), `feedhound_matches_total{rule="kim-putin"}`) {
		t.Error("a second Metrics sees the first one's matches")
	}
}

// TestInstanceLabel: an instance sharing a database labels every metric
// with its name.
func TestInstanceLabel(t *testing.T) {
	m := New(outbox{"pending": 2}, Options{Instance: "feeds-2/4117",
		Sources: func(context.Context) ([]SourceStat, error) { return []SourceStat{{Name: "wire", Failures: 1}}, nil }})
	m.Poll("200", time.Millisecond, 1)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	for _, want := range []string{
		`feedhound_polls_total{feedhound_instance="feeds-2/4117",result="200"} 1`,
		`feedhound_notifications_pending{feedhound_instance="feeds-2/4117"} 2`,
		`feedhound_source_consecutive_failures{feedhound_instance="feeds-2/4117",source="wire"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
