package store

import (
	"context"
	"fmt"
	"time"
)

// What instances sharing a database (PostgreSQL) need of it beside the
// leases: whether it is shared, versions of what feeds show, so that every
// instance renders again when another recorded something, and who the
// instances are.

// Shared reports whether other instances may work on the database too
// (PostgreSQL): only then are leases needed. A SQLite file has one daemon
// (LockDaemon).
func (s *Store) Shared() bool { return s.write.pg }

// RuleVersion is a version of a rule's matches: the time of its latest,
// in Unix milliseconds; it changes when the rule matches again, through
// any instance.
func (s *Store) RuleVersion(ctx context.Context, rule string) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(matched_at), 0) FROM matches WHERE rule = ?`, rule).Scan(&v)
	return v, err
}

// SourceVersion is a version of a source's items: when its newest was
// first seen, in Unix milliseconds.
func (s *Store) SourceVersion(ctx context.Context, source string) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(first_seen), 0) FROM items WHERE source = ?`, source).Scan(&v)
	return v, err
}

// SourcesVersion is a version of what the sources say of themselves (the
// feeds' titles, links, languages): when the latest changed.
func (s *Store) SourcesVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(meta_changed), 0) FROM sources`).Scan(&v)
	return v, err
}

// Instance is an instance working on the database.
type Instance struct {
	Name    string
	Config  string // a fingerprint of its sources and rules
	Started time.Time
	Seen    time.Time // when it last said it was alive
}

// SeeInstance records that an instance is alive and runs the
// configuration of the fingerprint config.
func (s *Store) SeeInstance(ctx context.Context, name, config string, started, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO instances (name, config, started, seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET config = excluded.config, seen = excluded.seen`, name, config, millis(started), millis(now))
	return s.noteWrite(err)
}

// LeaveInstance removes an instance that stops.
func (s *Store) LeaveInstance(ctx context.Context, name string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM instances WHERE name = ?`, name)
	return s.noteWrite(err)
}

// Instances returns the instances seen alive since a time, by name.
func (s *Store) Instances(ctx context.Context, since time.Time) ([]Instance, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, config, started, seen FROM instances WHERE seen >= ? ORDER BY name`, millis(since))
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	defer rows.Close()
	var out []Instance
	for rows.Next() {
		var in Instance
		var started, seen int64
		if err := rows.Scan(&in.Name, &in.Config, &started, &seen); err != nil {
			return nil, fmt.Errorf("list instances: %w", err)
		}
		in.Started, in.Seen = fromMillis(started), fromMillis(seen)
		out = append(out, in)
	}
	return out, rows.Err()
}
