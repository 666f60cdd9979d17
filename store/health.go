package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// health tracks whether the database can be written, and which file was
// opened.
type health struct {
	path string      // the database file; "" for one in memory
	file os.FileInfo // as it was when opened

	mu       sync.Mutex // protects the following fields
	err      error      // of the last write, when it failed
	since    time.Time  // when writes began failing
	failures int64      // writes that failed, ever
}

// ErrNotWritable wraps the error of a write that failed, returned by
// Writable while the database cannot be written.
var ErrNotWritable = errors.New("the database cannot be written")

// noteWrite records the outcome of a write and returns its error. A
// cancelled context says nothing about the database.
func (s *Store) noteWrite(err error) error {
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err == nil:
		h.err = nil
	case h.err == nil:
		h.err, h.since = err, time.Now()
		h.failures++
	default:
		h.err = err
		h.failures++
	}
	return err
}

// WriteFailure returns the error of the last write when it failed, and
// since when writes have been failing; nil while writes succeed.
func (s *Store) WriteFailure() (since time.Time, err error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	return s.health.since, s.health.err
}

// WriteFailures counts the writes that failed since the store was opened.
func (s *Store) WriteFailures() int64 {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	return s.health.failures
}

// Writable returns nil if the database can be written: at once when the
// last write succeeded, else by trying a small write. Work whose outcome
// must be recorded — sending an alert — asks first, so that nothing is
// done that cannot be recorded.
func (s *Store) Writable(ctx context.Context) error {
	if _, err := s.WriteFailure(); err == nil {
		return nil
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO write_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at`, time.Now().UnixMilli())
	if err = s.noteWrite(err); err != nil {
		return fmt.Errorf("%w: %w", ErrNotWritable, err)
	}
	return nil
}

// Health returns nil while the database answers, can be written, and is
// still the file that was opened: a database file deleted or replaced
// while feedhound runs would lose every write at the next start.
func (s *Store) Health(ctx context.Context) error {
	if s.health.path != "" {
		fi, err := os.Stat(s.health.path)
		if err != nil {
			return fmt.Errorf("database file %s is gone (%v): what is written now is lost at the next start", s.health.path, errors.Unwrap(err))
		}
		if !os.SameFile(fi, s.health.file) {
			return fmt.Errorf("database file %s was replaced since feedhound opened it: what is written now is lost at the next start", s.health.path)
		}
	}
	var one int
	// Scan, not Err: a Row that is not scanned keeps its connection.
	if err := s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if since, err := s.WriteFailure(); err != nil {
		return fmt.Errorf("database cannot be written since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// DatabasePath is the file the store opened; "" for a database in memory.
func (s *Store) DatabasePath() string { return s.health.path }
