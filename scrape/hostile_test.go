package scrape

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/feedhound/feedhound/internal/cputime"
)

// nestedPage is a page built to make list detection slow: blocks nested
// depth deep, each level with three siblings that all hold a headline link
// and a date, repeated until the page is about size bytes. Every element is
// both a member of a candidate list and inside many others.
func nestedPage(size, depth int) Page {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><title>Deep</title></head><body><main>`)
	for n := 0; b.Len() < size; n++ {
		for d := range depth {
			fmt.Fprintf(&b, `<div><div><a href="/t/%d/%d">Another headline in a sibling block</a><span>13 Sep 2026</span><b>x</b></div>`, n, d)
			fmt.Fprintf(&b, `<div><a href="/u/%d/%d">Third headline in a sibling block</a><span>no date here</span><b>y</b></div>`, n, d)
		}
		b.WriteString(strings.Repeat("</div>", depth))
	}
	b.WriteString(`</main></body></html>`)
	return Page{Body: []byte(b.String()), ContentType: "text/html; charset=utf-8", URL: "https://deep.example/", Now: time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)}
}

// widePage is a flat list of n stories, each with a date and a summary.
func widePage(n int) Page {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><title>Wide</title></head><body><main><ul class="list">`)
	for i := range n {
		fmt.Fprintf(&b, `<li class="it"><a href="/s/%d">Story number %d of a very long list</a><span class="d">2026-09-13</span><p class="dek">A summary of the story that is long enough to count.</p></li>`, i, i)
	}
	b.WriteString(`</ul></main></body></html>`)
	return Page{Body: []byte(b.String()), ContentType: "text/html; charset=utf-8", URL: "https://wide.example/", Now: time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)}
}

// parseCPU is the CPU time of parsing p with x/net/html alone: what any
// reading of the page costs, the yardstick for what detection may cost.
func parseCPU(t *testing.T, p Page) time.Duration {
	t.Helper()
	start := cputime.Process()
	if _, err := html.Parse(strings.NewReader(string(p.Body))); err != nil {
		t.Fatal(err)
	}
	return cputime.Process() - start
}

// TestDetectCostIsNearLinear holds list detection to a small multiple of
// parsing the page, on pages shaped to make it quadratic: deep nests of
// candidate lists, and one very long list. The yardstick runs on the same
// machine at the same moment, so a busy machine slows both.
func TestDetectCostIsNearLinear(t *testing.T) {
	for _, tc := range []struct {
		name string
		page Page
	}{
		{"nested", nestedPage(400_000, 400)},
		{"wide", widePage(12_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yard := parseCPU(t, tc.page)
			start := cputime.Process()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, err := Detect(ctx, tc.page)
			spent := cputime.Process() - start
			if err != nil && !errors.Is(err, ErrTooComplex) {
				t.Fatal(err)
			}
			if limit := 30*yard + time.Second; spent > limit {
				t.Errorf("detection of a %d-byte page took %v of CPU, parsing it %v: want at most %v", len(tc.page.Body), spent, yard, limit)
			}
		})
	}
}

// TestDetectCostStopsGrowingWithThePage: past htmltext.DefaultMaxElements
// a page is cut, so a 20 MiB page costs what a 4 MiB one does.
func TestDetectCostStopsGrowingWithThePage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20 MiB page")
	}
	cpu := func(p Page) time.Duration {
		start := cputime.Process()
		if _, err := Detect(t.Context(), p); err != nil && !errors.Is(err, ErrTooComplex) {
			t.Fatal(err)
		}
		return cputime.Process() - start
	}
	small := cpu(nestedPage(4<<20, 400))
	large := cpu(nestedPage(20<<20, 400))
	if limit := 2*small + time.Second; large > limit {
		t.Errorf("detection took %v of CPU on 20 MiB, %v on 4 MiB: want at most %v", large, small, limit)
	}
}

func TestDetectStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Detect(ctx, nestedPage(400_000, 400)); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	sc, err := Compile(Selectors{Item: "div"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Scrape(ctx, nestedPage(400_000, 400)); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestCostlySelectors(t *testing.T) {
	// Searches inside searches are refused whatever the page.
	for _, sel := range []string{
		"div:has(div:has(div:has(div:has(b))))",
		"div:has(:not(:has(b)))",
		"li:HAS(p:contains(Putin))",
		"tr:haschild(td:matches(\\d+))",
	} {
		_, err := Compile(Selectors{Item: sel})
		var se *SelectorError
		if !errors.As(err, &se) || se.Field != "item" || !strings.Contains(err.Error(), "inside") {
			t.Errorf("%s: got %v, want an item selector error", sel, err)
		}
	}
	for _, sel := range []string{`div:has(b)`, `a:contains(":has(")`, `li:not(.ad):has(h3 a)`, `tr:nth-child(2n+1)`} {
		if _, err := Compile(Selectors{Item: sel}); err != nil {
			t.Errorf("%s: %v", sel, err)
		}
	}
	if _, err := Compile(Selectors{Item: strings.Repeat("div ", 300)}); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("a 1,200-character selector: got %v", err)
	}

	// The page: 200 divs nested in each other, a 2.2 KB page.
	deep := Page{Body: []byte("<html><body>" + strings.Repeat("<div>", 200) + "<b>x</b>" + strings.Repeat("</div>", 200) + "</body></html>"), URL: "https://deep.example/"}
	sc, err := Compile(Selectors{Item: "div:has(b)"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Scrape(t.Context(), deep); err == nil || errors.Is(err, ErrTooComplex) {
		t.Errorf("one :has on a small deep page: got %v, want items without a title", err)
	}
	// One search on every element of a large deep page costs its size
	// times its depth: refused before any matching.
	start := cputime.Process()
	_, err = sc.Scrape(t.Context(), nestedPage(2<<20, 400))
	if !errors.Is(err, ErrTooComplex) {
		t.Errorf("div:has(b) on a 2 MiB page nested 400 deep: got %v, want ErrTooComplex", err)
	}
	t.Logf("refused in %v of CPU", cputime.Process()-start)
}
