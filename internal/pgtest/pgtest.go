// Package pgtest gives tests a PostgreSQL database of their own: a new
// schema on the server FEEDHOUND_TEST_POSTGRES names, dropped after the
// test. Without the variable, tests that need one are skipped — or fail,
// when FEEDHOUND_REQUIRE_POSTGRES is set, as .ci/run sets it.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// The variables that point the tests at a server, and require one.
const (
	ServerVar  = "FEEDHOUND_TEST_POSTGRES"
	RequireVar = "FEEDHOUND_REQUIRE_POSTGRES"
)

// BackendVar, set to "postgres", runs the suites that keep a store
// (watcher, notify, api, server) on PostgreSQL instead of SQLite: each
// test's database is a schema of its own on the server ServerVar names.
const BackendVar = "FEEDHOUND_TEST_BACKEND"

// schemas are the schemas made for database paths, so that a test that
// opens its database again finds what it left there.
var schemas sync.Map

// Data returns what a test opens its store on for the database file path:
// the path, or, when BackendVar is "postgres", a schema of its own on the
// server — the same one each time the test opens the same path.
func Data(t testing.TB, path string) string {
	t.Helper()
	if os.Getenv(BackendVar) != "postgres" {
		return path
	}
	if u, ok := schemas.Load(path); ok {
		return u.(string)
	}
	u := URL(t)
	schemas.Store(path, u)
	return u
}

// Hint is the line said where the PostgreSQL tests do not run.
const Hint = "set " + ServerVar + "=postgres://postgres@127.0.0.1:5432/test to run them on PostgreSQL too"

// Server returns the server the tests are pointed at, "" for none.
func Server() string { return os.Getenv(ServerVar) }

// Required reports whether the PostgreSQL tests must run.
func Required() bool { return os.Getenv(RequireVar) != "" }

// URL returns the URL of a new, empty schema of the server for t, as its
// search path; it skips t when there is no server (fails it when one is
// required).
func URL(t testing.TB) string {
	t.Helper()
	server := Server()
	if server == "" {
		if Required() {
			t.Fatalf("%s is set but %s is not", RequireVar, ServerVar)
		}
		t.Skip(Hint)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "feedhound_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("PostgreSQL at %s: %v", ServerVar, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
