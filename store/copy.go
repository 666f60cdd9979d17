package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// copied lists the tables Copy copies, each after those it refers to,
// with the column that orders them.
var copied = []struct{ table, order string }{
	{"sources", "name"},
	{"items", "id"},
	{"matches", "rule, item_id"},
	{"notifications", "id"},
	{"accounts", "name"},
	{"tokens", "id"},
	{"sessions", "hash"},
	{"subscriptions", "id"},
	{"api_sources", "name"},
	{"rule_queries", "rule"},
}

// ErrNotEmpty is returned by Copy for a target that holds data already.
var ErrNotEmpty = errors.New("the target database is not empty")

// Copy copies everything the database from holds into to — sources' state,
// items, matches, the outbox, tokens, subscriptions and rule queries, ids
// and all — in one transaction, so that a daemon moved to the target
// carries on where it stopped: nothing is matched or alerted again. A
// target that holds data is refused with ErrNotEmpty, unless replace is
// set, when its data is deleted first. progress, if not nil, is told of
// each table copied. Copy returns how many rows each table had.
func Copy(ctx context.Context, from, to *Store, replace bool, progress func(table string, rows int)) (map[string]int, error) {
	counts := map[string]int{}
	tx, err := to.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for i := range copied {
		table := copied[len(copied)-1-i].table // those referring to others first
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", table, err)
		}
		// A new database has its admin account: no data of anyone's.
		if n > 0 && !replace && table != "accounts" {
			rows := fmt.Sprintf("%d rows", n)
			if n == 1 {
				rows = "1 row"
			}
			return nil, fmt.Errorf("%w: its table %s holds %s", ErrNotEmpty, table, rows)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
			return nil, fmt.Errorf("empty %s: %w", table, err)
		}
	}
	for _, c := range copied {
		n, err := copyTable(ctx, from, tx, c.table, c.order)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", c.table, err)
		}
		counts[c.table] = n
		if to.write.pg && c.order == "id" {
			// New rows take ids after the copied ones.
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+c.table+`', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM `+c.table); err != nil {
				return nil, fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		if progress != nil {
			progress(c.table, n)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return counts, nil
}

// copyTable copies the rows of one table. The columns are those of the
// target's table, which feedhound made: the source's must be the same
// (both schemas are: TestSchemasAgree), else the source is refused, and
// every name is quoted — a file whose column is named
// "query) SELECT pg_read_file(...) --" must not run it.
func copyTable(ctx context.Context, from *Store, to *tx, table, order string) (int, error) {
	want, err := columns(ctx, to, table)
	if err != nil {
		return 0, err
	}
	have, err := columns(ctx, from.read, table)
	if err != nil {
		return 0, err
	}
	if !sameSet(want, have) {
		return 0, fmt.Errorf("the source's columns are not feedhound's (%s, want %s): not a feedhound database", strings.Join(have, ", "), strings.Join(want, ", "))
	}
	quoted := make([]string, len(want))
	for i, c := range want {
		quoted[i] = quoteIdent(c)
	}
	list := strings.Join(quoted, ", ")
	rows, err := from.read.QueryContext(ctx, `SELECT `+list+` FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	insert, err := to.PrepareContext(ctx, `INSERT INTO `+table+` (`+list+`) VALUES (`+placeholders(len(want))+`)`)
	if err != nil {
		return 0, err
	}
	defer insert.Close()
	vals := make([]any, len(want))
	ptrs := make([]any, len(want))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if _, err := insert.ExecContext(ctx, vals...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// querier is what columns needs of a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// columns returns the names of a table's columns.
func columns(ctx context.Context, db querier, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[string]bool{}
	for _, s := range a {
		set[s] = true
	}
	for _, s := range b {
		if !set[s] {
			return false
		}
	}
	return true
}

// quoteIdent quotes a name as an SQL identifier, for SQLite and
// PostgreSQL alike.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
