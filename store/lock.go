package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// DaemonLock is held by the one daemon that works on a database: two
// would both poll and both deliver the outbox. Commands that only read or
// make small changes (notifications, token, check) do not take it.
type DaemonLock struct {
	f  *os.File
	pg *sql.DB // holding a PostgreSQL session lock, on its one connection
}

// ErrLocked is returned by LockDaemon when another process holds the lock.
var ErrLocked = errors.New("the database is in use by another feedhound daemon")

// LockDaemon takes the daemon lock of the database at path: an exclusive
// lock on the file path+".lock", held until Unlock or the process ends
// (the kernel lets it go even after a kill). The file holds the holder's
// process id, for the error another daemon gets.
func LockDaemon(path string) (*DaemonLock, error) {
	if path == ":memory:" {
		return &DaemonLock{}, nil // no other process can open it
	}
	if IsPostgres(path) {
		return lockPostgres(path)
	}
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := ""
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil {
				holder = fmt.Sprintf(" (pid %d)", pid)
			}
			return nil, fmt.Errorf("%s: %w%s; stop it first, or give this one a data: file of its own", path, ErrLocked, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &DaemonLock{f: f}, nil
}

// Unlock lets the lock go.
func (l *DaemonLock) Unlock() error {
	if l.pg != nil {
		return l.pg.Close() // the session ends, and its lock with it
	}
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

// lockPostgres takes the daemon lock of a PostgreSQL database: a session
// advisory lock, for the schema it works in, which the server lets go when
// the session ends, a killed process's too. Until the instances of a
// cluster share the polling and the outbox, one daemon works on a
// database at a time.
func lockPostgres(data string) (*DaemonLock, error) {
	cfg, err := pgx.ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("lock %s: not a PostgreSQL URL", Describe(data))
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got bool
	if err := db.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext('feedhound daemon ' || current_schema()))`).Scan(&got); err != nil {
		db.Close()
		return nil, fmt.Errorf("lock %s: %w", Describe(data), err)
	}
	if !got {
		db.Close()
		return nil, fmt.Errorf("%s: %w; stop it first, or give this one a database of its own", Describe(data), ErrLocked)
	}
	return &DaemonLock{pg: db}, nil
}
