package server

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
)

var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"when":   when,
	"plural": plural,
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Problems}}{{.Summary}} — {{end}}feedhound</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 72em; padding: 0 1em; color: #1d1d1f; }
h1 { margin-bottom: .2em; }
.summary { font-size: 1.15em; padding: .6em .9em; border-radius: 6px; margin: .8em 0 1.2em; }
.summary.ok { background: #e7f6ea; color: #14532d; }
.summary.bad { background: #fdecea; color: #7f1d1d; }
.updated { color: #555; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2em; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
th { font-weight: 600; background: #f6f6f7; }
tr.failing td { background: #fff5f4; }
.error { color: #a40000; }
.gone { color: #777; }
.muted { color: #666; }
code { font-size: 90%; }
</style>
</head>
<body>
<h1>feedhound</h1>
<p class="updated">Updated <time datetime="{{.Now.UTC.Format "2006-01-02T15:04:05Z"}}">{{.Now.UTC.Format "2006-01-02 15:04:05 UTC"}}</time> · <a href="feeds.opml">All filtered feeds (OPML)</a> · <a href="sources.opml">Every source as a feed (OPML)</a> · <a href="./">Alerts</a></p>
<p class="summary {{if .Problems}}bad{{else}}ok{{end}}" id="summary">{{.Summary}}</p>
{{with .Database}}<p class="error" role="alert"><strong>{{.}}</strong>. Polls and alert deliveries wait until it is fixed; nothing is lost.</p>{{end}}
{{with .ClusterWarning}}<p class="error" role="alert" id="cluster"><strong>{{.}}</strong></p>{{end}}
{{with .Refused}}{{if .Problems}}<div class="error" role="alert" id="reload"><p><strong>The configuration was changed, but the change was refused {{when $.Now .At}}</strong>: the configuration before it keeps running until a reload succeeds. {{plural (len .Problems) "problem"}}:</p>
<ul>{{range .Problems}}<li><code>{{.}}</code></li>{{end}}</ul></div>{{end}}{{end}}
<h2>Sources</h2>
<table id="sources">
<tr><th>Source</th><th>Result</th><th>Last poll</th><th>Next poll</th><th>Items</th></tr>
{{range .Sources}}<tr{{if .Failing}} class="failing"{{end}}>
<td><a href="{{.URL}}">{{.Name}}</a>{{if .Title}}<br><small class="muted">{{.Title}}</small>{{end}}<br><small><a href="sources/{{.Name}}.rss">RSS</a> · <a href="sources/{{.Name}}.atom">Atom</a> · <a href="sources/{{.Name}}.json">JSON</a></small></td>
<td>{{if .Gone}}<span class="gone">gone (HTTP 410): polling stopped</span>{{else if .Failing}}<span class="error">{{.LastError}}</span><br><small>{{if not .FailingSince.IsZero}}failing since {{when $.Now .FailingSince}}{{if gt .Failures 1}}, {{end}}{{end}}{{if gt .Failures 1}}{{.Failures}} failures in a row{{end}}</small>{{else}}{{.Result}}{{end}}{{if .FullTextFailed}}<br><small class="error">full text: {{.FullTextFailed}} of {{plural .FullTextFetched "article"}} not read ({{.FullTextError}}); their feed's text is used</small>{{end}}</td>
<td>{{when $.Now .LastPoll}}{{if and $.Cluster .PolledBy}}<br><small class="muted">by {{.PolledBy}}</small>{{end}}</td>
<td>{{if .Gone}}–{{else}}{{when $.Now .NextPoll}}{{end}}</td>
<td>{{.Items}}</td>
</tr>{{else}}<tr><td colspan="5">No sources configured.</td></tr>{{end}}
</table>
<h2>Rules</h2>
<table id="rules">
<tr><th>Rule</th><th>Query</th><th>Stories</th><th>Copies</th><th>Last match</th><th>Feeds</th></tr>
{{range .Rules}}<tr>
<td>{{.Name}}</td><td><code>{{.Query}}</code></td><td>{{.Stories}}</td><td>{{.Matches}}</td><td>{{when $.Now .LastMatch}}</td>
<td><a href="feeds/{{.Name}}.rss">RSS</a> · <a href="feeds/{{.Name}}.atom">Atom</a> · <a href="feeds/{{.Name}}.json">JSON</a></td>
</tr>{{else}}<tr><td colspan="6">No rules configured.</td></tr>{{end}}
</table>
{{if .Subscriptions}}<p>And {{plural .Subscriptions "subscription"}} made through the API, whose feeds only their owners know.</p>{{end}}
<h2>Alerts</h2>
<p>{{.Alerts.Pending}} pending, {{.Alerts.Delivered}} delivered, {{.Alerts.Failed}} failed.</p>
{{if .Failed}}<table id="failed">
<tr><th>Alert</th><th>Rule → notifier</th><th>Story</th><th>Why it failed</th></tr>
{{range .Failed}}<tr><td>{{.ID}}</td><td>{{.Rule}} → {{.Notifier}}</td><td>{{.Match.Item.Title}}</td>
<td><span class="error">{{.LastError}}</span> ({{plural .Attempts "attempt"}})</td></tr>{{end}}
</table>
{{if gt .Alerts.Failed (len .Failed)}}<p>These are the newest {{len .Failed}} of {{.Alerts.Failed}} failed alerts: <code>feedhound notifications --failed --limit {{.Alerts.Failed}}</code> lists them all.</p>
{{end}}<p>Send them again with <code>feedhound notifications retry ID</code> or <code>--all</code>.</p>{{end}}
</body>
</html>
`))

type statusRule struct {
	Name, Query string
	// Matches counts the items matched, copies included; Stories the
	// stories they are copies of.
	Matches, Stories int
	LastMatch        time.Time
}

// statusSource is a source's row: its stored state (URL as it may be
// shown), and how many items it has.
type statusSource struct {
	store.Source
	Items int
}

// Failing reports whether the source's last poll failed.
func (s statusSource) Failing() bool { return !s.Gone && s.LastStatus == "error" }

// Result says in words what the last poll found.
func (s statusSource) Result() string {
	switch s.LastStatus {
	case "":
		return "not polled yet"
	case "304":
		return "unchanged"
	case "200":
		if s.LastNew == 0 {
			return "no new items"
		}
		return plural(s.LastNew, "new item")
	}
	return s.LastStatus
}

// plural counts things in words: "1 new item", "3 new items".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// statusFailed is how many failed alerts the status page lists.
const statusFailed = 20

// serveStatus shows each source's polling and each rule's matches.
func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.plan()
	health := s.store.Health(ctx)
	fail := func(err error) {
		if health != nil {
			err = health // says more than the read that failed
		}
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	}
	states, err := s.store.Sources(ctx)
	if err != nil {
		fail(err)
		return
	}
	counts, err := s.store.ItemCounts(ctx)
	if err != nil {
		fail(err)
		return
	}
	stats, err := s.store.RuleStats(ctx)
	if err != nil {
		fail(err)
		return
	}
	alerts, err := s.store.NotificationCounts(ctx)
	if err != nil {
		fail(err)
		return
	}
	failed, err := s.store.Notifications(ctx, true, statusFailed)
	if err != nil {
		fail(err)
		return
	}
	data := struct {
		Now           time.Time
		Summary       string // what is wrong at a glance, or that nothing is
		Problems      bool
		Rules         []statusRule
		Sources       []statusSource
		Alerts        struct{ Pending, Delivered, Failed int }
		Subscriptions int
		Failed        []store.Notification
		Database      string // what is wrong with it, if anything
		// Cluster is set when instances share the database: each source
		// says which polled it last.
		Cluster bool
		// ClusterWarning says that this instance's configuration is
		// not the other instances'.
		ClusterWarning string
		Refused        RefusedReload
	}{Now: time.Now(), Failed: failed, Cluster: s.store.Shared()}
	if s.ClusterWarning != nil {
		data.ClusterWarning = s.ClusterWarning()
	}
	if s.Refused != nil {
		data.Refused = s.Refused()
	}
	if health != nil {
		data.Database = health.Error()
	}
	data.Alerts.Pending, data.Alerts.Delivered, data.Alerts.Failed = alerts["pending"], alerts["delivered"], alerts["failed"]
	data.Subscriptions = p.Subscriptions.Len()
	for _, rule := range p.Rules {
		st := stats[rule.Name]
		data.Rules = append(data.Rules, statusRule{Name: rule.Name, Query: rule.Query.String(), Matches: st.Matches, Stories: st.Stories, LastMatch: st.LastMatch})
	}
	byName := map[string]store.Source{}
	for _, st := range states {
		byName[st.Name] = st
	}
	for _, src := range p.Sources {
		row := statusSource{Source: store.Source{Name: src.Name, URL: src.URL}, Items: counts[src.Name]}
		if st, ok := byName[src.Name]; ok {
			row.Source = st
		}
		row.URL = feed.ShowURL(row.URL)
		data.Sources = append(data.Sources, row)
	}
	// Failing sources first, the longest failing at the top; then gone
	// ones; then the rest by name.
	rank := func(s statusSource) int {
		switch {
		case s.Failing():
			return 0
		case s.Gone:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(data.Sources, func(a, b statusSource) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if a.Failing() {
			return a.FailingSince.Compare(b.FailingSince)
		}
		return strings.Compare(a.Name, b.Name)
	})
	data.Summary, data.Problems = summarize(data.Sources, data.Alerts.Failed, data.Database, len(data.Refused.Problems) > 0)
	var b bytes.Buffer
	if err := statusPage.Execute(&b, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b.Bytes())
}

// summarize is the status page's first line: what is wrong, or that
// nothing is.
func summarize(sources []statusSource, failedAlerts int, database string, refused bool) (string, bool) {
	failing, gone := 0, 0
	for _, s := range sources {
		if s.Failing() {
			failing++
		}
		if s.Gone {
			gone++
		}
	}
	var parts []string
	if database != "" {
		parts = append(parts, "database needs attention")
	}
	if refused {
		parts = append(parts, "configuration change refused")
	}
	if failing > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d sources failing", failing, len(sources)))
	}
	if gone > 0 {
		parts = append(parts, fmt.Sprintf("%d gone", gone))
	}
	if failedAlerts > 0 {
		parts = append(parts, plural(failedAlerts, "alert")+" failed")
	}
	if len(parts) == 0 {
		if len(sources) == 1 {
			return "The source is fine; no alert failed", false
		}
		return fmt.Sprintf("All %d sources fine; no alert failed", len(sources)), false
	}
	return strings.Join(parts, " · "), true
}

// when shows a time for people: "never", "in 4m", "12s ago", with the
// exact time in UTC.
func when(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := t.Sub(now).Round(time.Second)
	exact := t.UTC().Format("2006-01-02 15:04:05 UTC")
	switch {
	case d == 0:
		return "now (" + exact + ")"
	case d > 0:
		return fmt.Sprintf("in %s (%s)", span(d), exact)
	}
	return fmt.Sprintf("%s ago (%s)", span(-d), exact)
}

// span is a duration as people say it: 42s, 12m, 3h 5m, 84 days.
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return plural(int(d.Hours()/24), "day")
}
