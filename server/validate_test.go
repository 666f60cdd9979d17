package server

import (
	"context"
	"fmt"
	"github.com/feedhound/feedhound/internal/testkit"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/watcher"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixtureSite serves testdata/feeds/NAME at https://fixture.example/NAME,
// whatever the host asked for, so that golden files do not depend on a
// test server's port.
type fixtureSite struct{}

func (fixtureSite) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "feeds", filepath.Base(r.URL.Path)))
	if err != nil {
		b, err = os.ReadFile(filepath.Join("..", "testdata", "pages", filepath.Base(r.URL.Path)))
		rec.Header().Set("Content-Type", "text/html")
	}
	if err != nil {
		http.NotFound(rec, r)
	} else {
		rec.Write(b)
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// everyKind is a configuration with a source of every kind feedhound
// reads: RSS 2.0 with dc:creator and with <author>, RSS 1.0 in Korean and
// Japanese, Atom with entry authors, with only a feed author, with none,
// and JSON Feed.
const everyKind = `
base_url: http://127.0.0.1:8080
sources:
  - name: koreatimes
    url: https://fixture.example/koreatimes.rss
  - name: desk
    url: https://fixture.example/desk.rss
  - name: asia
    url: https://fixture.example/asia.rdf
  - name: wire
    url: https://fixture.example/wire.atom
  - name: press
    url: https://fixture.example/press.atom
  - name: monitor
    url: https://fixture.example/nobody.atom
  - name: briefing
    url: https://fixture.example/briefing.json
  - name: mofa
    url: https://fixture.example/mofa-list.html
    timezone: Asia/Seoul
    scrape:
      item: table.board-list tbody tr
      date: td.date
rules:
  - name: summit
    query: 'summit OR Putin OR 푸틴 OR プーチン'
`

// everyKindServer polls every source of everyKind once, as the daemon
// does, and serves the rule's feeds.
func everyKindServer(t *testing.T) http.Handler {
	t.Helper()
	ctx := context.Background()
	st := testkit.OpenStore(t, filepath.Join(t.TempDir(), "db"))
	c, err := config.Parse([]byte(everyKind), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := watcher.NewPlan(c, watcher.Dynamic{})
	if err != nil {
		t.Fatal(err)
	}
	// Polled after the latest of the fixtures' dates (the ministry's page
	// lists items up to 13 September): a date ahead of the poll is taken
	// for wrong.
	polled := time.Date(2026, 9, 14, 3, 0, 0, 0, time.UTC)
	w := watcher.New(st, &feed.Reader{Client: &http.Client{Transport: fixtureSite{}}}, quietLog, p,
		watcher.Options{Now: func() time.Time { return polled }})
	for _, src := range c.Sources {
		if res, err := w.Poll(ctx, src.Name); err != nil || res.Err != nil {
			t.Fatalf("poll %s: %v %v", src.Name, err, res.Err)
		}
	}
	return New(st, func() *watcher.Plan { return p }, c.BaseURL, quietLog).Handler()
}

// python is Debian's, where apt-get installs the validator's packages
// (a python3 earlier on the PATH may be another one).
const python = "/usr/bin/python3"

// validator is the W3C Feed Validation Service's own code, from shared/.
// CI installs its Python packages and sets FEEDHOUND_REQUIRE_VALIDATOR,
// so that it never skips there.
func validator(t *testing.T) string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "tools", "validate-feed")
	_, err := os.Stat(path)
	if err == nil {
		err = exec.Command(python, "-c", "import lxml, html5lib, rdflib").Run()
	}
	if err != nil {
		msg := fmt.Sprintf("no feed validator (%s with python3-lxml, python3-html5lib, python3-rdflib): %v", path, err)
		if os.Getenv("FEEDHOUND_REQUIRE_VALIDATOR") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// TestFeedsOfEveryKindValidate holds the filtered feeds made of sources of
// every kind to golden files, and runs the W3C validator on them: no
// error and no warning.
func TestFeedsOfEveryKindValidate(t *testing.T) {
	h := everyKindServer(t)
	goldenFeeds(t, h, "summit", "every-kind")
	// A scraped page's own feed: the feed its site never had.
	dir := t.TempDir()
	var sourceFeeds []string
	for _, ext := range []string{"rss", "atom"} {
		resp := get(t, h, "/sources/mofa."+ext)
		got := body(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(got, "외교부 대변인, 북러 정상회담 관련 논평 발표") {
			t.Fatalf("/sources/mofa.%s: %d\n%s", ext, resp.StatusCode, got)
		}
		file := filepath.Join(dir, "mofa."+ext)
		os.WriteFile(file, []byte(got), 0o644)
		sourceFeeds = append(sourceFeeds, file)
	}
	v := validator(t)
	for _, file := range sourceFeeds {
		out, err := exec.Command(python, v, file, "http://127.0.0.1:8080/sources/"+filepath.Base(file)).CombinedOutput()
		if err != nil {
			t.Errorf("the validator finds problems in the source feed %s:\n%s", filepath.Base(file), out)
		}
	}
	for _, ext := range []string{"rss", "atom"} {
		for golden, rule := range map[string]string{"every-kind": "summit", "kim-putin": "kim-putin"} {
			file := filepath.Join("testdata", golden+"."+ext)
			out, err := exec.Command(python, v, file, "http://127.0.0.1:8080/feeds/"+rule+"."+ext).CombinedOutput()
			if err != nil {
				t.Errorf("the validator finds problems in %s:\n%s", file, out)
			}
		}
	}
}
