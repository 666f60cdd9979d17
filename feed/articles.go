package feed

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/feedhound/feedhound/fulltext"
	"github.com/feedhound/feedhound/htmltext"
)

// robotsTTL is how long a site's robots.txt is kept.
const robotsTTL = 24 * time.Hour

// Limits of full text, whatever the pages.
const (
	// DefaultArticleBytes is the most of an article page read: a page
	// past it is cut there (its article comes first), not refused.
	DefaultArticleBytes = 4 << 20
	// DefaultArticleTimeout bounds the reading of one article.
	DefaultArticleTimeout = 20 * time.Second
	// maxRobotsBytes is the most of a robots.txt read, as Google reads.
	maxRobotsBytes = 500 << 10
	// maxRobots bounds the sites whose robots.txt is kept; the least
	// recently used goes first.
	maxRobots = 1000
)

// Articles fetches the articles that items link to, for their full text:
// through its Reader (the guarded client, the size and time limits), at
// most PerHost at once per host, and only where the site's robots.txt
// lets feedhound in. Make one for many fetches, as it keeps robots.txt;
// it is safe for concurrent use.
type Articles struct {
	Reader *Reader
	// PerHost bounds the fetches of one host at once; zero means 2.
	PerHost int
	// MaxBytes bounds an article page, which is cut past it; zero means
	// DefaultArticleBytes.
	MaxBytes int64
	// Timeout bounds the reading of one article; zero means
	// DefaultArticleTimeout.
	Timeout time.Duration

	mu      sync.Mutex // protects hosts and robots
	hosts   map[string]chan struct{}
	robots  map[string]*list.Element // of robotsEntry, most recently used first in lru
	lru     list.List
	extract chan struct{} // the extractions under way, one per CPU at most
}

// robotsEntry is a site's robots.txt, read once for every fetch that
// wants it at the same time.
type robotsEntry struct {
	site    string
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
	resp, err := a.reader(a.maxBytes()).Fetch(ctx, Request{URL: link, Truncate: true})
	if err != nil {
		return fulltext.Article{}, fmt.Errorf("full text: %w", err)
	}
	if !resp.IsHTML() {
		return fulltext.Article{}, fmt.Errorf("%s: full text: not an HTML page (%s)", ShowURL(link), firstNonEmpty(resp.ContentType, "no type"))
	}
	// Extraction is all CPU, and its memory is some times the page's:
	// one at a time per CPU, whatever the fetches under way.
	select {
	case a.extractions() <- struct{}{}:
	case <-ctx.Done():
		return fulltext.Article{}, fmt.Errorf("%s: full text: %w", ShowURL(link), ctx.Err())
	}
	art, err := fulltext.Extract(resp.Body, resp.ContentType, resp.URL)
	<-a.extract
	if err != nil {
		return fulltext.Article{}, fmt.Errorf("%s: full text: %w", ShowURL(link), err)
	}
	return art, nil
}

// reader is the Articles' Reader with a body limit of max.
func (a *Articles) reader(max int64) *Reader {
	r := *a.Reader
	r.MaxBytes = max
	return &r
}

func (a *Articles) maxBytes() int64 {
	if a.MaxBytes > 0 {
		return a.MaxBytes
	}
	return DefaultArticleBytes
}

func (a *Articles) timeout() time.Duration {
	if a.Timeout > 0 {
		return a.Timeout
	}
	return DefaultArticleTimeout
}

func (a *Articles) extractions() chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.extract == nil {
		a.extract = make(chan struct{}, runtime.GOMAXPROCS(0))
	}
	return a.extract
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
		a.robots = map[string]*list.Element{}
	}
	var e *robotsEntry
	el, ok := a.robots[site]
	if ok {
		e = el.Value.(*robotsEntry)
		a.lru.MoveToFront(el)
	}
	fetch := !ok || time.Since(e.fetched) > robotsTTL
	if fetch {
		if ok {
			a.lru.Remove(el)
		}
		e = &robotsEntry{site: site, done: make(chan struct{}), fetched: time.Now()}
		a.robots[site] = a.lru.PushFront(e)
		for a.lru.Len() > maxRobots {
			delete(a.robots, a.lru.Remove(a.lru.Back()).(*robotsEntry).site)
		}
	}
	a.mu.Unlock()
	if fetch {
		resp, err := a.reader(maxRobotsBytes).Fetch(ctx, Request{URL: site + "/robots.txt", Truncate: true})
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
// items keep the feed's text. Each article has the Articles' Timeout, and
// all of them half the time ctx has left, if it has a deadline: the rest
// is the caller's, to record the items.
func (a *Articles) FillFeed(ctx context.Context, f *Feed, want func(*Item) bool) (tried int, errs []error) {
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(deadline)/2))
		defer cancel()
	}
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
			actx, cancel := context.WithTimeout(ctx, a.timeout())
			defer cancel()
			art, err := a.Fetch(actx, it.Link)
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
