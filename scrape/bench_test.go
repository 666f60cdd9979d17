package scrape

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// bigPage is a list page of about 300 KB: 600 stories in cards, with the
// navigation, a "most read" box and a footer around them.
func bigPage() Page {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>News</title></head><body>
<header class="site-header"><nav class="main-nav">`)
	for i := range 40 {
		fmt.Fprintf(&b, `<a href="/section/%d">Section number %d of the site</a>`, i, i)
	}
	b.WriteString(`</nav></header><main><section class="latest">`)
	for i := range 600 {
		fmt.Fprintf(&b, `<article class="card"><h3 class="card-title"><a href="/story/%d">Story %d: officials meet in Vladivostok for talks on trade and transport</a></h3>
<p class="dek">Delegations from several countries discussed ports, rail links and ferry timetables on the %dth day of the forum.</p>
<p class="meta">By <span class="author">Reporter %d</span> · <time datetime="2026-09-13T08:30:00+09:00">13 September 2026</time></p></article>
`, i, i, i, i)
	}
	b.WriteString(`</section><aside class="most-read"><ol>`)
	for i := range 20 {
		fmt.Fprintf(&b, `<li><a href="/popular/%d">A popular story that many readers opened this week, number %d</a></li>`, i, i)
	}
	b.WriteString(`</ol></aside></main><footer class="site-footer"><a href="/privacy">Privacy policy</a></footer></body></html>`)
	return Page{Body: []byte(b.String()), ContentType: "text/html; charset=utf-8", URL: "https://news.example/", Now: time.Now()}
}

func BenchmarkScrape(b *testing.B) {
	p := bigPage()
	sc, err := Compile(Selectors{Item: "article.card", Title: "h3 a", Date: "time", Summary: "p.dek", Author: ".author"})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(p.Body)))
	for b.Loop() {
		f, err := sc.Scrape(context.Background(), p)
		if err != nil || len(f.Items) != 600 {
			b.Fatalf("%v, %d items", err, len(f.Items))
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	p := bigPage()
	b.SetBytes(int64(len(p.Body)))
	for b.Loop() {
		sel, err := Detect(context.Background(), p)
		if err != nil || sel.Item != "main > section.latest > article.card" {
			b.Fatalf("%v, %+v", err, sel)
		}
	}
}
