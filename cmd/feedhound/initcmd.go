package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
)

const initUsage = `Usage:
  feedhound init [--config FILE]

Writes a starter configuration — a source, a rule, and a notifier to
uncomment — with a comment on every key, ready for 'feedhound check' and
'feedhound run'. It never overwrites a file.

Exit status: 0 when the file is written, 2 when it exists or cannot be
written.

Flags:
  --config FILE   the file to write (default ./feedhound.yaml)

Examples:
  feedhound init
  feedhound init --config /etc/feedhound/feedhound.yaml
`

//go:embed starter/feedhound.yaml
var starterConfig []byte

func runInit(_ context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), initUsage) }
	path := fs.String("config", defaultConfig, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "init", "unexpected argument %q", pos[0])
	}
	if err := writeNew(*path, starterConfig); err != nil {
		fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
		return exitError
	}
	fmt.Fprintf(e.stdout, "wrote %s: a source, a rule, and a notifier to uncomment\nnext: feedhound check --config %[1]s && feedhound run --config %[1]s\n", *path)
	return exitMatch
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists; feedhound init never overwrites a configuration (name another with --config)", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
