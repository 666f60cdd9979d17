package feed

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/mmcdole/gofeed"

	"github.com/feedhound/feedhound/feed/rssscan"
)

// Parse parses a feed document with the default limits. source names it
// in errors and is the base for relative links when it is a URL.
func Parse(body []byte, source string) (*Feed, error) {
	return parse(body, "", source, DefaultMaxDepth)
}

// Parse parses a fetched response, decoding it by the charset its
// Content-Type names, within the Reader's limits.
func (r *Reader) Parse(resp *Response) (*Feed, error) {
	return parse(resp.Body, resp.ContentType, resp.URL, r.maxDepth())
}

func (r *Reader) maxDepth() int {
	if r.MaxDepth > 0 {
		return r.MaxDepth
	}
	return DefaultMaxDepth
}

func parse(body []byte, contentType, source string, maxDepth int) (*Feed, error) {
	shown := ShowURL(source)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, FormatErrorf("%s: empty response", shown)
	}
	body, err := prepare(body, contentType, maxDepth)
	if err != nil {
		return nil, &formatError{msg: shown + ": " + err.Error(), cause: err}
	}
	f, orig, err := decode(body, true)
	warning := ""
	if err != nil && !errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		// A document cut off at the end gives the items before the break.
		if whole, ok := mendCut(body); ok {
			if f2, orig2, err2 := decode(whole, true); err2 == nil && len(f2.Items) > 0 {
				warning = fmt.Sprintf("the document is cut off at the end (%s): the %d items before the break are read", oneLine(err.Error()), len(f2.Items))
				f, orig, err = f2, orig2, nil
			}
		}
	}
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			if cdfRoot.Match(body[:min(len(body), 1024)]) {
				return nil, FormatErrorf("%s: not a feed feedhound reads (a CDF channel, Microsoft's Channel Definition Format of 1997: ask the site for RSS or Atom)", shown)
			}
			return nil, FormatErrorf("%s: not a feed (no RSS, Atom or JSON Feed document found)", shown)
		}
		return nil, FormatErrorf("%s: parse: %s", shown, oneLine(err.Error()))
	}
	base := ""
	if IsURL(source) {
		base = source
	}
	out := normalize(f, orig, base)
	out.Warning = warning
	return out, nil
}

// decode parses a prepared document into gofeed's feed, and the format's
// own feed it was translated from. An RSS 2.0 document of the usual shape
// is read by rssscan, which makes what gofeed's RSS parser would at a
// fraction of its cost; fast false (for tests) leaves every document to
// gofeed.
func decode(body []byte, fast bool) (*gofeed.Feed, any, error) {
	if fast {
		if r, err := rssscan.Parse(body); err == nil {
			f, err := rssscan.Translator.Translate(r)
			return f, r, err
		}
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	p.RSSTranslator = rssscan.Translator
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	return f, f.OriginalFeed(), nil
}
