package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/feedhound/feedhound/internal/pgtest"
)

// TestSchemasAgree holds the two databases' migrations to one schema: the
// same tables with the same columns, so that a migration written for one
// and forgotten for the other fails here.
func TestSchemasAgree(t *testing.T) {
	ctx := context.Background()
	lite := open(t, sqliteBackend.data(t))
	pg := open(t, pgtest.URL(t))
	columns := func(s *Store, tablesSQL, columnsSQL string) map[string]string {
		t.Helper()
		rows, err := s.read.QueryContext(ctx, tablesSQL)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var name string
			rows.Scan(&name)
			tables = append(tables, name)
		}
		rows.Close()
		out := map[string]string{}
		for _, table := range tables {
			rows, err := s.read.QueryContext(ctx, columnsSQL, table)
			if err != nil {
				t.Fatal(err)
			}
			var cols []string
			for rows.Next() {
				var c string
				rows.Scan(&c)
				cols = append(cols, c)
			}
			rows.Close()
			slices.Sort(cols)
			out[table] = strings.Join(cols, " ")
		}
		return out
	}
	want := columns(lite, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
		`SELECT name FROM pragma_table_info(?)`)
	got := columns(pg, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name != 'schema_version'`,
		`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`)
	if len(want) < 9 {
		t.Fatalf("SQLite has %d tables: the test reads nothing", len(want))
	}
	for table, cols := range want {
		if got[table] != cols {
			t.Errorf("table %s: PostgreSQL has columns %q, SQLite %q", table, got[table], cols)
		}
	}
	for table := range got {
		if _, ok := want[table]; !ok {
			t.Errorf("table %s is only in PostgreSQL", table)
		}
	}
}
