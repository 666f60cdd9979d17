package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/watcher"
)

// TestStoryFeeds: a rule grouped by story (the default) has one entry per
// story, its first copy, ending with the outlets that carried the others,
// and updated when they came; JSON Feed items say so in _feedhound. The
// feeds are held to golden files and pass the W3C validator.
func TestStoryFeeds(t *testing.T) {
	ctx := context.Background()
	st, c, p := testStore(t)
	m := []store.Match{{Rule: "kim-putin"}}
	first, err := st.Record(ctx, "koreatimes", []store.NewItem{{Matches: m, Item: feed.Item{
		ID: "kt-1", Title: "Kim Jong-un may visit Russia to meet Putin", Link: "https://www.koreatimes.co.kr/kim-russia",
		Published: t0.Add(-3 * time.Hour), Summary: "<p>Kim may travel to Vladivostok for the Kim-Putin summit.</p>",
		Text: "Kim may travel to Vladivostok for the Kim-Putin summit."}}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	story := first.IDs[0]
	for i, it := range []feed.Item{
		{ID: "w-7", Title: "Kim could travel to Vladivostok for Putin summit", Link: "https://wire.example.org/world/a7",
			Published: t0.Add(-2 * time.Hour), Text: "Kim may travel to Vladivostok for the Kim-Putin summit & more."},
		{ID: "w-8", Title: "KIM MAY VISIT RUSSIA <FOR> PUTIN SUMMIT", Published: t0.Add(-time.Hour),
			Text: "Kim may travel to Vladivostok for the Kim-Putin summit."},
	} {
		if _, err := st.Record(ctx, "wire", []store.NewItem{{Item: it, Matches: m, Story: story}}, t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Record(ctx, "wire", []store.NewItem{{Matches: m, Item: feed.Item{ID: "w-9", Title: "Kim arrives in Vladivostok for the Kim-Putin summit",
		Published: t0.Add(10 * time.Minute), Text: "The train pulled in on Thursday."}}}, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	h := New(st, func() *watcher.Plan { return p }, c.BaseURL, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	goldenFeeds(t, h, "kim-putin", "stories")

	var doc struct {
		Items []struct {
			Title       string `json:"title"`
			ContentHTML string `json:"content_html"`
			Modified    string `json:"date_modified"`
			Feedhound   *struct {
				Story string `json:"story"`
				Also  []struct{ Source, Title, URL, ID string }
			} `json:"_feedhound"`
		}
	}
	if err := json.Unmarshal([]byte(body(t, get(t, h, "/feeds/kim-putin.json"))), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) != 2 {
		t.Fatalf("%d entries, want 2: one per story", len(doc.Items))
	}
	grouped := doc.Items[1]
	if grouped.Title != "Kim Jong-un may visit Russia to meet Putin" || grouped.Feedhound == nil || len(grouped.Feedhound.Also) != 2 ||
		grouped.Feedhound.Also[0].Title != "Kim could travel to Vladivostok for Putin summit" || grouped.Feedhound.Also[0].URL != "https://wire.example.org/world/a7" {
		t.Errorf("the story's entry: %+v", grouped)
	}
	if !strings.Contains(grouped.ContentHTML, `Also reported by: <a href="https://wire.example.org/world/a7">wire — Kim could travel to Vladivostok for Putin summit</a>; wire — KIM MAY VISIT RUSSIA &lt;FOR&gt; PUTIN SUMMIT</p>`) {
		t.Errorf("the story's content does not list the other copies: %s", grouped.ContentHTML)
	}
	if grouped.Modified != t0.Add(2*time.Minute).Format(time.RFC3339) {
		t.Errorf("the story's entry was modified %s, want when its last copy came", grouped.Modified)
	}
	if doc.Items[0].Feedhound != nil {
		t.Errorf("a story of one copy has _feedhound: %+v", doc.Items[0].Feedhound)
	}
	// The status page counts the rule's stories and their copies.
	if page := body(t, get(t, h, "/status")); !regexp.MustCompile(`<td>kim-putin</td><td><code>[^<]*</code></td><td>2</td><td>4</td>`).MatchString(page) {
		t.Errorf("the status page does not count 2 stories and 4 copies for kim-putin:\n%s", page)
	}
	v := validator(t)
	for _, ext := range []string{"rss", "atom"} {
		file := filepath.Join("testdata", "stories."+ext)
		if out, err := exec.Command(python, v, file, "http://127.0.0.1:8080/feeds/kim-putin."+ext).CombinedOutput(); err != nil {
			t.Errorf("the validator finds problems in %s:\n%s", file, out)
		}
	}
}
