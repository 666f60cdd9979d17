package server

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
)

var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"when": when,
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>feedhound</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2em; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
.error { color: #a00; }
.gone { color: #777; }
code { font-size: 90%; }
</style>
</head>
<body>
<h1>feedhound</h1>
<p>Checked {{when .Now .Now}}. <a href="/feeds.opml">All filtered feeds (OPML)</a></p>
{{with .Database}}<p class="error" role="alert"><strong>{{.}}</strong>. Polls and alert deliveries wait until it is fixed; nothing is lost.</p>{{end}}
<h2>Rules</h2>
<table>
<tr><th>Rule</th><th>Query</th><th>Matches</th><th>Last match</th><th>Feeds</th></tr>
{{range .Rules}}<tr>
<td>{{.Name}}</td><td><code>{{.Query}}</code></td><td>{{.Matches}}</td><td>{{when $.Now .LastMatch}}</td>
<td><a href="/feeds/{{.Name}}.rss">RSS</a> · <a href="/feeds/{{.Name}}.atom">Atom</a> · <a href="/feeds/{{.Name}}.json">JSON</a></td>
</tr>{{else}}<tr><td colspan="5">No rules configured.</td></tr>{{end}}
</table>
{{if .Subscriptions}}<p>And {{.Subscriptions}} subscriptions made through the API, whose feeds only their owners know.</p>{{end}}
<h2>Sources</h2>
<table>
<tr><th>Source</th><th>Last poll</th><th>Result</th><th>Next poll</th><th>Items</th></tr>
{{range .Sources}}<tr>
<td><a href="{{.URL}}">{{.Name}}</a>{{if .Title}}<br><small>{{.Title}}</small>{{end}}</td>
<td>{{when $.Now .LastPoll}}</td>
<td>{{if .Gone}}<span class="gone">gone (HTTP 410): polling stopped</span>{{else if eq .LastStatus "error"}}<span class="error">{{.LastError}}</span>{{if gt .Failures 1}} ({{.Failures}} failures in a row){{end}}{{else}}{{.LastStatus}}{{end}}</td>
<td>{{if .Gone}}–{{else}}{{when $.Now .NextPoll}}{{end}}</td>
<td>{{.Items}}</td>
</tr>{{else}}<tr><td colspan="5">No sources configured.</td></tr>{{end}}
</table>
<h2>Alerts</h2>
<p>{{.Alerts.Pending}} pending, {{.Alerts.Delivered}} delivered, {{.Alerts.Failed}} failed.</p>
{{if .Failed}}<table>
<tr><th>Alert</th><th>Rule → notifier</th><th>Story</th><th>Why it failed</th></tr>
{{range .Failed}}<tr><td>{{.ID}}</td><td>{{.Rule}} → {{.Notifier}}</td><td>{{.Match.Item.Title}}</td>
<td><span class="error">{{.LastError}}</span> ({{.Attempts}} attempt{{if ne .Attempts 1}}s{{end}})</td></tr>{{end}}
</table>
{{if gt .Alerts.Failed (len .Failed)}}<p>These are the newest {{len .Failed}} of {{.Alerts.Failed}} failed alerts: <code>feedhound notifications --failed --limit {{.Alerts.Failed}}</code> lists them all.</p>
{{end}}<p>Send them again with <code>feedhound notifications retry ID</code> or <code>--all</code>.</p>{{end}}
</body>
</html>
`))

type statusRule struct {
	Name, Query string
	Matches     int
	LastMatch   time.Time
}

type statusSource struct {
	Name, URL, Title string
	LastPoll         time.Time
	LastStatus       string
	LastError        string
	Failures         int
	NextPoll         time.Time
	Gone             bool
	Items            int
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
		Rules         []statusRule
		Sources       []statusSource
		Alerts        struct{ Pending, Delivered, Failed int }
		Subscriptions int
		Failed        []store.Notification
		Database      string // what is wrong with it, if anything
	}{Now: time.Now(), Failed: failed}
	if health != nil {
		data.Database = health.Error()
	}
	data.Alerts.Pending, data.Alerts.Delivered, data.Alerts.Failed = alerts["pending"], alerts["delivered"], alerts["failed"]
	for _, rule := range p.Rules {
		if store.IsSubscriptionRule(rule.Name) {
			data.Subscriptions++
			continue
		}
		st := stats[rule.Name]
		data.Rules = append(data.Rules, statusRule{Name: rule.Name, Query: rule.Query.String(), Matches: st.Matches, LastMatch: st.LastMatch})
	}
	byName := map[string]int{}
	for i, st := range states {
		byName[st.Name] = i
	}
	for _, src := range p.Sources {
		row := statusSource{Name: src.Name, URL: src.URL, Items: counts[src.Name]}
		if i, ok := byName[src.Name]; ok {
			st := states[i]
			row.URL, row.Title = st.URL, st.Title
			row.LastPoll, row.LastStatus, row.LastError = st.LastPoll, st.LastStatus, st.LastError
			row.Failures, row.NextPoll, row.Gone = st.Failures, st.NextPoll, st.Gone
		}
		row.URL = feed.ShowURL(row.URL)
		data.Sources = append(data.Sources, row)
	}
	var b bytes.Buffer
	if err := statusPage.Execute(&b, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b.Bytes())
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
		return fmt.Sprintf("in %s (%s)", d, exact)
	}
	return fmt.Sprintf("%s ago (%s)", -d, exact)
}
