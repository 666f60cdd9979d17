package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/destination"
)

func TestCopy(t *testing.T) { forEach(t, testCopy) }

// testCopy moves a SQLite database with something of everything to a
// new database of the backend: the same items, matches, stories, outbox,
// tokens and subscriptions come out, ids and all; new rows after it take
// new ids; a target with data is refused unless replaced.
func testCopy(t *testing.T, b backend) {
	ctx := context.Background()
	from := open(t, sqliteBackend.data(t))
	src, _ := from.EnsureSource(ctx, "wire", "https://wire.example.org/feed")
	src.ETag, src.LastPoll = `"v7"`, t0
	if err := from.SaveSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	res, err := from.Record(ctx, "wire", []NewItem{
		{Item: item("a", "Kim-Putin summit set"), Matches: []Match{{Rule: "kim-putin", Hits: kimPutin.Hits, Notify: []string{"desk"}}}},
		{Item: item("b", "Kim to visit Russia"), SameAs: 1},
	}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := from.CreateToken(ctx, TokenSpec{Name: "newsroom-app", ReadOnly: true}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := from.CreateSubscription(ctx, Subscription{Name: "summit", Query: "summit",
		Notify: destination.Destination{Kind: "telegram", Secret: "1:T", Options: `{"chat_id":"-100"}`}}, t0); err != nil {
		t.Fatal(err)
	}
	if err := from.SetRuleQuery(ctx, "kim-putin", `"Kim-Putin summit"`); err != nil {
		t.Fatal(err)
	}

	to := open(t, b.data(t))
	counts, err := Copy(ctx, from, to, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"sources": 1, "items": 2, "matches": 1, "notifications": 1, "tokens": 1, "subscriptions": 1, "api_sources": 0, "rule_queries": 1}
	for table, n := range want {
		if counts[table] != n {
			t.Errorf("%s: copied %d, want %d", table, counts[table], n)
		}
	}
	srcs, _ := to.Sources(ctx)
	if len(srcs) != 1 || srcs[0].ETag != `"v7"` || !srcs[0].LastPoll.Equal(t0) {
		t.Errorf("sources %+v", srcs)
	}
	ms, err := to.LatestMatches(ctx, "kim-putin", 10)
	if err != nil || len(ms) != 1 || ms[0].ItemID != res.IDs[0] || ms[0].Hits[0] != kimPutin.Hits[0] {
		t.Fatalf("matches %+v, %v", ms, err)
	}
	n, ok, err := to.NextNotification(ctx, "desk")
	if err != nil || !ok || n.Match.Item.ID != "a" {
		t.Errorf("outbox: %+v, %v, %v", n, ok, err)
	}
	subs, _ := to.Subscriptions(ctx, "", 0, 10)
	if len(subs) != 1 || subs[0].Notify.Option("chat_id") != "-100" {
		t.Errorf("subscriptions %+v", subs)
	}
	if tok, err := to.Tokens(ctx); err != nil || len(tok) != 1 || !tok[0].ReadOnly {
		t.Errorf("tokens %+v, %v", tok, err)
	}
	// Nothing already recorded is new on the target; a new item takes an
	// id after the copied ones, in the story of its copy.
	again, err := to.Record(ctx, "wire", []NewItem{{Item: item("a", "Kim-Putin summit set")}, {Item: item("c", "Kim-Putin summit: a third copy"), Story: res.IDs[0]}}, t0.Add(time.Hour))
	if err != nil || again.New != 1 || again.IDs[1] <= res.IDs[1] {
		t.Errorf("after the copy: %+v, %v", again, err)
	}
	if _, err := Copy(ctx, from, to, false, nil); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("a second copy: %v, want ErrNotEmpty", err)
	}
	if counts, err := Copy(ctx, from, to, true, nil); err != nil || counts["items"] != 2 {
		t.Errorf("replaced: %v, %v", counts, err)
	}
}

func TestCopyRefusesForeignColumns(t *testing.T) { forEach(t, testCopyRefusesForeignColumns) }

// testCopyRefusesForeignColumns: a source file whose column names are SQL
// ran that SQL on the target (as PostgreSQL's superuser). Only the
// columns feedhound knows are copied, quoted, and a file with others is
// refused.
func testCopyRefusesForeignColumns(t *testing.T, b backend) {
	ctx := context.Background()
	from := open(t, sqliteBackend.data(t))
	if err := from.SetRuleQuery(ctx, "kim-putin", `"Kim-Putin summit"`); err != nil {
		t.Fatal(err)
	}
	evil := `query) SELECT 'pwned', 'x' --`
	if _, err := from.write.ExecContext(ctx, `ALTER TABLE rule_queries ADD COLUMN `+quoteIdent(evil)+` TEXT`); err != nil {
		t.Fatal(err)
	}
	to := open(t, b.data(t))
	_, err := Copy(ctx, from, to, false, nil)
	if err == nil || !strings.Contains(err.Error(), "not a feedhound database") {
		t.Fatalf("got %v, want the source refused", err)
	}
	if q, _ := to.RuleQueries(ctx); len(q) != 0 {
		t.Errorf("rule queries %v copied from a refused source", q)
	}
}
