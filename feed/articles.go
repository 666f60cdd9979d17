package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/feedhound/feedhound/fulltext"
	"github.com/feedhound/feedhound/htmltext"
)

// robotsTTL is how long a site's robots.txt is kept.
const robotsTTL = 24 * time.Hour

// Articles fetches the articles that items link to, for their full text:
// through its Reader (the guarded client, the size and time limits), at
// most PerHost at once per host, and only where the site's robots.txt
// lets feedhound in. Make one for many fetches, as it keeps robots.txt;
// it is safe for concurrent use.
type Articles struct {
	Reader *Reader
	// PerHost bounds the fetches of one host at once; zero means 2.
	PerHost int

	mu     sync.Mutex // protects hosts and robots
	hosts  map[string]chan struct{}
	robots map[string]*robotsEntry
}

// robotsEntry is a site's robots.txt, read once for every fetch that
// wants it at the same time.
type robotsEntry struct {
	done    chan struct{}    // closed once group is set
	group   *robotstxt.Group // nil: everything allowed
	fetched time.Time
}

// Fetch fetches the article at link and extracts its text.
func (a *Articles) Fetch(ctx context.Context, link string) (fulltext.Article, error) {
	u, err := url.Parse(WebLink(link))
	if err != nil || u.Host == "" {
		return fulltext.Article{}, fmt.Errorf("%s: full text: not an http or https link", ShowURL(link))
	}
	if !a.allowed(ctx, u) {
		return fulltext.Article{}, fmt.Errorf("%s: full text: robots.txt disallows it", ShowURL(link))
	}
	release := a.acquire(ctx, u.Host)
	defer release()
	resp, err := a.Reader.Fetch(ctx, Request{URL: link})
	if err != nil {
		return fulltext.Article{}, fmt.Errorf("full text: %w", err)
	}
	if !resp.IsHTML() {
		return fulltext.Article{}, fmt.Errorf("%s: full text: not an HTML page (%s)", ShowURL(link), firstNonEmpty(resp.ContentType, "no type"))
	}
	art, err := fulltext.Extract(resp.Body, resp.ContentType, resp.URL)
	if err != nil {
		return fulltext.Article{}, fmt.Errorf("%s: full text: %w", ShowURL(link), err)
	}
	return art, nil
}

// acquire takes one of the host's slots, and returns what gives it back.
func (a *Articles) acquire(ctx context.Context, host string) (release func()) {
	a.mu.Lock()
	if a.hosts == nil {
		a.hosts = map[string]chan struct{}{}
	}
	sem, ok := a.hosts[host]
	if !ok {
		n := a.PerHost
		if n <= 0 {
			n = 2
		}
		sem = make(chan struct{}, n)
		a.hosts[host] = sem
	}
	a.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }
	case <-ctx.Done():
		return func() {}
	}
}

// allowed reports whether the site's robots.txt lets feedhound fetch u. A
// robots.txt that cannot be read allows everything, as crawlers agree.
func (a *Articles) allowed(ctx context.Context, u *url.URL) bool {
	site := u.Scheme + "://" + u.Host
	a.mu.Lock()
	if a.robots == nil {
		a.robots = map[string]*robotsEntry{}
	}
	e, ok := a.robots[site]
	fetch := !ok || time.Since(e.fetched) > robotsTTL
	if fetch {
		e = &robotsEntry{done: make(chan struct{}), fetched: time.Now()}
		a.robots[site] = e
	}
	a.mu.Unlock()
	if fetch {
		resp, err := a.Reader.Fetch(ctx, Request{URL: site + "/robots.txt"})
		if err == nil && resp.Status == http.StatusOK {
			if data, err := robotstxt.FromBytes(resp.Body); err == nil {
				e.group = data.FindGroup("feedhound")
			}
		}
		close(e.done)
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return false
	}
	if e.group == nil {
		return true
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return e.group.Test(path)
}

// WithArticle makes an article's text the item's content: what rules
// match, snippets quote, alerts and filtered feeds carry. The feed's
// summary stays the item's summary.
func WithArticle(it *Item, art fulltext.Article) {
	it.Content = art.HTML
	summary := strings.TrimSpace(htmltext.FromHTML(it.Summary))
	if summary == "" || strings.Contains(art.Text, summary) {
		it.Text = art.Text
		return
	}
	it.Text = summary + "\n\n" + art.Text
}

// fillAtOnce bounds the articles FillFeed fetches at once (each host
// still takes at most PerHost of them).
const fillAtOnce = 8

// FillFeed fetches the article of each item of f that want accepts (nil:
// every item with a link) and makes its text the item's. It returns the
// articles tried and the errors of those that could not be read, whose
// items keep the feed's text.
func (a *Articles) FillFeed(ctx context.Context, f *Feed, want func(*Item) bool) (tried int, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, fillAtOnce)
	for i := range f.Items {
		it := &f.Items[i]
		if it.Link == "" || want != nil && !want(it) {
			continue
		}
		tried++
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			art, err := a.Fetch(ctx, it.Link)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			WithArticle(it, art)
		})
	}
	wg.Wait()
	return tried, errs
}
