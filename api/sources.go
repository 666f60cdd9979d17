package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/scrape"
	"github.com/feedhound/feedhound/store"
)

type sourceJSON struct {
	Name     string            `json:"name"`
	URL      string            `json:"url"`
	Schedule string            `json:"schedule"`
	Title    string            `json:"title,omitempty"`
	ReadOnly bool              `json:"read_only"` // defined in the configuration file
	Scrape   *scrape.Selectors `json:"scrape,omitempty"`
	FullText bool              `json:"fulltext,omitempty"`
	Timezone string            `json:"timezone,omitempty"`
}

// viewOf shows a source added through the API.
func viewOf(m store.APISource) sourceJSON {
	sj := sourceJSON{Name: m.Name, URL: feed.ShowURL(m.URL), Schedule: m.Schedule, Title: m.Title, FullText: m.FullText, Timezone: m.Timezone}
	if m.Scrape != "" {
		sj.Scrape = new(scrape.Selectors)
		json.Unmarshal([]byte(m.Scrape), sj.Scrape)
	}
	return sj
}

func (a *API) listSources(w http.ResponseWriter, r *http.Request) {
	added, err := a.store.APISources(r.Context())
	if err != nil {
		a.internal(w, err)
		return
	}
	out := struct {
		Sources []sourceJSON `json:"sources"`
	}{Sources: []sourceJSON{}}
	mine := map[string]store.APISource{}
	others := map[string]bool{} // other accounts' sources, which this token does not see
	for _, s := range added {
		if sees(r, s.Owner) {
			mine[s.Name] = s
		} else {
			others[s.Name] = true
		}
	}
	for _, s := range a.Plan().Sources {
		if others[s.Name] {
			continue
		}
		sj := sourceJSON{Name: s.Name, URL: feed.ShowURL(s.URL), Schedule: s.Spec, ReadOnly: true, FullText: s.FullText}
		if m, ok := mine[s.Name]; ok {
			sj = viewOf(m)
			sj.Schedule = s.Spec
			delete(mine, s.Name)
		}
		out.Sources = append(out.Sources, sj)
	}
	for _, m := range mine { // added a moment ago; the plan will follow
		out.Sources = append(out.Sources, viewOf(m))
	}
	writeJSON(w, http.StatusOK, out)
}

type addSourceRequest struct {
	Name     string `json:"name"`
	URL      string `json:"url"`
	Schedule string `json:"schedule"`
	// Scrape makes the source a page scraped for items: its selectors, or
	// {} to have them found.
	Scrape   *scrape.Selectors `json:"scrape"`
	FullText bool              `json:"fulltext"`
	Timezone string            `json:"timezone"`
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// nameFor makes a source name of a URL's host.
func nameFor(u *url.URL) string {
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(strings.TrimPrefix(u.Hostname(), "www.")), "-"), "-")
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// addSource adds a source a client names by a URL: the feed itself, or a
// page that links to one. The URL is fetched through the guard against
// private networks, whoever asks.
func (a *API) addSource(w http.ResponseWriter, r *http.Request) {
	var req addSourceRequest
	if !decode(w, r, &req) {
		return
	}
	if len(req.URL) > maxURL {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("url: %d bytes, at most %d", len(req.URL), maxURL), Field: "url"})
		return
	}
	u, ok := netguard.WebURL(req.URL)
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: "url: want an absolute http or https URL", Field: "url"})
		return
	}
	if req.Name == "" {
		req.Name = nameFor(u)
	}
	if !config.ValidName(req.Name) {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: "name: use lower-case letters, digits, '.', '_' and '-'", Field: "name"})
		return
	}
	if !a.checkName(w, req.Name) || !a.withinQuota(w, r, true) {
		return
	}
	if req.Schedule == "" {
		req.Schedule = config.DefaultSchedule
	}
	if err := config.CheckSchedule(req.Schedule, MinInterval); err != nil {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: err.Error(), Field: "schedule"})
		return
	}
	if slices.Contains(a.sources(), req.Name) {
		writeError(w, http.StatusConflict, apiError{Error: fmt.Sprintf("name: a source named %q exists", req.Name), Field: "name"})
		return
	}
	src := store.APISource{Name: req.Name, Schedule: req.Schedule, Created: a.now(), FullText: req.FullText, Timezone: req.Timezone, Owner: tokenOf(r).Account}
	var loc *time.Location
	if req.Timezone != "" {
		var err error
		if loc, err = config.Timezone(req.Timezone); err != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("timezone: %q: %v", req.Timezone, err), Field: "timezone"})
			return
		}
	}
	urlError := func(err error) {
		var refused *netguard.Refused
		msg := err.Error()
		if errors.As(err, &refused) {
			msg = refused.Error()
		}
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: "url: " + msg, Field: "url"})
	}
	if req.Scrape != nil {
		// A page scraped for items: it is read now, through the guard, and
		// must give items with these selectors (or with those found).
		p, err := scrape.NewParser(*req.Scrape, loc)
		if err != nil {
			field, msg := "scrape", err.Error()
			var se *scrape.SelectorError
			if errors.As(err, &se) {
				field, msg = "scrape."+se.Field, se.Err.Error()
			}
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: field + ": " + msg, Field: field})
			return
		}
		resp, err := a.Reader.Fetch(r.Context(), feed.Request{URL: req.URL})
		if err != nil {
			urlError(err)
			return
		}
		f, err := p.Parse(r.Context(), resp)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "scrape: " + strings.TrimPrefix(err.Error(), feed.ShowURL(resp.URL)+": scrape: "), Field: "scrape"})
			return
		}
		b, _ := json.Marshal(req.Scrape)
		src.URL, src.Title, src.Scrape = resp.URL, f.Title, string(b)
	} else {
		links, err := a.Reader.Discover(r.Context(), req.URL)
		if err != nil {
			urlError(err)
			return
		}
		src.URL, src.Title = links[0].URL, links[0].Title
	}
	if err := a.store.AddAPISource(r.Context(), src); errors.Is(err, store.ErrExists) {
		writeError(w, http.StatusConflict, apiError{Error: fmt.Sprintf("name: a source named %q exists", req.Name), Field: "name"})
		return
	} else if err != nil {
		a.internal(w, err)
		return
	}
	a.Changed("")
	writeJSON(w, http.StatusCreated, viewOf(src))
}

func (a *API) deleteSource(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := a.store.DeleteAPISource(r.Context(), name, scope(r))
	if errors.Is(err, store.ErrNotFound) {
		added, err := a.store.APISources(r.Context())
		if err != nil {
			a.internal(w, err)
			return
		}
		another := slices.ContainsFunc(added, func(s store.APISource) bool { return s.Name == name })
		if !another && slices.Contains(a.sources(), name) {
			writeError(w, http.StatusForbidden, apiError{Error: fmt.Sprintf("source %q is defined in the configuration file", name)})
			return
		}
		writeError(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no source %q", name)})
		return
	}
	if err != nil {
		a.internal(w, err)
		return
	}
	a.Changed("")
	w.WriteHeader(http.StatusNoContent)
}

type ruleJSON struct {
	Name     string   `json:"name"`
	Query    string   `json:"query"`
	Sources  []string `json:"sources"`
	ReadOnly bool     `json:"read_only"`
	Feeds    struct {
		RSS  string `json:"rss"`
		Atom string `json:"atom"`
		JSON string `json:"json"`
	} `json:"feeds"`
}

// listRules lists the rules of the configuration file, which the API can
// read but not change.
func (a *API) listRules(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Rules []ruleJSON `json:"rules"`
	}{Rules: []ruleJSON{}}
	for _, rule := range a.Plan().Rules {
		rj := ruleJSON{Name: rule.Name, Query: rule.Query.String(), Sources: []string{}, ReadOnly: true}
		for s := range rule.Sources {
			rj.Sources = append(rj.Sources, s)
		}
		slices.Sort(rj.Sources)
		base := a.BaseURL + "/feeds/" + rule.Name
		rj.Feeds.RSS, rj.Feeds.Atom, rj.Feeds.JSON = base+".rss", base+".atom", base+".json"
		out.Rules = append(out.Rules, rj)
	}
	writeJSON(w, http.StatusOK, out)
}
