package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/source"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
)

// Import is what an import of a subscription list did.
type Import struct {
	Added   []Imported `json:"added"`
	Skipped []Imported `json:"skipped"`
}

// Imported is a feed of the list: the source it became, or why it was
// skipped.
type Imported struct {
	Name     string `json:"name,omitempty"`
	Title    string `json:"title"`
	URL      string `json:"url"`
	Category string `json:"category,omitempty"`
	Reason   string `json:"reason,omitempty"` // why it was skipped
}

// ImportOptions say whose sources an import adds, and how far it may go.
type ImportOptions struct {
	Owner string // the account the sources belong to
	// Max bounds the sources the owner may have; zero is no bound.
	Max int
	// Check, if set, refuses a feed's URL (the private-network guard).
	Check func(ctx context.Context, u *url.URL) error
	// Known are the names and URLs of the sources there are beside those
	// of the database: the configuration's.
	Known []source.Spec
	Now   time.Time
}

// ImportOPML adds the feeds of an OPML subscription list (an export of
// Miniflux, FreshRSS, Feedly, Inoreader or NetNewsWire) as sources of
// the API: named after their titles (unique, valid names), polled every
// 15 minutes. A feed whose URL a source has already, or that is not an
// http(s) URL, or that the check refuses, is skipped with the reason. A
// list that cannot be read adds nothing. The categories are reported,
// not kept: sources have no labels.
func ImportOPML(ctx context.Context, st *store.Store, opml []byte, o ImportOptions) (Import, error) {
	outlines, err := feed.ParseOPML(opml)
	if err != nil {
		return Import{}, err
	}
	existing, err := st.APISources(ctx)
	if err != nil {
		return Import{}, err
	}
	names, urls := map[string]bool{}, map[string]string{}
	owned := 0
	for _, s := range existing {
		names[s.Name], urls[s.URL] = true, s.Name
		if s.Owner == o.Owner {
			owned++
		}
	}
	for _, s := range o.Known {
		names[s.Name], urls[s.URL] = true, s.Name
	}
	res := Import{Added: []Imported{}, Skipped: []Imported{}}
	for _, ol := range outlines {
		im := Imported{Title: ol.Title, URL: ol.URL, Category: ol.Category}
		u, web := netguard.WebURL(ol.URL)
		switch {
		case !web || len(ol.URL) > maxURL:
			im.Reason = "not an http or https URL"
		case urls[ol.URL] != "":
			im.Reason = fmt.Sprintf("source %q has this URL", urls[ol.URL])
		case o.Max > 0 && owned >= o.Max:
			im.Reason = fmt.Sprintf("the account has %d sources, as many as it may", owned)
		}
		if im.Reason == "" && o.Check != nil {
			if err := o.Check(ctx, u); err != nil {
				im.Reason = err.Error()
			}
		}
		if im.Reason != "" {
			res.Skipped = append(res.Skipped, im)
			continue
		}
		im.Name = uniqueName(sourceName(ol.Title, u), names)
		src := store.APISource{Spec: source.Spec{Name: im.Name, URL: ol.URL, Schedule: source.DefaultSchedule, Kind: source.DefaultKind}, Title: ol.Title, Created: o.Now, Owner: o.Owner}
		if err := st.AddAPISource(ctx, src); errors.Is(err, store.ErrExists) {
			im.Reason, im.Name = "a source of that name was added meanwhile", ""
			res.Skipped = append(res.Skipped, im)
			continue
		} else if err != nil {
			return res, err
		}
		names[im.Name], urls[ol.URL] = true, im.Name
		owned++
		res.Added = append(res.Added, im)
	}
	return res, nil
}

// sourceName makes a source's name of a feed's title, or of its URL's
// host for a title with nothing to keep: lower-case letters, digits, and
// dashes, at most 48 characters.
func sourceName(title string, u *url.URL) string {
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(n) > 48 {
		n = strings.TrimRight(n[:48], "-")
	}
	if n == "" {
		n = nameFor(u)
	}
	if n == "" {
		n = "feed"
	}
	return n
}

// uniqueName is name, or name-2, name-3... if it is taken.
func uniqueName(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s-%d", name, i); !taken[n] {
			return n
		}
	}
}

// importSources takes an OPML file, as POST /api/v1/sources/import: the
// feeds become sources of the token's account.
func (a *API) importSources(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, feed.MaxOPMLBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, apiError{Error: fmt.Sprintf("an OPML file of %d MiB at most", feed.MaxOPMLBytes>>20)})
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Error: "read the body: " + err.Error()})
		return
	}
	var known []source.Spec
	for _, s := range a.Plan().Sources {
		known = append(known, s.Spec)
	}
	max := a.Limits.MaxSources
	if tokenOf(r).Admin {
		max = 0 // admins have no quota, as withinQuota says
	}
	res, err := ImportOPML(r.Context(), a.store, body, ImportOptions{
		Owner: tokenOf(r).Account, Max: max, Known: known, Now: a.now(),
		Check: func(ctx context.Context, u *url.URL) error { return a.Guard.CheckHost(ctx, u.Hostname(), a.Resolver) },
	})
	if err != nil && len(res.Added) == 0 && strings.HasPrefix(err.Error(), "opml: ") {
		writeError(w, http.StatusUnprocessableEntity, apiError{Error: err.Error(), Field: "body"})
		return
	}
	if len(res.Added) > 0 {
		a.Changed("")
	}
	if err != nil {
		a.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
