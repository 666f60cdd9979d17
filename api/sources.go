package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/scrape"
	"github.com/feedhound/feedhound/source"
	"github.com/feedhound/feedhound/store"
)

type sourceJSON struct {
	Name     string `json:"name"`
	URL      string `json:"url"`
	Schedule string `json:"schedule"`
	Title    string `json:"title,omitempty"`
	ReadOnly bool   `json:"read_only"` // defined in the configuration file
	Kind     string `json:"kind"`
	// Options are the options of its kind; Scrape the same of a page, as
	// scrape selectors.
	Options  map[string]string `json:"options,omitempty"`
	Scrape   *scrape.Selectors `json:"scrape,omitempty"`
	FullText bool              `json:"fulltext,omitempty"`
	Timezone string            `json:"timezone,omitempty"`
}

// viewOf shows a source, and its title when it has one.
func viewOf(s source.Spec, title string) sourceJSON {
	sj := sourceJSON{Name: s.Name, URL: feed.ShowURL(s.URL), Schedule: s.Schedule, Title: title, Kind: s.KindName(), FullText: s.FullText, Timezone: s.Timezone}
	sj.Options, _ = source.DecodeOptions(s.Options)
	if len(sj.Options) == 0 {
		sj.Options = nil
	}
	if sj.Kind == "page" {
		sel := source.Selectors(sj.Options)
		sj.Scrape = &sel
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
		m, added := mine[s.Name]
		sj := viewOf(s.Spec, m.Title)
		sj.ReadOnly = !added
		delete(mine, s.Name)
		out.Sources = append(out.Sources, sj)
	}
	for _, m := range mine { // added a moment ago; the plan will follow
		out.Sources = append(out.Sources, viewOf(m.Spec, m.Title))
	}
	writeJSON(w, http.StatusOK, out)
}

type addSourceRequest struct {
	Name     string `json:"name"`
	URL      string `json:"url"`
	Schedule string `json:"schedule"`
	// Kind is a kind of source (a feed, the default, or a page) and
	// Options its options. Scrape is the same as kind "page" with the
	// selectors as its options: {} to have them found.
	Kind     string            `json:"kind"`
	Options  map[string]string `json:"options"`
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

// addSource adds a source a client names by a URL, of a kind: a feed (the
// feed itself, or a page that links to one), or a page scraped for items.
// It is checked as the configuration's sources are, then read once, as
// its kind tries it, through the guard against private networks, whoever
// asks.
func (a *API) addSource(w http.ResponseWriter, r *http.Request) {
	var req addSourceRequest
	if !decode(w, r, &req) {
		return
	}
	if len(req.URL) > maxURL {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("url: %d bytes, at most %d", len(req.URL), maxURL), Field: "url"})
		return
	}
	spec := source.Spec{URL: req.URL, Schedule: req.Schedule, Kind: req.Kind, Options: source.EncodeOptions(req.Options), FullText: req.FullText, Timezone: req.Timezone}
	if req.Scrape != nil {
		if req.Kind != "" && req.Kind != "page" || req.Options != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "scrape: the options of a page; give either scrape, or kind and options", Field: "scrape"})
			return
		}
		spec.Kind, spec.Options = "page", source.PageOptions(*req.Scrape)
	}
	// fieldError answers what is wrong with a field, named as the request
	// named it: scrape.item for the option item given in scrape.
	fieldError := func(fe *source.FieldError) {
		field, msg := fe.Field, fe.Error()
		if req.Scrape != nil && strings.HasPrefix(field, "options") {
			field = "scrape" + strings.TrimPrefix(field, "options")
			msg = field + ": " + fe.Err.Error()
		}
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: msg, Field: field})
	}
	if ps := source.Problems(&spec, MinInterval); len(ps) > 0 {
		fieldError(ps[0])
		return
	}
	u, _ := netguard.WebURL(spec.URL)
	if req.Name == "" {
		req.Name = nameFor(u)
	}
	if !config.ValidName(req.Name) {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: "name: use lower-case letters, digits, '.', '_' and '-'", Field: "name"})
		return
	}
	spec.Name = req.Name
	if !a.checkName(w, req.Name) || !a.withinQuota(w, r, true) {
		return
	}
	if slices.Contains(a.sources(), req.Name) {
		writeError(w, http.StatusConflict, apiError{Error: fmt.Sprintf("name: a source named %q exists", req.Name), Field: "name"})
		return
	}
	found, title, err := source.Try(r.Context(), &spec, source.Env{Reader: a.Reader})
	var fe *source.FieldError
	var refused *netguard.Refused
	switch {
	case errors.As(err, &fe):
		fieldError(fe)
		return
	case errors.As(err, &refused):
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: "url: " + refused.Error(), Field: "url"})
		return
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: "url: " + err.Error(), Field: "url"})
		return
	}
	spec.URL = found
	src := store.APISource{Spec: spec, Title: title, Created: a.now(), Owner: tokenOf(r).Account}
	if err := a.store.AddAPISource(r.Context(), src); errors.Is(err, store.ErrExists) {
		writeError(w, http.StatusConflict, apiError{Error: fmt.Sprintf("name: a source named %q exists", req.Name), Field: "name"})
		return
	} else if err != nil {
		a.internal(w, err)
		return
	}
	a.Changed("")
	writeJSON(w, http.StatusCreated, viewOf(src.Spec, src.Title))
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
