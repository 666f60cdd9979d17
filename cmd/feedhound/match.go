package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/scrape"
	"github.com/feedhound/feedhound/store"
	"github.com/feedhound/feedhound/story"
)

const matchUsage = `Usage:
  feedhound match [--json] [--color WHEN] [--fulltext] [--group] QUERY SOURCE...
  feedhound match [--json] [--color WHEN] [--fulltext] [--group] --rules FILE SOURCE...

Reads each SOURCE (a feed file or an http(s) URL) and prints the items that
match QUERY, or any rule of the rule set in FILE: a feedhound config file,
or one "name<TAB>query" per line.

With --group, copies of one story across the sources (the same report
under other headlines, trimmed, with a dateline added) are grouped: each
story is printed once, by its first copy, with the others listed under
it; with --json every line has a "story" field, the id of the story's
first copy.

Put -- before a QUERY that starts with a minus: feedhound match -- '-x y' f.rss

Exit status: 0 if an item matched, 1 if none did, 2 on an error (a bad
query or rule file, a source that cannot be read or parsed).

Flags:
  --json          print one JSON object per matching item and rule
  --rules FILE    match the rules in FILE instead of QUERY
  --fulltext      fetch each item's article and match its text (an article
                  that cannot be read is reported, and the feed's text used)
  --group         group the copies of one story (see above)
  --window DUR    with --group, how far apart in time copies may be
                  (default 72h)
  --color WHEN    highlight matches: auto (on a terminal, unless NO_COLOR
                  is set), always or never (default auto)

Examples:
  feedhound match '"Kim-Putin summit"' https://www.koreatimes.co.kr/www/rss/nation.xml
  feedhound match 'title:summit (Putin OR Xi) -sports' world.rss asia.atom
  feedhound match --json --rules rules.tsv feeds/*.xml | jq .link
  feedhound match --group '"Kim-Putin summit"' yonhap.rss koreatimes.rss herald.rss
`

// sourceTimeout bounds reading one source.
const sourceTimeout = 30 * time.Second

// userReader reads what a user names on the command line: files, and URLs
// that may be on the user's own network (the guard is for what strangers
// give the daemon).
func userReader() *feed.Reader {
	return &feed.Reader{Client: netguard.NewClient(netguard.Policy{AllowPrivate: true}, netguard.Options{Timeout: sourceTimeout}), Files: true}
}

func runMatch(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), matchUsage) }
	jsonOut := fs.Bool("json", false, "")
	rulesFile := fs.String("rules", "", "")
	color := fs.String("color", "auto", "")
	fullText := fs.Bool("fulltext", false, "")
	group := fs.Bool("group", false, "")
	window := new(time.Duration)
	*window = story.DefaultWindow
	fs.Func("window", "", func(v string) (err error) {
		if *window, err = time.ParseDuration(v); err != nil {
			return errors.New("want a duration such as 72h or 30m")
		}
		return nil
	})
	pos, code, ok := parseFlags(fs, args, e)
	if !ok {
		return code
	}
	var style highlighter
	switch *color {
	case "auto":
		style = highlighter{on: isTerminal(e.stdout) && e.getenv("NO_COLOR") == ""}
	case "always":
		style = highlighter{on: true}
	case "never":
	default:
		return usageError(e, "match", "--color is auto, always or never, not %q", *color)
	}

	var rs []rules.Rule
	if *rulesFile != "" {
		if len(pos) == 0 {
			return usageError(e, "match", "no SOURCE given")
		}
		var err error
		if rs, err = loadRules(*rulesFile); err != nil {
			printError(e.stderr, err)
			return exitError
		}
	} else {
		if len(pos) < 2 {
			return usageError(e, "match", "want a QUERY and at least one SOURCE")
		}
		q, err := rules.Parse(pos[0])
		if err != nil {
			fmt.Fprintf(e.stderr, "feedhound: query: %v\n", err)
			return exitError
		}
		rs = []rules.Rule{{Query: q}}
		pos = pos[1:]
	}
	if *window <= 0 {
		return usageError(e, "match", "--window must be more than zero, not %s", *window)
	}
	m := rules.NewMatcher(rs)

	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	p := &matchPrinter{w: out, json: *jsonOut, named: *rulesFile != "", style: style}
	var grouped *storyGroups
	if *group {
		grouped = &storyGroups{index: story.NewIndex(*window), now: time.Now()}
	}
	matched, failed := false, false
	progress := newProgress(e.stderr, len(pos))
	var found rules.Result // reused for every item
	for res := range readAll(ctx, pos, *fullText, false) {
		progress.step()
		if res.err != nil {
			progress.clear()
			fmt.Fprintf(e.stderr, "feedhound: %v\n", res.err)
			failed = true
			continue
		}
		for _, err := range res.articleErrs {
			progress.clear()
			fmt.Fprintf(e.stderr, "feedhound: %v (the feed's text is matched)\n", err)
		}
		if res.feed.Warning != "" {
			progress.clear()
			fmt.Fprintf(e.stderr, "feedhound: %s: %s\n", res.src, res.feed.Warning)
		}
		for i := range res.feed.Items {
			it := &res.feed.Items[i]
			doc := store.DocumentOf(res.src, res.feed.Title, it)
			m.MatchInto(&found, &doc)
			ms := found.Matches
			if len(ms) == 0 {
				continue
			}
			matched = true
			if grouped != nil {
				grouped.add(res.src, it, doc, ms)
				continue
			}
			progress.clear()
			if err := p.print(res.src, it, &doc, ms, nil); err != nil {
				fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
				return exitError
			}
		}
	}
	progress.clear()
	if grouped != nil {
		if err := grouped.print(p); err != nil {
			fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
			return exitError
		}
	}
	switch {
	case failed:
		return exitError
	case matched:
		return exitMatch
	}
	return exitNoMatch
}

type readResult struct {
	src         string
	feed        *feed.Feed
	err         error
	articleErrs []error // articles that could not be read, with --fulltext
}

// readAll reads the sources a few at a time and yields them in the order
// given, so output does not depend on which server answers first.
func readAll(ctx context.Context, srcs []string, fullText, pages bool) func(func(readResult) bool) {
	return func(yield func(readResult) bool) {
		r := userReader()
		// Articles are read where the user pointed: a file's links, or the
		// host of a URL typed. A remote feed's other links go through the
		// guard, as the daemon's do: a feed must not make feedhound read
		// and print a page on this machine or its network.
		open := &feed.Articles{Reader: r}
		guarded := &feed.Articles{Reader: &feed.Reader{Client: netguard.NewClient(netguard.Policy{}, netguard.Options{Timeout: sourceTimeout})}}
		results := make([]chan readResult, len(srcs))
		sem := make(chan struct{}, 4)
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(ctx)
		defer func() {
			cancel()
			wg.Wait()
		}()
		for i, src := range srcs {
			results[i] = make(chan readResult, 1)
			wg.Go(func() {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					results[i] <- readResult{src: src, err: ctx.Err()}
					return
				}
				defer func() { <-sem }()
				f, err := readSource(ctx, r, src, pages)
				res := readResult{src: src, feed: f, err: err}
				if err == nil && fullText {
					if !feed.IsURL(src) {
						_, res.articleErrs = open.FillFeed(ctx, f, nil)
					} else {
						typed := host(src)
						_, res.articleErrs = open.FillFeed(ctx, f, func(it *feed.Item) bool { return host(it.Link) == typed })
						_, errs := guarded.FillFeed(ctx, f, func(it *feed.Item) bool { return host(it.Link) != typed })
						res.articleErrs = append(res.articleErrs, errs...)
					}
				}
				if err == nil {
					for i := range f.Items {
						feed.BoundText(&f.Items[i]) // no control characters for the terminal
					}
				}
				results[i] <- res
			})
		}
		for _, ch := range results {
			if !yield(<-ch) {
				return
			}
		}
	}
}

// readSource reads a feed; a page that links to one, its feed; and, with
// pages, a page that links to none, its list of stories, as a source
// with scrape: {} reads it.
func readSource(ctx context.Context, r *feed.Reader, src string, pages bool) (*feed.Feed, error) {
	if !pages {
		return r.Read(ctx, src)
	}
	resp, err := r.Fetch(ctx, feed.Request{URL: src})
	if err != nil {
		return nil, err
	}
	if resp.IsHTML() {
		found, ferr := r.FeedFrom(ctx, resp)
		if ferr != nil {
			f, err := scrape.Parser{}.Parse(ctx, resp)
			if err != nil {
				return nil, err
			}
			f.URL = src
			return f, nil
		}
		resp = found
	}
	f, err := r.Parse(resp)
	if err != nil {
		return nil, err
	}
	f.URL = src
	return f, nil
}

// host is a URL's host and port, lower-case; "" when it has none.
func host(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// matchPrinter prints matches for people or, with json, for programs.
type matchPrinter struct {
	w     io.Writer
	json  bool
	named bool // the rules have names worth printing
	style highlighter
}

type jsonHit struct {
	Term  string `json:"term"`
	Field string `json:"field"`
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

type jsonMatch struct {
	ID        string    `json:"id"`
	Story     string    `json:"story,omitempty"`
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	Source    string    `json:"source"`
	Published *string   `json:"published"`
	Rule      string    `json:"rule,omitempty"`
	Matches   []jsonHit `json:"matches"`
}

// print prints an item's matches. With grouping, g is the item's story:
// for JSON its first copy's id, for people the other copies, listed
// under the first.
func (p *matchPrinter) print(src string, it *feed.Item, doc *rules.Document, ms []rules.Match, g *storyGroup) error {
	if p.json {
		enc := jsonLines(p.w)
		for _, m := range ms {
			jm := jsonMatch{ID: it.ID, Title: it.Title, Link: it.Link, Source: src, Matches: []jsonHit{}}
			if g != nil {
				jm.Story = g.copies[0].item.ID
			}
			if !it.Published.IsZero() {
				s := it.Published.Format(time.RFC3339)
				jm.Published = &s
			}
			if p.named {
				jm.Rule = m.Name
			}
			for _, h := range m.Hits {
				jm.Matches = append(jm.Matches, jsonHit{Term: h.Term, Field: h.Field.String(), Text: doc.Value(h.Field, h.Value)[h.Start:h.End], Start: h.Start, End: h.End})
			}
			if err := enc.Encode(jm); err != nil {
				return err
			}
		}
		return nil
	}
	var all []rules.Hit
	for _, m := range ms {
		all = append(all, m.Hits...)
	}
	fmt.Fprintln(p.w, p.style.title(it.Title, hitsIn(all, rules.FieldTitle, 0)))
	if it.Link != "" {
		fmt.Fprintln(p.w, "  "+it.Link)
	}
	meta := src
	if !it.Published.IsZero() {
		meta += " · " + it.Published.Format("2006-01-02 15:04 -0700")
	}
	fmt.Fprintln(p.w, "  "+meta)
	for _, m := range ms {
		terms := uniqueTerms(m.Hits)
		if p.named {
			fmt.Fprintf(p.w, "  rule %s: %s\n", m.Name, strings.Join(terms, ", "))
		} else {
			fmt.Fprintf(p.w, "  matched: %s\n", strings.Join(terms, ", "))
		}
	}
	if hits := hitsIn(all, rules.FieldContent, 0); len(hits) > 0 {
		fmt.Fprintln(p.w, "  "+p.style.snippet(doc.Content, hits))
	}
	if g != nil && len(g.copies) > 1 {
		fmt.Fprintf(p.w, "  also reported by %d more:\n", len(g.copies)-1)
		for _, c := range g.copies[1:] {
			line := "    " + c.src + " — " + c.item.Title
			if c.item.Link != "" {
				line += " " + c.item.Link
			}
			fmt.Fprintln(p.w, line)
		}
	}
	_, err := fmt.Fprintln(p.w)
	return err
}

// storyGroups gathers the matching items of all sources, to group the
// copies of each story when all are read.
type storyGroups struct {
	index *story.Index
	now   time.Time // the time of an item that gives none
	items []matchedItem
}

type matchedItem struct {
	src  string
	item *feed.Item
	doc  rules.Document
	ms   []rules.Match
}

// storyGroup is the copies of one story, the first first.
type storyGroup struct{ copies []*matchedItem }

func (g *storyGroups) add(src string, it *feed.Item, doc rules.Document, ms []rules.Match) {
	// The matches' hits live in the Result, which the next item reuses.
	kept := slices.Clone(ms)
	for i := range kept {
		kept[i].Hits = slices.Clone(kept[i].Hits)
	}
	g.items = append(g.items, matchedItem{src: src, item: it, doc: doc, ms: kept})
}

// print groups the items in order of publication, so each story's first
// copy is its earliest, and prints each story once (for people) or each
// item with its story (JSON), stories in the order of their first copy.
func (g *storyGroups) print(p *matchPrinter) error {
	published := func(m *matchedItem) time.Time {
		if m.item.Published.IsZero() {
			return g.now
		}
		return m.item.Published
	}
	order := make([]int, len(g.items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return published(&g.items[a]).Compare(published(&g.items[b])) })
	groups := map[int64]*storyGroup{}
	var heads []int64
	for _, i := range order {
		m := &g.items[i]
		id := int64(i + 1)
		s := g.index.Add(id, story.Sign(story.Doc{Title: m.item.Title, Text: m.item.Text, Published: published(m)}))
		if groups[s] == nil {
			groups[s] = &storyGroup{}
			heads = append(heads, s)
		}
		groups[s].copies = append(groups[s].copies, m)
	}
	for _, s := range heads {
		sg := groups[s]
		if p.json {
			for _, m := range sg.copies {
				if err := p.print(m.src, m.item, &m.doc, m.ms, sg); err != nil {
					return err
				}
			}
			continue
		}
		first := sg.copies[0]
		if err := p.print(first.src, first.item, &first.doc, first.ms, sg); err != nil {
			return err
		}
	}
	return nil
}

// hitsIn returns the hits in one value of a field.
func hitsIn(hits []rules.Hit, f rules.Field, value int) []rules.Hit {
	var out []rules.Hit
	for _, h := range hits {
		if h.Field == f && h.Value == value {
			out = append(out, h)
		}
	}
	return out
}

// uniqueTerms lists each matched term once, with the fields it matched in.
func uniqueTerms(hits []rules.Hit) []string {
	fields := map[string]rules.Field{}
	var order []string
	for _, h := range hits {
		if _, ok := fields[h.Term]; !ok {
			order = append(order, h.Term)
		}
		fields[h.Term] |= h.Field
	}
	out := make([]string, len(order))
	for i, t := range order {
		out[i] = fmt.Sprintf("%s (%s)", t, fields[t])
	}
	return out
}
