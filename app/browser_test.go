package app

import (
	"image"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feedhound/feedhound/internal/testkit"
)

// TestPagesInABrowser loads the sign-in page and the alerts page in
// headless Chromium at a desktop's width and a phone's: the fields are
// labelled, the alerts are there, and the page is drawn (screenshots are
// kept in FEEDHOUND_SCREENSHOTS for a person to look at).
func TestPagesInABrowser(t *testing.T) {
	bin := testkit.Browser(t)
	f := setup(t, "http://127.0.0.1:8080")
	c := f.browser(t)
	if resp, _ := f.signIn(t, c, "ana", "correct horse battery"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	var session string
	for _, ck := range c.Jar.Cookies(mustURL(t, f.srv.URL)) {
		if ck.Name == cookieName {
			session = ck.Value
		}
	}
	// The command-line browser cannot be given a cookie: this server
	// hands the session's to every request, as the signed-in browser
	// would.
	h := New(Options{Store: f.st, BaseURL: "http://127.0.0.1:8080", Log: quietLog(), Now: f.clock}).Handler()
	signedIn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(&http.Cookie{Name: cookieName, Value: session})
		h.ServeHTTP(w, r)
	}))
	defer signedIn.Close()

	dom := string(testkit.Headless(t, bin, f.srv.URL+"/login", "--dump-dom"))
	for _, want := range []string{`<label for="username">Username</label>`, `<label for="password">Password</label>`, `>Sign in</button>`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the sign-in page as the browser has it lacks %s", want)
		}
	}
	dom = string(testkit.Headless(t, bin, signedIn.URL+"/", "--dump-dom"))
	for _, want := range []string{"Kim-Putin summit", `<span class="owner">of min-jun</span>`, ">Sign out</button>"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the alerts page as the browser has it lacks %s", want)
		}
	}
	for _, shot := range []struct {
		name, url string
		w, h      int
	}{
		{"app-login-1280", f.srv.URL + "/login", 1280, 800},
		{"app-login-390", f.srv.URL + "/login", 390, 844},
		{"app-alerts-1280", signedIn.URL + "/", 1280, 800},
		{"app-alerts-390", signedIn.URL + "/", 390, 844},
	} {
		img, _ := testkit.Screenshot(t, bin, shot.url, shot.name, shot.w, shot.h)
		// The stylesheet was applied: the buttons' blue is drawn.
		if n := testkit.CountColor(img, image.Rect(0, 0, shot.w, shot.h), 0x0b, 0x5c, 0xad); n < 200 {
			t.Errorf("%s: %d pixels of the buttons' blue; the stylesheet was not applied", shot.name, n)
		}
	}
}
