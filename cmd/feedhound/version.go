package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/feedhound/feedhound/internal/version"
)

const versionUsage = `Usage:
  feedhound version [--json]
  feedhound --version

Prints feedhound's version as the build recorded it: the module version
(v1.2.3 for 'go install ...@v1.2.3', a pseudo-version such as
v0.0.0-20261203171911-5b5710577105 for a build in a checkout, "devel"
where the build recorded none, or what a release build set with -ldflags
-X), the VCS revision and its time, whether the checkout had changes, and
the Go version it was built with. The User-Agent of every request and the
generator of every feed name the same version.

Flags:
  --json   one JSON object instead of a line

Exit status: 0, or 2 for bad usage.

Example:
  feedhound version
`

// longVersion is the version with its revision, its time and Go's.
func longVersion(v version.Info) string {
	s := "feedhound " + v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " (" + rev
		if v.Modified {
			s += ", modified"
		}
		if v.Time != "" {
			s += ", " + v.Time
		}
		s += ")"
	}
	return s + " " + v.Go
}

func runVersion(_ context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), versionUsage) }
	asJSON := fs.Bool("json", false, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "version", "unexpected argument %q", pos[0])
	}
	v := version.Get()
	if *asJSON {
		jsonLines(e.stdout).Encode(v)
		return exitMatch
	}
	fmt.Fprintln(e.stdout, longVersion(v))
	return exitMatch
}
