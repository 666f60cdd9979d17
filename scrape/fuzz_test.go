package scrape

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzScrape feeds arbitrary pages and dates to the scraper: it must never
// panic, and every item it returns has a title and an ID.
func FuzzScrape(f *testing.F) {
	for _, name := range []string{"mofa-list.html", "think-tank.html", "embassy.html"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "pages", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "2026년 9월 13일 오후 2:05")
	}
	f.Add([]byte(`<ul><li><a href="/a">A headline of some length</a></li></ul>`), "3 hours ago")
	sc, err := Compile(Selectors{Item: "li, tr, article", Date: "time, .date"})
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, page []byte, date string) {
		ParseDate(date, time.UTC, now)
		p := Page{Body: page, ContentType: "text/html", URL: "https://a.example/list", Now: now}
		for _, get := range []func() ([]string, []string){
			func() ([]string, []string) { return items(sc, p) },
			func() ([]string, []string) {
				if d, err := Detected(context.Background(), p); err == nil {
					return items(d, p)
				}
				return nil, nil
			},
		} {
			titles, ids := get()
			for i := range titles {
				if titles[i] == "" || ids[i] == "" {
					t.Fatalf("an item without a title or id: %q %q", titles[i], ids[i])
				}
			}
		}
	})
}

func items(sc *Scraper, p Page) (titles, ids []string) {
	f, err := sc.Scrape(context.Background(), p)
	if err != nil {
		return nil, nil
	}
	for _, it := range f.Items {
		titles, ids = append(titles, it.Title), append(ids, it.ID)
	}
	return titles, ids
}
