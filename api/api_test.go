package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/testkit"
	"github.com/feedhound/feedhound/source"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

type fixture struct {
	h       http.Handler
	st      *store.Store
	rw, ro  string
	changes atomic.Int32
}

func setup(t *testing.T) *fixture { return setupWith(t, config.APILimits{}) }

// setupWith is setup with the API's limits.
func setupWith(t *testing.T, limits config.APILimits) *fixture {
	t.Helper()
	st := testkit.OpenStore(t, filepath.Join(t.TempDir(), "db"))
	f := &fixture{st: st}
	f.rw, _ = st.CreateToken(context.Background(), store.TokenSpec{Name: "app", ReadOnly: false}, time.Now())
	f.ro, _ = st.CreateToken(context.Background(), store.TokenSpec{Name: "dashboard", ReadOnly: true}, time.Now())
	c, err := config.Parse([]byte("sources:\n  - name: koreatimes\n    url: https://kt.example/rss\n  - name: wire\n    url: https://wire.example/atom\n"+
		"rules:\n  - name: kim-putin\n    query: '\"Kim-Putin summit\"'\n    sources: [koreatimes]\n"), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := watcher.NewPlan(c, watcher.Dynamic{})
	if err != nil {
		t.Fatal(err)
	}
	// The test servers are on 127.0.0.1: only that is let through.
	reader := &feed.Reader{Client: netguard.NewClient(netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, netguard.Options{Timeout: 5 * time.Second})}
	a := New(st, Options{Reader: reader, Guard: netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, Resolver: offlineResolver,
		BaseURL: "http://127.0.0.1:8080", Plan: func() *watcher.Plan { return p },
		Changed: func(string) { f.changes.Add(1) }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: limits})
	f.h = a.Handler()
	return f
}

// offlineResolver reads /etc/hosts and asks no name server: tests send no
// packet off the machine.
var offlineResolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("no name server in tests")
}}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %s", method, path, rec.Code, rec.Body)
		}
	}
	return rec.Code, out
}

func TestAuth(t *testing.T) {
	f := setup(t)
	tests := []struct {
		method, token string
		status        int
		err           string
	}{
		{"GET", "", 401, "missing token: send Authorization: Bearer TOKEN (see feedhound token create)"},
		{"GET", "fh_wrong", 401, "invalid or revoked token"},
		{"GET", f.ro, 200, ""},
		{"POST", f.ro, 403, `token "dashboard" is read-only`},
		{"POST", f.rw, 201, ""},
	}
	for _, tt := range tests {
		status, out := f.do(t, tt.method, "/api/v1/subscriptions", tt.token, `{"query": "summit"}`)
		if status != tt.status || tt.err != "" && out["error"] != tt.err {
			t.Errorf("%s with %q: %d %v, want %d %q", tt.method, tt.token, status, out, tt.status, tt.err)
		}
	}
	f.st.RevokeToken(context.Background(), "app")
	if status, _ := f.do(t, "GET", "/api/v1/subscriptions", f.rw, ""); status != 401 {
		t.Errorf("revoked token: %d, want 401", status)
	}
}

func TestCreateAndRead(t *testing.T) {
	f := setup(t)
	status, sub := f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"name": "Kim-Putin", "query": "\"Kim-Putin summit\" OR (Kim NEAR/8 Putin)", "sources": ["koreatimes"]}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, sub)
	}
	id := sub["id"].(string)
	feeds := sub["feeds"].(map[string]any)
	if !strings.HasPrefix(id, "sub_") || !strings.HasPrefix(feeds["atom"].(string), "http://127.0.0.1:8080/feeds/s/") || sub["name"] != "Kim-Putin" {
		t.Errorf("created %v", sub)
	}
	if f.changes.Load() != 1 {
		t.Errorf("changed called %d times", f.changes.Load())
	}
	// Its matches show on its page.
	f.st.Record(context.Background(), "koreatimes", []store.NewItem{{
		Item:    feed.Item{ID: "kt-1", Title: "Kim Jong-un may visit Russia to meet Putin", Link: "https://kt.example/1", Published: time.Now()},
		Matches: []store.Match{{Rule: "@" + id}},
	}}, time.Now())
	status, got := f.do(t, "GET", "/api/v1/subscriptions/"+id, f.ro, "")
	if status != 200 || len(got["matches"].([]any)) != 1 {
		t.Errorf("get: %d %v", status, got)
	}
	// Paging.
	for range 4 {
		f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "summit"}`)
	}
	status, page := f.do(t, "GET", "/api/v1/subscriptions?limit=3", f.ro, "")
	if status != 200 || len(page["subscriptions"].([]any)) != 3 || page["next"] == nil {
		t.Fatalf("first page: %d %v", status, page)
	}
	_, page2 := f.do(t, "GET", "/api/v1/subscriptions?limit=3&after="+page["next"].(string), f.ro, "")
	if n := len(page2["subscriptions"].([]any)); n != 2 || page2["next"] != nil {
		t.Errorf("second page: %d subscriptions, next %v", n, page2["next"])
	}
	// A changed query is checked again.
	if status, out := f.do(t, "PATCH", "/api/v1/subscriptions/"+id, f.rw, `{"query": "Kim NEAR"}`); status != 422 || out["column"] != float64(5) {
		t.Errorf("bad patch: %d %v", status, out)
	}
	status, patched := f.do(t, "PATCH", "/api/v1/subscriptions/"+id, f.rw, `{"query": "Shoigu", "sources": []}`)
	if status != 200 || patched["query"] != "Shoigu" || patched["name"] != "Kim-Putin" || len(patched["sources"].([]any)) != 0 {
		t.Errorf("patch: %d %v", status, patched)
	}
	if status, _ := f.do(t, "PATCH", "/api/v1/subscriptions/"+id, f.ro, `{"name": "x"}`); status != 403 {
		t.Errorf("read-only patch: %d", status)
	}
	// Rotating the feed token changes the feed URLs.
	_, rotated := f.do(t, "POST", "/api/v1/subscriptions/"+id+"/rotate", f.rw, "")
	if rotated["feeds"].(map[string]any)["atom"] == feeds["atom"] {
		t.Error("rotate kept the feed URL")
	}
	// Delete.
	if status, _ := f.do(t, "DELETE", "/api/v1/subscriptions/"+id, f.rw, ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, out := f.do(t, "GET", "/api/v1/subscriptions/"+id, f.ro, ""); status != 404 || out["error"] != `no subscription "`+id+`"` {
		t.Errorf("after delete: %d %v", status, out)
	}
}

func TestBadRequests(t *testing.T) {
	f := setup(t)
	tests := []struct {
		method, path, body string
		status             int
		want               map[string]any
	}{
		{"POST", "/api/v1/subscriptions", `{"query": "Kim (Putin OR Xi"}`, 422,
			map[string]any{"error": "query: column 5: unbalanced parenthesis: this ( is not closed", "field": "query", "column": float64(5)}},
		{"POST", "/api/v1/subscriptions", `{"query": "titel:summit"}`, 422,
			map[string]any{"error": `query: column 1: unknown field "titel" (did you mean "title"?)`, "field": "query", "column": float64(1)}},
		{"POST", "/api/v1/subscriptions", `{"name": "x"}`, 422, map[string]any{"error": "query: required", "field": "query"}},
		{"POST", "/api/v1/subscriptions", `{"query": "` + strings.Repeat("(", 40) + `x` + strings.Repeat(")", 40) + `"}`, 422,
			map[string]any{"error": "query: column 33: ( nested more than 32 deep; simplify the query", "field": "query", "column": float64(33)}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit", "sources": ["yonhap"]}`, 422,
			map[string]any{"error": `sources: unknown source "yonhap"`, "field": "sources"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit", "colour": "red"}`, 400,
			map[string]any{"error": `body: unknown field "colour" (known: name, query, sources, notify, digest, backfill, group)`, "field": "colour"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit", "group": "stories"}`, 422,
			map[string]any{"error": `group: want story (one alert per story, the default) or none (one for every copy), not "stories"`, "field": "group"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit", "backfill": "a week"}`, 422,
			map[string]any{"error": `backfill: "a week" is not a duration such as 7d or 12h`, "field": "backfill"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit", "backfill": "400d"}`, 422, map[string]any{"error": "backfill: at most 90d", "field": "backfill"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit", "backfill": "106752d"}`, 422, map[string]any{"error": "backfill: at most 90d", "field": "backfill"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit", "backfill": "9223372036854775807d"}`, 422, map[string]any{"error": "backfill: at most 90d", "field": "backfill"}},
		{"POST", "/api/v1/subscriptions", `{"query": `, 400, map[string]any{"error": "body: unexpected EOF"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit"} {"query": "other"}`, 400, map[string]any{"error": "body: data after the JSON value"}},
		{"POST", "/api/v1/subscriptions", `{"query": "summit"} trailing`, 400, map[string]any{"error": "body: data after the JSON value"}},
		{"GET", "/api/v1/subscriptions?limit=5000", "", 400, map[string]any{"error": "limit: a number from 1 to 1000", "field": "limit"}},
		{"DELETE", "/api/v1/subscriptions/sub_nope", "", 404, map[string]any{"error": `no subscription "sub_nope"`}},
		{"GET", "/api/v1/nothing", "", 404, map[string]any{"error": "no such endpoint: GET /api/v1/nothing"}},
	}
	for _, tt := range tests {
		status, out := f.do(t, tt.method, tt.path, f.rw, tt.body)
		if status != tt.status {
			t.Errorf("%s %s %s: %d %v, want %d", tt.method, tt.path, tt.body, status, out, tt.status)
			continue
		}
		for k, v := range tt.want {
			if out[k] != v {
				t.Errorf("%s %s %s: %s = %v, want %v", tt.method, tt.path, tt.body, k, out[k], v)
			}
		}
	}
	big := `{"query": "` + strings.Repeat("x", maxBody) + `"}`
	req := httptest.NewRequest("POST", "/api/v1/subscriptions", bytes.NewReader([]byte(big)))
	req.Header.Set("Authorization", "Bearer "+f.rw)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a huge body: %d, want 413", rec.Code)
	}
	if f.changes.Load() != 0 {
		t.Errorf("bad requests changed subscriptions %d times", f.changes.Load())
	}
}

func TestBackfill(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	now := time.Now()
	f.st.Record(ctx, "koreatimes", []store.NewItem{
		{Item: feed.Item{ID: "old", Title: "Kim-Putin summit talk, long ago", Link: "https://kt.example/old"}},
	}, now.Add(-30*24*time.Hour))
	f.st.Record(ctx, "koreatimes", []store.NewItem{
		{Item: feed.Item{ID: "recent", Title: "Kim-Putin summit set for next week", Link: "https://kt.example/recent"}},
		{Item: feed.Item{ID: "other", Title: "Kimchi prices", Link: "https://kt.example/other"}},
	}, now.Add(-2*24*time.Hour))
	f.st.Record(ctx, "wire", []store.NewItem{
		{Item: feed.Item{ID: "w", Title: "KIM—PUTIN SUMMIT", Link: "https://wire.example/w"}},
	}, now.Add(-time.Hour))
	status, sub := f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "\"Kim-Putin summit\"", "sources": ["koreatimes"], "backfill": "7d"}`)
	if status != 201 || sub["backfilled"] != float64(1) {
		t.Fatalf("create with backfill: %d %v", status, sub)
	}
	_, got := f.do(t, "GET", "/api/v1/subscriptions/"+sub["id"].(string), f.ro, "")
	ms := got["matches"].([]any)
	if len(ms) != 1 || ms[0].(map[string]any)["title"] != "Kim-Putin summit set for next week" {
		t.Errorf("backfilled matches %v", ms)
	}
	if c, _ := f.st.NotificationCounts(ctx); len(c) != 0 {
		t.Errorf("a backfill wrote alerts: %v", c)
	}
}

// TestOpenAPI holds the description to the routes served: the same
// methods and paths, no more, no fewer.
func TestOpenAPI(t *testing.T) {
	f := setup(t)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas struct {
				Notify struct {
					Properties struct {
						Type   struct{ Enum []string }
						To     struct{ Type, Description string }
						ChatID struct{ Description string } `json:"chat_id"`
					}
				}
				NewSource struct {
					Properties struct{ Kind struct{ Enum []string } }
				}
				SourceOptions struct {
					Properties struct{ Item struct{ Description string } }
				}
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v, version %q", err, doc.OpenAPI)
	}
	if kinds := doc.Components.Schemas.Notify.Properties.Type.Enum; !slices.Equal(kinds, destination.Names()) {
		t.Errorf("notify.type takes %q, the registry has %q", kinds, destination.Names())
	}
	if p := doc.Components.Schemas.Notify.Properties; p.To.Type != "array" || !strings.HasPrefix(p.To.Description, "email: ") || !strings.HasPrefix(p.ChatID.Description, "telegram: ") {
		t.Errorf("the kinds' options are not described: %+v", p)
	}
	if kinds := doc.Components.Schemas.NewSource.Properties.Kind.Enum; !slices.Equal(kinds, source.Names()) {
		t.Errorf("a source's kind takes %q, the registry has %q", kinds, source.Names())
	}
	if d := doc.Components.Schemas.SourceOptions.Properties.Item.Description; !strings.HasPrefix(d, "page: ") {
		t.Errorf("the page's item option is described as %q", d)
	}
	described := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				described[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, rt := range routes {
		served[rt.method+" "+rt.path] = true
	}
	for r := range served {
		if !described[r] {
			t.Errorf("%s is served but not described", r)
		}
	}
	for r := range described {
		if !served[r] {
			t.Errorf("%s is described but not served", r)
		}
	}
}

func TestSources(t *testing.T) {
	f := setup(t)
	atom, _ := os.ReadFile(filepath.Join("..", "testdata", "feeds", "wire.atom"))
	blocked, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	blockedSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("the blocked host was reached") })}
	go blockedSrv.Serve(blocked)
	defer blockedSrv.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/world/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><link rel="alternate" type="application/atom+xml" title="World" href="/world.atom"></head></html>`))
	})
	mux.HandleFunc("/world.atom", func(w http.ResponseWriter, r *http.Request) { w.Write(atom) })
	mux.HandleFunc("/sneaky", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+blocked.Addr().String()+"/feed", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	status, src := f.do(t, "POST", "/api/v1/sources", f.rw, `{"name": "world", "url": "`+srv.URL+`/world/", "schedule": "@every 10m"}`)
	if status != 201 || src["url"] != srv.URL+"/world.atom" || src["title"] != "World" {
		t.Fatalf("add a page's feed: %d %v", status, src)
	}
	if f.changes.Load() != 1 {
		t.Errorf("changed %d times", f.changes.Load())
	}
	tests := []struct {
		body   string
		status int
		err    string
	}{
		{`{"url": "http://` + blocked.Addr().String() + `/feed"}`, 422, "url: refusing to connect to 127.0.0.2 (loopback); set allow_private_networks to allow it"},
		{`{"url": "http://[::ffff:10.0.0.1]/feed"}`, 422, "url: refusing to connect to 10.0.0.1 (private network); set allow_private_networks to allow it"},
		{`{"name": "sneaky", "url": "` + srv.URL + `/sneaky"}`, 422, "url: refusing to connect to 127.0.0.2 (loopback); set allow_private_networks to allow it"},
		{`{"url": "file:///etc/passwd"}`, 422, `url: "file:///etc/passwd": only http and https URLs can be fetched`},
		{`{"name": "koreatimes", "url": "` + srv.URL + `/world.atom"}`, 409, `name: a source named "koreatimes" exists`},
		{`{"name": "Bad Name", "url": "` + srv.URL + `/world.atom"}`, 422, "name: use lower-case letters, digits, '.', '_' and '-'"},
		{`{"url": "` + srv.URL + `/world.atom", "schedule": "often"}`, 422, `schedule "often": expected exactly 5 fields, found 1: [often]`},
		{`{"url": "` + srv.URL + `/world.atom", "every": "10m"}`, 400, `body: unknown field "every" (known: name, url, schedule, kind, options, scrape, fulltext, timezone)`},
		{`{"url": "` + srv.URL + `/world.atom", "schedule": "@every 1ns"}`, 422, `schedule "@every 1ns": polls 1ns apart; at least 1m0s apart (min_interval)`},
		{`{"url": "` + srv.URL + `/world.atom", "schedule": "@every 0s"}`, 422, `schedule "@every 0s": polls 0s apart; at least 1m0s apart (min_interval)`},
	}
	for _, tt := range tests {
		status, out := f.do(t, "POST", "/api/v1/sources", f.rw, tt.body)
		if status != tt.status || out["error"] != tt.err {
			t.Errorf("POST %s: %d %v, want %d %q", tt.body, status, out["error"], tt.status, tt.err)
		}
	}
	_, list := f.do(t, "GET", "/api/v1/sources", f.ro, "")
	var names []string
	for _, s := range list["sources"].([]any) {
		m := s.(map[string]any)
		names = append(names, fmt.Sprint(m["name"], " ", m["read_only"]))
	}
	if strings.Join(names, ", ") != "koreatimes true, wire true, world false" {
		t.Errorf("sources: %v", names)
	}
	if status, out := f.do(t, "DELETE", "/api/v1/sources/koreatimes", f.rw, ""); status != 403 || out["error"] != `source "koreatimes" is defined in the configuration file` {
		t.Errorf("delete a config source: %d %v", status, out)
	}
	if status, _ := f.do(t, "DELETE", "/api/v1/sources/world", f.rw, ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _ := f.do(t, "DELETE", "/api/v1/sources/world", f.rw, ""); status != 404 {
		t.Errorf("delete twice: %d", status)
	}
}

func TestSubscriptionNotify(t *testing.T) {
	f := setup(t)
	status, sub := f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "summit", "notify": {"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/SECRET"}, "digest": "1h"}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, sub)
	}
	n := sub["notify"].(map[string]any)
	if n["url"] != "https://hooks.slack.com/…" || n["type"] != "slack" || sub["digest"] != "1h" {
		t.Errorf("notify shown as %v, digest %v", n, sub["digest"])
	}
	stored, _ := f.st.Subscription(context.Background(), sub["id"].(string))
	if stored.Notify.URL != "https://hooks.slack.com/services/T0/B0/SECRET" {
		t.Errorf("stored destination %+v", stored.Notify)
	}
	// A kind's options: shown, but for the secret ones, which are named.
	status, sub = f.do(t, "POST", "/api/v1/subscriptions", f.rw,
		`{"query": "Kim NEAR/8 Putin", "notify": {"type": "email", "url": "smtps://alerts@mail.example.org", "password": "hunter2", "from": "alerts@example.org", "to": ["desk@example.org"]}}`)
	if status != 201 {
		t.Fatalf("create with email: %d %v", status, sub)
	}
	n = sub["notify"].(map[string]any)
	if opts, _ := n["options"].(map[string]any); opts["from"] != "alerts@example.org" || fmt.Sprint(opts["to"]) != "[desk@example.org]" || opts["password"] != nil ||
		fmt.Sprint(n["hidden"]) != "[password]" || n["url"] != "smtps://mail.example.org" {
		t.Errorf("email shown as %v", n)
	}
	if stored, _ := f.st.Subscription(context.Background(), sub["id"].(string)); stored.Notify.Option("password") != "hunter2" || stored.Notify.OptionList("to")[0] != "desk@example.org" {
		t.Errorf("stored %+v", stored.Notify)
	}
	for _, tt := range []struct {
		body   string
		status int
		err    string
	}{
		{`{"query": "x", "notify": {"type": "telegram", "secret": "1:T"}}`, 422, "notify.chat_id: required by telegram"},
		{`{"query": "x", "notify": {"type": "telegram", "secret": "1:T", "chat_id": 5}}`, 400, "body: notify: chat_id: want a string, not a number"},
		{`{"query": "x", "notify": {"type": "email", "url": "smtp://h", "from": "a@b", "to": "c@d"}}`, 400, "body: notify: to: want a list of strings"},
		{`{"query": "x", "notify": {"type": "ntfy", "url": "https://ntfy.sh/t", "chat_id": "1"}}`, 400, `body: notify: unknown field "chat_id" (known: type, url, secret, priority, tags)`},
	} {
		if status, out := f.do(t, "POST", "/api/v1/subscriptions", f.rw, tt.body); status != tt.status || out["error"] != tt.err {
			t.Errorf("%s: %d %v, want %d %q", tt.body, status, out["error"], tt.status, tt.err)
		}
	}
	tests := []struct{ body, err string }{
		{`{"query": "x", "notify": {"type": "pager", "url": "https://a.example"}}`, `notify.type: "pager"; use ` + destination.List()},
		{`{"query": "x", "notify": {"type": "webhook", "url": "ftp://a.example"}}`, "notify.url: want an absolute http or https URL"},
		{`{"query": "x", "digest": "1h"}`, "digest: needs notify"},
		{`{"query": "x", "notify": {"type": "webhook", "url": "https://a.example"}, "digest": "often"}`, `digest "often": use a duration such as 15m or a cron spec such as "0 8 * * 1-5" (expected exactly 5 fields, found 1: [often])`},
	}
	for _, tt := range tests {
		if status, out := f.do(t, "POST", "/api/v1/subscriptions", f.rw, tt.body); status != 422 || out["error"] != tt.err {
			t.Errorf("%s: %d %v, want 422 %q", tt.body, status, out["error"], tt.err)
		}
	}
}

func TestPatchNotifyAndDigest(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, sub := f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "summit", "notify": {"type": "webhook", "url": "https://hooks.example/a", "secret": "whsec_one"}, "digest": "1h"}`)
	id := sub["id"].(string)
	path := "/api/v1/subscriptions/" + id
	stored := func() store.Subscription {
		t.Helper()
		s, err := f.st.Subscription(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// A digest alone: the destination and its secret stay.
	if status, out := f.do(t, "PATCH", path, f.rw, `{"digest": "0 8 * * 1-5"}`); status != 200 || out["digest"] != "0 8 * * 1-5" {
		t.Fatalf("patch digest: %d %v", status, out)
	}
	if s := stored(); s.Notify != (destination.Destination{Kind: "webhook", URL: "https://hooks.example/a", Secret: "whsec_one"}) {
		t.Errorf("a digest patch changed the destination: %+v", s.Notify)
	}

	// A new destination replaces the old one whole, secret included.
	if status, out := f.do(t, "PATCH", path, f.rw, `{"notify": {"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/NEW"}}`); status != 200 || out["notify"].(map[string]any)["type"] != "slack" {
		t.Fatalf("patch notify: %d %v", status, out)
	}
	if s := stored(); s.Notify != (destination.Destination{Kind: "slack", URL: "https://hooks.slack.com/services/T0/B0/NEW"}) || s.Digest != "0 8 * * 1-5" {
		t.Errorf("after a new destination: %+v, digest %q", s.Notify, s.Digest)
	}

	// Bad changes are refused and change nothing.
	bad := []struct {
		body   string
		status int
		err    string
	}{
		{`{"notify": null}`, 422, "digest: needs notify"},
		{`{"notify": {"type": "pager", "url": "https://a.example"}}`, 422, `notify.type: "pager"; use ` + destination.List()},
		{`{"notify": {"type": "webhook", "url": "https://a.example", "colour": "red"}}`, 400, `body: notify: unknown field "colour" (known: type, url, secret)`},
		{`{"notify": "https://a.example"}`, 400, "body: notify: want an object, not a string"},
		{`{"notify": {"type": 5, "url": "https://a.example"}}`, 400, "body: notify: type: want a string, not a number"},
		{`{"sources": "world"}`, 400, "body: sources: want an array, not a string"},
		{`{"digest": "often"}`, 422, `digest "often": use a duration such as 15m or a cron spec such as "0 8 * * 1-5" (expected exactly 5 fields, found 1: [often])`},
		{`{"group": "all"}`, 422, `group: want story (one alert per story, the default) or none (one for every copy), not "all"`},
	}
	for _, tt := range bad {
		if status, out := f.do(t, "PATCH", path, f.rw, tt.body); status != tt.status || out["error"] != tt.err {
			t.Errorf("%s: %d %q, want %d %q", tt.body, status, out["error"], tt.status, tt.err)
		}
	}
	if s := stored(); s.Notify.Kind != "slack" || s.Digest != "0 8 * * 1-5" {
		t.Errorf("a refused patch changed the subscription: %+v, digest %q", s.Notify, s.Digest)
	}

	// Every copy alerts once grouping is off.
	if status, out := f.do(t, "PATCH", path, f.rw, `{"group": "none"}`); status != 200 || out["group"] != "none" || stored().Group != "none" {
		t.Errorf("group none: %d %v, stored %q", status, out["group"], stored().Group)
	}

	// Removing the destination and the digest together.
	status, out := f.do(t, "PATCH", path, f.rw, `{"notify": null, "digest": ""}`)
	if _, has := out["notify"]; status != 200 || has {
		t.Fatalf("remove notify: %d %v", status, out)
	}
	if s := stored(); s.Notify != (destination.Destination{}) || s.Digest != "" {
		t.Errorf("after removal: %+v, digest %q", s.Notify, s.Digest)
	}
}

func TestConfigRulesReadOnly(t *testing.T) {
	f := setup(t)
	f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "summit"}`)
	status, out := f.do(t, "GET", "/api/v1/rules", f.ro, "")
	rules := out["rules"].([]any)
	if status != 200 || len(rules) != 1 {
		t.Fatalf("rules: %d %v", status, out)
	}
	r := rules[0].(map[string]any)
	if r["name"] != "kim-putin" || r["query"] != `"kim putin summit"` || r["read_only"] != true ||
		r["feeds"].(map[string]any)["atom"] != "http://127.0.0.1:8080/feeds/kim-putin.atom" {
		t.Errorf("rule %v", r)
	}
}

// TestSSRFThroughTheAPI uses the guard as the daemon does, with nothing
// let through: loopback itself is refused.
func TestSSRFThroughTheAPI(t *testing.T) {
	f := setup(t)
	atom, _ := os.ReadFile(filepath.Join("..", "testdata", "feeds", "wire.atom"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("a refused host was reached")
		w.Write(atom)
	}))
	defer srv.Close()
	a := New(f.st, Options{Reader: &feed.Reader{Client: netguard.NewClient(netguard.Policy{}, netguard.Options{Timeout: 5 * time.Second})}, Resolver: offlineResolver,
		BaseURL: "http://x", Plan: func() *watcher.Plan { p, _ := watcher.NewPlan(&config.Config{}, watcher.Dynamic{}); return p }, Changed: func(string) {}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	f.h = a.Handler()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	tests := []struct{ url, err string }{
		{"http://127.0.0.1:" + port + "/", "url: refusing to connect to 127.0.0.1 (loopback); set allow_private_networks to allow it"},
		{"http://[::ffff:10.0.0.1]/", "url: refusing to connect to 10.0.0.1 (private network); set allow_private_networks to allow it"},
		{"http://169.254.169.254/latest/meta-data/", "url: refusing to connect to 169.254.169.254 (link-local); set allow_private_networks to allow it"},
		// A zone takes an address out of every prefix: it is refused as such.
		{"http://[::1%25lo]:" + port + "/", "url: refusing to connect to ::1%lo (loopback with an IPv6 zone); set allow_private_networks to allow it"},
		{"http://[::%25lo]:" + port + "/", "url: refusing to connect to ::%lo (unspecified address with an IPv6 zone); set allow_private_networks to allow it"},
		{"http://[fd00::2%25eth0]/", "url: refusing to connect to fd00::2%eth0 (unique-local network with an IPv6 zone); set allow_private_networks to allow it"},
	}
	for _, tt := range tests {
		status, out := f.do(t, "POST", "/api/v1/sources", f.rw, `{"name": "x", "url": "`+tt.url+`"}`)
		if status != 422 || out["error"] != tt.err {
			t.Errorf("%s: %d %v, want 422 %q", tt.url, status, out["error"], tt.err)
		}
	}
	// A name for loopback, whichever of 127.0.0.1 and ::1 it gives first.
	status, out := f.do(t, "POST", "/api/v1/sources", f.rw, `{"name": "x", "url": "http://localhost:`+port+`/"}`)
	if msg, _ := out["error"].(string); status != 422 || !strings.HasPrefix(msg, "url: refusing to connect to ") || !strings.Contains(msg, "(loopback)") {
		t.Errorf("localhost: %d %v", status, out["error"])
	}
	// Subscription webhooks are refused when given, as sources are, and
	// so are their changes.
	for _, tt := range append(tests, struct{ url, err string }{"http://localhost:" + port + "/hook", "url: refusing to connect to 127.0.0.1 (loopback); set allow_private_networks to allow it"}) {
		body := `{"query": "summit", "notify": {"type": "webhook", "url": "` + tt.url + `"}}`
		want := "notify." + tt.err
		if status, out := f.do(t, "POST", "/api/v1/subscriptions", f.rw, body); status != 422 || out["error"] != want || out["field"] != "notify.url" {
			t.Errorf("webhook %s: %d %v, want 422 %q", tt.url, status, out, want)
		}
	}
	status, sub := f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "summit", "notify": {"type": "slack", "url": "https://hooks.slack.com/services/T0/B0/X"}}`)
	if status != 201 {
		t.Fatalf("a public webhook: %d %v", status, sub)
	}
	status, out = f.do(t, "PATCH", "/api/v1/subscriptions/"+sub["id"].(string), f.rw, `{"notify": {"type": "webhook", "url": "http://[fd00::2%25eth0]/hook"}}`)
	if status != 422 || out["error"] != "notify.url: refusing to connect to fd00::2%eth0 (unique-local network with an IPv6 zone); set allow_private_networks to allow it" {
		t.Errorf("patch to an internal webhook: %d %v", status, out)
	}
}

// TestScrapedSources: API clients may add pages scraped for items, with
// selectors or with those found, checked as the file's are.
func TestScrapedSources(t *testing.T) {
	f := setup(t)
	page, _ := os.ReadFile(filepath.Join("..", "testdata", "pages", "think-tank.html"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	}))
	defer srv.Close()
	status, src := f.do(t, "POST", "/api/v1/sources", f.rw, `{"name": "institute", "url": "`+srv.URL+`/research/", "scrape": {}, "fulltext": true, "timezone": "Asia/Seoul"}`)
	if status != 201 || src["title"] != "Commentary — North Asia Institute" || src["fulltext"] != true || src["timezone"] != "Asia/Seoul" {
		t.Fatalf("add a page to scrape: %d %v", status, src)
	}
	stored, _ := f.st.APISources(context.Background())
	if len(stored) != 1 || stored[0].Kind != "page" || stored[0].Options != "" || !stored[0].FullText {
		t.Errorf("stored %+v", stored)
	}
	tests := []struct{ body, field, err string }{
		{`{"url": "` + srv.URL + `/", "scrape": {"item": "td[class="}}`, "scrape.item", "scrape.item: unexpected EOF in attribute selector"},
		{`{"url": "` + srv.URL + `/", "scrape": {"item": "table.board-list tbody tr"}}`, "scrape", "scrape: item selector 'table.board-list tbody tr' matched nothing"},
		{`{"url": "` + srv.URL + `/", "scrape": {}, "timezone": "Mars/Olympus"}`, "timezone", `timezone "Mars/Olympus": want a zone name such as Asia/Seoul or UTC`},
		// The same as kind and options.
		{`{"url": "` + srv.URL + `/", "kind": "page", "options": {"item": "td[class="}}`, "options.item", `options.item "td[class=": unexpected EOF in attribute selector`},
		{`{"url": "` + srv.URL + `/", "kind": "page", "options": {"itme": "tr"}}`, "options.itme", "options.itme: a page takes no such option (it takes: item, title, link, date, summary, author, image)"},
		{`{"url": "` + srv.URL + `/", "kind": "rss"}`, "kind", `kind "rss": want feed or page`},
		{`{"url": "` + srv.URL + `/", "kind": "feed", "scrape": {}}`, "scrape", "scrape: the options of a page; give either scrape, or kind and options"},
	}
	for _, tt := range tests {
		status, out := f.do(t, "POST", "/api/v1/sources", f.rw, tt.body)
		if status < 400 || out["error"] != tt.err || out["field"] != tt.field {
			t.Errorf("%s: %d %v, want %q on %s", tt.body, status, out, tt.err, tt.field)
		}
	}
}

// TestAccountsSeeOnlyTheirOwn: any token listed every subscription, with
// its private feed URLs and destinations; token B patched client A's
// webhook and rotated A's feed URLs; any write token deleted any API
// source. A token now sees and changes only its account's (another's is
// not found), and an admin's sees all.
func TestAccountsSeeOnlyTheirOwn(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ana, _ := f.st.CreateToken(ctx, store.TokenSpec{Name: "ana-app", Account: "ana"}, time.Now())
	anaRO, _ := f.st.CreateToken(ctx, store.TokenSpec{Name: "ana-dash", Account: "ana", ReadOnly: true}, time.Now())
	ben, _ := f.st.CreateToken(ctx, store.TokenSpec{Name: "ben-app", Account: "ben"}, time.Now())
	status, sub := f.do(t, "POST", "/api/v1/subscriptions", ana, `{"name": "ana's summit", "query": "summit", "notify": {"type": "webhook", "url": "http://127.0.0.1:9/ana"}}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, sub)
	}
	id := sub["id"].(string)
	feeds := sub["feeds"].(map[string]any)["rss"].(string)
	if status, _ := f.do(t, "POST", "/api/v1/subscriptions", ben, `{"name": "ben's", "query": "Putin"}`); status != 201 {
		t.Fatalf("create ben's: %d", status)
	}

	count := func(token string) int {
		_, out := f.do(t, "GET", "/api/v1/subscriptions", token, "")
		return len(out["subscriptions"].([]any))
	}
	if n := count(ben); n != 1 {
		t.Errorf("ben's token lists %d subscriptions, want his one", n)
	}
	if n := count(anaRO); n != 1 {
		t.Errorf("ana's read-only token lists %d subscriptions, want her one", n)
	}
	if n := count(f.rw); n != 2 {
		t.Errorf("the admin's token lists %d subscriptions, want both", n)
	}
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/api/v1/subscriptions/" + id, ""},
		{"PATCH", "/api/v1/subscriptions/" + id, `{"notify": {"type": "webhook", "url": "http://127.0.0.1:9/ben"}}`},
		{"POST", "/api/v1/subscriptions/" + id + "/rotate", ""},
		{"DELETE", "/api/v1/subscriptions/" + id, ""},
	} {
		if status, out := f.do(t, req.method, req.path, ben, req.body); status != 404 {
			t.Errorf("ben: %s %s: %d %v, want 404", req.method, req.path, status, out)
		}
	}
	got, _ := f.st.Subscription(ctx, id)
	if got.Notify.URL != "http://127.0.0.1:9/ana" || !strings.HasSuffix(feeds, got.FeedToken+".rss") {
		t.Errorf("ana's subscription changed by ben's requests: %+v", got)
	}
	if status, _ := f.do(t, "GET", "/api/v1/subscriptions/"+id, f.rw, ""); status != 200 {
		t.Errorf("the admin's token: %d, want 200", status)
	}

	// Sources: added by ana, neither listed nor deleted by ben.
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Ana's feed</title></channel></rss>`)
	}))
	defer feedSrv.Close()
	if status, out := f.do(t, "POST", "/api/v1/sources", ana, `{"name": "anas", "url": "`+feedSrv.URL+`/rss"}`); status != 201 {
		t.Fatalf("add source: %d %v", status, out)
	}
	_, out := f.do(t, "GET", "/api/v1/sources", ben, "")
	for _, s := range out["sources"].([]any) {
		if s.(map[string]any)["name"] == "anas" {
			t.Error("ben's token lists ana's source")
		}
	}
	if status, out := f.do(t, "DELETE", "/api/v1/sources/anas", ben, ""); status != 404 {
		t.Errorf("ben deletes ana's source: %d %v, want 404", status, out)
	}
	if status, _ := f.do(t, "DELETE", "/api/v1/sources/anas", ana, ""); status != 204 {
		t.Errorf("ana deletes her source: %d, want 204", status)
	}
}

// TestQuotas: one token made 2,041 subscriptions with 60 KB names in 15 s,
// and 1,626 sources. Each account may have so many, of names so long.
func TestQuotas(t *testing.T) {
	f := setupWith(t, config.APILimits{MaxSubscriptions: 3, MaxSources: 1, MaxName: 20})
	ctx := context.Background()
	ana, _ := f.st.CreateToken(ctx, store.TokenSpec{Name: "ana-app", Account: "ana"}, time.Now())
	for i := range 3 {
		if status, out := f.do(t, "POST", "/api/v1/subscriptions", ana, fmt.Sprintf(`{"name": "s%d", "query": "summit"}`, i)); status != 201 {
			t.Fatalf("subscription %d: %d %v", i, status, out)
		}
	}
	status, out := f.do(t, "POST", "/api/v1/subscriptions", ana, `{"name": "one more", "query": "summit"}`)
	if want := `account "ana" has 3 subscriptions, as many as it may (api: max_subscriptions in the configuration); delete some first`; status != 429 || out["error"] != want {
		t.Errorf("a fourth: %d %v, want 429 %q", status, out, want)
	}
	// Another account has its own quota; an admin's has none.
	ben, _ := f.st.CreateToken(ctx, store.TokenSpec{Name: "ben-app", Account: "ben"}, time.Now())
	if status, _ := f.do(t, "POST", "/api/v1/subscriptions", ben, `{"name": "ben's", "query": "summit"}`); status != 201 {
		t.Errorf("another account's first: %d, want 201", status)
	}
	for i := range 4 {
		if status, _ := f.do(t, "POST", "/api/v1/subscriptions", f.rw, fmt.Sprintf(`{"name": "admin's %d", "query": "summit"}`, i)); status != 201 {
			t.Errorf("the admin's subscription %d: %d, want 201 (no quota)", i, status)
		}
	}
	status, out = f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"name": "`+strings.Repeat("x", 60000)+`", "query": "summit"}`)
	if status != 422 || out["field"] != "name" || out["error"] != "name: 60000 characters, at most 20" {
		t.Errorf("a 60 KB name: %d %v", status, out)
	}
	// A long query names the subscription by its beginning.
	status, out = f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "\"Kim-Putin summit\" OR (Kim NEAR/8 Putin AND summit)"}`)
	if status != 201 || out["name"] != "\"Kim-Putin summit\" …" {
		t.Errorf("a subscription named by its query: %d %v", status, out)
	}
	status, out = f.do(t, "PATCH", "/api/v1/subscriptions/"+out["id"].(string), f.rw, `{"name": "`+strings.Repeat("y", 21)+`"}`)
	if status != 422 || out["field"] != "name" {
		t.Errorf("a long name by PATCH: %d %v", status, out)
	}

	long := "https://hooks.example/" + strings.Repeat("a", 3000)
	if status, out := f.do(t, "POST", "/api/v1/subscriptions", f.rw, `{"query": "summit", "notify": {"type": "webhook", "url": "`+long+`"}}`); status != 422 || out["field"] != "notify" {
		t.Errorf("a 3 KB webhook URL: %d %v", status, out)
	}
	if status, out := f.do(t, "POST", "/api/v1/sources", f.rw, `{"url": "`+long+`"}`); status != 422 || out["field"] != "url" {
		t.Errorf("a 3 KB source URL: %d %v", status, out)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>A feed</title></channel></rss>`)
	}))
	defer srv.Close()
	if status, out := f.do(t, "POST", "/api/v1/sources", ana, `{"name": "first", "url": "`+srv.URL+`/a"}`); status != 201 {
		t.Fatalf("first source: %d %v", status, out)
	}
	if status, out := f.do(t, "POST", "/api/v1/sources", ana, `{"name": "second", "url": "`+srv.URL+`/b"}`); status != 429 || !strings.Contains(out["error"].(string), "max_sources") {
		t.Errorf("a second source: %d %v, want 429", status, out)
	}
}

// TestImportOPML: POST /api/v1/sources/import takes a reader's export;
// the feeds become sources of the token's account, within its quota;
// internal addresses are refused, and a file feedhound will not read adds
// nothing.
func TestImportOPML(t *testing.T) {
	f := setupWith(t, config.APILimits{MaxSources: 2})
	ctx := context.Background()
	ana, _ := f.st.CreateToken(ctx, store.TokenSpec{Name: "ana-app", Account: "ana"}, time.Now())
	post := func(token, body string) (int, map[string]any) {
		t.Helper()
		return f.do(t, "POST", "/api/v1/sources/import", token, body)
	}
	opml := `<?xml version="1.0"?><opml version="2.0"><body><outline text="News">` +
		`<outline text="The Korea Times" xmlUrl="https://www.koreatimes.co.kr/www/rss/nation.xml"/>` +
		`<outline text="Intranet" xmlUrl="http://10.1.2.3/feed"/>` +
		`<outline text="Known" xmlUrl="https://kt.example/rss"/>` +
		`<outline text="TASS" xmlUrl="https://tass.com/rss/v2.xml"/>` +
		`<outline text="One too many" xmlUrl="https://nknews.example/feed/"/>` +
		`</outline></body></opml>`
	status, out := post(ana, opml)
	if status != 200 {
		t.Fatalf("import: %d %v", status, out)
	}
	added, skipped := out["added"].([]any), out["skipped"].([]any)
	var names []string
	for _, a := range added {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "the-korea-times,tass" {
		t.Errorf("added %v, want the-korea-times and tass", names)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		m := s.(map[string]any)
		reasons[m["title"].(string)] = m["reason"].(string)
	}
	for title, want := range map[string]string{"Intranet": "refusing", "Known": `source "koreatimes" has this URL`, "One too many": "as many as it may"} {
		if !strings.Contains(reasons[title], want) {
			t.Errorf("%s skipped for %q, want %q", title, reasons[title], want)
		}
	}
	srcs, _ := f.st.APISources(ctx)
	for _, s := range srcs {
		if s.Owner != "ana" {
			t.Errorf("source %s belongs to %q, want ana", s.Name, s.Owner)
		}
	}
	if f.changes.Load() == 0 {
		t.Error("the watcher was not told of the new sources")
	}
	for _, bad := range []string{`<rss version="2.0"/>`, `<!DOCTYPE opml [<!ENTITY x "y">]><opml/>`, strings.Repeat("<opml>", 1)} {
		if status, out := post(f.rw, bad); status != 422 || !strings.HasPrefix(out["error"].(string), "opml: ") {
			t.Errorf("%q: %d %v, want 422", bad, status, out)
		}
	}
	if status, _ := post(f.ro, opml); status != 403 {
		t.Errorf("a read-only token imports: %d", status)
	}
	// An admin's import has no quota.
	three := `<opml><body><outline text="A" xmlUrl="https://a.example/feed"/><outline text="B" xmlUrl="https://b.example/feed"/><outline text="C" xmlUrl="https://c.example/feed"/></body></opml>`
	if status, out := post(f.rw, three); status != 200 || len(out["added"].([]any)) != 3 {
		t.Errorf("the admin's import of 3 past a quota of 2: %d %v, want all added", status, out)
	}
}
