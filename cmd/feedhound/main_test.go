package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/internal/version"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"feedhound": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the CLI scripts in testdata/script. $FEEDS is the
// directory of feed fixtures and $SERVER an HTTP server on loopback that
// serves them, with a few failing paths.
func TestScripts(t *testing.T) {
	feeds, err := filepath.Abs(filepath.Join("..", "..", "testdata", "feeds"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/feeds/", http.StripPrefix("/feeds/", http.FileServer(http.Dir(feeds))))
	// A feed of teasers whose articles hold the story, one of them gone.
	mux.HandleFunc("/teaser.rss", func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title><link>%[1]s/</link>`+
			`<item><title>Hotels full, roads closed as Vladivostok prepares</title><link>%[1]s/articles/summit.html</link><description>Hotels are full and roads closed.</description></item>`+
			`<item><title>Ferry timetable changes</title><link>%[1]s/articles/gone.html</link><description>Ferries run less often.</description></item>`+
			`</channel></rss>`, base)
	})
	// A feed whose items link to another host of this machine, with
	// terminal escapes in a title.
	mux.HandleFunc("/hostile.json", func(w http.ResponseWriter, r *http.Request) {
		_, port, _ := net.SplitHostPort(r.Host)
		w.Header().Set("Content-Type", "application/feed+json")
		fmt.Fprintf(w, `{"version":"https://jsonfeed.org/version/1.1","title":"Hostile","items":[`+
			`{"id":"h1","title":"Summit \u001b]52;c;cm0gLXJmIH4=\u0007news\u001b]8;;http://evil.example/\u001b\\link\r","url":"http://localhost:%s/articles/summit.html","content_text":"Teaser."}]}`, port)
	})
	mux.Handle("/articles/", http.StripPrefix("/articles/", http.FileServer(http.Dir(filepath.Join(feeds, "..", "articles")))))
	// Pages as many servers send them: text/html, the charset left to the
	// page's <meta>.
	mux.HandleFunc("/pages/", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(feeds, "..", "pages", filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(b)
	})
	mux.HandleFunc("/site/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" title="Nation" href="/feeds/koreatimes.rss">`+
			`<link rel="alternate" type="application/atom+xml" href="/feeds/wire.atom"></head><body></body></html>`)
	})
	mux.HandleFunc("/shop/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><title>Shop</title></head><body></body></html>`)
	})
	mux.HandleFunc("/slack/ok/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("/slack/archived/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "channel_is_archived", http.StatusGone)
	})
	// The Bot API as Telegram answers it, for one bot.
	mux.HandleFunc("/telegram/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/telegram/bot123:TOKEN/sendMessage" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
			return
		}
		fmt.Fprint(w, `{"ok":true,"result":{"message_id":7}}`)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // after the scripts, which run in parallel
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("FEEDS", feeds)
			e.Setenv("EXAMPLES", filepath.Join(filepath.Dir(filepath.Dir(feeds)), "examples"))
			e.Setenv("SERVER", srv.URL)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// status N command args... runs a command and checks its exit
			// status exactly, which scripts rely on.
			"status": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: status N command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("status: %v", err)
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("status: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("exit status %d, want %d", got, want)
				}
			},
		},
	})
}

// TestVersionFromBuildInfo builds the command as 'go build' does in a
// checkout and holds 'feedhound version' to the revision built.
func TestVersionFromBuildInfo(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "feedhound")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v version.Info
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if v.Revision != strings.TrimSpace(string(head)) || v.Time == "" || !strings.HasPrefix(v.Go, "go1.") {
		t.Errorf("version %+v, want revision %s with its time", v, head)
	}
	line, _ := exec.Command(bin, "--version").Output()
	if want := "feedhound " + v.Version + " (" + v.Revision[:12]; !strings.HasPrefix(string(line), want) {
		t.Errorf("--version %q, want it to start %q", line, want)
	}
	// A release build's version, set at link time, is the one everywhere.
	release := filepath.Join(t.TempDir(), "feedhound-release")
	build = exec.Command("go", "build", "-ldflags", "-X github.com/feedhound/feedhound/internal/version.release=v1.4.2", "-o", release, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	line, _ = exec.Command(release, "--version").Output()
	if !strings.HasPrefix(string(line), "feedhound v1.4.2 ") {
		t.Errorf("a release build says %q, want feedhound v1.4.2", line)
	}
	// The User-Agent and the feeds' generator say the same.
	uas := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case uas <- r.UserAgent():
		default:
		}
		fmt.Fprint(w, `<rss version="2.0"><channel><title>T</title><item><title>Summit</title></item></channel></rss>`)
	}))
	defer srv.Close()
	exec.Command(release, "match", "summit", srv.URL).Run()
	var ua string
	select {
	case ua = <-uas:
	default:
	}
	if !strings.HasPrefix(ua, "feedhound/v1.4.2 ") {
		t.Errorf("User-Agent %q, want feedhound/v1.4.2", ua)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 attempts", 1: "1 attempt", 2: "2 attempts"} {
		if got := plural(n, "attempt"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestSampleMessage: notify test sent a sample for rule kim-putin, linked
// to /feeds/kim-putin.atom, whatever the file's rules.
func TestSampleMessage(t *testing.T) {
	c, err := config.Parse([]byte("notifiers:\n  - name: desk\n    type: webhook\n    url: https://hooks.example/desk\n  - name: idle\n    type: webhook\n    url: https://hooks.example/idle\n"+
		"rules:\n  - name: quiet\n    query: tennis\n  - name: summit\n    query: summit\n    notify: [desk]\n"), "feedhound.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m := sampleMessage(c, "desk"); m.Rule != "summit" || m.FeedURL != c.BaseURL+"/feeds/summit.atom" {
		t.Errorf("desk: rule %q, feed %q; want summit and its feed", m.Rule, m.FeedURL)
	}
	if m := sampleMessage(c, "idle"); !strings.HasPrefix(m.Rule, "sample") || m.FeedURL != "" {
		t.Errorf("idle: rule %q, feed %q; want a sample with no feed", m.Rule, m.FeedURL)
	}
}

// TestLogDurations: JSON logs wrote durations in nanoseconds
// ("retry_in":1000000000); both formats write Go's duration strings.
func TestLogDurations(t *testing.T) {
	for format, want := range map[string]string{"json": `"retry_in":"1m30s"`, "text": `retry_in=1m30s`} {
		var b strings.Builder
		log, err := newLogger(&b, format, "info")
		if err != nil {
			t.Fatal(err)
		}
		log.Warn("delivery failed; will retry", "retry_in", 90*time.Second)
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: %q, want %s", format, b.String(), want)
		}
	}
}
