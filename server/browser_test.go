package server

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedhound/feedhound/store"
)

// browser returns the path of a headless Chromium, or skips the test
// where there is none (CI installs it and sets FEEDHOUND_REQUIRE_BROWSER).
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("FEEDHOUND_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium to test the status page in (apt-get install chromium)")
	}
	t.Skip("no chromium to test the status page in")
	return ""
}

// headless runs the browser on a URL with the given flags.
func headless(t *testing.T, bin, url string, flags ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return out
}

// TestStatusPageInABrowser loads the status page in headless Chromium: the
// summary comes first and is shown as a warning, failing sources are at
// the top of their table with how long they have failed, results are in
// words, and queries read with NOT.
func TestStatusPageInABrowser(t *testing.T) {
	bin := browser(t)
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

	dom := string(headless(t, bin, ts.URL+"/status", "--dump-dom"))
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
	img, shot := screenshot(t, bin, ts.URL+"/status", 1200, 900)
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 900 {
		t.Errorf("screenshot is %v", b)
	}
	if n := countColor(img, image.Rect(0, 0, 1200, 250), 0xfd, 0xec, 0xea); n < 5000 {
		t.Errorf("%d pixels of the summary's warning colour at the top of the page, want a band of them", n)
	}
	if os.Getenv("FEEDHOUND_KEEP_SCREENSHOT") != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(os.Getenv("FEEDHOUND_KEEP_SCREENSHOT"), b, 0o644)
	}
}

// countColor counts the pixels of a colour, give or take a little, in r.
func countColor(img image.Image, r image.Rectangle, cr, cg, cb uint8) int {
	near := func(a uint32, b uint8) bool { d := int(a>>8) - int(b); return d > -4 && d < 4 }
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, cr) && near(pg, cg) && near(pb, cb) {
				n++
			}
		}
	}
	return n
}

// TestRefusedReloadInABrowser: a refused reload of the configuration is
// at the top of the status page, each problem on its own line, at a
// phone's width too, until a reload succeeds.
func TestRefusedReloadInABrowser(t *testing.T) {
	bin := browser(t)
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
	dom := string(headless(t, bin, ts.URL+"/status", "--dump-dom"))
	if !strings.Contains(dom, "configuration change refused") || strings.Count(dom, "<li><code>feedhound.yaml:") != 2 {
		t.Errorf("the page lacks the refusal and its two problems:\n%s", dom)
	}
	// At a phone's width the refusal is on the first screen.
	img, _ := screenshot(t, bin, ts.URL+"/status", 390, 844)
	if n := countColor(img, image.Rect(0, 0, 390, 400), 0xfd, 0xec, 0xea); n < 2000 {
		t.Errorf("%d pixels of the warning colour at the top of a phone's screen, want the refusal's band", n)
	}
	refused.Store(&RefusedReload{})
	if dom := string(headless(t, bin, ts.URL+"/status", "--dump-dom")); strings.Contains(dom, `id="reload"`) {
		t.Error("the refusal is still shown after a reload succeeded")
	}
}

// screenshot loads url in headless Chromium in a window of w by h pixels
// and returns its screenshot, and the file it is in.
func screenshot(t *testing.T, bin, url string, w, h int) (image.Image, string) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	headless(t, bin, url, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", w, h), "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img, shot
}
