package app

import (
	"net/http"

	"github.com/feedhound/feedhound/store"
)

// alertRow is one alert on the alerts page.
type alertRow struct {
	Name, Query, Delivery string
	Owner                 string // shown to admins, who see everyone's
	Stories               int
	LastMatch             store.RuleStats
	Feed                  string
}

// alerts lists the signed-in user's alerts; an admin's list has every
// account's.
func (a *App) alerts(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	owner := sess.Account
	if sess.Admin {
		owner = ""
	}
	var rows []alertRow
	stats, err := a.store.RuleStats(r.Context())
	if err != nil {
		a.internal(w, err)
		return
	}
	var after int64
	for {
		subs, err := a.store.Subscriptions(r.Context(), owner, after, 500)
		if err != nil {
			a.internal(w, err)
			return
		}
		for _, s := range subs {
			delivery := "its feed"
			if s.Notify.Kind != "" {
				delivery = "its feed and " + s.Notify.Kind
			}
			st := stats[s.Rule()]
			row := alertRow{Name: s.Name, Query: s.Query, Delivery: delivery, Stories: st.Stories, LastMatch: st,
				Feed: a.base + "/feeds/s/" + s.FeedToken + ".atom"}
			if sess.Admin && s.Owner != sess.Account {
				row.Owner = s.Owner
			}
			rows = append(rows, row)
		}
		if len(subs) < 500 {
			break
		}
		after = subs[len(subs)-1].Seq()
	}
	a.page(w, http.StatusOK, "alerts", pageData{Title: "Alerts", Session: sess, Alerts: rows})
}
