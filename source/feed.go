package source

import (
	"context"

	"github.com/feedhound/feedhound/feed"
)

func init() { Register(feedKind{}) }

// feedKind is a feed — RSS, Atom, JSON Feed — polled with conditional
// requests; or an HTML page that links to one, whose feed is polled from
// the first read on.
type feedKind struct{}

func (feedKind) Name() string                         { return "feed" }
func (feedKind) Options() []Option                    { return nil }
func (feedKind) Check(*Spec, map[string]string) error { return nil }
func (feedKind) New(_ *Spec, env Env) (Reader, error) { return feedReader{env.Reader}, nil }

// Try finds the feed of the URL: the URL itself, or the first feed its
// page links to (or one at a common path).
func (feedKind) Try(ctx context.Context, s *Spec, env Env) (string, string, error) {
	links, err := env.Reader.Discover(ctx, s.URL)
	if err != nil {
		return "", "", err
	}
	return links[0].URL, links[0].Title, nil
}

type feedReader struct{ r *feed.Reader }

func (fr feedReader) Read(ctx context.Context, req feed.Request) (Answer, error) {
	a, done, err := fetch(ctx, fr.r, req)
	if done {
		return a, err
	}
	if a.Resp.IsHTML() {
		// A page, not a feed: the feed it links to, from now on.
		found, err := fr.r.FeedFrom(ctx, a.Resp)
		if err != nil {
			return a, err
		}
		a.Found, a.Resp = found.URL, found
		a.Resp.Moved = false
	}
	a.Feed, err = fr.r.Parse(a.Resp)
	return a, err
}
