// Package api is feedhound's HTTP API under /api/v1: keyword alert
// subscriptions that programs create, each with its own feed URLs. Every
// request needs a token (see `feedhound token`); read-only tokens may only
// read.
package api

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/rules"
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
// of destination a subscription's notify takes from their registry.
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
			p, ok := props[o.Name].(map[string]any)
			if !ok {
				p = map[string]any{"type": "string"}
				if o.List {
					p = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
				}
				props[o.Name] = p
			}
			help := name + ": " + o.Help
			if o.Secret {
				help += " (a secret, never shown again)"
			}
			if d, _ := p["description"].(string); d != "" {
				help = d + "; " + help
			}
			p["description"] = help
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	return b
}()

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

// apiError is the one shape of every error.
type apiError struct {
	Error  string `json:"error"`
	Field  string `json:"field,omitempty"`
	Column int    `json:"column,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, e apiError) { writeJSON(w, status, e) }

// auth lets a request through with a valid token; write handlers need one
// that is not read-only.
func (a *API) auth(write, bigBody bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedhound"`)
			writeError(w, http.StatusUnauthorized, apiError{Error: "missing token: send Authorization: Bearer TOKEN (see feedhound token create)"})
			return
		}
		tok, err := a.store.Authenticate(r.Context(), strings.TrimSpace(secret), a.now())
		if errors.Is(err, store.ErrBadToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedhound", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, apiError{Error: "invalid or revoked token"})
			return
		}
		if err != nil {
			a.internal(w, err)
			return
		}
		if write && tok.ReadOnly {
			writeError(w, http.StatusForbidden, apiError{Error: fmt.Sprintf("token %q is read-only", tok.Name)})
			return
		}
		if !bigBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	}
}

// tokenKey keys the request's token in its context.
type tokenKey struct{}

// tokenOf is the token a request was let in with.
func tokenOf(r *http.Request) store.Token {
	tok, _ := r.Context().Value(tokenKey{}).(store.Token)
	return tok
}

// scope is the account whose subscriptions and sources a request sees:
// its token's, or "" (everyone's) for an admin's token.
func scope(r *http.Request) string {
	if tok := tokenOf(r); !tok.Admin {
		return tok.Account
	}
	return ""
}

// sees reports whether a request may see and change what owner owns.
func sees(r *http.Request, owner string) bool {
	s := scope(r)
	return s == "" || s == owner
}

func (a *API) internal(w http.ResponseWriter, err error) {
	a.Log.Error("api", "error", err)
	writeError(w, http.StatusInternalServerError, apiError{Error: "internal error"})
}

// notifyView shows a destination without its secrets.
type notifyView struct {
	Type   string `json:"type"`
	URL    string `json:"url"` // redacted: only scheme and host
	Signed bool   `json:"signed,omitempty"`
	// Options are the kind's options but the secret ones, which are only
	// named, in Hidden.
	Options map[string]any `json:"options,omitempty"`
	Hidden  []string       `json:"hidden,omitempty"`
}

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

// decodeNotify reads where a subscription's alerts go: an object of its
// type, url and secret, and the options of its type. Null is nowhere.
func decodeNotify(w http.ResponseWriter, raw json.RawMessage) (*destination.Destination, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	var fields map[string]json.RawMessage
	if !decodeJSON(w, bytes.NewReader(raw), &fields, "notify") {
		return nil, false
	}
	bad := func(name, msg string) (*destination.Destination, bool) {
		writeError(w, http.StatusBadRequest, apiError{Error: "body: notify: " + name + ": " + msg, Field: "notify." + name})
		return nil, false
	}
	str := func(name string) (string, bool) {
		var s string
		v, ok := fields[name]
		if !ok || string(v) == "null" {
			return "", true
		}
		if err := json.Unmarshal(v, &s); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				bad(name, fmt.Sprintf("want a string, not %s", valueName(typeErr.Value)))
			} else {
				bad(name, "want a string")
			}
			return "", false
		}
		return s, true
	}
	d := &destination.Destination{}
	var ok bool
	if d.Kind, ok = str("type"); !ok {
		return nil, false
	}
	if d.URL, ok = str("url"); !ok {
		return nil, false
	}
	if d.Secret, ok = str("secret"); !ok {
		return nil, false
	}
	kind, _ := destination.Lookup(d.Kind) // an unknown kind is checkNotify's to report
	known := []string{"type", "url", "secret"}
	if kind != nil {
		for _, o := range kind.Options() {
			known = append(known, o.Name)
		}
	}
	opts := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if slices.Contains(known[:3], name) {
			continue
		}
		o, isOption := destination.Option{}, false
		if kind != nil {
			o, isOption = destination.OptionOf(kind, name)
		}
		if !isOption {
			writeError(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf("body: notify: unknown field %q (known: %s)", name, strings.Join(known, ", ")), Field: "notify." + name})
			return nil, false
		}
		if o.List {
			var l []string
			if json.Unmarshal(fields[name], &l) != nil {
				return bad(name, "want a list of strings")
			}
			opts[name] = l
		} else {
			s, ok := str(name)
			if !ok {
				return nil, false
			}
			opts[name] = s
		}
	}
	d.Options = destination.EncodeOptions(opts)
	return d, true
}

// checkNotify checks a subscription's destination and digest, answering
// the request if they are not good. A destination on an address the
// guard refuses is refused now, as a source's URL is.
func (a *API) checkNotify(w http.ResponseWriter, r *http.Request, n *destination.Destination, digest string) bool {
	if n != nil {
		if _, ok := destination.Lookup(n.Kind); !ok {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("notify.type: %q; use %s", n.Kind, destination.List()), Field: "notify.type"})
			return false
		}
		if len(n.URL) > maxURL || len(n.Options) > maxURL {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("notify: its url and options may have %d bytes each at most", maxURL), Field: "notify"})
			return false
		}
		if err := destination.Check(n); err != nil {
			field := "notify"
			var oe *destination.OptionError
			if errors.As(err, &oe) {
				field += "." + oe.Option
			}
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "notify." + err.Error(), Field: field})
			return false
		}
		u, _ := url.Parse(n.URL) // Check parsed it (a kind with a default server may have none)
		if err := a.Guard.CheckHost(r.Context(), u.Hostname(), a.Resolver); n.URL != "" && err != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "notify.url: " + err.Error(), Field: "notify.url"})
			return false
		}
	}
	if digest != "" {
		if n == nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: "digest: needs notify", Field: "digest"})
			return false
		}
		if _, err := config.DigestSchedule(digest); err != nil {
			writeError(w, http.StatusUnprocessableEntity, apiError{Error: err.Error(), Field: "digest"})
			return false
		}
	}
	return true
}

// decode reads a JSON body, refusing unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeJSON(w, r.Body, v, "")
}

// decodeJSON reads one JSON value into v, refusing fields that v does
// not have, and answers the request with an error naming the part of the
// body, in ("" for the whole of it), if it cannot.
func decodeJSON(w http.ResponseWriter, rd io.Reader, v any, in string) bool {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return true
		}
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			err = errors.New("data after the JSON value")
		}
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, apiError{Error: fmt.Sprintf("request body larger than %d bytes", maxBody)})
		return false
	}
	msg, field := err.Error(), in
	var typeErr *json.UnmarshalTypeError
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		field = strings.Trim(in+"."+strings.Trim(f, `"`), ".")
		msg = fmt.Sprintf("unknown field %s (known: %s)", f, knownFields(v))
	} else if errors.As(err, &typeErr) {
		msg = fmt.Sprintf("want %s, not %s", kindName(typeErr.Type), valueName(typeErr.Value))
		if typeErr.Field != "" {
			field = strings.Trim(in+"."+typeErr.Field, ".")
			msg = typeErr.Field + ": " + msg
		}
	}
	if in != "" {
		msg = in + ": " + msg
	}
	writeError(w, http.StatusBadRequest, apiError{Error: "body: " + msg, Field: field})
	return false
}

// knownFields lists the JSON fields of the struct v points to.
func knownFields(v any) string {
	t := reflect.TypeOf(v).Elem()
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// valueName names the kind of JSON value that an UnmarshalTypeError
// reports ("string", "number 5", ...).
func valueName(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "true or false"
	}
	return "a " + kind
}

// kindName says what JSON a Go type is decoded from.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return kindName(t.Elem())
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
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
func (a *API) withinQuota(w http.ResponseWriter, r *http.Request, sources bool) bool {
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
		req.Name = cutName(req.Query, a.Limits.MaxName)
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

// cutName is a query made a name: its first max characters.
func cutName(query string, max int) string {
	if utf8.RuneCountInString(query) <= max {
		return query
	}
	return string([]rune(query)[:max-1]) + "…"
}
