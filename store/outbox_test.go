package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestOutbox(t *testing.T) { forEach(t, testOutbox) }

// testOutbox takes alerts through the outbox as the deliverers do: the
// oldest first, retried, delivered, failed and put back; a digest's held
// until it is due; subscriptions' notifiers found by their prefix.
func testOutbox(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	digestAt := t0.Add(8 * time.Hour)
	alert := func(notifier string) Match {
		return Match{Rule: "kim-putin", Hits: kimPutin.Hits, Notify: []string{notifier}}
	}
	var items []NewItem
	for _, id := range []string{"a", "b", "c"} {
		items = append(items, NewItem{Item: item(id, "Kim-Putin summit "+id), Matches: []Match{alert("desk")}})
	}
	d := alert("morning")
	d.DigestAt = digestAt
	items = append(items, NewItem{Item: item("d", "Kim-Putin summit d"), Matches: []Match{d, alert("@sub_1")}})
	if _, err := s.Record(ctx, "wire", items, t0); err != nil {
		t.Fatal(err)
	}

	next := func() Notification {
		t.Helper()
		n, ok, err := s.NextNotification(ctx, "desk")
		if err != nil || !ok {
			t.Fatalf("next: %v, %v", ok, err)
		}
		return n
	}
	first := next()
	if first.Match.Item.ID != "a" || first.Status != "pending" || first.Match.StoryID != ItemUUID("wire", "a") {
		t.Fatalf("first alert %+v", first)
	}
	if err := s.Retry(ctx, []int64{first.ID}, 1, t0.Add(time.Minute), "HTTP 503"); err != nil {
		t.Fatal(err)
	}
	if again := next(); again.ID != first.ID || again.Attempts != 1 || !again.NextAttempt.Equal(t0.Add(time.Minute)) || again.LastError != "HTTP 503" {
		t.Errorf("retried alert %+v", again)
	}
	if err := s.Delivered(ctx, []int64{first.ID}, t0.Add(time.Minute), 2); err != nil {
		t.Fatal(err)
	}
	second := next()
	if second.Match.Item.ID != "b" {
		t.Fatalf("after a, %+v", second)
	}
	if err := s.Failed(ctx, []int64{second.ID}, 1, "HTTP 410: channel_is_archived"); err != nil {
		t.Fatal(err)
	}
	counts, err := s.NotificationCounts(ctx)
	if err != nil || counts["delivered"] != 1 || counts["failed"] != 1 || counts["pending"] != 3 {
		t.Errorf("counts %v, %v", counts, err)
	}
	failed, err := s.Notifications(ctx, true, 10)
	if err != nil || len(failed) != 1 || failed[0].LastError != "HTTP 410: channel_is_archived" {
		t.Fatalf("failed %+v, %v", failed, err)
	}
	if n, err := s.RetryNotifications(ctx, []int64{failed[0].ID}); err != nil || n != 1 {
		t.Errorf("put back %d, %v", n, err)
	}

	// The digest's alert waits for its time, and says when that is.
	due, at, err := s.DueDigest(ctx, "morning", t0)
	if err != nil || len(due) != 0 || !at.Equal(digestAt) {
		t.Errorf("before its time: %d due, next %v, %v", len(due), at, err)
	}
	if due, _, err = s.DueDigest(ctx, "morning", digestAt); err != nil || len(due) != 1 || due[0].Match.Item.ID != "d" {
		t.Errorf("at its time: %+v, %v", due, err)
	}
	if names, err := s.DueNotifiers(ctx, "@", t0, 10); err != nil || len(names) != 1 || names[0] != "@sub_1" {
		t.Errorf("subscriptions' notifiers %q, %v", names, err)
	}
	if err := s.FailPending(ctx, "@sub_1", "subscription deleted"); err != nil {
		t.Fatal(err)
	}
	if names, _ := s.DueNotifiers(ctx, "@", t0, 10); len(names) != 0 {
		t.Errorf("after FailPending: %q", names)
	}
}

func TestDaemonLock(t *testing.T) { forEach(t, testDaemonLock) }

// testDaemonLock: one daemon at a time on a SQLite file, the next once the
// first lets it go; on PostgreSQL, instances share the database.
func testDaemonLock(t *testing.T, b backend) {
	data := b.data(t)
	open(t, data) // the database exists
	first, err := LockDaemon(data)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LockDaemon(data)
	if b.name == "postgres" {
		if err != nil {
			t.Fatalf("a second instance on PostgreSQL: %v", err)
		}
		second.Unlock()
		first.Unlock()
		return
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("a second daemon: %v, want ErrLocked", err)
	}
	first.Unlock()
	again, err := LockDaemon(data)
	if err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
	again.Unlock()
}

func TestNotificationFilter(t *testing.T) { forEach(t, testNotificationFilter) }

func testNotificationFilter(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	for _, r := range []struct{ source, id, rule string }{{"wire", "w1", "kim-putin"}, {"wire", "w2", "korea"}, {"times", "t1", "kim-putin"}} {
		if _, err := s.Record(ctx, r.source, []NewItem{{Item: item(r.id, "Story "+r.id), Matches: []Match{{Rule: r.rule, Notify: []string{"desk", "pager"}}}}}, t0); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		f    NotificationFilter
		want int
	}{
		{NotificationFilter{}, 6},
		{NotificationFilter{Rule: "kim-putin"}, 4},
		{NotificationFilter{Notifier: "pager"}, 3},
		{NotificationFilter{Source: "times"}, 2},
		{NotificationFilter{Rule: "kim-putin", Notifier: "desk", Source: "wire"}, 1},
		{NotificationFilter{Failed: true}, 0},
	} {
		ns, err := s.NotificationsOf(ctx, tc.f, 100)
		if err != nil || len(ns) != tc.want {
			t.Errorf("%+v: %d alerts (%v), want %d", tc.f, len(ns), err, tc.want)
		}
	}
}
