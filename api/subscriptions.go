package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// subscriptionJSON is a subscription as the API shows it.
type subscriptionJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Query   string    `json:"query"`
	Sources []string  `json:"sources"`
	Created time.Time `json:"created"`
	Feeds   struct {
		RSS  string `json:"rss"`
		Atom string `json:"atom"`
		JSON string `json:"json"`
	} `json:"feeds"`
	Notify     *notifyView `json:"notify,omitempty"`
	Digest     string      `json:"digest,omitempty"`
	Group      string      `json:"group"`
	Matches    []matchJSON `json:"matches,omitempty"`
	Backfilled *int        `json:"backfilled,omitempty"` // stories matched by a backfill
}

type matchJSON struct {
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	Source    string    `json:"source"`
	Published time.Time `json:"published"`
	MatchedAt time.Time `json:"matched_at"`
}

func (a *API) view(s store.Subscription) subscriptionJSON {
	v := subscriptionJSON{ID: s.ID, Name: s.Name, Query: s.Query, Sources: s.Sources, Created: s.Created.UTC(), Digest: s.Digest, Group: s.Group}
	if s.Notify.URL != "" {
		v.Notify = &notifyView{Type: s.Notify.Kind, URL: destination.Redact(s.Notify.URL), Signed: s.Notify.Secret != ""}
		if v.Notify.Options, v.Notify.Hidden = s.Notify.Shown(); len(v.Notify.Options) == 0 {
			v.Notify.Options = nil
		}
	}
	if v.Sources == nil {
		v.Sources = []string{}
	}
	base := a.BaseURL + "/feeds/s/" + s.FeedToken
	v.Feeds.RSS, v.Feeds.Atom, v.Feeds.JSON = base+".rss", base+".atom", base+".json"
	return v
}

type createRequest struct {
	Name     string          `json:"name"`
	Query    string          `json:"query"`
	Sources  []string        `json:"sources"`
	Notify   json.RawMessage `json:"notify"` // see decodeNotify
	Digest   string          `json:"digest"`
	Backfill string          `json:"backfill"` // "7d": match the stories of the last seven days too
	Group    string          `json:"group"`    // "story" (the default) or "none"
}

// validGroup reports whether group is a subscription's grouping, and
// answers 422 if not.
func validGroup(w http.ResponseWriter, group string) bool {
	if group == "" || config.ValidGroup(group) {
		return true
	}
	writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("group: want story (one alert per story, the default) or none (one for every copy), not %q", group), Field: "group"})
	return false
}

// validate checks a subscription's name, query and sources, answering the
// request if they are not good.
func (a *API) validate(w http.ResponseWriter, name, query string, sources []string) bool {
	if !a.checkName(w, name) {
		return false
	}
	if strings.TrimSpace(query) == "" {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: "query: required", Field: "query"})
		return false
	}
	if _, err := rules.Parse(query); err != nil {
		e := apiError{Error: "query: " + err.Error(), Field: "query"}
		var qerr *rules.Error
		if errors.As(err, &qerr) {
			e.Column = qerr.Column
		}
		writeError(w, http.StatusUnprocessableEntity, e)
		return false
	}
	known := a.sources()
	if len(sources) > len(known) {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("sources: %d names, and there are %d sources", len(sources), len(known)), Field: "sources"})
		return false
	}
	for _, s := range sources {
		if !slices.Contains(known, s) {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("sources: unknown source %q", s), Field: "sources"})
			return false
		}
	}
	return true
}

// checkName answers 422 for a name longer than the limit.
func (a *API) checkName(w http.ResponseWriter, name string) bool {
	if n := utf8.RuneCountInString(name); n > a.Limits.MaxName {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("name: %d characters, at most %d", n, a.Limits.MaxName), Field: "name"})
		return false
	}
	return true
}

// withinQuota answers 429 when the request's account has as many
// subscriptions (or sources) as it may.
//
// Admin accounts have no quota: an operator's application may keep the
// subscriptions of all its users.
func (a *API) withinQuota(w http.ResponseWriter, r *http.Request, sources bool) bool {
	if tokenOf(r).Admin {
		return true
	}
	account := tokenOf(r).Account
	subs, srcs, err := a.store.Owned(r.Context(), account)
	if err != nil {
		a.internal(w, err)
		return false
	}
	have, limit, what, key := subs, a.Limits.MaxSubscriptions, "subscriptions", "max_subscriptions"
	if sources {
		have, limit, what, key = srcs, a.Limits.MaxSources, "sources", "max_sources"
	}
	if have >= limit {
		writeError(w, http.StatusTooManyRequests, apiError{Error: fmt.Sprintf("account %q has %d %s, as many as it may (api: %s in the configuration); delete some first", account, have, what, key)})
		return false
	}
	return true
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Name == "" {
		req.Name = destination.Truncate(req.Query, a.Limits.MaxName)
	}
	dest, ok := decodeNotify(w, req.Notify)
	if !ok || !a.validate(w, req.Name, req.Query, req.Sources) || !a.checkNotify(w, r, dest, req.Digest) || !validGroup(w, req.Group) {
		return
	}
	if !a.withinQuota(w, r, false) {
		return
	}
	var backfill time.Duration
	if req.Backfill != "" {
		var err error
		if backfill, err = config.Backfill(req.Backfill); err != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: err.Error(), Field: "backfill"})
			return
		}
	}
	sub := store.Subscription{Name: req.Name, Query: req.Query, Sources: req.Sources, Digest: req.Digest, Group: req.Group, Owner: tokenOf(r).Account}
	if dest != nil {
		sub.Notify = *dest
	}
	sub, err := a.store.CreateSubscription(r.Context(), sub, a.now())
	if err != nil {
		a.internal(w, err)
		return
	}
	v := a.view(sub)
	if backfill > 0 {
		n, err := a.backfill(r.Context(), sub, a.now().Add(-backfill))
		if err != nil {
			a.internal(w, err)
			return
		}
		v.Backfilled = &n
	}
	a.Changed(sub.ID)
	w.Header().Set("Location", "/api/v1/subscriptions/"+sub.ID)
	writeJSON(w, http.StatusCreated, v)
}

// backfill matches a new subscription against the stories stored since,
// so that its feed is not empty on its first day. No alerts are sent for
// them.
func (a *API) backfill(ctx context.Context, sub store.Subscription, since time.Time) (int, error) {
	q, err := rules.Parse(sub.Query)
	if err != nil {
		return 0, err
	}
	return watcher.Backfill(ctx, a.store, sub.Rule(), q, sub.Sources, since, a.now())
}

// Paging of the list.
const (
	defaultPage = 100
	maxPage     = 1000
)

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	limit := defaultPage
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			writeError(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf("limit: a number from 1 to %d", maxPage), Field: "limit"})
			return
		}
		limit = n
	}
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, apiError{Error: "after: the next cursor of the previous page", Field: "after"})
			return
		}
		after = n
	}
	subs, err := a.store.Subscriptions(r.Context(), scope(r), after, limit)
	if err != nil {
		a.internal(w, err)
		return
	}
	out := struct {
		Subscriptions []subscriptionJSON `json:"subscriptions"`
		Next          string             `json:"next,omitempty"`
	}{Subscriptions: []subscriptionJSON{}}
	for _, s := range subs {
		out.Subscriptions = append(out.Subscriptions, a.view(s))
	}
	if len(subs) == limit {
		out.Next = strconv.FormatInt(subs[len(subs)-1].Seq(), 10)
	}
	writeJSON(w, http.StatusOK, out)
}

// find returns the subscription a request names, if the request's token
// sees it: another account's is not found, as one that is not there.
func (a *API) find(w http.ResponseWriter, r *http.Request) (store.Subscription, bool) {
	sub, err := a.store.Subscription(r.Context(), r.PathValue("id"))
	if err == nil && !sees(r, sub.Owner) {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no subscription %q", r.PathValue("id"))})
		return sub, false
	}
	if err != nil {
		a.internal(w, err)
		return sub, false
	}
	return sub, true
}

// latest is how many matches a subscription's page shows.
const latest = 20

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	sub, ok := a.find(w, r)
	if !ok {
		return
	}
	v := a.view(sub)
	ms, err := a.store.LatestMatches(r.Context(), sub.Rule(), latest)
	if err != nil {
		a.internal(w, err)
		return
	}
	v.Matches = []matchJSON{}
	for _, m := range ms {
		v.Matches = append(v.Matches, matchJSON{Title: m.Item.Title, Link: m.Item.Link, Source: m.Source, Published: m.Item.Published.UTC(), MatchedAt: m.MatchedAt.UTC()})
	}
	writeJSON(w, http.StatusOK, v)
}

// patchRequest changes the fields it has.
type patchRequest struct {
	Name    *string   `json:"name"`
	Query   *string   `json:"query"`
	Sources *[]string `json:"sources"`
	// Notify replaces the destination, secret included; null removes it.
	Notify json.RawMessage `json:"notify"`
	Digest *string         `json:"digest"` // "": each alert on its own
	Group  *string         `json:"group"`
}

func (a *API) patch(w http.ResponseWriter, r *http.Request) {
	sub, ok := a.find(w, r)
	if !ok {
		return
	}
	var req patchRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Name != nil {
		sub.Name = *req.Name
	}
	if req.Query != nil {
		sub.Query = *req.Query
	}
	if req.Sources != nil {
		sub.Sources = *req.Sources
	}
	var dest *destination.Destination
	if sub.Notify.URL != "" {
		d := sub.Notify
		dest = &d
	}
	if len(req.Notify) > 0 {
		var ok bool
		if dest, ok = decodeNotify(w, req.Notify); !ok {
			return
		}
	}
	if req.Digest != nil {
		sub.Digest = *req.Digest
	}
	if req.Group != nil {
		sub.Group = *req.Group
	}
	if !a.validate(w, sub.Name, sub.Query, sub.Sources) || !a.checkNotify(w, r, dest, sub.Digest) || !validGroup(w, sub.Group) {
		return
	}
	sub.Notify = destination.Destination{}
	if dest != nil {
		sub.Notify = *dest
	}
	sub, err := a.store.UpdateSubscription(r.Context(), sub, a.now())
	if err != nil {
		a.internal(w, err)
		return
	}
	a.Changed(sub.ID)
	writeJSON(w, http.StatusOK, a.view(sub))
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.find(w, r); !ok {
		return
	}
	err := a.store.DeleteSubscription(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no subscription %q", r.PathValue("id"))})
		return
	}
	if err != nil {
		a.internal(w, err)
		return
	}
	a.Changed(r.PathValue("id"))
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) rotate(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.find(w, r); !ok {
		return
	}
	sub, err := a.store.RotateFeedToken(r.Context(), r.PathValue("id"), a.now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no subscription %q", r.PathValue("id"))})
		return
	}
	if err != nil {
		a.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.view(sub))
}
