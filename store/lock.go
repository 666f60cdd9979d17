package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// DaemonLock is held by the one daemon that works on a database: two
// would both poll and both deliver the outbox. Commands that only read or
// make small changes (notifications, token, check) do not take it.
type DaemonLock struct {
	f *os.File
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
		// Instances share a PostgreSQL database, taking turns by leases:
		// there is nothing to hold.
		return &DaemonLock{}, nil
	}
	name := path + ".lock"
	// A link in the lock's place is not followed: its target would be
	// overwritten with a process id.
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("lock %s: %s is a symbolic link; remove it", path, name)
	}
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
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
