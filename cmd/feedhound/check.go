package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/feedhound/feedhound/config"
)

const checkUsage = `Usage:
  feedhound check [--config FILE]

Reads a configuration file and reports every problem in it, each as
FILE:LINE:COLUMN: message: unknown keys, bad schedules, bad queries (at the
column inside the query), duplicate or invalid names, rules naming unknown
sources, bad URLs.

Exit status: 0 if the file is good, 1 if it has problems, 2 if it cannot be
read.

Flags:
  --config FILE   the configuration file (default ./feedhound.yaml)

Example:
  feedhound check --config /etc/feedhound/feedhound.yaml
`

const defaultConfig = "feedhound.yaml"

func runCheck(_ context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), checkUsage) }
	path := fs.String("config", defaultConfig, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "check", "unexpected argument %q", pos[0])
	}
	c, err := config.Load(*path)
	if err != nil {
		return configError(e, err)
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d sources, %d rules; database %s; serving %s\n", *path, len(c.Sources), len(c.Rules), c.Data, c.BaseURL)
	return exitMatch
}
