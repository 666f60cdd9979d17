package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/feedhound/feedhound/api"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/source"
	"github.com/feedhound/feedhound/store"
)

const importUsage = `Usage:
  feedhound import [--config FILE] [--json] FILE.opml

Adds the feeds of an OPML subscription list — the export of Miniflux,
FreshRSS, Feedly, Inoreader, NetNewsWire and most readers — as sources, as
the HTTP API adds them (of the admin account): each named after its title
(lower-case, unique), polled every 15 minutes. Feeds whose URL a source has
already are skipped, and so are those that are not http(s). It prints what
it added and what it skipped, and why. A running daemon polls the new
sources within seconds.

A file that is not OPML, or that feedhound refuses to read (over 4 MiB,
nested too deep, declaring entities), adds nothing.

Flags:
  --config FILE   the configuration file, for its database and its sources (default ./feedhound.yaml)
  --json          one JSON object: {"added": [...], "skipped": [...]}

Exit status: 0 when it added a source, 1 when it added none, 2 for bad
usage or a file it cannot read.

Example:
  feedhound import ~/Downloads/feedly.opml
`

func runImport(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), importUsage) }
	path := fs.String("config", defaultConfig, "")
	asJSON := fs.Bool("json", false, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, "import", "want one OPML file")
	}
	file := pos[0]
	info, err := os.Stat(file)
	if err == nil && info.Size() > feed.MaxOPMLBytes {
		err = fmt.Errorf("%s: larger than %d MiB", file, feed.MaxOPMLBytes>>20)
	}
	var data []byte
	if err == nil {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
		return exitError
	}
	c, st, err := openStore(ctx, *path)
	if err != nil {
		return configError(e, err)
	}
	defer st.Close()
	var known []source.Spec
	for _, s := range c.Sources {
		known = append(known, s.Spec)
	}
	res, err := api.ImportOPML(ctx, st, data, api.ImportOptions{Owner: store.AdminAccount, Known: known, Now: time.Now()})
	if err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %s: %v\n", file, err)
		if len(res.Added) == 0 {
			return exitError
		}
	}
	if len(res.Added) > 0 {
		// A running daemon reads the sources again.
		if err := st.Announce(ctx, "feedhound import", "", time.Now()); err != nil {
			fmt.Fprintf(e.stderr, "feedhound: the sources are added, but a running daemon polls them only after a reload (SIGHUP): %v\n", err)
		}
	}
	if *asJSON {
		jsonLines(e.stdout).Encode(res)
	} else {
		for _, a := range res.Added {
			fmt.Fprintf(e.stdout, "added   %-24s %s%s\n", a.Name, feed.ShowURL(a.URL), category(a.Category))
		}
		for _, s := range res.Skipped {
			fmt.Fprintf(e.stdout, "skipped %-24s %s: %s\n", quoteTitle(s.Title), feed.ShowURL(s.URL), s.Reason)
		}
		fmt.Fprintf(e.stdout, "%s added, %d skipped\n", plural(len(res.Added), "source"), len(res.Skipped))
	}
	if len(res.Added) == 0 {
		return exitNoMatch
	}
	return exitMatch
}

func category(c string) string {
	if c == "" {
		return ""
	}
	return " (" + c + ")"
}

func quoteTitle(t string) string {
	if t == "" {
		return "(untitled)"
	}
	return fmt.Sprintf("%q", feed.StripControl(t))
}
