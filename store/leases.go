package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Leases let the instances that share a database (PostgreSQL) take turns:
// one polls a source at a time, one sends to a notifier at a time. A lease
// is a row's owner and the time it runs out: taking one is a single
// conditional write, which the database makes atomic, and a killed
// instance's leases run out by themselves, for the others to take.

// ClaimSource takes the lease of a source for owner until until, if it is
// free (or owner's already) and no poll has been recorded since seen, the
// last poll the owner knows of. ok is false when another instance holds
// the lease or polled the source since: the source's state, as stored, is
// returned then, for the owner to schedule by.
func (s *Store) ClaimSource(ctx context.Context, name, owner string, seen, now, until time.Time) (src Source, ok bool, err error) {
	r, err := s.write.ExecContext(ctx, `UPDATE sources SET lease_owner = ?, lease_until = ?
		WHERE name = ? AND (lease_until <= ? OR lease_owner = ?) AND last_poll <= ?`,
		owner, millis(until), name, millis(now), owner, millis(seen))
	if s.noteWrite(err) != nil {
		return Source{}, false, fmt.Errorf("claim source %s: %w", name, err)
	}
	n, _ := r.RowsAffected()
	src, err = scanSource(s.getSource.QueryRowContext(ctx, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, false, fmt.Errorf("claim source %s: no such source", name)
	}
	if err != nil {
		return Source{}, false, fmt.Errorf("claim source %s: %w", name, err)
	}
	return src, n == 1, nil
}

// SourceLease returns who holds a source's lease and until when; an
// owner of "" or a time passed is no lease.
func (s *Store) SourceLease(ctx context.Context, name string) (owner string, until time.Time, err error) {
	var u int64
	err = s.read.QueryRowContext(ctx, `SELECT lease_owner, lease_until FROM sources WHERE name = ?`, name).Scan(&owner, &u)
	return owner, fromMillis(u), err
}

// ClaimNotifier takes (or keeps) the lease of a notifier for owner until
// until, if it is free or owner's already, and reports whether owner holds
// it now.
func (s *Store) ClaimNotifier(ctx context.Context, notifier, owner string, now, until time.Time) (bool, error) {
	r, err := s.write.ExecContext(ctx, `INSERT INTO notifier_leases (notifier, owner, until) VALUES (?, ?, ?)
		ON CONFLICT (notifier) DO UPDATE SET owner = excluded.owner, until = excluded.until
		WHERE notifier_leases.until <= ? OR notifier_leases.owner = excluded.owner`,
		notifier, owner, millis(until), millis(now))
	if s.noteWrite(err) != nil {
		return false, fmt.Errorf("claim notifier %s: %w", notifier, err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}

// ReleaseNotifier lets owner's lease of a notifier go, for another
// instance to take at once.
func (s *Store) ReleaseNotifier(ctx context.Context, notifier, owner string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM notifier_leases WHERE notifier = ? AND owner = ?`, notifier, owner)
	if s.noteWrite(err) != nil {
		return fmt.Errorf("release notifier %s: %w", notifier, err)
	}
	return nil
}

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
