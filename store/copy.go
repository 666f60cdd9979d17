package store

import (
	"context"
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
	{"tokens", "id"},
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
		if n > 0 && !replace {
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

// copyTable copies the rows of one table, its columns as the source has
// them (both schemas have the same: TestSchemasAgree).
func copyTable(ctx context.Context, from *Store, to *tx, table, order string) (int, error) {
	rows, err := from.read.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	insert, err := to.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+placeholders(len(cols))+`)`)
	if err != nil {
		return 0, err
	}
	defer insert.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
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
