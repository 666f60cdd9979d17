package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/scrape"
	"github.com/feedhound/feedhound/source"
)

const scrapeUsage = `Usage:
  feedhound scrape [--json] [--timezone ZONE] [--item S [--title S] [--link S]
                   [--date S] [--summary S] [--author S] [--image S]] URL

Reads a web page and prints the items a scraped source would make of it,
as 'feedhound match' prints items. With no selectors, feedhound finds the
page's list of stories itself and prints the selectors it chose first
(on stderr with --json), ready to paste under the source's scrape: key.

Flags:
  --json           one JSON object per item: id, title, link, published,
                   authors, summary
  --item S         the CSS selector of one story; the others are looked for
                   inside it
  --title S        the story's title (default: its headline link)
  --link S         its link: the element's href, or its first <a>'s
                   (default: the title's)
  --date S         its date: a datetime attribute or the text, read leniently
  --summary S, --author S, --image S
                   its summary, author and image
  --timezone ZONE  the zone of dates that give none, as in Asia/Seoul
                   (default UTC)

Exit status: 0 if the page has items, 1 if it has none, 2 on an error (a
selector that does not parse, a page that cannot be read).

Examples:
  feedhound scrape https://www.mofa.go.kr/www/brd/m_4080/list.do
  feedhound scrape --item 'table.board-list tbody tr' --date td.date --timezone Asia/Seoul https://www.mofa.go.kr/www/brd/m_4080/list.do
`

type jsonItem struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Link      string   `json:"link"`
	Source    string   `json:"source"`
	Published *string  `json:"published"`
	Authors   []string `json:"authors"`
	Summary   string   `json:"summary,omitempty"`
}

func runScrape(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("scrape", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), scrapeUsage) }
	jsonOut := fs.Bool("json", false, "")
	var sel scrape.Selectors
	fs.StringVar(&sel.Item, "item", "", "")
	fs.StringVar(&sel.Title, "title", "", "")
	fs.StringVar(&sel.Link, "link", "", "")
	fs.StringVar(&sel.Date, "date", "", "")
	fs.StringVar(&sel.Summary, "summary", "", "")
	fs.StringVar(&sel.Author, "author", "", "")
	fs.StringVar(&sel.Image, "image", "", "")
	zone := fs.String("timezone", "UTC", "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, "scrape", "want one URL")
	}
	loc, err := source.Timezone(*zone)
	if err != nil {
		return usageError(e, "scrape", "--timezone %q: %v", *zone, err)
	}
	p, err := scrape.NewParser(sel, loc)
	if err != nil {
		printError(e.stderr, err)
		return exitError
	}
	r := userReader() // a URL or a saved page
	rctx, cancel := context.WithTimeout(ctx, sourceTimeout)
	defer cancel()
	resp, err := r.Fetch(rctx, feed.Request{URL: pos[0]})
	if err != nil {
		printError(e.stderr, err)
		return exitError
	}
	f, err := p.Parse(rctx, resp)
	if err != nil {
		printError(e.stderr, err)
		return exitError
	}
	if sel.IsZero() {
		out := e.stdout
		if *jsonOut {
			out = e.stderr
		}
		fmt.Fprintf(out, "selectors found: scrape: %s\n", f.Note)
		if !*jsonOut {
			fmt.Fprintln(out)
		}
	}
	enc := jsonLines(e.stdout)
	for _, it := range f.Items {
		if *jsonOut {
			ji := jsonItem{ID: it.ID, Title: it.Title, Link: it.Link, Source: pos[0], Authors: orEmpty(it.Authors), Summary: it.Text}
			if !it.Published.IsZero() {
				s := it.Published.Format(time.RFC3339)
				ji.Published = &s
			}
			enc.Encode(ji)
			continue
		}
		fmt.Fprintln(e.stdout, it.Title)
		if it.Link != "" {
			fmt.Fprintln(e.stdout, "  "+it.Link)
		}
		if !it.Published.IsZero() {
			fmt.Fprintln(e.stdout, "  "+it.Published.Format("2006-01-02 15:04 -0700"))
		}
		if it.Text != "" {
			fmt.Fprintln(e.stdout, "  "+it.Text)
		}
		fmt.Fprintln(e.stdout)
	}
	if len(f.Items) == 0 {
		return exitNoMatch
	}
	return exitMatch
}

func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
