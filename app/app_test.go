package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/password"
	"github.com/feedhound/feedhound/internal/testkit"
	"github.com/feedhound/feedhound/store"
)

type fixture struct {
	st   *store.Store
	srv  *httptest.Server
	log  *testkit.Buffer
	now  time.Time
	mu   sync.Mutex
	base string
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func setup(t *testing.T, baseURL string) *fixture {
	t.Helper()
	f := &fixture{st: testkit.OpenStore(t, filepath.Join(t.TempDir(), "f.db")), log: &testkit.Buffer{}, now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	for _, u := range []struct {
		name, pw string
		admin    bool
	}{{"ana", "correct horse battery", true}, {"min-jun", "서울의 봄날 아침 일곱 시", false}} {
		h, err := password.Hash(u.pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.AddUser(ctx, store.User{Name: u.name, Admin: u.admin, Password: h}, f.now); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []store.Subscription{
		{Name: "Kim-Putin summit", Query: `"Kim-Putin summit"`, Owner: "ana"},
		{Name: "Korean won", Query: "won NEAR/3 dollar", Owner: "min-jun"},
	} {
		if _, err := f.st.CreateSubscription(ctx, s, f.now); err != nil {
			t.Fatal(err)
		}
	}
	a := New(Options{Store: f.st, BaseURL: baseURL, Log: slog.New(slog.NewTextHandler(f.log, nil)), Now: f.clock})
	// Behind a proxy at a path, the proxy takes the path away.
	u, _ := url.Parse(baseURL)
	f.base = strings.TrimRight(u.Path, "/")
	h := http.Handler(http.StripPrefix(f.base, a.Handler()))
	if u.Scheme == "https" {
		f.srv = httptest.NewTLSServer(h)
	} else {
		f.srv = httptest.NewServer(h)
	}
	t.Cleanup(f.srv.Close)
	return f
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is a client with its own cookies that does not follow
// redirects, as a person's browser would keep them.
func (f *fixture) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: f.srv.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in as a person does: the form, then its answer.
func (f *fixture) signIn(t *testing.T, c *http.Client, user, pw string) (*http.Response, string) {
	t.Helper()
	_, page := fetch(t, c, "GET", f.srv.URL+f.base+"/login", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the sign-in form:\n%s", page)
	}
	return fetch(t, c, "POST", f.srv.URL+f.base+"/login", url.Values{"csrf": {m[1]}, "username": {user}, "password": {pw}})
}

func TestSignInAndOut(t *testing.T) {
	f := setup(t, "http://127.0.0.1:8080")
	c := f.browser(t)

	// Signed out, / leads to the sign-in form, labelled for people.
	resp, _ := fetch(t, c, "GET", f.srv.URL+"/", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("signed out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := fetch(t, c, "GET", f.srv.URL+"/login", nil)
	for _, want := range []string{`<label for="username">Username</label>`, `<label for="password">Password</label>`, `<button type="submit">Sign in</button>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the sign-in form has no %s", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}

	resp, page = f.signIn(t, c, "min-jun", "wrong password here")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `role="alert">Wrong username or password.`) {
		t.Errorf("a wrong password: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = f.signIn(t, c, "min-jun", "서울의 봄날 아침 일곱 시")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.MaxAge != 30*24*3600 {
		t.Errorf("the session's cookie: %+v", session)
	}

	// A user sees their own alerts only.
	resp, page = fetch(t, c, "GET", f.srv.URL+"/", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Korean won") || strings.Contains(page, "Kim-Putin") {
		t.Errorf("min-jun's alerts: %d\n%s", resp.StatusCode, page)
	}

	// Signing out needs the session's CSRF token.
	resp, _ = fetch(t, c, "POST", f.srv.URL+"/logout", url.Values{"csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign out without the token: %d", resp.StatusCode)
	}
	m := csrfField.FindStringSubmatch(page)
	resp, _ = fetch(t, c, "POST", f.srv.URL+"/logout", url.Values{"csrf": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign out: %d", resp.StatusCode)
	}
	if _, err := f.st.SessionOf(context.Background(), session.Value, f.clock(), SessionIdle); err == nil {
		t.Error("the session outlived signing out")
	}
	resp, _ = fetch(t, c, "GET", f.srv.URL+"/", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after signing out: %d", resp.StatusCode)
	}

	// An admin sees everyone's, with whose they are.
	admin := f.browser(t)
	f.signIn(t, admin, "ana", "correct horse battery")
	_, page = fetch(t, admin, "GET", f.srv.URL+"/", nil)
	if !strings.Contains(page, "Kim-Putin summit") || !strings.Contains(page, `Korean won</a> <span class="owner">of min-jun</span>`) {
		t.Errorf("the admin's alerts:\n%s", page)
	}
	if strings.Contains(f.log.String(), "봄날") || strings.Contains(f.log.String(), "wrong password here") {
		t.Error("a password was logged")
	}
	if !strings.Contains(f.log.String(), `msg="sign-in failed" user=min-jun address=127.0.0.1`) {
		t.Errorf("the failed sign-in was not logged:\n%s", f.log.String())
	}
}

// TestSignInCSRF: the sign-in form must come from feedhound.
func TestSignInCSRF(t *testing.T) {
	f := setup(t, "https://news.example/feedhound/")
	c := f.browser(t)
	resp, page := fetch(t, c, "POST", f.srv.URL+"/feedhound/login", url.Values{"username": {"ana"}, "password": {"correct horse battery"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "out of date") {
		t.Errorf("a sign-in without the form's token: %d\n%s", resp.StatusCode, page)
	}
	// Behind a proxy at a path over https: links and cookies follow.
	resp, page = f.signIn(t, c, "ana", "correct horse battery")
	if resp.Header.Get("Location") != "/feedhound/" {
		t.Errorf("to %q", resp.Header.Get("Location"))
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName && (!ck.Secure || ck.Path != "/feedhound") {
			t.Errorf("cookie %+v", ck)
		}
	}
	if resp, page = fetch(t, c, "GET", f.srv.URL+"/feedhound/", nil); resp.StatusCode != 200 || !strings.Contains(page, `href="/feedhound/app/app.css"`) {
		t.Errorf("the alerts page behind the proxy: %d\n%s", resp.StatusCode, page)
	}
}

// TestFailedSignInsAreSlowed: five failures a minute per user, and per
// address, then refusals until the minute has passed, whatever the
// password.
func TestFailedSignInsAreSlowed(t *testing.T) {
	f := setup(t, "http://127.0.0.1:8080")
	c := f.browser(t)
	for i := 0; i < maxFailures; i++ {
		if resp, _ := f.signIn(t, c, "ana", "guess number "+string(rune('a'+i))); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, page := f.signIn(t, c, "ana", "correct horse battery")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "Too many failed sign-ins") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the sixth, right password: %d\n%s", resp.StatusCode, page)
	}
	// The address is slowed for other users too.
	if resp, _ := f.signIn(t, c, "min-jun", "서울의 봄날 아침 일곱 시"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("another user from that address: %d", resp.StatusCode)
	}
	f.advance(time.Minute)
	if resp, _ := f.signIn(t, c, "ana", "correct horse battery"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a minute later: %d", resp.StatusCode)
	}
}

// TestSessionsEnd: a session idle for 30 days ends, as one whose
// password changed does.
func TestSessionsEnd(t *testing.T) {
	f := setup(t, "http://127.0.0.1:8080")
	c := f.browser(t)
	f.signIn(t, c, "min-jun", "서울의 봄날 아침 일곱 시")
	f.advance(29 * 24 * time.Hour)
	resp, _ := fetch(t, c, "GET", f.srv.URL+"/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("after 29 days: %d", resp.StatusCode)
	}
	// The browser keeps the cookie 30 days from this use, not from the
	// sign-in.
	renewed := false
	for _, ck := range resp.Cookies() {
		renewed = renewed || ck.Name == cookieName && ck.MaxAge == 30*24*3600
	}
	if !renewed {
		t.Errorf("the session's cookie was not renewed: %v", resp.Header["Set-Cookie"])
	}
	f.advance(29 * 24 * time.Hour) // 29 days after it was last used
	if resp, _ := fetch(t, c, "GET", f.srv.URL+"/", nil); resp.StatusCode != 200 {
		t.Fatalf("29 days after its last use: %d", resp.StatusCode)
	}
	f.advance(31 * 24 * time.Hour)
	if resp, _ := fetch(t, c, "GET", f.srv.URL+"/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("idle 31 days: %d", resp.StatusCode)
	}
	f.signIn(t, c, "min-jun", "서울의 봄날 아침 일곱 시")
	h, _ := password.Hash("a new password of hers")
	if err := f.st.SetPassword(context.Background(), "min-jun", h); err != nil {
		t.Fatal(err)
	}
	if resp, _ := fetch(t, c, "GET", f.srv.URL+"/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the password changed: %d", resp.StatusCode)
	}
}

// TestFailuresBounded: past maxTracked keys, the failures out of the
// window are forgotten first, so the counts that matter stay.
func TestFailuresBounded(t *testing.T) {
	f := newFailures()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := 0; i <= maxTracked; i++ {
		f.seen[fmt.Sprint("addr ", i)] = []time.Time{t0}
	}
	later := t0.Add(2 * failureWindow)
	f.add(later, "user ana")
	f.add(later, "user ana")
	if n := len(f.seen); n != 1 {
		t.Errorf("%d keys kept, want ana's only", n)
	}
	if n := f.recent("user ana", later); n != 2 {
		t.Errorf("ana's failures: %d, want 2", n)
	}
}

// TestLongNamesAreCut: a user name past the longest there can be is a
// wrong one, logged and counted cut to that length.
func TestLongNamesAreCut(t *testing.T) {
	f := setup(t, "http://127.0.0.1:8080")
	c := f.browser(t)
	long := strings.Repeat("a", 10_000)
	if resp, _ := f.signIn(t, c, long, "correct horse battery"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a 10,000-character name: %d", resp.StatusCode)
	}
	if log := f.log.String(); strings.Contains(log, strings.Repeat("a", maxName+1)) || !strings.Contains(log, "user="+strings.Repeat("a", maxName)) {
		t.Errorf("the name is not cut in the log:\n%.300s", log)
	}
}

// TestIdleSessionsArePruned: a session of a browser never used again is
// deleted when anyone signs in after it has been idle 30 days.
func TestIdleSessionsArePruned(t *testing.T) {
	f := setup(t, "http://127.0.0.1:8080")
	f.signIn(t, f.browser(t), "min-jun", "서울의 봄날 아침 일곱 시")
	f.advance(31 * 24 * time.Hour)
	f.signIn(t, f.browser(t), "ana", "correct horse battery")
	if n, err := f.st.PruneSessions(context.Background(), f.clock().Add(-SessionIdle)); err != nil || n != 0 {
		t.Errorf("%d idle sessions were left, %v", n, err)
	}
}
