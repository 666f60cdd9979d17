package store

import (
	"context"
	"testing"
	"time"
)

func TestSourceLeases(t *testing.T) { forEach(t, testSourceLeases) }

// testSourceLeases: of two instances, one polls a source at a time; a
// lease that runs out (a killed instance's) is taken by the other, and a
// poll recorded by one is not made again by the other.
func testSourceLeases(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	if _, err := s.EnsureSource(ctx, "wire", "https://wire.example.org/feed"); err != nil {
		t.Fatal(err)
	}
	lease := time.Minute
	if _, ok, err := s.ClaimSource(ctx, "wire", "a", time.Time{}, t0, t0.Add(lease)); err != nil || !ok {
		t.Fatalf("a: %v, %v", ok, err)
	}
	if _, ok, _ := s.ClaimSource(ctx, "wire", "b", time.Time{}, t0.Add(time.Second), t0.Add(lease)); ok {
		t.Error("b took a's lease")
	}
	// a is killed; its lease runs out and b polls.
	st, ok, err := s.ClaimSource(ctx, "wire", "b", time.Time{}, t0.Add(lease), t0.Add(2*lease))
	if err != nil || !ok {
		t.Fatalf("b after a's lease ran out: %v, %v", ok, err)
	}
	st.LastPoll, st.NextPoll, st.PolledBy = t0.Add(lease), t0.Add(lease+10*time.Minute), "b"
	if err := s.SaveSource(ctx, st); err != nil { // lets the lease go
		t.Fatal(err)
	}
	if owner, _, _ := s.SourceLease(ctx, "wire"); owner != "" {
		t.Errorf("the lease is still %q's after the state was saved", owner)
	}
	// a comes back knowing nothing of b's poll: it gets b's state to
	// schedule by, not the lease.
	got, ok, err := s.ClaimSource(ctx, "wire", "a", time.Time{}, t0.Add(2*lease), t0.Add(3*lease))
	if err != nil || ok || got.PolledBy != "b" || !got.NextPoll.Equal(t0.Add(lease+10*time.Minute)) {
		t.Errorf("a after b's poll: %v, %+v, %v", ok, got, err)
	}
	if _, ok, _ := s.ClaimSource(ctx, "wire", "a", got.LastPoll, got.NextPoll, got.NextPoll.Add(lease)); !ok {
		t.Error("a, knowing b's poll, cannot take the lease when the source is due")
	}
}

func TestNotifierLeases(t *testing.T) { forEach(t, testNotifierLeases) }

// testNotifierLeases: one instance sends to a notifier at a time; it keeps
// the lease by renewing it, and another takes it once it runs out or is
// let go.
func testNotifierLeases(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	claim := func(owner string, now time.Time) bool {
		t.Helper()
		ok, err := s.ClaimNotifier(ctx, "desk", owner, now, now.Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("a", t0) || claim("b", t0.Add(time.Second)) {
		t.Fatal("a does not hold the lease alone")
	}
	if !claim("a", t0.Add(20*time.Second)) || claim("b", t0.Add(40*time.Second)) {
		t.Error("a's renewal did not keep the lease")
	}
	if !claim("b", t0.Add(51*time.Second)) {
		t.Error("b cannot take a lease that ran out")
	}
	if err := s.ReleaseNotifier(ctx, "desk", "b"); err != nil {
		t.Fatal(err)
	}
	if !claim("a", t0.Add(52*time.Second)) {
		t.Error("a cannot take a lease let go")
	}
}
