package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
)

const versionUsage = `Usage:
  feedhound version [--json]
  feedhound --version

Prints feedhound's version as the build recorded it: the module version
(v1.2.3 for 'go install ...@v1.2.3', "(devel)" for a build from a
checkout), the VCS revision and its time, whether the checkout had changes,
and the Go version it was built with.

Flags:
  --json   one JSON object instead of a line

Exit status: 0, or 2 for bad usage.

Example:
  feedhound version
`

// buildVersion is what the build information says of this binary.
type buildVersion struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// readVersion reads the build information that the go command embeds in
// every binary: `go install` records the module version, `go build` in a
// checkout the VCS revision.
func readVersion() buildVersion {
	v := buildVersion{Version: "(unknown)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Version, v.Go = bi.Main.Version, bi.GoVersion
	if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func (v buildVersion) String() string {
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
	v := readVersion()
	if *asJSON {
		jsonLines(e.stdout).Encode(v)
		return exitMatch
	}
	fmt.Fprintln(e.stdout, v)
	return exitMatch
}
