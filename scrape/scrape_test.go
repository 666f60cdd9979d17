package scrape

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func page(t testing.TB, name, url string) Page {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "pages", name))
	if err != nil {
		t.Fatal(err)
	}
	seoul, _ := time.LoadLocation("Asia/Seoul")
	return Page{Body: b, ContentType: "text/html", URL: url, Location: seoul, Now: time.Date(2026, 9, 14, 3, 0, 0, 0, time.UTC)}
}

type got struct {
	Title, Link, Published, Summary, Text string
	Authors                               []string
}

func summarize(t *testing.T, sc *Scraper, p Page) []got {
	t.Helper()
	f, err := sc.Scrape(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var out []got
	for _, it := range f.Items {
		g := got{Title: it.Title, Link: it.Link, Summary: it.Summary, Text: it.Text, Authors: it.Authors}
		if !it.Published.IsZero() {
			g.Published = it.Published.UTC().Format(time.RFC3339)
		}
		if it.ID != it.Link {
			t.Errorf("item %q: id %q, want its link", it.Title, it.ID)
		}
		out = append(out, g)
	}
	return out
}

func TestScrapeTableInEUCKR(t *testing.T) {
	sc, err := Compile(Selectors{Item: "table.board-list tbody tr", Title: "td.subject a", Link: "td.subject a", Date: "td.date"})
	if err != nil {
		t.Fatal(err)
	}
	// The charset is only in the page's <meta>, and the HTTP header has
	// none.
	items := summarize(t, sc, page(t, "mofa-list.html", "https://www.mofa.go.kr/www/brd/m_4080/list.do"))
	want := []got{
		{Title: "외교부 대변인, 북러 정상회담 관련 논평 발표", Link: "https://www.mofa.go.kr/www/brd/m_4080/view.do?seq=372101", Published: "2026-09-12T15:00:00Z"},
		{Title: "제1차관, 주한러시아대사 초치해 우려 전달", Link: "https://www.mofa.go.kr/www/brd/m_4080/view.do?seq=372098", Published: "2026-09-11T15:00:00Z"},
		{Title: "한-일 외교장관 전화 통화 결과", Link: "https://www.mofa.go.kr/www/brd/m_4080/view.do?seq=372090", Published: "2026-09-10T15:00:00Z"},
		{Title: "재외국민 안전 점검 회의 개최", Link: "https://www.mofa.go.kr/www/brd/m_4080/view.do?seq=372085", Published: "2026-09-09T15:00:00Z"},
	}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestScrapeCardsWithBaseAndLazyImages(t *testing.T) {
	sc, err := Compile(Selectors{Item: "article.card", Title: "h3 a", Date: "time", Summary: "p.dek", Author: ".author", Image: "img.thumb"})
	if err != nil {
		t.Fatal(err)
	}
	items := summarize(t, sc, page(t, "think-tank.html", "https://www.northasia-institute.example/"))
	if len(items) != 3 {
		t.Fatalf("%d items: %+v", len(items), items)
	}
	first := items[0]
	want := got{
		Title:     "What to watch at the Kim-Putin summit",
		Link:      "https://www.northasia-institute.example/research/commentary/kim-putin-summit-what-to-watch", // against <base href>
		Published: "2026-09-12T23:30:00Z",                                                                       // <time datetime>
		Summary:   `<p><img src="https://www.northasia-institute.example/research/img/vladivostok.jpg" alt=""></p>Arms, labour and food are on the table; sanctions enforcement is not.`,
		Text:      "Arms, labour and food are on the table; sanctions enforcement is not.",
		Authors:   []string{"Dr. Mirae Han"},
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first item (-want +got):\n%s", diff)
	}
}

func TestScrapeDefaultsToTheHeadlineLink(t *testing.T) {
	sc, err := Compile(Selectors{Item: "ul.news-list li", Date: "span.date"})
	if err != nil {
		t.Fatal(err)
	}
	items := summarize(t, sc, page(t, "embassy.html", "https://www.vladivostok.ru.emb-japan.example/itpr_ja/index.html"))
	if len(items) != 4 || items[1].Title != "金正恩委員長のロシア訪問に関する注意喚起" ||
		items[1].Link != "https://www.vladivostok.ru.emb-japan.example/itpr_ja/news_20260912.html" || items[1].Published != "2026-09-11T15:00:00Z" {
		t.Errorf("items %+v", items)
	}
}

func TestScrapeErrors(t *testing.T) {
	if _, err := Compile(Selectors{Item: "table..board"}); err == nil || !strings.HasPrefix(err.Error(), "item selector: ") {
		t.Errorf("a broken item selector: %v", err)
	}
	if _, err := Compile(Selectors{Item: "tr", Date: "td[class="}); err == nil || !strings.HasPrefix(err.Error(), "date selector: ") {
		t.Errorf("a broken date selector: %v", err)
	}
	if _, err := Compile(Selectors{Title: "h3 a"}); err == nil || err.Error() != "item selector: required" {
		t.Errorf("no item selector: %v", err)
	}
	// A page whose layout changed is a source error, never a silent empty
	// source.
	sc, _ := Compile(Selectors{Item: "table.board-list tbody tr"})
	_, err := sc.Scrape(context.Background(), page(t, "think-tank.html", "https://www.northasia-institute.example/"))
	if err == nil || err.Error() != "https://www.northasia-institute.example/: scrape: item selector 'table.board-list tbody tr' matched nothing" {
		t.Errorf("a page without the items: %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		page, url string
		want      Selectors
		first     string
		n         int
	}{
		{"mofa-list.html", "https://www.mofa.go.kr/www/brd/m_4080/list.do",
			Selectors{Item: "div#content > table.board-list > tbody > tr", Title: "td.subject a", Date: "td.date"}, "외교부 대변인, 북러 정상회담 관련 논평 발표", 4},
		{"think-tank.html", "https://www.northasia-institute.example/",
			Selectors{Item: "main > section.latest > article.card", Title: "h3.card-title a", Date: "time", Summary: "p.dek"}, "What to watch at the Kim-Putin summit", 3},
		{"embassy.html", "https://www.vladivostok.ru.emb-japan.example/itpr_ja/index.html",
			Selectors{Item: "div.main > ul.news-list > li", Title: "a", Date: "span.date"}, "東方経済フォーラム開催に伴う交通規制について", 4},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			p := page(t, tt.page, tt.url)
			sel, err := Detect(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, sel); diff != "" {
				t.Errorf("selectors (-want +got):\n%s", diff)
			}
			sc, err := Compile(sel)
			if err != nil {
				t.Fatal(err)
			}
			f, err := sc.Scrape(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != tt.n || f.Items[0].Title != tt.first || f.Items[0].Published.IsZero() {
				t.Errorf("%d items, first %+v", len(f.Items), f.Items[0])
			}
		})
	}
	if _, err := Detect(context.Background(), Page{Body: []byte(`<html><body><p>Nothing listed here.</p><a href="/">Home</a></body></html>`), URL: "https://a.example/"}); err == nil ||
		!strings.Contains(err.Error(), "no list of stories found") {
		t.Errorf("a page without a list: %v", err)
	}
}
