package server

import (
	"context"
	"image"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/testkit"
	"github.com/feedhound/feedhound/store"
)

// TestStatusPageInABrowser loads the status page in headless Chromium: the
// summary comes first and is shown as a warning, failing sources are at
// the top of their table with how long they have failed, results are in
// words, and queries read with NOT.
func TestStatusPageInABrowser(t *testing.T) {
	bin := testkit.Browser(t)
	srv, st := fixture(t)
	ctx := context.Background()
	now := time.Now()
	failing, _ := st.EnsureSource(ctx, "wire", "https://wire.example.org/world.atom")
	failing.LastPoll, failing.LastStatus, failing.Failures, failing.FailingSince = now, "error", 4, now.Add(-3*time.Hour)
	failing.LastError = "https://wire.example.org/world.atom: HTTP 404 Not Found"
	ok, _ := st.EnsureSource(ctx, "koreatimes", "https://www.koreatimes.co.kr/www/rss/nation.xml")
	ok.LastPoll, ok.LastStatus, ok.LastNew = now, "200", 12
	st.SaveSources(ctx, []store.Source{failing, ok})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	dom := string(testkit.Headless(t, bin, ts.URL+"/status", "--dump-dom"))
	for _, want := range []string{
		`id="summary">1 of 2 sources failing</p>`,
		"12 new items",
		"failing since 3h 0m ago",
		"4 failures in a row",
		"HTTP 404 Not Found",
		`"kim putin summit" OR (kim NEAR/8 putin AND summit)`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page as the browser has it lacks %q", want)
		}
	}
	if w, k := strings.Index(dom, ">wire</a>"), strings.Index(dom, ">koreatimes</a>"); w < 0 || k < 0 || w > k {
		t.Errorf("the failing source is not listed first (wire at %d, koreatimes at %d)", w, k)
	}

	// The summary is drawn at the top as a warning: its red band is in
	// the first 250 pixels of the screenshot.
	img, _ := testkit.Screenshot(t, bin, ts.URL+"/status", "status-1200", 1200, 900)
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 900 {
		t.Errorf("screenshot is %v", b)
	}
	if n := testkit.CountColor(img, image.Rect(0, 0, 1200, 250), 0xfd, 0xec, 0xea); n < 5000 {
		t.Errorf("%d pixels of the summary's warning colour at the top of the page, want a band of them", n)
	}
}

// TestRefusedReloadInABrowser: a refused reload of the configuration is
// at the top of the status page, each problem on its own line, at a
// phone's width too, until a reload succeeds.
func TestRefusedReloadInABrowser(t *testing.T) {
	bin := testkit.Browser(t)
	srv, _ := fixture(t)
	problems := []string{
		`feedhound.yaml:6:5: unknown key "shedule" in a source (did you mean "schedule"?)`,
		"feedhound.yaml:9:13: rule kim-putin: unbalanced parenthesis: this ( is not closed",
	}
	var refused atomic.Pointer[RefusedReload] // read by the server's goroutines
	refused.Store(&RefusedReload{At: time.Now().Add(-2 * time.Minute), Problems: problems})
	srv.Refused = func() RefusedReload { return *refused.Load() }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	dom := string(testkit.Headless(t, bin, ts.URL+"/status", "--dump-dom"))
	if !strings.Contains(dom, "configuration change refused") || strings.Count(dom, "<li><code>feedhound.yaml:") != 2 {
		t.Errorf("the page lacks the refusal and its two problems:\n%s", dom)
	}
	// At a phone's width the refusal is on the first screen.
	img, _ := testkit.Screenshot(t, bin, ts.URL+"/status", "status-refused-390", 390, 844)
	if n := testkit.CountColor(img, image.Rect(0, 0, 390, 400), 0xfd, 0xec, 0xea); n < 2000 {
		t.Errorf("%d pixels of the warning colour at the top of a phone's screen, want the refusal's band", n)
	}
	refused.Store(&RefusedReload{})
	if dom := string(testkit.Headless(t, bin, ts.URL+"/status", "--dump-dom")); strings.Contains(dom, `id="reload"`) {
		t.Error("the refusal is still shown after a reload succeeded")
	}
}
