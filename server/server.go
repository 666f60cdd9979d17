// Package server is feedhound's HTTP server: the filtered feeds of the
// rules in RSS, Atom and JSON Feed, an OPML list of them, a status page
// and a health check.
package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// Limits on the number of entries of a filtered feed.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// RefusedReload is a reload of the configuration that was refused: when,
// and its problems, one a line. The configuration before it keeps running.
type RefusedReload struct {
	At       time.Time
	Problems []string
}

// Server serves what the watcher found. Make one with New; it is safe for
// concurrent use.
type Server struct {
	// ClusterWarning, if set, says what the status page warns of the
	// instances sharing the database ("" for nothing).
	ClusterWarning func() string
	// Refused, if set, says which reload of the configuration was refused
	// and why, until one succeeds (the zero value for none).
	Refused func() RefusedReload

	store   *store.Store
	plan    func() *watcher.Plan
	baseURL string
	log     *slog.Logger

	// cache keeps renders of the default length only: a render for
	// another ?limit= is made on demand, so that asking for every limit
	// neither fills memory nor pushes out the renders readers use.
	cache *feedCache
	// renders lets concurrent requests for the same feed share one
	// render.
	renders singleflight.Group
	// rendered counts renders made; renderHook, if set, runs before
	// each (tests slow renders down with it).
	rendered   atomic.Int64
	renderHook func()

	mu  sync.Mutex        // protects all following fields
	gen map[string]uint64 // rule -> generation; a change makes renders stale
	all uint64            // generation of every rule, bumped by a new plan
}

type cacheKey struct {
	rule   string
	format format
	limit  int
}

// rendered is a filtered feed rendered once and served until its rule
// has new matches.
type rendered struct {
	gen      [3]uint64 // the rule's and the plan's generations it was made at, and the database's version of it
	body, gz []byte
	etag     string
	modified time.Time
}

// New returns a Server reading from st, listing the rules of plan's
// current plan, with links made from baseURL.
func New(st *store.Store, plan func() *watcher.Plan, baseURL string, log *slog.Logger) *Server {
	return &Server{
		store: st, plan: plan, baseURL: strings.TrimRight(baseURL, "/"), log: log,
		cache: newFeedCache(defaultCacheBytes), gen: map[string]uint64{},
	}
}

// Invalidate tells the server that a rule has new matches.
func (s *Server) Invalidate(rule string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen[rule]++
}

// PlanChanged tells the server that rules may have been added, removed
// or changed.
func (s *Server) PlanChanged() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all++
	s.cache.clear()
}

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feeds/{file}", s.serveFeed)
	mux.HandleFunc("GET /feeds/s/{file}", s.serveSubscriptionFeed)
	mux.HandleFunc("GET /sources/{file}", s.serveSourceFeed)
	mux.HandleFunc("GET /sources.opml", s.serveSourcesOPML)
	mux.HandleFunc("GET /feeds.opml", s.serveOPML)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /status", s.serveStatus)
	return mux
}

func (s *Server) rule(name string) (watcher.Rule, bool) {
	for _, r := range s.plan().Rules {
		if r.Name == name {
			return r, true
		}
	}
	return watcher.Rule{}, false
}

// splitFile splits "name.ext" into a name and a feed format.
func splitFile(file string) (name string, f format, ok bool) {
	dot := strings.LastIndexByte(file, '.')
	if dot < 0 {
		return "", "", false
	}
	name, f = file[:dot], format(file[dot+1:])
	return name, f, f == formatRSS || f == formatAtom || f == formatJSON
}

func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request) {
	name, f, ok := splitFile(r.PathValue("file"))
	if !ok || store.IsSubscriptionRule(name) {
		http.NotFound(w, r)
		return
	}
	rule, ok := s.rule(name)
	if !ok {
		http.Error(w, fmt.Sprintf("no rule named %q", name), http.StatusNotFound)
		return
	}
	s.writeFeed(w, r, s.ruleFeed(rule, r.URL.Path, ""), f, false)
}

// feedSpec is a feed to serve: a rule's matches, or a source's items.
type feedSpec struct {
	// key names it in the cache and in Invalidate: a rule's name, or
	// sourceKey(name).
	key  string
	info feedInfo // what the feed says of itself; Sources is filled in
	load func(ctx context.Context, limit int) ([]store.Matched, error)
}

// ruleFeed is the feed of a rule's matches; self is its path, title its
// title if set.
func (s *Server) ruleFeed(rule watcher.Rule, self, title string) feedSpec {
	return feedSpec{
		key:  rule.Name,
		info: feedInfo{Rule: rule.Name, Query: rule.Query.String(), Self: self, Title: title},
		load: func(ctx context.Context, limit int) ([]store.Matched, error) {
			if rule.OncePerStory {
				// One entry per story: its first copy, listing the others.
				return s.store.LatestStories(ctx, rule.Name, limit)
			}
			return s.store.LatestMatches(ctx, rule.Name, limit)
		},
	}
}

// sourceKey is the cache key of a source's own feed; no rule name has a
// colon.
func sourceKey(name string) string { return sourcePrefix + name }

const sourcePrefix = "source:"

// version is the database's version of the feed of a cache key: the time
// of the rule's latest match, or of the source's newest item, and of the
// latest change to what the sources say of themselves, which the entries
// show.
func (s *Server) version(ctx context.Context, key string) (uint64, error) {
	var v int64
	var err error
	if name, ok := strings.CutPrefix(key, sourcePrefix); ok {
		v, err = s.store.SourceVersion(ctx, name)
	} else {
		v, err = s.store.RuleVersion(ctx, key)
	}
	if err != nil {
		return 0, err
	}
	meta, err := s.store.SourcesVersion(ctx)
	return uint64(v)*0x9E3779B97F4A7C15 ^ uint64(meta), err
}

// sourceFeed is the feed of a source's latest items: for a scraped page,
// the feed its site never had.
func (s *Server) sourceFeed(name, self string) feedSpec {
	return feedSpec{
		key: sourceKey(name),
		info: feedInfo{Rule: sourceKey(name), Self: self, Title: "source " + name,
			Description: "The latest items of the source " + name},
		load: func(ctx context.Context, limit int) ([]store.Matched, error) {
			return s.store.LatestItems(ctx, name, limit)
		},
	}
}

// serveSourceFeed serves a source's own feed.
func (s *Server) serveSourceFeed(w http.ResponseWriter, r *http.Request) {
	name, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !slices.ContainsFunc(s.plan().Sources, func(src watcher.Source) bool { return src.Name == name }) {
		http.Error(w, fmt.Sprintf("no source named %q", name), http.StatusNotFound)
		return
	}
	s.writeFeed(w, r, s.sourceFeed(name, r.URL.Path), f, false)
}

// InvalidateSource tells the server that a source has new items.
func (s *Server) InvalidateSource(name string) { s.Invalidate(sourceKey(name)) }

// serveSubscriptionFeed serves a subscription's feed at its capability
// URL: whoever has the URL may read it, without a token.
func (s *Server) serveSubscriptionFeed(w http.ResponseWriter, r *http.Request) {
	token, f, ok := splitFile(r.PathValue("file"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	sub, err := s.store.SubscriptionByFeedToken(r.Context(), token)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	rule, ok := s.plan().Subscriptions.Rule(sub.ID)
	q, err := rules.Parse(sub.Query) // the plan keeps no subscription's query
	if !ok || err != nil {           // created a moment ago; the plan has not caught up
		http.Error(w, "the subscription is being set up; try again in a moment", http.StatusServiceUnavailable)
		return
	}
	rule.Query = q
	s.writeFeed(w, r, s.ruleFeed(rule, r.URL.Path, sub.Name), f, true)
}

// writeFeed serves a feed in a format. A private feed — a subscription's,
// whose URL is its secret — must not be kept by shared caches.
func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, spec feedSpec, f format, private bool) {
	name := spec.key
	limit := DefaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			http.Error(w, fmt.Sprintf("limit must be a number from 1 to %d", MaxLimit), http.StatusBadRequest)
			return
		}
		limit = n
	}
	out, err := s.renderCached(r.Context(), cacheKey{rule: name, format: f, limit: limit}, spec)
	if err != nil {
		s.log.Error("render feed", "rule", name, "format", f, "error", err)
		http.Error(w, "could not render the feed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType())
	h.Set("ETag", out.etag)
	if private {
		h.Set("Cache-Control", "private, max-age=60")
	} else {
		h.Set("Cache-Control", "public, max-age=60")
	}
	h.Set("Vary", "Accept-Encoding")
	if !out.modified.IsZero() {
		h.Set("Last-Modified", out.modified.UTC().Format(http.TimeFormat))
	}
	if notModified(r, out) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := out.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = out.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// renderCached returns a rendering of the feed made since the rule's last
// change, rendering it if there is none. Concurrent requests for the same
// feed wait for one render.
func (s *Server) renderCached(ctx context.Context, key cacheKey, spec feedSpec) (*rendered, error) {
	// Instances sharing the database match for each other: what another
	// recorded is told by the database's version of the feed, not by
	// Invalidate.
	var version uint64
	if s.store.Shared() {
		v, err := s.version(ctx, key.rule)
		if err != nil {
			return nil, err
		}
		version = v
	}
	s.mu.Lock()
	gen := [3]uint64{s.gen[key.rule], s.all, version}
	s.mu.Unlock()
	if out, ok := s.cache.get(key); ok && out.gen == gen {
		return out, nil
	}
	flight := fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%d\x00%d", key.rule, key.format, key.limit, gen[0], gen[1], gen[2])
	v, err, _ := s.renders.Do(flight, func() (any, error) {
		// Not the first asker's context: the others wait for it too.
		out, err := s.render(context.WithoutCancel(ctx), key, spec, gen)
		if err == nil && key.limit == DefaultLimit {
			s.mu.Lock()
			current := [3]uint64{s.gen[key.rule], s.all, version} == gen
			s.mu.Unlock()
			if current {
				s.cache.put(key, out)
			}
		}
		return out, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*rendered), nil
}

// render renders a feed.
func (s *Server) render(ctx context.Context, key cacheKey, spec feedSpec, gen [3]uint64) (*rendered, error) {
	s.rendered.Add(1)
	if s.renderHook != nil {
		s.renderHook()
	}
	ms, err := spec.load(ctx, key.limit)
	if err != nil {
		return nil, err
	}
	ms = fit(ms, maxRender)
	read, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]store.Source{}
	for _, src := range read {
		known[src.Name] = src
	}
	fi := spec.info
	fi.BaseURL, fi.Self, fi.Sources = s.baseURL, strings.TrimSuffix(fi.Self, "."+string(key.format)), map[string]sourceInfo{}
	for _, src := range s.plan().Sources {
		st := known[src.Name]
		fi.Sources[src.Name] = sourceInfo{URL: feed.ShowURL(firstNonEmpty(st.URL, src.URL)), Title: st.Title,
			ID: st.FeedID, Link: st.Link, Updated: st.FeedUpdated, Language: st.Language}
	}
	body, err := render(key.format, fi, ms)
	if err != nil {
		return nil, err
	}
	out := &rendered{gen: gen, body: body, modified: newest(ms).Truncate(time.Second)}
	sum := sha256.Sum256(body)
	out.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	out.gz = gz.Bytes()
	return out, nil
}

// notModified reports whether the client's copy is current.
func notModified(r *http.Request, out *rendered) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == out.etag || tag == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !out.modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !out.modified.After(t) {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Health(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

type opml struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Title   string    `xml:"head>title"`
	Created string    `xml:"head>dateCreated"`
	Body    []outline `xml:"body>outline"`
}

type outline struct {
	Type    string `xml:"type,attr"`
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr"`
}

// serveOPML lists every filtered feed, for importing into a reader.
func (s *Server) serveOPML(w http.ResponseWriter, r *http.Request) {
	doc := opml{Version: "2.0", Title: "feedhound filtered feeds", Created: time.Now().UTC().Format(time.RFC1123Z)}
	for _, rule := range s.plan().Rules {
		fi := feedInfo{Rule: rule.Name, BaseURL: s.baseURL}
		doc.Body = append(doc.Body, outline{Type: "rss", Text: rule.Name, Title: fi.title(), XMLURL: fi.url(formatAtom), HTMLURL: s.baseURL + "/"})
	}
	writeOPML(w, doc, "feedhound.opml")
}

// writeOPML answers with an OPML list, named file for those who save it.
func writeOPML(w http.ResponseWriter, doc opml, file string) {
	body, err := marshalXML(doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+file+`"`)
	w.Write(body)
}

// serveSourcesOPML lists every source's own feed.
func (s *Server) serveSourcesOPML(w http.ResponseWriter, r *http.Request) {
	doc := opml{Version: "2.0", Title: "feedhound sources", Created: time.Now().UTC().Format(time.RFC1123Z)}
	for _, src := range s.plan().Sources {
		spec := s.sourceFeed(src.Name, "/sources/"+src.Name)
		fi := spec.info
		fi.BaseURL = s.baseURL
		doc.Body = append(doc.Body, outline{Type: "rss", Text: src.Name, Title: fi.title(), XMLURL: fi.url(formatAtom), HTMLURL: feed.ShowURL(src.URL)})
	}
	writeOPML(w, doc, "feedhound-sources.opml")
}
