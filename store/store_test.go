package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/rules"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 9, 8, 0, 0, 0, 0, time.UTC)

func item(id, title string) feed.Item {
	return feed.Item{ID: id, Title: title, Link: "https://wire.example.org/" + id, Text: title + " text",
		Authors: []string{"Jung Da-min"}, Categories: []string{"North Korea"}, Published: t0.Add(-time.Hour)}
}

var kimPutin = Match{Rule: "kim-putin", Hits: []rules.Hit{{Term: `"kim putin summit"`, Field: rules.FieldTitle, Start: 4, End: 20}}}

func TestRecordOnceAcrossRestarts(t *testing.T) { forEach(t, testRecordOnceAcrossRestarts) }

func testRecordOnceAcrossRestarts(t *testing.T, b backend) {
	ctx := context.Background()
	path := b.data(t)
	s := open(t, path)
	first := []NewItem{
		{Item: item("a1", "The Kim-Putin summit"), Matches: []Match{kimPutin}},
		{Item: item("a2", "Kimchi exports rise")},
	}
	res, err := s.Record(ctx, "wire", first, t0)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 2 || res.Matches != 1 || res.Updated != 0 || res.Notifications != 0 || len(res.IDs) != 2 || res.IDs[0] == 0 || res.IDs[1] == 0 {
		t.Errorf("first record = %+v, want 2 new with their ids, 1 match", res)
	}
	s.Close()

	// A new process opens the same file: what was seen stays seen.
	s = open(t, path)
	unseen, err := s.Unseen(ctx, "wire", []string{"a1", "a2", "a3"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"a3": true}, unseen); diff != "" {
		t.Errorf("unseen (-want +got):\n%s", diff)
	}
	// Another source may have the same IDs.
	if other, _ := s.Unseen(ctx, "other", []string{"a1"}); !other["a1"] {
		t.Error("a1 of another source counted as seen")
	}
	// Recording the same items again records nothing new; an edited
	// item is updated in place and keeps its one match.
	again := []NewItem{
		{Item: item("a1", "The Kim-Putin summit, updated"), Matches: []Match{kimPutin}},
		{Item: item("a2", "Kimchi exports rise")},
	}
	res, err = s.Record(ctx, "wire", again, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 0 || res.Matches != 0 || res.Updated != 1 || res.Notifications != 0 || res.IDs[0] != 0 || res.IDs[1] != 0 {
		t.Errorf("second record = %+v, want 1 updated only", res)
	}
	ms, err := s.LatestMatches(ctx, "kim-putin", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Item.Title != "The Kim-Putin summit, updated" || !ms[0].MatchedAt.Equal(t0) {
		t.Fatalf("matches = %+v, want the one match, with the new title, matched at %v", ms, t0)
	}
	got := ms[0]
	if got.Source != "wire" || got.Item.ID != "a1" || got.Item.Authors[0] != "Jung Da-min" || !got.Item.Published.Equal(t0.Add(-time.Hour)) {
		t.Errorf("stored item = %+v", got.Item)
	}
	if diff := cmp.Diff(kimPutin.Hits, got.Hits); diff != "" {
		t.Errorf("hits (-want +got):\n%s", diff)
	}
}

func TestRecordIsAtomic(t *testing.T) { forEach(t, testRecordIsAtomic) }

func testRecordIsAtomic(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	// A cancelled context makes the transaction fail: neither the item
	// nor its match may be left behind.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Record(cctx, "wire", []NewItem{{Item: item("a1", "x"), Matches: []Match{kimPutin}}}, t0); err == nil {
		t.Fatal("Record with a cancelled context succeeded")
	}
	unseen, err := s.Unseen(ctx, "wire", []string{"a1"})
	if err != nil {
		t.Fatal(err)
	}
	if !unseen["a1"] {
		t.Error("a failed Record left its item behind")
	}
	stats, _ := s.RuleStats(ctx)
	if len(stats) != 0 {
		t.Errorf("a failed Record left matches: %v", stats)
	}
}

func TestLatestMatchesOrderAndLimit(t *testing.T) { forEach(t, testLatestMatchesOrderAndLimit) }

func testLatestMatchesOrderAndLimit(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	for i := range 5 {
		id := fmt.Sprintf("a%d", i)
		if _, err := s.Record(ctx, "wire", []NewItem{{Item: item(id, id), Matches: []Match{kimPutin}}}, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := s.LatestMatches(ctx, "kim-putin", 3)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Item.ID)
	}
	if diff := cmp.Diff([]string{"a4", "a3", "a2"}, ids); diff != "" {
		t.Errorf("latest (-want +got):\n%s", diff)
	}
	stats, err := s.RuleStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := stats["kim-putin"]; st.Matches != 5 || !st.LastMatch.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("stats = %+v", st)
	}
}

func TestSources(t *testing.T) { forEach(t, testSources) }

func testSources(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	src, err := s.EnsureSource(ctx, "kt", "https://kt.example/rss")
	if err != nil {
		t.Fatal(err)
	}
	src.URL = "https://kt.example/new-rss" // moved permanently
	src.ETag, src.Failures, src.LastStatus, src.LastPoll = `"v1"`, 2, "error", t0
	if err := s.SaveSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	again, err := s.EnsureSource(ctx, "kt", "https://kt.example/rss")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(src, again); diff != "" {
		t.Errorf("state after restart (-want +got):\n%s", diff)
	}
	// The configuration names another URL: start afresh from it.
	moved, err := s.EnsureSource(ctx, "kt", "https://kt.example/atom")
	if err != nil {
		t.Fatal(err)
	}
	if moved.URL != "https://kt.example/atom" || moved.ETag != "" || moved.Failures != 0 {
		t.Errorf("after a config change: %+v", moved)
	}
	all, err := s.Sources(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("Sources = %v, %v", all, err)
	}
}

func TestPrune(t *testing.T) { forEach(t, testPrune) }

func testPrune(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	old := t0.Add(-40 * 24 * time.Hour)
	s.Record(ctx, "wire", []NewItem{{Item: item("matched", "m"), Matches: []Match{kimPutin}}, {Item: item("gone", "g")}, {Item: item("still", "s")}}, old)
	// "still" is in the feed at the latest poll.
	s.Record(ctx, "wire", []NewItem{{Item: item("still", "s")}}, t0)
	n, err := s.Prune(ctx, t0.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("pruned %d items, want 1", n)
	}
	unseen, _ := s.Unseen(ctx, "wire", []string{"matched", "gone", "still"})
	if diff := cmp.Diff(map[string]bool{"gone": true}, unseen); diff != "" {
		t.Errorf("after prune, unseen (-want +got):\n%s", diff)
	}
}

func TestConcurrentReadsAndWrites(t *testing.T) { forEach(t, testConcurrentReadsAndWrites) }

func testConcurrentReadsAndWrites(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				id := fmt.Sprintf("w%d-%d", w, i)
				if _, err := s.Record(ctx, fmt.Sprint("src", w), []NewItem{{Item: item(id, id), Matches: []Match{kimPutin}}}, t0); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.LatestMatches(ctx, "kim-putin", 10); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	stats, _ := s.RuleStats(ctx)
	if stats["kim-putin"].Matches != 80 {
		t.Errorf("matches = %d, want 80", stats["kim-putin"].Matches)
	}
}

// TestStoriesAlertOnce: a copy of a story is stored with the story's
// first item, and a rule that alerts once per story records the copy's
// match without a second alert; a rule whose first match in the story
// is the copy alerts, as does a rule that groups nothing.
func TestStoriesAlertOnce(t *testing.T) { forEach(t, testStoriesAlertOnce) }

func testStoriesAlertOnce(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	once := func(rule string) Match { return Match{Rule: rule, Notify: []string{"desk"}, OncePerStory: true} }
	first, err := s.Record(ctx, "wire", []NewItem{{Item: item("w1", "Kim may visit Russia"), Matches: []Match{once("kim")}}}, t0)
	if err != nil || first.Notifications != 1 {
		t.Fatalf("first copy: %+v, %v", first, err)
	}
	story := first.IDs[0]
	copyRes, err := s.Record(ctx, "times", []NewItem{{Item: item("t1", "Kim Jong-un may visit Russia"), Story: story,
		Matches: []Match{once("kim"), once("russia"), {Rule: "all", Notify: []string{"desk"}}}}}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if copyRes.Matches != 3 || copyRes.Notifications != 2 {
		t.Errorf("the copy: %d matches, %d alerts; want 3 matches and 2 alerts (russia's first, and all's)", copyRes.Matches, copyRes.Notifications)
	}
	for _, rule := range []string{"kim", "russia"} {
		ms, _ := s.LatestMatches(ctx, rule, 10)
		for _, m := range ms {
			if m.Story != story {
				t.Errorf("%s: item %s has story %d, want %d", rule, m.Item.ID, m.Story, story)
			}
		}
	}
	pending, _ := s.Notifications(ctx, false, 10)
	var got []string
	for _, n := range pending {
		got = append(got, n.Rule)
	}
	slices.Sort(got)
	if want := []string{"all", "kim", "russia"}; !slices.Equal(got, want) {
		t.Errorf("alerts for %v, want %v", got, want)
	}
	// The first alert, for the first copy, names the story and lists the
	// copy recorded since.
	n, ok, err := s.NextNotification(ctx, "desk")
	if err != nil || !ok || n.Match.Item.ID != "w1" {
		t.Fatalf("next alert: %+v, %v, %v", n.Match.Item.ID, ok, err)
	}
	if n.Match.StoryID != ItemUUID("wire", "w1") || len(n.Match.Also) != 1 || n.Match.Also[0].Item.ID != "t1" || n.Match.Also[0].Source != "times" {
		t.Errorf("the alert's story %q and copies %+v", n.Match.StoryID, n.Match.Also)
	}
}

// TestLatestStories: a rule's stories come newest first, each its first
// copy with the later ones, and a limit counts stories, not copies.
func TestLatestStories(t *testing.T) { forEach(t, testLatestStories) }

func testLatestStories(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	m := []Match{{Rule: "kim"}}
	a, _ := s.Record(ctx, "wire", []NewItem{{Item: item("w1", "Kim may visit Russia"), Matches: m}}, t0)
	s.Record(ctx, "times", []NewItem{{Item: item("t1", "Kim Jong-un may visit Russia"), Matches: m, Story: a.IDs[0]}}, t0.Add(time.Hour))
	s.Record(ctx, "wire", []NewItem{{Item: item("w2", "Kim arrives in Vladivostok"), Matches: m}}, t0.Add(2*time.Hour))
	s.Record(ctx, "herald", []NewItem{{Item: item("h1", "KIM COULD TRAVEL TO RUSSIA"), Matches: m, Story: a.IDs[0]}}, t0.Add(3*time.Hour))
	got, err := s.LatestStories(ctx, "kim", 10)
	if err != nil {
		t.Fatal(err)
	}
	var shape []string
	for _, st := range got {
		line := st.Item.ID
		for _, c := range st.Also {
			line += " " + c.Item.ID
		}
		shape = append(shape, line)
	}
	if want := []string{"w2", "w1 t1 h1"}; !slices.Equal(shape, want) {
		t.Errorf("stories %q, want %q", shape, want)
	}
	if one, _ := s.LatestStories(ctx, "kim", 1); len(one) != 1 || one[0].Item.ID != "w2" {
		t.Errorf("limit 1 gave %d stories", len(one))
	}
}

// TestSameAsAnEarlierItem: an item may join the story of an earlier item
// of the same Record, which is stored first.
func TestSameAsAnEarlierItem(t *testing.T) { forEach(t, testSameAsAnEarlierItem) }

func testSameAsAnEarlierItem(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	m := []Match{{Rule: "lavrov", Notify: []string{"desk"}, OncePerStory: true}}
	res, err := s.Record(ctx, "agg", []NewItem{
		{Item: item("a1", "Lavrov to visit Pyongyang"), Matches: m},
		{Item: item("a2", "Russian FM Lavrov to visit N. Korea"), Matches: m, SameAs: 1},
	}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stories[0] != res.IDs[0] || res.Stories[1] != res.IDs[0] || res.Notifications != 1 {
		t.Errorf("ids %v, stories %v, %d alerts; want both in the first's story and one alert", res.IDs, res.Stories, res.Notifications)
	}
}

// TestDaemonLockRefusesALink: a symbolic link in the lock file's place was
// followed, and its target overwritten with the daemon's process id.
func TestDaemonLockRefusesALink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	if err := os.WriteFile(target, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "feedhound.db")
	if err := os.Symlink(target, data+".lock"); err != nil {
		t.Fatal(err)
	}
	l, err := LockDaemon(data)
	if err == nil {
		l.Unlock()
		t.Fatal("a lock through a symbolic link was taken")
	}
	if !strings.Contains(err.Error(), "is a symbolic link") {
		t.Errorf("got %v, want it to say the lock is a symbolic link", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
		t.Errorf("the link's target now holds %q", b)
	}
}
