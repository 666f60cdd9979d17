package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Change is a change made through an instance's API: to the subscription
// Subject, or to the sources when Subject is "".
type Change struct {
	Seq     int64
	Subject string
	Origin  string // the instance that made it
}

// changesChannel is where PostgreSQL announces changes as they commit.
const changesChannel = "feedhound_changes"

// Announce records a change for the other instances sharing the database,
// and wakes those that listen (Listen).
func (s *Store) Announce(ctx context.Context, origin, subject string, now time.Time) error {
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("announce a change: %w", err)
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, `INSERT INTO changes (subject, origin, at) VALUES (?, ?, ?)`, subject, origin, millis(now)); err != nil {
		return fmt.Errorf("announce a change: %w", err)
	}
	if s.write.pg {
		if _, err := t.ExecContext(ctx, `SELECT pg_notify('`+changesChannel+`', ?)`, subject); err != nil {
			return fmt.Errorf("announce a change: %w", err)
		}
	}
	return s.noteWrite(t.Commit())
}

// LastChange is the sequence number of the latest change, 0 for none.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM changes`).Scan(&seq)
	return seq, err
}

// Changes returns the changes after the sequence number after, oldest
// first, at most limit.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT seq, subject, origin FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Seq, &c.Subject, &c.Origin); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PruneChanges deletes the changes made before a time: every instance has
// read them long since.
func (s *Store) PruneChanges(ctx context.Context, before time.Time) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM changes WHERE at < ?`, millis(before))
	return s.noteWrite(err)
}

// Listen calls wake, from a goroutine of its own, each time a change is
// announced, until ctx ends: on PostgreSQL, through LISTEN on a
// connection of its own, made again when it breaks. On SQLite it does
// nothing: one daemon makes every change itself.
func (s *Store) Listen(ctx context.Context, wake func()) {
	if !s.write.pg {
		return
	}
	go func() {
		wait := time.Second
		for ctx.Err() == nil {
			err := s.listen(ctx, wake)
			if ctx.Err() != nil {
				return
			}
			if s.listenErr != nil {
				s.listenErr(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, time.Minute)
		}
	}()
}

func (s *Store) listen(ctx context.Context, wake func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pgConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return err
	}
	wake() // whatever was announced while it was not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
