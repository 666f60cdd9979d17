// Package testkit holds what the tests of many packages need: a store of
// the test's own on the backend the run asks for, and a wait for a
// condition. It is for tests only.
package testkit

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/pgtest"
	"github.com/feedhound/feedhound/store"
)

// OpenStore opens a test's store: the SQLite file at path, or a
// PostgreSQL schema of its own when the run asks for PostgreSQL
// (pgtest.Data); it is closed when the test ends.
func OpenStore(t testing.TB, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), pgtest.Data(t, path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Until waits for cond, checking it every 10 ms, and fails the test
// after 15 s, naming what it waited for.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Buffer is a strings.Builder safe to read while another goroutine
// writes to it: a logger's output, a command's.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
