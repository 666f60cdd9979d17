package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/feedhound/feedhound/internal/pgtest"
)

// TestScrapedSourcesBecomePages: a page scraped for items that was added
// through the API before sources had kinds is, after the migration, the
// page kind with its selectors as options; a feed is the feed kind.
func TestScrapedSourcesBecomePages(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.db")
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		scrapedSourcesBecomePages(t, db, "migrations/*.sql", 23, "PRAGMA user_version = 23", path)
	})
	t.Run("postgres", func(t *testing.T) {
		u := pgtest.URL(t)
		db, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		// PostgreSQL's migrations start at 018, the schema of 017.
		scrapedSourcesBecomePages(t, db, "migrations/postgres/*.sql", 6, "CREATE TABLE schema_version (version BIGINT NOT NULL); INSERT INTO schema_version VALUES (23)", u)
	})
}

// scrapedSourcesBecomePages runs the first n migrations of a database,
// stores sources as they were then, and opens the database as feedhound
// does now.
func scrapedSourcesBecomePages(t *testing.T, db *sql.DB, glob string, n int, version, data string) {
	ctx := context.Background()
	names, _ := fs.Glob(migrations, glob)
	slices.Sort(names)
	for _, name := range names[:n] {
		body, _ := migrations.ReadFile(name)
		if _, err := db.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, q := range []string{
		version,
		`INSERT INTO api_sources (name, url, schedule, created, scrape, timezone) VALUES ('mofa', 'https://mofa.example/list', '@every 30m', 1, '{"item":"table tr","date":"td.date"}', 'Asia/Seoul')`,
		`INSERT INTO api_sources (name, url, schedule, created, scrape) VALUES ('found', 'https://found.example/', '@every 30m', 1, '{"item":""}')`,
		`INSERT INTO api_sources (name, url, schedule, created) VALUES ('wire', 'https://wire.example/a.atom', '@every 30m', 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s := open(t, data)
	srcs, err := s.APISources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, src := range srcs {
		got[src.Name] = src.Kind + " " + src.Options + " " + src.Timezone
	}
	want := map[string]string{
		"found": `page {"item":""} `,
		"mofa":  `page {"item":"table tr","date":"td.date"} Asia/Seoul`,
		"wire":  "feed  ",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
}
