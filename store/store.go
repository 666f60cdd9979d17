// Package store keeps feedhound's state in a database — a SQLite file by
// default, or PostgreSQL for several instances: the polling state of each
// source, every item seen, and every match, so that nothing is matched or
// published twice across restarts. Both databases run the same SQL (see
// db) and are held to the same tests.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Store is a feedhound database. It is safe for concurrent use: writes
// are serialised on one connection (SQLite) or a few (PostgreSQL), reads
// use a pool.
type Store struct {
	write *db
	read  *db

	// Statements run on every poll, prepared once: parsing SQL costs
	// more than running these.
	getSource  *stmt // on read
	saveSource *stmt // on write

	health health

	// pgConfig is a PostgreSQL database's, for Listen's connection;
	// listenErr, if set, is told why listening stopped.
	pgConfig  *pgx.ConnConfig
	listenErr func(error)
}

// OnListenError sets what is told when listening for changes fails; the
// store listens again after a while.
func (s *Store) OnListenError(f func(error)) { s.listenErr = f }

// Open opens the database data names — a SQLite file's path, or a
// postgres:// URL — creating it (a SQLite file) and bringing its schema up
// to date.
func Open(ctx context.Context, data string) (*Store, error) {
	if IsPostgres(data) {
		return openPostgres(ctx, data)
	}
	path := data
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(1)")
		if txlock != "" {
			q.Set("_txlock", txlock)
			// The writer's page cache holds a large poll's transaction
			// (10,000 items dirty some 30 MB of pages): with the default
			// 2 MB, SQLite spills dirty pages to the WAL mid-transaction
			// and writes the pages of indexes again each time they
			// change after a spill.
			q.Add("_pragma", "cache_size(-65536)")
		}
		return "file:" + path + "?" + q.Encode()
	}
	sw, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sw.SetMaxOpenConns(1)
	w := &db{DB: sw}
	s := &Store{write: w}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		s.health.path, s.health.file = path, fi
	}
	r, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s.read = &db{DB: r}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) prepare(ctx context.Context) (err error) {
	if s.getSource, err = s.read.PrepareContext(ctx, `SELECT `+sourceColumns+` FROM sources WHERE name = ?`); err != nil {
		return err
	}
	s.saveSource, err = s.write.PrepareContext(ctx, saveSourceSQL)
	return err
}

// Close closes the database.
func (s *Store) Close() error {
	for _, st := range []*stmt{s.getSource, s.saveSource} {
		if st != nil {
			st.Close()
		}
	}
	err := s.write.Close()
	if s.read != nil {
		if rerr := s.read.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// migrate applies the embedded migrations the database has not seen; its
// user_version counts those applied.
func (s *Store) migrate(ctx context.Context) error {
	if s.write.pg {
		return s.migratePostgres(ctx)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	var version int
	if err := s.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(names) {
		return fmt.Errorf("database schema version %d is newer than this feedhound knows (%d)", version, len(names))
	}
	for i := version; i < len(names); i++ {
		body, err := migrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		tx, err := s.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", names[i], err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", names[i], err)
		}
	}
	return nil
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
