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
	// One round trip when the lease is taken: the state comes back with it.
	src, err = scanSource(s.write.QueryRowContext(ctx, `UPDATE sources SET lease_owner = ?, lease_until = ?
		WHERE name = ? AND (lease_until <= ? OR lease_owner = ?) AND last_poll <= ?
		RETURNING `+sourceColumns,
		owner, millis(until), name, millis(now), owner, millis(seen)))
	taken := err == nil
	if taken || errors.Is(err, sql.ErrNoRows) {
		err = nil // the write went through, whether it took the lease
	}
	if s.noteWrite(err) != nil {
		return Source{}, false, fmt.Errorf("claim source %s: %w", name, err)
	}
	if taken {
		return src, true, nil
	}
	src, err = scanSource(s.getSource.QueryRowContext(ctx, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, false, fmt.Errorf("claim source %s: no such source", name)
	}
	if err != nil {
		return Source{}, false, fmt.Errorf("claim source %s: %w", name, err)
	}
	return src, false, nil
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

// NotifierLease returns who holds a notifier's lease and until when; an
// owner of "" is no lease.
func (s *Store) NotifierLease(ctx context.Context, notifier string) (owner string, until time.Time, err error) {
	var u int64
	err = s.read.QueryRowContext(ctx, `SELECT owner, until FROM notifier_leases WHERE notifier = ?`, notifier).Scan(&owner, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	return owner, fromMillis(u), err
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
