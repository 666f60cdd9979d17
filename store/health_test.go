package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/internal/fulldisk"
)

func TestHealthNoticesAMissingOrReplacedFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "feedhound.db")
	s := open(t, path)
	if err := s.Health(ctx); err != nil {
		t.Fatalf("a new database: %v", err)
	}
	// The data directory deleted while feedhound runs: SQLite writes on
	// to the open file, and everything is lost at the next start.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Health(ctx); err == nil || !strings.Contains(err.Error(), "database file "+path+" is gone") {
		t.Errorf("after the directory was deleted: %v", err)
	}
	// Another file in its place is not the one being written.
	os.MkdirAll(dir, 0o755)
	other := open(t, path)
	if err := s.Health(ctx); err == nil || !strings.Contains(err.Error(), "was replaced since feedhound opened it") {
		t.Errorf("after the file was replaced: %v", err)
	}
	if err := other.Health(ctx); err != nil {
		t.Errorf("the new file's own store: %v", err)
	}
}

// TestHealthKeepsNoConnection: a health check left its read connection
// open, and the fifth status page or /healthz waited for ever.
func TestHealthKeepsNoConnection(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "feedhound.db"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 20 {
		if err := s.Health(ctx); err != nil {
			t.Fatalf("health check %d: %v", i, err)
		}
	}
	if _, err := s.Sources(ctx); err != nil {
		t.Fatalf("a read after 20 health checks: %v", err)
	}
}

func TestHealthOfAFullDisk(t *testing.T) {
	ctx := context.Background()
	disk := fulldisk.Mount(t, 4<<20)
	s := open(t, filepath.Join(disk, "feedhound.db"))
	if _, err := s.Record(ctx, "wire", []NewItem{{Item: item("a", "Summit in Vladivostok")}}, t0); err != nil {
		t.Fatal(err)
	}
	free := fulldisk.Fill(t, disk)
	if _, err := s.Record(ctx, "wire", []NewItem{{Item: item("b", "Talks on the second day")}}, t0); err == nil {
		t.Fatal("a write succeeded on a full disk")
	}
	if err := s.Health(ctx); err == nil || !strings.Contains(err.Error(), "database cannot be written since") {
		t.Errorf("health: %v", err)
	}
	if err := s.Writable(ctx); !errors.Is(err, ErrNotWritable) {
		t.Errorf("writable: %v", err)
	}
	if n := s.WriteFailures(); n < 2 {
		t.Errorf("%d write failures counted, want 2 or more", n)
	}
	free()
	if err := s.Writable(ctx); err != nil {
		t.Errorf("writable after the disk was freed: %v", err)
	}
	if err := s.Health(ctx); err != nil {
		t.Errorf("health after the disk was freed: %v", err)
	}
}
