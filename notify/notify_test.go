package notify

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/notify/destination"
	"github.com/feedhound/feedhound/store"
)

func TestEntryDropsNonWebLinks(t *testing.T) {
	for _, link := range []string{"javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "//no-scheme.example/x"} {
		e := EntryOf(&store.Matched{Source: "wire", Item: feed.Item{ID: "a", Title: "Summit", Link: link}})
		if e.Link != "" {
			t.Errorf("link %q kept as %q", link, e.Link)
		}
		var m slackMessage
		if err := json.Unmarshal(destination.Slack(Message{Rule: "r", Entries: []Entry{e}}), &m); err != nil || len(m.Blocks) == 0 {
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
