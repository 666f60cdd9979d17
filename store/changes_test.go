package store

import (
	"context"
	"testing"
	"time"
)

func TestChanges(t *testing.T) { forEach(t, testChanges) }

// testChanges: changes are read back in order, after a sequence number,
// and pruned; on PostgreSQL another instance listening is woken by each.
func testChanges(t *testing.T, b backend) {
	ctx := context.Background()
	data := b.data(t)
	s := open(t, data)
	woken := make(chan struct{}, 10)
	if b.name == "postgres" {
		other := open(t, data)
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		other.Listen(lctx, func() { woken <- struct{}{} })
		select { // the first wake says it listens
		case <-woken:
		case <-time.After(5 * time.Second):
			t.Fatal("not listening")
		}
	}
	for _, subject := range []string{"sub_1", ""} {
		if err := s.Announce(ctx, "a", subject, t0); err != nil {
			t.Fatal(err)
		}
	}
	if b.name == "postgres" {
		for range 2 {
			select {
			case <-woken:
			case <-time.After(5 * time.Second):
				t.Fatal("a change did not wake the listener")
			}
		}
	}
	cs, err := s.Changes(ctx, 0, 10)
	if err != nil || len(cs) != 2 || cs[0].Subject != "sub_1" || cs[1].Subject != "" || cs[0].Origin != "a" || cs[1].Seq <= cs[0].Seq {
		t.Fatalf("changes %+v, %v", cs, err)
	}
	if last, err := s.LastChange(ctx); err != nil || last != cs[1].Seq {
		t.Errorf("last %d, %v", last, err)
	}
	if rest, _ := s.Changes(ctx, cs[0].Seq, 10); len(rest) != 1 || rest[0].Seq != cs[1].Seq {
		t.Errorf("after the first: %+v", rest)
	}
	if err := s.PruneChanges(ctx, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if rest, _ := s.Changes(ctx, 0, 10); len(rest) != 0 {
		t.Errorf("after pruning: %+v", rest)
	}
}
