package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/feedhound/feedhound/watcher"
)

//go:embed demo
var demoFeeds embed.FS

const demoUsage = `Usage:
  feedhound demo [--listen ADDR] [--for DURATION]

Shows feedhound at work with nothing to set up and no network: serves a few
sample news feeds on loopback, watches them with the Kim-Putin rule and a
Korean/Japanese one in a temporary database, and prints the URLs of the
filtered feeds. A new matching story appears in the sample feeds after 20
seconds, and in the filtered feeds at the next poll.

Flags:
  --listen ADDR     where to serve the filtered feeds (default 127.0.0.1:8080;
                    a free port is taken if that one is busy)
  --for DURATION    stop after this long, as in --for 1m (default: run until
                    Ctrl-C)

Exit status: 0 when stopped (Ctrl-C, or the end of --for), 2 on an error.

Example:
  feedhound demo
`

// demoLater is when the sample wire publishes its new story.
const demoLater = 20 * time.Second

func runDemo(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), demoUsage) }
	listen := fs.String("listen", "127.0.0.1:8080", "")
	duration := fs.Duration("for", 0, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "demo", "unexpected argument %q", pos[0])
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	if err := demo(ctx, e, *listen); err != nil {
		fmt.Fprintf(e.stderr, "feedhound demo: %v\n", err)
		return exitError
	}
	return exitMatch
}

func demo(ctx context.Context, e *env, listen string) error {
	// The sample feeds, on loopback.
	feedsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	start := time.Now()
	feedsSrv := &http.Server{Handler: demoHandler(start), ReadHeaderTimeout: 5 * time.Second}
	go feedsSrv.Serve(feedsLn)
	defer feedsSrv.Close()
	feedsURL := "http://" + feedsLn.Addr().String()

	// Is the address free? If not, take any port.
	if ln, err := net.Listen("tcp", listen); err != nil {
		if !errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: %w", listen, err)
		}
		fmt.Fprintf(e.stderr, "feedhound demo: %s is in use; taking a free port\n", listen)
		listen = "127.0.0.1:0"
	} else {
		ln.Close()
	}

	dir, err := os.MkdirTemp("", "feedhound-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := fmt.Sprintf(`listen: %s
data: feedhound.db
allow_private_networks: true  # the sample feeds are served on loopback
min_interval: 5s              # and polled more often than real ones should be
sources:
  - name: nation
    url: %[2]s/koreatimes.rss
    schedule: "@every 5s"
  - name: wire
    url: %[2]s/wire.atom
    schedule: "@every 5s"
  - name: asia
    url: %[2]s/asia.rdf
    schedule: "@every 5s"
rules:
  - name: kim-putin
    query: '("Kim-Putin summit" OR (Kim NEAR/8 Putin AND summit)) -sports'
  - name: kim-putin-asia
    query: '(김정은 푸틴) OR (金正恩 プーチン)'
`, listen, feedsURL)
	path := filepath.Join(dir, "feedhound.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return err
	}
	log, err := newLogger(e.stderr, "text", "info")
	if err != nil {
		return err
	}
	d, err := newDaemon(ctx, path, log, watcher.Options{StartJitter: -1})
	if err != nil {
		return err
	}
	base := d.baseURL()
	var b strings.Builder
	fmt.Fprintf(&b, "feedhound demo\n  sample feeds: %s/ (3 feeds; a new story arrives in %s)\n  database:     %s\n\n", feedsURL, demoLater, d.cfg.Data)
	fmt.Fprintf(&b, "Filtered feeds (open one in a feed reader, or with curl):\n")
	for _, r := range d.watch.Plan().Rules {
		fmt.Fprintf(&b, "  %s: %s\n", r.Name, r.Query)
		for _, ext := range []string{"rss", "atom", "json"} {
			fmt.Fprintf(&b, "    %s/feeds/%s.%s\n", base, r.Name, ext)
		}
	}
	fmt.Fprintf(&b, "Status page: %s/status\nAll filtered feeds as OPML: %s/feeds.opml\nStop with Ctrl-C.\n", base, base)
	fmt.Fprint(e.stdout, b.String())
	return d.serve(ctx)
}

// demoSamples are the sample feeds, as the index lists them.
var demoSamples = []struct{ name, about string }{
	{"koreatimes.rss", "RSS 2.0 of a national daily"},
	{"wire.atom", "Atom of a wire service; a story is added " + demoLater.String() + " in"},
	{"asia.rdf", "RSS 1.0 of a regional desk, in Korean and Japanese"},
}

// demoHandler serves the sample feeds and their index; the wire gains a story once
// demoLater has passed.
func demoHandler(start time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			// The index: the sample feeds, linked.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>feedhound demo: sample feeds</title></head><body>\n<h1>Sample feeds of feedhound's demo</h1>\n<ul>\n")
			for _, f := range demoSamples {
				fmt.Fprintf(w, "<li><a href=\"%s\">%s</a> — %s</li>\n", f.name, f.name, html.EscapeString(f.about))
			}
			fmt.Fprint(w, "</ul>\n</body></html>\n")
			return
		}
		body, err := demoFeeds.ReadFile("demo/" + name)
		if err != nil || name == "later.xml" {
			http.NotFound(w, r)
			return
		}
		if name == "wire.atom" && time.Since(start) >= demoLater {
			later, _ := demoFeeds.ReadFile("demo/later.xml")
			body = bytes.Replace(body, []byte("<!--LATER-->"), later, 1)
		}
		switch {
		case strings.HasSuffix(name, ".atom"):
			w.Header().Set("Content-Type", "application/atom+xml")
		default:
			w.Header().Set("Content-Type", "application/xml")
		}
		w.Write(body)
	})
}
