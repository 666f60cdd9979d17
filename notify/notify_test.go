package notify

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/feedhound/feedhound/destination"
	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/store"
)

func TestEntryDropsNonWebLinks(t *testing.T) {
	for _, link := range []string{"javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "//no-scheme.example/x"} {
		e := EntryOf(&store.Matched{Source: "wire", Item: feed.Item{ID: "a", Title: "Summit", Link: link}})
		if e.Link != "" {
			t.Errorf("link %q kept as %q", link, e.Link)
		}
		var m slackMessage
		if err := json.Unmarshal(destination.Slack(destination.Message{Rule: "r", Entries: []destination.Entry{e}}), &m); err != nil || len(m.Blocks) == 0 {
			t.Fatalf("Slack message %+v, %v", m, err)
		}
		if s := m.Blocks[0].Text.Text; strings.Contains(s, link) {
			t.Errorf("Slack carries %q: %s", link, s)
		}
	}
}

// slackMessage is what a Slack receiver decodes of a message.
type slackMessage struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type     string      `json:"type"`
		Text     *slackText  `json:"text"`
		Elements []slackText `json:"elements"`
	} `json:"blocks"`
}

type slackText struct{ Type, Text string }

// TestHugeItemsFitEveryKind: a 180 KB title made a 320 KB Matrix event
// (a homeserver takes 64 KiB) and a 70 KB link a Discord embed no one
// takes. Whatever the item, each kind's message keeps to its service's
// limits.
func TestHugeItemsFitEveryKind(t *testing.T) {
	m := store.Matched{Rule: "kim-putin", Source: "wire", Item: feed.Item{
		ID:    "huge",
		Title: "@room Kim-Putin summit " + strings.Repeat("ever longer ", 180<<10/12),
		Link:  "https://wire.example.org/" + strings.Repeat("a", 70<<10),
		Text:  strings.Repeat("Talks on the Kim-Putin summit went on. ", 5000),
	}}
	for range 40 {
		m.Also = append(m.Also, store.Matched{Source: "copy", Item: feed.Item{ID: "c", Title: strings.Repeat("copy ", 10000), Link: m.Item.Link}})
	}
	e := EntryOf(&m)
	single := destination.Message{ID: "fh_1", Rule: "kim-putin", FeedURL: "https://feedhound.example/feeds/kim-putin.atom", Entries: []destination.Entry{e}}
	digest := single
	for range 30 {
		digest.Entries = append(digest.Entries, e)
	}
	for _, msg := range []destination.Message{single, digest} {
		plain, formatted := destination.Matrix(msg)
		matrix, _ := json.Marshal(map[string]any{"msgtype": "m.notice", "body": plain, "format": "org.matrix.custom.html", "formatted_body": formatted, "m.mentions": struct{}{}})
		var discord struct {
			Embeds []struct {
				URL string `json:"url"`
			} `json:"embeds"`
		}
		json.Unmarshal(destination.Discord(msg), &discord)
		for name, c := range map[string]struct{ size, max int }{
			"matrix":     {len(matrix), 65536},
			"discord":    {len(destination.Discord(msg)), 16 << 10},
			"slack":      {len(destination.Slack(msg)), 40000},
			"telegram":   {len(destination.Telegram(msg)), 4096 * 4},
			"mattermost": {len(destination.Mattermost(msg, "", "")), 16383 * 4},
			"teams":      {len(destination.Teams(msg)), 28 << 10},
			"ntfy":       {len(destination.Ntfy(msg, "news", 3, nil)), 8 << 10},
			"webhook":    {len(destination.Webhook(msg)), 1 << 20},
		} {
			if c.size > c.max {
				t.Errorf("%d entries: %s message of %d bytes, want at most %d", len(msg.Entries), name, c.size, c.max)
			}
		}
		for _, em := range discord.Embeds {
			if len(em.URL) > 2048 {
				t.Errorf("a Discord embed's link of %d bytes", len(em.URL))
			}
		}
		if strings.Contains(plain, "@room") {
			t.Error("the Matrix body mentions @room")
		}
	}
}
