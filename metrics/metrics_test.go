package metrics

import (
	"context"
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

func TestExposition(t *testing.T) {
	m := New(outbox{"pending": 3, "delivered": 9, "subscriptions": 7})
	m.Poll("200", 120*time.Millisecond, 4)
	m.Poll("304", 10*time.Millisecond, 0)
	m.Poll("304", 12*time.Millisecond, 0)
	m.Match("kim-putin", 2)
	m.Delivery("delivered")
	m.Delivery("retry")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	for _, want := range []string{
		`feedhound_polls_total{result="200"} 1`,
		`feedhound_polls_total{result="304"} 2`,
		`feedhound_poll_duration_seconds_count 3`,
		`feedhound_items_ingested_total 4`,
		`feedhound_matches_total{rule="kim-putin"} 2`,
		`feedhound_notifications_total{result="delivered"} 1`,
		`feedhound_notifications_total{result="retry"} 1`,
		`feedhound_notifications_pending 3`,
		`feedhound_subscriptions 7`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Two Metrics do not share a registry.
	other := New(outbox{})
	rec = httptest.NewRecorder()
	other.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ = io.ReadAll(rec.Result().Body)
	if strings.Contains(string(body), `feedhound_matches_total{rule="kim-putin"}`) {
		t.Error("a second Metrics sees the first one's matches")
	}
}
