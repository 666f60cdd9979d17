package scrape

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/feedhound/feedhound/feed"
)

// TestRealListPages: pages modelled on a newspaper's section front (cards
// that are one link holding a kicker, the headline, a summary and a
// byline; generated class names; dates only in the URLs; an ad among the
// stories) and on a portal's front page (ads in the stream, of the same
// markup as the stories, linking elsewhere). Detection finds the stories,
// and only them, each titled by its headline and dated by its URL, with
// selectors that do not name generated classes.
func TestRealListPages(t *testing.T) {
	for _, tc := range []struct {
		page, url string
		titles    []string
		dated     int // stories whose URL carries their date
	}{
		{"section-front-es.html", "https://www.nytimes.example/es/section/mundo", []string{
			"Los Ángeles, gloriosa capital del sushi",
			"Kim Jong-un llega a Vladivostok para la cumbre con Putin",
			"Qué busca Moscú en Pionyang",
			"El cohete que Rusia podría compartir",
			"La diplomacia del tren blindado",
		}, 5},
		{"news-front.html", "https://news.yahoo.example/", []string{
			"Kim and Putin sign pact on rail link, food aid at Vladivostok summit",
			"Seoul watches Russia-North Korea ties with alarm",
			"Armoured train: what we know about Kim's journey",
			"Japan protests Russian drills near Kuril islands",
			"Markets shrug off summit as won steadies",
		}, 4},
	} {
		t.Run(tc.page, func(t *testing.T) {
			p := page(t, tc.page, tc.url)
			p.Now = time.Date(2026, 9, 11, 0, 0, 0, 0, time.UTC)
			sel, err := Detect(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{sel.Item, sel.Title, sel.Date, sel.Summary} {
				if strings.Contains(s, "css-") || strings.Contains(s, "e15t083") {
					t.Errorf("selector %q names a generated class", s)
				}
			}
			parser := Parser{Location: p.Location, Now: func() time.Time { return p.Now }}
			f, err := parser.Parse(context.Background(), &feed.Response{Body: p.Body, ContentType: p.ContentType, URL: p.URL})
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			dated := 0
			for _, it := range f.Items {
				titles = append(titles, it.Title)
				if !it.Published.IsZero() {
					dated++
				}
			}
			if strings.Join(titles, "\n") != strings.Join(tc.titles, "\n") {
				t.Errorf("titles (selectors %s):\n%s\nwant:\n%s", sel, strings.Join(titles, "\n"), strings.Join(tc.titles, "\n"))
			}
			if dated < tc.dated {
				t.Errorf("%d of the stories dated, want %d (their URLs carry their dates)", dated, tc.dated)
			}
			if it := f.Items[min(1, len(f.Items)-1)]; tc.page == "section-front-es.html" && !it.Published.Equal(time.Date(2026, 9, 10, 0, 0, 0, 0, time.FixedZone("KST", 9*3600))) {
				t.Errorf("second story dated %v, want 2026-09-10 in the page's zone", it.Published)
			}
		})
	}
}
