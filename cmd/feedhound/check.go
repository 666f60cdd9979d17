package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/feedhound/feedhound/destination"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/store"
)

const checkUsage = `Usage:
  feedhound check [--config FILE]

Reads a configuration file and reports every problem in it, each as
FILE:LINE:COLUMN: message: unknown keys, bad schedules, bad queries (at the
column inside the query), duplicate or invalid names, rules naming unknown
sources, bad URLs. It warns of sources and notifiers whose address is on
loopback or a private network, which the daemon will refuse unless
allow_private_networks says otherwise.

Exit status: 0 if the file is good (warnings or not), 1 if it has problems,
2 if it cannot be read.

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
	c, err := loadConfig(*path)
	if err != nil {
		return configError(e, err)
	}
	for _, w := range privateWarnings(c) {
		fmt.Fprintf(e.stderr, "feedhound: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "%s: ok: %s, %s, %s; database %s; serving %s\n", *path,
		plural(len(c.Sources), "source"), plural(len(c.Rules), "rule"), plural(len(c.Notifiers), "notifier"), store.Describe(c.Data), c.BaseURL)
	return exitMatch
}

// loadConfig reads a configuration file; when there is none, the error
// says where it looked and how to start.
func loadConfig(path string) (*config.Config, error) { return loadConfigWith(path, config.Load) }

// loadConfigWith reads a configuration file with load, saying what to do
// when there is none.
func loadConfigWith(path string, load func(string) (*config.Config, error)) (*config.Config, error) {
	c, err := load(path)
	if errors.Is(err, fs.ErrNotExist) {
		abs, aerr := filepath.Abs(path)
		if aerr != nil {
			abs = path
		}
		return nil, fmt.Errorf("no configuration file at %s; name one with --config FILE, or start from examples/feedhound.yaml in feedhound's repository ('feedhound demo' needs none)", abs)
	}
	return c, err
}

// privateWarnings lists the sources and notifiers whose address, as
// written, is one the daemon's guard will refuse. Names are not resolved:
// check sends nothing over the network.
func privateWarnings(c *config.Config) []string {
	var out []string
	refused := func(raw string) (string, string) {
		u, err := url.Parse(raw)
		if err != nil {
			return "", ""
		}
		host := u.Hostname()
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return host, "loopback"
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return "", ""
		}
		var r *netguard.Refused
		if errors.As(netguard.Policy{}.Check(a), &r) {
			return host, r.Why // as the guard will say it, zones included
		}
		return "", ""
	}
	for _, s := range c.Sources {
		if s.AllowPrivateNetworks || c.AllowPrivateNetworks {
			continue
		}
		if host, why := refused(s.URL); why != "" {
			out = append(out, fmt.Sprintf("%s:%d:%d: warning: source %q is on %s (%s): the daemon will refuse it; set allow_private_networks: true on the source to allow it",
				c.File, s.Pos.Line, s.Pos.Column, s.Name, host, why))
		}
	}
	for _, n := range c.Notifiers {
		if n.AllowPrivateNetworks {
			continue
		}
		if _, why := refused(n.URL); why != "" {
			out = append(out, fmt.Sprintf("%s:%d:%d: warning: notifier %q is on %s (%s): deliveries will be refused; set allow_private_networks: true on the notifier to allow them",
				c.File, n.Pos.Line, n.Pos.Column, n.Name, destination.Redact(n.URL), why))
		}
	}
	return out
}
