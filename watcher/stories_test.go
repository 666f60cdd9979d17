package watcher

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/notify"
)

// storyFeeds serves one feed per path: copies of one wire report under
// three headlines, and a report of another event.
func storyFeeds(t *testing.T) *httptest.Server {
	lavrov := "Russian Foreign Minister Sergei Lavrov will visit Pyongyang next week to follow up on the agreements reached at last month's summit between North Korean leader Kim Jong-un and President Vladimir Putin, the North's state media said Friday. Lavrov will hold talks with his North Korean counterpart on the rail link and on food shipments."
	report := "North Korean leader Kim Jong-un may travel to Russia later this month to hold talks with President Vladimir Putin, a government source in Seoul said Thursday. The two leaders are expected to meet in the far eastern port city of Vladivostok on the sidelines of an economic forum, the source said, asking not to be named."
	items := map[string]string{
		"/wire":   `<item><guid>w1</guid><title>N. Korean leader Kim may visit Russia for Putin summit</title><pubDate>Thu, 10 Sep 2026 00:00:00 GMT</pubDate><description>SEOUL, Sept. 10 (Wire) -- ` + report + `</description></item>`,
		"/times":  `<item><guid>t1</guid><title>Kim Jong-un may visit Russia for summit with Putin</title><pubDate>Thu, 10 Sep 2026 01:00:00 GMT</pubDate><description>` + report + `</description></item>`,
		"/herald": `<item><guid>h1</guid><title>KIM COULD TRAVEL TO VLADIVOSTOK FOR PUTIN SUMMIT</title><pubDate>Thu, 10 Sep 2026 02:00:00 GMT</pubDate><description>` + report + `</description></item>`,
		"/agg": `<item><guid>a1</guid><title>Lavrov to visit Pyongyang next week</title><pubDate>Fri, 02 Oct 2026 00:30:00 GMT</pubDate><description>` + lavrov + `</description></item>` +
			`<item><guid>a2</guid><title>Russian FM Lavrov to visit N. Korea</title><pubDate>Fri, 02 Oct 2026 01:45:00 GMT</pubDate><description>SEOUL, Oct. 2 (Wire) -- ` + lavrov + `</description></item>`,
		"/other": `<item><guid>o1</guid><title>Kim arrives in Vladivostok for Putin summit</title><pubDate>Thu, 10 Sep 2026 03:00:00 GMT</pubDate><description>North Korean leader Kim Jong-un arrived in Vladivostok on Thursday aboard his armoured train, greeted by the regional governor. Kim is expected to hold a summit with Russian President Vladimir Putin on Friday on Russky Island, officials said.</description></item>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>%s</title>%s</channel></rss>`, r.URL.Path, items[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCopiesOfAStoryAlertOnce: three outlets carry one wire report; a
// rule grouped by story (the default) alerts for the first copy only, one
// with group: none for each; all copies are stored with the first's
// story, and after a restart a fourth copy still joins it.
func TestCopiesOfAStoryAlertOnce(t *testing.T) {
	ctx := context.Background()
	srv := storyFeeds(t)
	var cfg strings.Builder
	cfg.WriteString("sources:\n")
	for _, s := range []string{"wire", "times", "herald", "other"} {
		fmt.Fprintf(&cfg, "  - name: %s\n    url: %s/%s\n", s, srv.URL, s)
	}
	cfg.WriteString("notifiers:\n  - name: desk\n    type: webhook\n    url: https://hooks.example/desk\n")
	cfg.WriteString("rules:\n  - name: grouped\n    query: Kim AND Putin\n    notify: [desk]\n  - name: every\n    query: Kim AND Putin\n    notify: [desk]\n    group: none\n")
	p := plan(t, cfg.String())
	path := filepath.Join(t.TempDir(), "db")
	st := openStore(t, path)
	now := time.Date(2026, 9, 10, 4, 0, 0, 0, time.UTC)
	w := New(st, &feed.Reader{}, quiet, p, Options{Now: func() time.Time { return now }})
	for _, s := range []string{"wire", "times", "other"} {
		if res, err := w.Poll(ctx, s); err != nil || res.New != 1 {
			t.Fatalf("poll %s: %+v, %v", s, res, err)
		}
	}
	// A new watcher, as after a restart, fills its index from the store.
	w = New(st, &feed.Reader{}, quiet, p, Options{Now: func() time.Time { return now }})
	if _, err := w.Poll(ctx, "herald"); err != nil {
		t.Fatal(err)
	}
	alerts := map[string][]string{}
	ns, _ := st.Notifications(ctx, false, 100)
	for _, n := range ns {
		alerts[n.Rule] = append(alerts[n.Rule], n.Match.Item.Title)
	}
	for _, titles := range alerts {
		slices.Sort(titles)
	}
	if got, want := alerts["grouped"], []string{"Kim arrives in Vladivostok for Putin summit", "N. Korean leader Kim may visit Russia for Putin summit"}; !slices.Equal(got, want) {
		t.Errorf("group: story alerted for %q, want %q (the first copy and the other event)", got, want)
	}
	if got := alerts["every"]; len(got) != 4 {
		t.Errorf("group: none alerted %d times, want 4: %q", len(got), got)
	}
	ms, _ := st.LatestMatches(ctx, "grouped", 10)
	stories := map[string]int64{}
	for _, m := range ms {
		stories[m.Item.ID] = m.Story
	}
	if len(ms) != 4 || stories["t1"] != stories["w1"] || stories["h1"] != stories["w1"] || stories["o1"] == stories["w1"] {
		t.Errorf("stories %v: want w1, t1 and h1 in one, o1 in its own", stories)
	}
}

// TestCopiesInOnePollAreOneStory: an aggregator's feed carries two copies
// of one report; they are one story, and alert once.
func TestCopiesInOnePollAreOneStory(t *testing.T) {
	ctx := context.Background()
	srv := storyFeeds(t)
	cfg := fmt.Sprintf("sources:\n  - name: agg\n    url: %s/agg\nnotifiers:\n  - name: desk\n    type: webhook\n    url: https://hooks.example/desk\n", srv.URL) +
		"rules:\n  - name: lavrov\n    query: Lavrov\n    notify: [desk]\n"
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	w := New(st, &feed.Reader{}, quiet, plan(t, cfg), Options{})
	if res, err := w.Poll(ctx, "agg"); err != nil || res.New != 2 {
		t.Fatalf("poll: %+v, %v", res, err)
	}
	ns, _ := st.Notifications(ctx, false, 10)
	ms, _ := st.LatestMatches(ctx, "lavrov", 10)
	if len(ns) != 1 || len(ms) != 2 || ms[0].Story != ms[1].Story {
		t.Errorf("%d alerts, %d matches in stories %v; want 1 alert and 2 matches of one story", len(ns), len(ms), []int64{ms[0].Story, ms[len(ms)-1].Story})
	}
	// A copy arriving later joins the story the poll made.
	sig := sign(&feed.Item{Title: "Lavrov heads to Pyongyang", Text: ms[0].Item.Text, Published: ms[0].Item.Published})
	w.stories.mu.Lock()
	got, ok := w.stories.index.Find(&sig)
	w.stories.mu.Unlock()
	if !ok || got != ms[0].Story {
		t.Errorf("a later copy finds story %d (%v), want %d", got, ok, ms[0].Story)
	}
}

// TestFutureDateDoesNotStopGrouping: after one item dated 9999-12-31, the
// index's newest date was in the year 9999 and every later item was
// "too old" to be grouped. Such a date is taken for wrong (the item is
// dated when first seen), and copies are grouped as before — also after a
// restart, from items stored before.
func TestFutureDateDoesNotStopGrouping(t *testing.T) {
	ctx := context.Background()
	srv := storyFeeds(t)
	future := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Future</title><item><guid>f1</guid><title>A notice from the end of time</title><pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate><description>Dated as far ahead as a date goes.</description></item></channel></rss>`)
	}))
	defer future.Close()
	cfg := fmt.Sprintf("sources:\n  - name: future\n    url: %s/\n  - name: wire\n    url: %s/wire\n  - name: times\n    url: %s/times\nrules:\n  - name: all\n    query: Kim OR notice\n", future.URL, srv.URL, srv.URL)
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	now := time.Date(2026, 9, 10, 4, 0, 0, 0, time.UTC)
	w := New(st, &feed.Reader{}, quiet, plan(t, cfg), Options{Now: func() time.Time { return now }})
	for _, s := range []string{"future", "wire", "times"} {
		if res, err := w.Poll(ctx, s); err != nil || res.New != 1 {
			t.Fatalf("poll %s: %+v, %v", s, res, err)
		}
	}
	ms, _ := st.LatestMatches(ctx, "all", 10)
	stories := map[string]int64{}
	for _, m := range ms {
		stories[m.Item.ID] = m.Story
		if m.Item.ID == "f1" && !m.Item.Published.Equal(now) {
			t.Errorf("the item of 9999 is dated %v, want when first seen (%v)", m.Item.Published, now)
		}
	}
	if stories["w1"] == 0 || stories["t1"] != stories["w1"] {
		t.Errorf("stories %v: want w1 and t1 in one", stories)
	}
}

// TestDurationDigestHoldsItsPeriod: a rule with digest: 1m whose source
// brings a new matching story every 10 s sent ten messages in 100 s, each
// a minute after its match. Every alert of a period now waits for the end
// of that period: one digest a minute.
func TestDurationDigestHoldsItsPeriod(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Wire</title>`)
		for i := range n {
			fmt.Fprintf(w, `<item><guid>s%[1]d</guid><title>Summit update number %[1]d from Vladivostok</title><link>https://wire.example/%[1]d</link></item>`, i)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	defer srv.Close()
	cfg := fmt.Sprintf("sources:\n  - name: wire\n    url: %s/\nnotifiers:\n  - name: desk\n    type: webhook\n    url: https://hooks.example/desk\n", srv.URL) +
		"rules:\n  - name: summit\n    query: summit\n    notify: [desk]\n    digest: 1m\n    group: none\n"
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	now := time.Date(2026, 9, 10, 4, 0, 5, 0, time.UTC)
	w := New(st, &feed.Reader{}, quiet, plan(t, cfg), Options{Now: func() time.Time { return now }})
	for range 10 { // 04:00:05 to 04:01:35
		mu.Lock()
		n++
		mu.Unlock()
		if res, err := w.Poll(ctx, "wire"); err != nil || res.New != 1 {
			t.Fatalf("poll at %v: %+v, %v", now, res, err)
		}
		now = now.Add(10 * time.Second)
	}
	ns, _ := st.Notifications(ctx, false, 100)
	at := map[time.Time]int{}
	for _, n := range ns {
		at[n.NextAttempt.UTC()]++
	}
	want := map[time.Time]int{time.Date(2026, 9, 10, 4, 1, 0, 0, time.UTC): 6, time.Date(2026, 9, 10, 4, 2, 0, 0, time.UTC): 4}
	if !maps.Equal(at, want) {
		t.Errorf("alerts wait for %v, want %v: one digest for each minute", at, want)
	}
}

// TestOneDocumentForEveryMatch: a rule source:korea matched the items of
// a live poll of a feed titled "The Korea Times", and none when the same
// query was backfilled over the same stored items; alerts dropped the
// hits in the source. Live matching, backfill and alerts see one document.
func TestOneDocumentForEveryMatch(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>The Korea Times</title><link>https://kt.example/</link>`+
			`<item><guid>k1</guid><title>Kim to visit Vladivostok</title><link>https://kt.example/1</link></item>`+
			`<item><guid>k2</guid><title>Ferry timetables change</title><link>https://kt.example/2</link></item></channel></rss>`)
	}))
	defer srv.Close()
	cfg := fmt.Sprintf("sources:\n  - name: kt\n    url: %s/\nnotifiers:\n  - name: desk\n    type: webhook\n    url: https://hooks.example/desk\nrules:\n  - name: live\n    query: 'source:korea'\n    notify: [desk]\n    group: none\n", srv.URL)
	st := openStore(t, filepath.Join(t.TempDir(), "db"))
	p := plan(t, cfg)
	w := New(st, &feed.Reader{}, quiet, p, Options{})
	if res, err := w.Poll(ctx, "kt"); err != nil || res.Matches != 2 {
		t.Fatalf("live: %+v %v, want 2 matches", res, err)
	}
	live, _ := st.LatestMatches(ctx, "live", 10)
	n, err := Backfill(ctx, st, "backfilled", p.Rules[0].Query, nil, time.Now().Add(-time.Hour), time.Now())
	if err != nil || n != 2 {
		t.Fatalf("backfill: %d matches (%v), want the live poll's 2", n, err)
	}
	back, _ := st.LatestMatches(ctx, "backfilled", 10)
	for i := range live {
		if fmt.Sprint(live[i].Hits) != fmt.Sprint(back[i].Hits) {
			t.Errorf("item %s: live hits %v, backfilled %v", live[i].Item.ID, live[i].Hits, back[i].Hits)
		}
	}
	ns, _ := st.Notifications(ctx, false, 10)
	for _, n := range ns {
		e := notify.EntryOf(&n.Match)
		if len(e.Matches) != 1 || e.Matches[0].Field != "source" || e.Matches[0].Text != "Korea" {
			t.Errorf("alert of %s: matches %+v, want the source's Korea", n.Match.Item.ID, e.Matches)
		}
	}
}
