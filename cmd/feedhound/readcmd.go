package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/feedhound/feedhound/destination"
)

const readUsage = `Usage:
  feedhound read [--json] SOURCE...

Prints the items feedhound reads from each SOURCE — a feed file or an
http(s) URL — without a query: what the rules would see. A page is read as
a source would be: the feed it links to, or, when it links to none, the
list of stories found in it. Run it first when a rule does not match what
you expected.

Sources are read four at a time and printed in the order given.

Flags:
  --json   one JSON object per item: id, title (plain text), link,
           published and updated (RFC 3339 or null), authors, categories,
           summary and content (the HTML as kept), text (the plain text the
           rules match), source

Exit status: 0 when an item was read, 1 when none was, 2 on an error, which
names the source (the other sources are still read).

Examples:
  feedhound read https://www.koreatimes.co.kr/www/rss/nation.xml
  feedhound read --json feeds/world.rss | jq .title
`

type readItem struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Link       string   `json:"link"`
	Published  *string  `json:"published"`
	Updated    *string  `json:"updated"`
	Authors    []string `json:"authors"`
	Categories []string `json:"categories"`
	Summary    string   `json:"summary"`
	Content    string   `json:"content"`
	Text       string   `json:"text"`
	Source     string   `json:"source"`
}

func runRead(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), readUsage) }
	asJSON := fs.Bool("json", false, "")
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return usageError(e, "read", "want at least one SOURCE")
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := jsonLines(out)
	read, failed := false, false
	for res := range readAll(ctx, pos, false, true) {
		if res.err != nil {
			out.Flush()
			fmt.Fprintf(e.stderr, "feedhound: %v\n", res.err)
			failed = true
			continue
		}
		if res.feed.Warning != "" {
			out.Flush()
			fmt.Fprintf(e.stderr, "feedhound: %s: %s\n", res.src, res.feed.Warning)
		}
		for i := range res.feed.Items {
			it := &res.feed.Items[i]
			read = true
			if *asJSON {
				enc.Encode(readItem{ID: it.ID, Title: it.Title, Link: it.Link, Published: timeOrNull(it.Published), Updated: timeOrNull(it.Updated),
					Authors: orEmpty(it.Authors), Categories: orEmpty(it.Categories), Summary: it.Summary, Content: it.Content, Text: it.Text, Source: res.src})
				continue
			}
			fmt.Fprintln(out, orUntitled(it.Title))
			if it.Link != "" {
				fmt.Fprintln(out, "  "+it.Link)
			}
			meta := []string{res.src}
			if !it.Published.IsZero() {
				meta = append(meta, it.Published.Format("2006-01-02 15:04 -0700"))
			}
			if len(it.Authors) > 0 {
				meta = append(meta, "by "+strings.Join(it.Authors, ", "))
			}
			fmt.Fprintln(out, "  "+strings.Join(meta, " · "))
			if len(it.Categories) > 0 {
				fmt.Fprintln(out, "  categories: "+strings.Join(it.Categories, ", "))
			}
			if t := strings.Join(strings.Fields(it.Text), " "); t != "" {
				fmt.Fprintln(out, "  "+destination.Truncate(t, 200))
			}
			fmt.Fprintln(out)
		}
	}
	switch {
	case failed:
		return exitError
	case read:
		return exitMatch
	}
	return exitNoMatch
}

func timeOrNull(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.RFC3339)
	return &s
}

func orUntitled(s string) string {
	if s == "" {
		return "(untitled)"
	}
	return s
}
