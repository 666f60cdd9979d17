package feed

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Link is a feed that a page points to.
type Link struct {
	URL    string
	Title  string
	Format string // "rss", "atom" or "json"
}

// feedTypes maps the types of <link rel="alternate"> to feed formats.
var feedTypes = map[string]string{
	"application/rss+xml":   "rss",
	"application/rdf+xml":   "rss",
	"application/atom+xml":  "atom",
	"application/feed+json": "json",
	"application/json":      "json",
}

// commonPaths are where sites often keep their feed without saying so.
var commonPaths = []string{"/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml", "/rss"}

// ErrNoFeed is the error of a page that is neither a feed nor links to one.
var ErrNoFeed = errors.New("no feed link in the page")

// IsHTML reports whether a response is an HTML page rather than a feed.
func (resp *Response) IsHTML() bool {
	mt, _, _ := mime.ParseMediaType(resp.ContentType)
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(resp.Body[:min(len(resp.Body), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// linksIn returns the feeds an HTML page links to with <link
// rel="alternate">, resolved against the page's URL or its <base>.
func linksIn(page []byte, pageURL string) []Link {
	base, _ := url.Parse(pageURL)
	var links []Link
	seen := map[string]bool{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return links
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		switch t.DataAtom {
		case atom.Base:
			if href := attr(t, "href"); href != "" && base != nil {
				if u, err := base.Parse(href); err == nil {
					base = u
				}
			}
		case atom.Link:
			rels := strings.Fields(strings.ToLower(attr(t, "rel")))
			typ, _, _ := mime.ParseMediaType(attr(t, "type"))
			format, ok := feedTypes[typ]
			href := attr(t, "href")
			if !ok || href == "" || !containsWord(rels, "alternate") {
				continue
			}
			u, err := url.Parse(href)
			if err != nil {
				continue
			}
			if base != nil {
				u = base.ResolveReference(u)
			}
			if WebLink(u.String()) == "" {
				continue // file:, javascript:, data: — never followed
			}
			if seen[u.String()] {
				continue
			}
			seen[u.String()] = true
			links = append(links, Link{URL: u.String(), Title: strings.TrimSpace(attr(t, "title")), Format: format})
		case atom.Body:
			return links // feed links live in the head
		}
	}
}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func containsWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

// Discover returns the feeds of a page: the page itself if it is a feed,
// else the feeds its <link rel="alternate"> elements name, else whichever
// of a few common paths of its site answers with a feed.
func (r *Reader) Discover(ctx context.Context, pageURL string) ([]Link, error) {
	resp, err := r.Fetch(ctx, Request{URL: pageURL})
	if err != nil {
		return nil, err
	}
	if !resp.IsHTML() {
		f, err := r.Parse(resp)
		if err != nil {
			return nil, err
		}
		return []Link{{URL: resp.URL, Title: f.Title, Format: f.Format}}, nil
	}
	if links := linksIn(resp.Body, resp.URL); len(links) > 0 {
		return links, nil
	}
	base, err := url.Parse(resp.URL)
	if err != nil {
		return nil, err
	}
	var links []Link
	for _, p := range commonPaths {
		u := base.ResolveReference(&url.URL{Path: p}).String()
		cand, err := r.Fetch(ctx, Request{URL: u})
		if err != nil || cand.IsHTML() {
			continue
		}
		if f, err := r.Parse(cand); err == nil {
			links = append(links, Link{URL: cand.URL, Title: f.Title, Format: f.Format})
			break
		}
	}
	if len(links) == 0 {
		return nil, ErrNoFeed
	}
	return links, nil
}

// FeedFrom follows an HTML page to the first feed it links to and fetches
// that.
func (r *Reader) FeedFrom(ctx context.Context, page *Response) (*Response, error) {
	links := linksIn(page.Body, page.URL)
	if len(links) == 0 {
		mt, _, _ := mime.ParseMediaType(page.ContentType)
		if mt == "" {
			mt = "an HTML page"
		}
		return nil, FormatErrorf("%s: not a feed (%s, and no feed link in the page)", ShowURL(page.URL), mt)
	}
	return r.Fetch(ctx, Request{URL: links[0].URL})
}
