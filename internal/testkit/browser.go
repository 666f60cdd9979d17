package testkit

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Browser returns the path of a headless Chromium, or skips the test
// where there is none (CI installs it and sets FEEDHOUND_REQUIRE_BROWSER,
// which makes its absence a failure).
func Browser(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("FEEDHOUND_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium to test pages in (apt-get install chromium)")
	}
	t.Skip("no chromium to test pages in")
	return ""
}

// Headless runs the browser on a URL with the given flags and returns
// what it prints.
func Headless(t testing.TB, bin, url string, flags ...string) []byte {
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

// Screenshot loads url in headless Chromium in a window of w by h pixels
// and returns its screenshot, and the file it is in. When
// FEEDHOUND_SCREENSHOTS names a folder, the screenshot is kept there too,
// as NAME.png, for a person to look at.
func Screenshot(t testing.TB, bin, url, name string, w, h int) (image.Image, string) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	Headless(t, bin, url, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", w, h), "--hide-scrollbars")
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("FEEDHOUND_SCREENSHOTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
			t.Errorf("keep the screenshot: %v", err)
		}
	}
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

// CountColor counts the pixels of a colour, give or take a little, in r.
func CountColor(img image.Image, r image.Rectangle, cr, cg, cb uint8) int {
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
