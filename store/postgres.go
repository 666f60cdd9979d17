package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgres reports whether data, the configuration's data, names a
// PostgreSQL database rather than a SQLite file. Schemes are
// case-insensitive: POSTGRES:// is one too.
func IsPostgres(data string) bool {
	scheme, _, ok := strings.Cut(data, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// Describe is data as it may be shown: a URL (PostgreSQL's, or anything
// that looks like one) without its password or its query.
func Describe(data string) string {
	if !strings.Contains(data, "://") {
		return data
	}
	u, err := url.Parse(data)
	if err != nil {
		scheme, _, _ := strings.Cut(data, "://")
		return scheme + "://(hidden)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery = ""
	return u.String()
}

// openPostgres opens a PostgreSQL database and brings its schema up to
// date.
func openPostgres(ctx context.Context, data string) (*Store, error) {
	scheme, rest, _ := strings.Cut(data, "://")
	cfg, err := pgx.ParseConfig(strings.ToLower(scheme) + "://" + rest)
	if err != nil {
		// pgx's error can repeat the URL, password and all.
		return nil, fmt.Errorf("open %s: not a PostgreSQL URL", Describe(data))
	}
	open := func(conns int) *db {
		d := stdlib.OpenDB(*cfg)
		d.SetMaxOpenConns(conns)
		d.SetMaxIdleConns(conns)
		return &db{DB: d, pg: true}
	}
	s := &Store{write: open(4), pgConfig: cfg}
	if err := s.write.PingContext(ctx); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open %s: %w", Describe(data), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open %s: %w", Describe(data), err)
	}
	s.read = open(8)
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", Describe(data), err)
	}
	return s, nil
}

// migratePostgres applies the PostgreSQL migrations the database has not
// seen, each numbered by the schema version it brings the database to.
// Instances starting at once take turns: the first migrates, the others
// then find nothing to do.
func (s *Store) migratePostgres(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/postgres/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A lock of the session, for the schema the connection works in.
	const lock = `SELECT pg_advisory_lock(hashtext('feedhound migrations ' || current_schema()))`
	if _, err := conn.ExecContext(ctx, lock); err != nil {
		return fmt.Errorf("wait for other instances' migrations: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('feedhound migrations ' || current_schema()))`)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	var version int
	switch err := conn.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version); err {
	case nil:
	case sql.ErrNoRows:
		if _, err := conn.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
	default:
		return fmt.Errorf("read schema version: %w", err)
	}
	known := 0
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: not numbered", name)
		}
		known = max(known, n)
		if n <= version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		t, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, string(body)); err != nil {
			t.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := t.ExecContext(ctx, `UPDATE schema_version SET version = `+strconv.Itoa(n)); err != nil {
			t.Rollback()
			return err
		}
		if err := t.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		version = n
	}
	if version > known {
		return fmt.Errorf("database schema version %d is newer than this feedhound knows (%d)", version, known)
	}
	return nil
}
