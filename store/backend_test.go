package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/feedhound/feedhound/internal/pgtest"
)

// TestMain says, in one line, when the suite runs on SQLite only, and
// refuses to when PostgreSQL is required.
func TestMain(m *testing.M) {
	if pgtest.Server() == "" {
		if pgtest.Required() {
			fmt.Fprintf(os.Stderr, "store: %s is set but %s is not: the PostgreSQL suite cannot run\n", pgtest.RequireVar, pgtest.ServerVar)
			os.Exit(1)
		}
		fmt.Println("store: the tests run on SQLite only; " + pgtest.Hint)
	}
	os.Exit(m.Run())
}

// backend is a database the store's tests run on.
type backend struct {
	name string
	// data returns the data of a new, empty database: a file's path, or
	// the URL of a schema of its own on the PostgreSQL server.
	data func(t *testing.T) string
}

var sqliteBackend = backend{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "feedhound.db") }}

// backends are SQLite, and PostgreSQL when the tests have a server.
func backends() []backend {
	bs := []backend{sqliteBackend}
	if pgtest.Server() != "" {
		bs = append(bs, backend{"postgres", func(t *testing.T) string { return pgtest.URL(t) }})
	}
	return bs
}

// forEach runs a test on each backend.
func forEach(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}
