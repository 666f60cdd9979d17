package app

import (
	"net/http"

	"github.com/feedhound/feedhound/store"
)

// maxListed bounds the alerts one page lists.
const maxListed = 500

// alertRow is one alert on the alerts page.
type alertRow struct {
	Name, Query, Delivery string
	Owner                 string // shown to admins, who see everyone's
	Stats                 store.RuleStats
	Feed                  string
}

// alerts lists the signed-in user's alerts — an admin's list has every
// account's — up to maxListed of them, with their counts.
func (a *App) alerts(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	owner := sess.Account
	if sess.Admin {
		owner = ""
	}
	subs, err := a.store.Subscriptions(r.Context(), owner, 0, maxListed)
	if err != nil {
		a.internal(w, err)
		return
	}
	rules := make([]string, len(subs))
	for i, s := range subs {
		rules[i] = s.Rule()
	}
	var stats map[string]store.RuleStats
	if len(rules) > 0 {
		if stats, err = a.store.RuleStats(r.Context(), rules...); err != nil {
			a.internal(w, err)
			return
		}
	}
	d := pageData{Title: "Alerts", Session: sess, Truncated: len(subs) == maxListed}
	for _, s := range subs {
		delivery := "its feed"
		if s.Notify.Kind != "" {
			delivery = "its feed and " + s.Notify.Kind
		}
		row := alertRow{Name: s.Name, Query: s.Query, Delivery: delivery, Stats: stats[s.Rule()], Feed: a.base + "/feeds/s/" + s.FeedToken + ".atom"}
		if sess.Admin && s.Owner != sess.Account {
			row.Owner = s.Owner
		}
		d.Alerts = append(d.Alerts, row)
	}
	a.page(w, http.StatusOK, "alerts", d)
}
