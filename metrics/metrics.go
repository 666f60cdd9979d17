// Package metrics exposes feedhound's work in the Prometheus format: polls
// by result and their duration, items ingested, matches by rule, alerts by
// result and the outbox's depth. Each Metrics has its own registry; none
// is global.
package metrics

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors. It is safe for concurrent use.
type Metrics struct {
	registry     *prometheus.Registry
	polls        *prometheus.CounterVec
	pollDuration prometheus.Histogram
	items        prometheus.Counter
	matches      *prometheus.CounterVec
	alerts       *prometheus.CounterVec
	reloadOK     prometheus.Gauge
	reloadAt     prometheus.Gauge
}

// Counts gives what is read at every scrape: alerts by state, for the
// outbox's depth, and the number of subscriptions.
type Counts interface {
	NotificationCounts(ctx context.Context) (map[string]int, error)
	SubscriptionCount(ctx context.Context) (int, error)
	// WriteFailure is the error of the database's last write, if it
	// failed; WriteFailures counts the writes that failed.
	WriteFailure() (time.Time, error)
	WriteFailures() int64
}

// SourceStat is what the metrics show of one source.
type SourceStat struct {
	Name        string
	LastSuccess time.Time // zero: never
	Failures    int       // consecutive
}

// Options are the rest of what a Metrics shows.
type Options struct {
	// Version, Revision and GoVersion label feedhound_build_info.
	Version, Revision, GoVersion string
	// Sources, if set, gives each source's state at every scrape.
	Sources func(ctx context.Context) ([]SourceStat, error)
	// Instance, if set, labels every metric as feedhound_instance: the
	// instances sharing a database count apart. (Prometheus's own
	// instance label names the address it scraped.)
	Instance string
}

// sourceCollector reads the sources' states at each scrape.
type sourceCollector struct {
	read        func(ctx context.Context) ([]SourceStat, error)
	lastSuccess *prometheus.Desc
	failures    *prometheus.Desc
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastSuccess
	ch <- c.failures
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := c.read(ctx)
	if err != nil {
		return
	}
	for _, s := range stats {
		if !s.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, float64(s.LastSuccess.UnixMilli())/1000, s.Name)
		}
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(s.Failures), s.Name)
	}
}

// New returns a Metrics reading counts from ob.
func New(ob Counts, o Options) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedhound_polls_total", Help: "Polls of sources, by result: 200, 304, 410 or error.",
		}, []string{"result"}),
		pollDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "feedhound_poll_duration_seconds", Help: "How long a poll took, recording included.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}),
		items: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedhound_items_ingested_total", Help: "Items seen for the first time.",
		}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedhound_matches_total", Help: "New matches, by rule.",
		}, []string{"rule"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedhound_notifications_total", Help: "Delivery attempts of alerts, by result: delivered, retry or failed.",
		}, []string{"result"}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedhound_config_last_reload_successful", Help: "Whether the last reload of the configuration succeeded (1) or was refused (0).",
		}),
		reloadAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedhound_config_last_reload_success_timestamp_seconds", Help: "When the configuration was last loaded or reloaded with success.",
		}),
	}
	m.Reload(true, time.Now()) // the configuration started with
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "feedhound_notifications_pending", Help: "Alerts in the outbox waiting to be delivered.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		counts, err := ob.NotificationCounts(ctx)
		if err != nil {
			return -1
		}
		return float64(counts["pending"])
	})
	subscriptions := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "feedhound_subscriptions", Help: "Subscriptions made through the API.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := ob.SubscriptionCount(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	writable := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "feedhound_database_writable", Help: "1 while the database can be written, 0 while writes fail (a full disk, say): polls and deliveries wait.",
	}, func() float64 {
		if _, err := ob.WriteFailure(); err != nil {
			return 0
		}
		return 1
	})
	writeFailures := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "feedhound_database_write_failures_total", Help: "Writes to the database that failed.",
	}, func() float64 { return float64(ob.WriteFailures()) })
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "feedhound_build_info", Help: "Always 1; its labels say which feedhound runs.",
		ConstLabels: prometheus.Labels{"version": o.Version, "revision": o.Revision, "goversion": o.GoVersion},
	})
	build.Set(1)
	var reg prometheus.Registerer = m.registry
	if o.Instance != "" {
		reg = prometheus.WrapRegistererWith(prometheus.Labels{"feedhound_instance": o.Instance}, reg)
	}
	reg.MustRegister(m.polls, m.pollDuration, m.items, m.matches, m.alerts, m.reloadOK, m.reloadAt, depth, subscriptions, writable, writeFailures, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if o.Sources != nil {
		reg.MustRegister(&sourceCollector{
			read: o.Sources,
			lastSuccess: prometheus.NewDesc("feedhound_source_last_success_timestamp_seconds",
				"When the source was last polled successfully (200 or 304), in Unix seconds.", []string{"source"}, nil),
			failures: prometheus.NewDesc("feedhound_source_consecutive_failures",
				"Polls of the source that failed in a row.", []string{"source"}, nil),
		})
	}
	// Counters are there at zero from the start, so that rate() and
	// alerts on them work before the first event.
	for _, r := range []string{"200", "304", "410", "error"} {
		m.polls.WithLabelValues(r)
	}
	for _, r := range []string{"delivered", "retry", "failed"} {
		m.alerts.WithLabelValues(r)
	}
	return m
}

// Rules makes the rules' match counters exist, at zero for those with no
// match yet.
func (m *Metrics) Rules(names []string) {
	for _, n := range names {
		m.matches.WithLabelValues(n)
	}
}

// Poll records a poll's result, how long it took and what it found.
func (m *Metrics) Poll(result string, d time.Duration, newItems int) {
	m.polls.WithLabelValues(result).Inc()
	m.pollDuration.Observe(d.Seconds())
	m.items.Add(float64(newItems))
}

// SubscriptionsRule is the rule label under which the matches of every
// subscription are counted: their rules' names (@sub_…) come and go with
// the API, and a series each would grow without bound.
const SubscriptionsRule = "@subscriptions"

// Match records new matches of a rule; those of subscriptions' rules,
// whose names start with @, are counted together (SubscriptionsRule).
func (m *Metrics) Match(rule string, n int) {
	if strings.HasPrefix(rule, "@") {
		rule = SubscriptionsRule
	}
	m.matches.WithLabelValues(rule).Add(float64(n))
}

// Delivery records the result of a delivery attempt.
func (m *Metrics) Delivery(result string) {
	m.alerts.WithLabelValues(result).Inc()
}

// Reload records a reload of the configuration: whether it succeeded,
// and when.
func (m *Metrics) Reload(ok bool, at time.Time) {
	if !ok {
		m.reloadOK.Set(0)
		return
	}
	m.reloadOK.Set(1)
	m.reloadAt.Set(float64(at.UnixMilli()) / 1000)
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
