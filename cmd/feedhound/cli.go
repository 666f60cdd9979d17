package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/feedhound/feedhound/config"
	"github.com/feedhound/feedhound/internal/suggest"
)

// Exit codes, like grep's: scripts can rely on them.
const (
	exitMatch   = 0 // success; for match: something matched
	exitNoMatch = 1 // match: nothing matched
	exitError   = 2 // bad usage, bad input, or a failure
)

// env is what a command gets from the process: its streams, environment
// and whether they are terminals.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{"init", "write a starter configuration file", runInit},
		{"read", "print the items feedhound reads from feeds and pages, without a query", runRead},
		{"match", "print the items of feeds that match a query or a rule set", runMatch},
		{"run", "run the daemon: poll sources, match, serve filtered feeds", runRun},
		{"check", "check a configuration file and report every problem", runCheck},
		{"discover", "list the feeds of a web page", runDiscover},
		{"scrape", "print the items a web page without a feed would give", runScrape},
		{"notifications", "list the alerts in the outbox; retry failed ones", runNotifications},
		{"notify", "send a test alert through a notifier", runNotify},
		{"import", "add the feeds of an OPML export of a feed reader as sources", runImport},
		{"token", "create, list and revoke tokens of the HTTP API", runToken},
		{"user", "add, list, change and remove the people who sign in to the web app", runUser},
		{"migrate-db", "copy a database into PostgreSQL (or another file)", runMigrateDB},
		{"demo", "watch bundled sample feeds offline and serve the filtered feeds", runDemo},
		{"version", "print feedhound's version and build", runVersion},
		{"completion", "print a script that makes bash, zsh or fish complete feedhound", runCompletion},
		{"help", "show the help of a command; 'help query' the query language at a glance", nil},
	}
}

const mainUsage = `feedhound watches feeds and republishes what matters.

Usage:
  feedhound COMMAND [flags] [arguments]

Commands:
%s
Run 'feedhound help COMMAND' (or 'feedhound COMMAND --help') for a command's
flags, examples and exit statuses.

Exit status: 0 on success (for match: an item matched), 1 for a negative
answer (match: nothing matched; check: the file has problems), 2 for bad
usage or an error.

Examples:
  feedhound demo
  feedhound match '"Kim-Putin summit" OR (Kim NEAR/8 Putin)' https://www.koreatimes.co.kr/www/rss/nation.xml
  feedhound run --config feedhound.yaml
`

func usage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, mainUsage, b.String())
}

// run runs feedhound with the given arguments and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if len(args) == 0 {
		usage(stderr)
		return exitError
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitMatch
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return exitMatch
		}
		if args[1] == "query" || args[1] == "queries" {
			fmt.Fprint(stdout, querySheet)
			return exitMatch
		}
		// feedhound help CMD is feedhound CMD --help.
		args = []string{args[1], "--help"}
	case "--version", "-version":
		args[0] = "version"
	case "__complete": // asked by the completion scripts
		return runComplete(ctx, e, args[1:])
	}
	var names []string
	for _, c := range commands() {
		if c.run == nil {
			continue
		}
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
		names = append(names, c.name)
	}
	hint := ""
	if best, ok := suggest.Nearest(args[0], names); ok {
		hint = fmt.Sprintf(" (did you mean %q?)", best)
	}
	fmt.Fprintf(stderr, "feedhound: unknown command %q%s; run 'feedhound --help' for the list\n", args[0], hint)
	return exitError
}

// parseFlags parses flags that may come before, between or after the
// positional arguments, as people type them, and returns the positional
// arguments. "--" ends the flags. ok is false when the command should exit
// with code.
func parseFlags(fs *flag.FlagSet, args []string, e *env) (positional []string, code int, ok bool) {
	fs.SetOutput(io.Discard)
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return nil, exitMatch, false
		}
		if err != nil {
			return nil, usageError(e, fs.Name(), "%s", flagError(fs, err)), false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, 0, true
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), 0, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagError says what is wrong with a command's flags the way its help
// writes them: --config, not -confg, with the nearest known flag.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimLeft(name, "-")
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		hint := " (put -- before an argument that starts with a minus)"
		if best, ok := suggest.Nearest(name, known); ok {
			hint = fmt.Sprintf(" (did you mean --%s?)", best)
		}
		return fmt.Sprintf("unknown flag --%s%s", name, hint)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Sprintf("flag --%s needs a value", strings.TrimLeft(name, "-"))
	}
	// invalid value "x" for flag -limit: parse error
	if i := strings.Index(msg, " for flag -"); i >= 0 {
		rest := msg[i+len(" for flag -"):]
		return msg[:i] + " for flag --" + strings.TrimLeft(rest, "-")
	}
	return msg
}

// printError prints an error on stderr, one line per problem when it
// holds several.
func printError(w io.Writer, err error) {
	var ps config.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintf(w, "feedhound: %v\n", p)
		}
		return
	}
	fmt.Fprintf(w, "feedhound: %v\n", err)
}

// usageError reports a misuse of a command on one line, pointing to its
// help, and returns the exit status for it.
func usageError(e *env, cmd, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "feedhound %s: %s; run 'feedhound %s --help'\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitError
}

// configError reports an error of reading a configuration and returns the
// exit status for it: 1 for a file with problems, 2 for one that could
// not be read.
func configError(e *env, err error) int {
	printError(e.stderr, err)
	var ps config.Problems
	if errors.As(err, &ps) {
		return exitNoMatch
	}
	return exitError
}

// jsonLines returns the encoder of a command's --json output: one object
// per line, with <, > and & left as they are (URLs and titles keep them).
func jsonLines(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// subcommand reads the subcommand a command's first argument names, one
// of subs. ok is false, with the exit status, for none, an unknown one,
// or a request for the command's help, which it prints.
func subcommand(e *env, name, usage string, args []string, subs ...string) (sub string, code int, ok bool) {
	want := "want " + suggest.OrList(subs)
	if len(args) == 0 {
		return "", usageError(e, name, "%s", want), false
	}
	switch sub = args[0]; {
	case sub == "-h" || sub == "--help" || sub == "-help":
		fmt.Fprint(e.stdout, usage)
		return sub, exitMatch, false
	case slices.Contains(subs, sub):
		return sub, 0, true
	}
	return sub, usageError(e, name, "unknown subcommand %q; %s", sub, want), false
}
