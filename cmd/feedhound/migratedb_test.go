package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/internal/pgtest"
	"github.com/feedhound/feedhound/store"
)

// TestMigrateDB moves a SQLite database to PostgreSQL with the command: it
// says what it copied, refuses to copy over data, and replaces it when
// told.
func TestMigrateDB(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "feedhound.db")
	st, err := store.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Record(ctx, "koreatimes", []store.NewItem{
		{Item: feed.Item{ID: "kt-1", Title: "Kim Jong-un may visit Russia to meet Putin", Text: "the Kim-Putin summit"},
			Matches: []store.Match{{Rule: "kim-putin", Notify: []string{"newsroom"}}}},
		{Item: feed.Item{ID: "kt-2", Title: "Ferry timetable changes"}},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	pg := pgtest.URL(t)
	migrate := func(args ...string) (int, string, string) {
		var out, errOut strings.Builder
		code := run(ctx, append([]string{"migrate-db", "--from", file, "--to", pg}, args...), nil, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := migrate()
	if code != exitMatch || !strings.HasPrefix(out, "copied "+file+" to postgres://postgres@") ||
		!strings.Contains(out, ": 0 sources, 2 items, 1 match, 1 alert, 0 tokens, 0 subscriptions, 0 API sources, 0 rule queries\n") {
		t.Fatalf("exit %d: %q %q", code, out, errOut)
	}
	code, _, errOut = migrate()
	if code != exitError || !strings.Contains(errOut, "the target database is not empty: its table notifications holds 1 row; give --replace to replace what it holds") {
		t.Errorf("over data: exit %d, %q", code, errOut)
	}
	code, out, _ = migrate("--replace", "--json")
	var got struct {
		From, To string
		Copied   map[string]int
	}
	if code != exitMatch || json.Unmarshal([]byte(out), &got) != nil || got.Copied["items"] != 2 || got.From != file {
		t.Errorf("replace: exit %d, %q", code, out)
	}
	// The copy is the database a daemon then works on.
	dst, err := store.Open(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if ms, err := dst.LatestMatches(ctx, "kim-putin", 5); err != nil || len(ms) != 1 || ms[0].Item.ID != "kt-1" {
		t.Errorf("matches on the copy: %+v, %v", ms, err)
	}
}

// TestMigrateDBNeverShowsAPassword: an upper-case scheme was taken for a
// file's path, and the error printed the URL, password and all.
func TestMigrateDBNeverShowsAPassword(t *testing.T) {
	file := filepath.Join(t.TempDir(), "feedhound.db")
	for _, to := range []string{"POSTGRES://feedhound:s3cret@127.0.0.1:1/feedhound", "PostgreSQL://feedhound:s3cret@127.0.0.1:1/feedhound"} {
		var out, errOut strings.Builder
		code := run(context.Background(), []string{"migrate-db", "--from", file, "--to", to}, nil, &out, &errOut)
		if code != exitError || strings.Contains(errOut.String(), "s3cret") || !strings.Contains(errOut.String(), "feedhound@127.0.0.1:1") {
			t.Errorf("--to %s: exit %d, %q; want an error naming the server without the password", to, code, errOut.String())
		}
		if _, err := os.Stat(to); err == nil {
			t.Errorf("%s was made as a file", to)
		}
	}
}
