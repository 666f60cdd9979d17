package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/netguard"
	"github.com/feedhound/feedhound/rules"
	"github.com/feedhound/feedhound/watcher"
)

const matchUsage = `Usage:
  feedhound match [--json] [--color WHEN] [--fulltext] QUERY SOURCE...
  feedhound match [--json] [--color WHEN] [--fulltext] --rules FILE SOURCE...

Reads each SOURCE (a feed file or an http(s) URL) and prints the items that
match QUERY, or any rule of the rule set in FILE: a feedhound config file,
or one "name<TAB>query" per line.

Put -- before a QUERY that starts with a minus: feedhound match -- '-x y' f.rss

Exit status: 0 if an item matched, 1 if none did, 2 on an error (a bad
query or rule file, a source that cannot be read or parsed).

Flags:
  --json          print one JSON object per matching item and rule
  --rules FILE    match the rules in FILE instead of QUERY
  --fulltext      fetch each item's article and match its text (an article
                  that cannot be read is reported, and the feed's text used)
  --color WHEN    highlight matches: auto (on a terminal, unless NO_COLOR
                  is set), always or never (default auto)

Examples:
  feedhound match '"Kim-Putin summit"' https://www.koreatimes.co.kr/www/rss/nation.xml
  feedhound match 'title:summit (Putin OR Xi) -sports' world.rss asia.atom
  feedhound match --json --rules rules.tsv feeds/*.xml | jq .link
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
	m := rules.NewMatcher(rs)

	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	p := &matchPrinter{w: out, json: *jsonOut, named: *rulesFile != "", style: style}
	matched, failed := false, false
	progress := newProgress(e.stderr, len(pos))
	var found rules.Result // reused for every item
	for res := range readAll(ctx, pos, *fullText) {
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
		for i := range res.feed.Items {
			it := &res.feed.Items[i]
			doc := watcher.Document(res.src, res.feed.Title, it)
			m.MatchInto(&found, &doc)
			ms := found.Matches
			if len(ms) == 0 {
				continue
			}
			matched = true
			progress.clear()
			if err := p.print(res.src, it, &doc, ms); err != nil {
				fmt.Fprintf(e.stderr, "feedhound: %v\n", err)
				return exitError
			}
		}
	}
	progress.clear()
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
func readAll(ctx context.Context, srcs []string, fullText bool) func(func(readResult) bool) {
	return func(yield func(readResult) bool) {
		r := userReader()
		articles := &feed.Articles{Reader: r}
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
				f, err := r.Read(ctx, src)
				res := readResult{src: src, feed: f, err: err}
				if err == nil && fullText {
					_, res.articleErrs = articles.FillFeed(ctx, f, nil)
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
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	Source    string    `json:"source"`
	Published *string   `json:"published"`
	Rule      string    `json:"rule,omitempty"`
	Matches   []jsonHit `json:"matches"`
}

func (p *matchPrinter) print(src string, it *feed.Item, doc *rules.Document, ms []rules.Match) error {
	if p.json {
		enc := jsonLines(p.w)
		for _, m := range ms {
			jm := jsonMatch{ID: it.ID, Title: it.Title, Link: it.Link, Source: src, Matches: []jsonHit{}}
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
	_, err := fmt.Fprintln(p.w)
	return err
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
