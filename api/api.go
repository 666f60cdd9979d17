// Package api is feedhound's HTTP API under /api/v1: keyword alert
// subscriptions that programs create, each with its own feed URLs. Every
// request needs a token (see `feedhound token`); read-only tokens may only
// read.
package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/source"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// maxBody limits a request body.
const maxBody = 64 << 10

// maxURL bounds a URL a client gives, and a destination's options.
const maxURL = 2048

// API serves the HTTP API. Make one with New; it is safe for concurrent
// use.
type API struct {
	Options
	store *store.Store
	now   func() time.Time
}

// Options are what an API needs besides its store.
type Options struct {
	// Reader reads the URLs clients give as sources: it must refuse
	// private networks (see netguard).
	Reader *feed.Reader
	// Guard is the policy that webhook URLs clients give must pass when
	// they are given (deliveries are guarded again when made), and
	// Resolver resolves their host names; nil means net.DefaultResolver.
	Guard    netguard.Policy
	Resolver *net.Resolver
	// BaseURL is the absolute URL the server is reached at.
	BaseURL string
	// Plan gives the plan being carried out.
	Plan func() *watcher.Plan
	// Changed is called after a subscription is created, changed or
	// deleted, with its id, and after a source is added or deleted, with
	// "".
	Changed func(subscription string)
	Log     *slog.Logger
	// Limits bound what each account makes; zero fields are
	// config.DefaultAPILimits'.
	Limits config.APILimits
}

// New returns an API over st.
func New(st *store.Store, o Options) *API {
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Limits.MaxSubscriptions <= 0 {
		o.Limits.MaxSubscriptions = config.DefaultAPILimits.MaxSubscriptions
	}
	if o.Limits.MaxSources <= 0 {
		o.Limits.MaxSources = config.DefaultAPILimits.MaxSources
	}
	if o.Limits.MaxName <= 0 {
		o.Limits.MaxName = config.DefaultAPILimits.MaxName
	}
	return &API{Options: o, store: st, now: time.Now}
}

// MinInterval is the shortest time between polls that an API source's
// schedule may ask for: a token holder must not make feedhound hammer a
// host.
const MinInterval = time.Minute

// sources lists the names of the sources of the plan.
func (a *API) sources() []string {
	var names []string
	for _, s := range a.Plan().Sources {
		names = append(names, s.Name)
	}
	return names
}

// route is an endpoint of the API.
type route struct {
	method, path string // path as in the OpenAPI description
	write        bool   // needs a token that is not read-only
	handle       func(*API) http.HandlerFunc
	// bigBody lets the handler read a body past maxBody, within its own
	// limit.
	bigBody bool
}

// routes are the endpoints, in one table for the mux and for the test
// that holds the OpenAPI description to them.
var routes = []route{
	{"POST", "/api/v1/subscriptions", true, func(a *API) http.HandlerFunc { return a.create }, false},
	{"GET", "/api/v1/subscriptions", false, func(a *API) http.HandlerFunc { return a.list }, false},
	{"GET", "/api/v1/subscriptions/{id}", false, func(a *API) http.HandlerFunc { return a.get }, false},
	{"PATCH", "/api/v1/subscriptions/{id}", true, func(a *API) http.HandlerFunc { return a.patch }, false},
	{"DELETE", "/api/v1/subscriptions/{id}", true, func(a *API) http.HandlerFunc { return a.delete }, false},
	{"POST", "/api/v1/subscriptions/{id}/rotate", true, func(a *API) http.HandlerFunc { return a.rotate }, false},
	{"GET", "/api/v1/sources", false, func(a *API) http.HandlerFunc { return a.listSources }, false},
	{"POST", "/api/v1/sources", true, func(a *API) http.HandlerFunc { return a.addSource }, false},
	{"POST", "/api/v1/sources/import", true, func(a *API) http.HandlerFunc { return a.importSources }, true},
	{"DELETE", "/api/v1/sources/{name}", true, func(a *API) http.HandlerFunc { return a.deleteSource }, false},
	{"GET", "/api/v1/rules", false, func(a *API) http.HandlerFunc { return a.listRules }, false},
}

//go:embed openapi.json
var openapiFile []byte

// openapi is the API's description as served: the file's, with the kinds
// of destination a subscription's notify takes and the kinds of source
// from their registries.
var openapi = func() []byte {
	dec := json.NewDecoder(bytes.NewReader(openapiFile))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	props := doc["components"].(map[string]any)["schemas"].(map[string]any)["Notify"].(map[string]any)["properties"].(map[string]any)
	props["type"].(map[string]any)["enum"] = destination.Names()
	// Each kind's options, with what they are for.
	for _, name := range destination.Names() {
		k, _ := destination.Lookup(name)
		for _, o := range k.Options() {
			help := o.Help
			if o.Secret {
				help += " (a secret, never shown again)"
			}
			describe(props, o.Name, o.List, name+": "+help)
		}
	}
	// The kinds of source and their options, from theirs.
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, schema := range []string{"NewSource", "Source"} {
		schemas[schema].(map[string]any)["properties"].(map[string]any)["kind"].(map[string]any)["enum"] = source.Names()
	}
	opts := schemas["SourceOptions"].(map[string]any)["properties"].(map[string]any)
	for _, name := range source.Names() {
		k, _ := source.Lookup(name)
		for _, o := range k.Options() {
			describe(opts, o.Name, false, name+": "+o.Help)
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	return b
}()

// describe adds what an option of a kind is to the schema's properties:
// options of the same name in several kinds share one property, which
// says what it is in each.
func describe(props map[string]any, name string, list bool, help string) {
	p, ok := props[name].(map[string]any)
	if !ok {
		p = map[string]any{"type": "string"}
		if list {
			p = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
		}
		props[name] = p
	}
	if d, _ := p["description"].(string); d != "" {
		help = d + "; " + help
	}
	p["description"] = help
}

// Handler returns the API's routes, and its OpenAPI description at
// /api/v1/openapi.json.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.method+" "+rt.path, a.auth(rt.write, rt.bigBody, rt.handle(a)))
	}
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openapi)
	})
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Error: "no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	return mux
}
