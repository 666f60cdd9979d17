package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// db is a pool of connections to either database. The store's SQL is
// written once, in what SQLite and PostgreSQL both accept, with ?
// placeholders; for PostgreSQL, db numbers them ($1, $2, …) and passes
// flags as the integers both keep them as.
type db struct {
	*sql.DB
	pg bool
}

// tx is a transaction of a db.
type tx struct {
	*sql.Tx
	pg bool
}

// stmt is a prepared statement of a db or a tx.
type stmt struct {
	*sql.Stmt
	pg bool
}

func (d *db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, dialect(d.pg, query), values(d.pg, args)...)
}

func (d *db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, dialect(d.pg, query), values(d.pg, args)...)
}

func (d *db) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, dialect(d.pg, query), values(d.pg, args)...)
}

func (d *db) PrepareContext(ctx context.Context, query string) (*stmt, error) {
	s, err := d.DB.PrepareContext(ctx, dialect(d.pg, query))
	return &stmt{s, d.pg}, err
}

func (d *db) BeginTx(ctx context.Context, opts *sql.TxOptions) (*tx, error) {
	t, err := d.DB.BeginTx(ctx, opts)
	return &tx{t, d.pg}, err
}

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, dialect(t.pg, query), values(t.pg, args)...)
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, dialect(t.pg, query), values(t.pg, args)...)
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, dialect(t.pg, query), values(t.pg, args)...)
}

func (t *tx) PrepareContext(ctx context.Context, query string) (*stmt, error) {
	s, err := t.Tx.PrepareContext(ctx, dialect(t.pg, query))
	return &stmt{s, t.pg}, err
}

// StmtContext returns a statement of the db prepared for the transaction.
func (t *tx) StmtContext(ctx context.Context, s *stmt) *stmt {
	return &stmt{t.Tx.StmtContext(ctx, s.Stmt), t.pg}
}

func (s *stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return s.Stmt.ExecContext(ctx, values(s.pg, args)...)
}

func (s *stmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return s.Stmt.QueryContext(ctx, values(s.pg, args)...)
}

func (s *stmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return s.Stmt.QueryRowContext(ctx, values(s.pg, args)...)
}

func (s *stmt) Close() error {
	if s == nil || s.Stmt == nil {
		return nil
	}
	return s.Stmt.Close()
}

// dialect returns a query as the database takes it: for PostgreSQL, each
// ? outside a string literal becomes $1, $2, ….
func dialect(pg bool, query string) string {
	if !pg || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		switch c := query[i]; {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// values returns a statement's arguments as the database takes them:
// PostgreSQL is given flags as 0 or 1, the integers their columns hold.
func values(pg bool, args []any) []any {
	if !pg {
		return args
	}
	var out []any
	for i, a := range args {
		if v, ok := a.(bool); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = map[bool]int64{false: 0, true: 1}[v]
		}
	}
	if out == nil {
		return args
	}
	return out
}

// inTx runs fn in a transaction of the writer, committed when fn returns
// nil and rolled back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(*tx) error) error {
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if err := fn(t); err != nil {
		return err
	}
	return t.Commit()
}
