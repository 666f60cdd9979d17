package source

import (
	"context"
	"errors"
	"strings"

	"github.com/feedhound/feedhound/feed"
	"github.com/feedhound/feedhound/scrape"
)

func init() { Register(pageKind{}) }

// pageKind is a web page without a feed, scraped for its list of
// stories: by CSS selectors, or by those feedhound finds in each read when
// none are given. The configuration file's `scrape:` and the API's
// "scrape" are this kind with its options.
type pageKind struct{}

func (pageKind) Name() string { return "page" }
func (pageKind) Options() []Option {
	return []Option{
		{Name: "item", Help: "one story of the list; needed when any other is given"},
		{Name: "title", Help: "its title, inside the item (default: its heading or main link)"},
		{Name: "link", Help: "its link (default: the title's link)"},
		{Name: "date", Help: "its date (default: a time element or a date in its text)"},
		{Name: "summary", Help: "its summary"},
		{Name: "author", Help: "its author"},
		{Name: "image", Help: "its image"},
	}
}

// Selectors are the selectors of a page's options.
func Selectors(opts map[string]string) scrape.Selectors {
	return scrape.Selectors{Item: opts["item"], Title: opts["title"], Link: opts["link"], Date: opts["date"],
		Summary: opts["summary"], Author: opts["author"], Image: opts["image"]}
}

// PageOptions are the options of a page scraped by sel.
func PageOptions(sel scrape.Selectors) string {
	return EncodeOptions(map[string]string{"item": sel.Item, "title": sel.Title, "link": sel.Link, "date": sel.Date,
		"summary": sel.Summary, "author": sel.Author, "image": sel.Image})
}

func (pageKind) Check(_ *Spec, opts map[string]string) error {
	sel := Selectors(opts)
	if sel.IsZero() {
		return nil // found in each page
	}
	if sel.Item == "" {
		return optionError("item", "", errors.New("is needed with the other selectors (or give none to have them found)"))
	}
	_, err := scrape.Compile(sel)
	var se *scrape.SelectorError
	if errors.As(err, &se) {
		return optionError(se.Field, opts[se.Field], se.Err)
	}
	return err
}

// parser is the scraper of a page's options.
func (pageKind) parser(s *Spec) (scrape.Parser, error) {
	opts, err := DecodeOptions(s.Options)
	if err != nil {
		return scrape.Parser{}, err
	}
	return scrape.NewParser(Selectors(opts), s.Location())
}

func (k pageKind) New(s *Spec, env Env) (Reader, error) {
	p, err := k.parser(s)
	return pageReader{env.Reader, p}, err
}

// Try scrapes the page once: it must give items.
func (k pageKind) Try(ctx context.Context, s *Spec, env Env) (string, string, error) {
	p, err := k.parser(s)
	if err != nil {
		return "", "", &FieldError{Field: "options", Err: err}
	}
	resp, err := env.Reader.Fetch(ctx, feed.Request{URL: s.URL})
	if err != nil {
		return "", "", err // the URL's fault
	}
	f, err := p.Parse(ctx, resp)
	if err != nil {
		return "", "", &FieldError{Field: "options", Err: errors.New(strings.TrimPrefix(err.Error(), feed.ShowURL(resp.URL)+": scrape: "))}
	}
	return resp.URL, f.Title, nil
}

type pageReader struct {
	r *feed.Reader
	p scrape.Parser
}

func (pr pageReader) Read(ctx context.Context, req feed.Request) (Answer, error) {
	a, done, err := fetch(ctx, pr.r, req)
	if done {
		return a, err
	}
	a.Feed, err = pr.p.Parse(ctx, a.Resp)
	return a, err
}
