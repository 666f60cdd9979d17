package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/feedhound/feedhound/store"
)

const migrateDBUsage = `Usage:
  feedhound migrate-db --from FILE --to postgres://USER@HOST/DB [--replace] [--json]

Copies a feedhound database — a SQLite file, as feedhound.db — into a
PostgreSQL database: the sources' state, every item, match and story, the
outbox of alerts, the API's tokens, subscriptions and rule queries, in one
transaction. Point the configuration's data: at the new database and start
the daemon: it carries on where it stopped, matching and alerting nothing
again. Stop the daemon first: a database a daemon works on is not copied.

A target that already holds data is refused; --replace deletes its data
first. The target's tables are made if they are not there.

Flags:
  --from FILE   the database to copy (a SQLite file, or a postgres:// URL)
  --to URL      the database to copy into (a postgres:// URL, or a file)
  --replace     replace what the target holds
  --json        print the counts as JSON

Exit status: 0 when copied, 2 for bad usage or an error (nothing is copied).

Example:
  feedhound migrate-db --from /var/lib/feedhound/feedhound.db \
    --to "postgres://feedhound:${PGPASSWORD}@db.example.org/feedhound"
`

func runMigrateDB(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("migrate-db", flag.ContinueOnError)
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	replace := fs.Bool("replace", false, "")
	asJSON := fs.Bool("json", false, "")
	fs.Usage = func() { fmt.Fprint(e.stdout, migrateDBUsage) }
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	switch {
	case len(pos) > 0:
		return usageError(e, "migrate-db", "unexpected argument %q", pos[0])
	case *from == "" || *to == "":
		return usageError(e, "migrate-db", "want --from and --to")
	case *from == *to:
		return usageError(e, "migrate-db", "--from and --to are the same database")
	}
	fail := func(err error) int {
		msg := err.Error()
		for _, data := range []string{*from, *to} {
			if strings.Contains(data, "://") { // a URL's password is never shown
				msg = strings.ReplaceAll(msg, data, store.Describe(data))
			}
		}
		fmt.Fprintf(e.stderr, "feedhound migrate-db: %s\n", msg)
		return exitError
	}
	// No daemon may change either while it is copied.
	for _, data := range []string{*from, *to} {
		lock, err := store.LockDaemon(data)
		if err != nil {
			return fail(err)
		}
		defer lock.Unlock()
	}
	src, err := store.Open(ctx, *from)
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	dst, err := store.Open(ctx, *to)
	if err != nil {
		return fail(err)
	}
	defer dst.Close()
	progress := func(table string, n int) {
		if isTerminal(e.stderr) {
			fmt.Fprintf(e.stderr, "  %-14s %d\n", table, n)
		}
	}
	counts, err := store.Copy(ctx, src, dst, *replace, progress)
	if errors.Is(err, store.ErrNotEmpty) {
		return fail(fmt.Errorf("%s: %w; give --replace to replace what it holds", store.Describe(*to), err))
	}
	if err != nil {
		return fail(err)
	}
	if *asJSON {
		out, _ := json.Marshal(map[string]any{"from": store.Describe(*from), "to": store.Describe(*to), "copied": counts})
		fmt.Fprintln(e.stdout, string(out))
		return exitMatch
	}
	var parts []string
	for _, t := range []struct{ table, word string }{
		{"sources", "source"}, {"items", "item"}, {"matches", "match"}, {"notifications", "alert"}, {"tokens", "token"},
		{"subscriptions", "subscription"}, {"api_sources", "API source"}, {"rule_queries", "rule query"},
	} {
		parts = append(parts, plural(counts[t.table], t.word))
	}
	fmt.Fprintf(e.stdout, "copied %s to %s: %s\n", store.Describe(*from), store.Describe(*to), strings.Join(parts, ", "))
	return exitMatch
}
