package store

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSubscriptions(t *testing.T) { forEach(t, testSubscriptions) }

func testSubscriptions(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	var made []Subscription
	for _, q := range []string{`"Kim-Putin summit"`, `김정은 푸틴`, `denuclear*`} {
		sub, err := s.CreateSubscription(ctx, Subscription{Name: q, Query: q, Sources: []string{"koreatimes"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(sub.ID) != len("sub_")+16 || len(sub.FeedToken) != 32 || sub.Rule() != "@"+sub.ID {
			t.Errorf("ids %q, %q", sub.ID, sub.FeedToken)
		}
		made = append(made, sub)
	}
	opts := cmp.Options{cmpopts.IgnoreUnexported(Subscription{}), cmpopts.EquateApproxTime(0)}
	got, err := s.Subscription(ctx, made[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(made[1], got, opts); diff != "" {
		t.Errorf("get (-want +got):\n%s", diff)
	}
	if got, err := s.SubscriptionByFeedToken(ctx, made[2].FeedToken); err != nil || got.ID != made[2].ID {
		t.Errorf("by feed token: %+v, %v", got, err)
	}
	page, _ := s.Subscriptions(ctx, "", 0, 2)
	rest, _ := s.Subscriptions(ctx, "", page[len(page)-1].Seq(), 2)
	if len(page) != 2 || len(rest) != 1 || rest[0].ID != made[2].ID {
		t.Errorf("pages %d and %d", len(page), len(rest))
	}
	// The subscription's matches go with it.
	s.Record(ctx, "koreatimes", []NewItem{{Item: item("a1", "Kim-Putin summit"), Matches: []Match{{Rule: made[0].Rule()}}}}, t0)
	if err := s.DeleteSubscription(ctx, made[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscription(ctx, made[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if ms, _ := s.LatestMatches(ctx, made[0].Rule(), 10); len(ms) != 0 {
		t.Errorf("%d matches left behind", len(ms))
	}
	if err := s.DeleteSubscription(ctx, made[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	rotated, err := s.RotateFeedToken(ctx, made[1].ID, t0)
	if err != nil || rotated.FeedToken == made[1].FeedToken {
		t.Fatalf("rotate: %+v, %v", rotated, err)
	}
	if _, err := s.SubscriptionByFeedToken(ctx, made[1].FeedToken); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old feed token still works: %v", err)
	}
}

// TestCreateSubscriptions: several at once are stored as one by one, in
// order, each with its own ids; a batch that cannot be stored leaves none.
func TestCreateSubscriptions(t *testing.T) { forEach(t, testCreateSubscriptions) }

func testCreateSubscriptions(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	made, err := s.CreateSubscriptions(ctx, []Subscription{{Name: "a", Query: "Putin"}, {Name: "b", Query: "Xi", Sources: []string{"wire"}}}, t0)
	if err != nil || len(made) != 2 || made[0].ID == made[1].ID || made[0].FeedToken == made[1].FeedToken {
		t.Fatalf("made %+v, %v", made, err)
	}
	list, _ := s.Subscriptions(ctx, "", 0, 10)
	opts := cmp.Options{cmpopts.IgnoreUnexported(Subscription{}), cmpopts.EquateApproxTime(0), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(made, list, opts); diff != "" {
		t.Errorf("stored (-made +listed):\n%s", diff)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.CreateSubscriptions(cancelled, []Subscription{{Query: "c"}}, t0); err == nil {
		t.Error("a cancelled batch was stored")
	}
	if n, _ := s.SubscriptionCount(ctx); n != 2 {
		t.Errorf("%d subscriptions after a failed batch, want 2", n)
	}
}
