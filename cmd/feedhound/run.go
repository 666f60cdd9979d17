package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/feedhound/feedhound/watcher"
)

const runUsage = `Usage:
  feedhound run [--config FILE] [--log-format text|json] [--log-level LEVEL]

Runs the daemon: polls every source on its schedule, matches new items
against the rules, and serves the filtered feeds:

  /feeds/RULE.rss, /feeds/RULE.atom, /feeds/RULE.json   (?limit=N, up to 500)
  /feeds.opml   every filtered feed, for importing into a reader
  /             status of sources and rules
  /healthz      health check

SIGINT or SIGTERM stops it cleanly; SIGHUP reloads the configuration (a
bad one is refused and the old one keeps running).

Exit status: 0 after a clean stop, 1 for a bad configuration, 2 for other
errors.

Flags:
  --config FILE        the configuration file (default ./feedhound.yaml)
  --log-format FORMAT  text or json (default text)
  --log-level LEVEL    debug, info, warn or error (default info)

Example:
  feedhound run --config /etc/feedhound/feedhound.yaml --log-format json
`

func runRun(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), runUsage) }
	path := fs.String("config", defaultConfig, "")
	logFormat := fs.String("log-format", "text", "")
	logLevel := fs.String("log-level", "info", "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "run", "unexpected argument %q", pos[0])
	}
	log, err := newLogger(e.stderr, *logFormat, *logLevel)
	if err != nil {
		return usageError(e, "run", "%v", err)
	}
	d, err := newDaemon(ctx, *path, log, watcher.Options{})
	if err != nil {
		return configError(e, err)
	}
	if err := d.serve(ctx); err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
		return exitError
	}
	return exitMatch
}
