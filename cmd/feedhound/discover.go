package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/feedhound/feedhound/feed"
)

const discoverUsage = `Usage:
  feedhound discover [--json] URL

Lists the feeds of a web page: the page itself if it is a feed, else the
feeds its <link rel="alternate"> elements name, else whichever of a few
common paths of the site (/feed, /rss.xml, /atom.xml, /index.xml, ...)
answers with a feed. Use one of them as a source's url.

Exit status: 0 if feeds were found, 1 if none, 2 on an error.

Flags:
  --json   one JSON object per feed, with url, title and format

Example:
  feedhound discover https://www.koreatimes.co.kr/
`

func runDiscover(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("discover", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), discoverUsage) }
	jsonOut := fs.Bool("json", false, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 1 || !feed.IsURL(pos[0]) {
		return usageError(e, "discover", "want one http(s) URL")
	}
	r := userReader()
	links, err := r.Discover(ctx, pos[0])
	if errors.Is(err, feed.ErrNoFeed) {
		fmt.Fprintf(e.stderr, "feedhound: %s: %v\n", pos[0], err)
		return exitNoMatch
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
		return exitError
	}
	enc := jsonLines(e.stdout)
	for _, l := range links {
		if *jsonOut {
			enc.Encode(struct {
				URL    string `json:"url"`
				Title  string `json:"title"`
				Format string `json:"format"`
			}{l.URL, l.Title, l.Format})
			continue
		}
		title := l.Title
		if title == "" {
			title = "(no title)"
		}
		fmt.Fprintf(e.stdout, "%-5s %s\n      %s\n", l.Format, title, l.URL)
	}
	return exitMatch
}
