package rssscan

import (
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"
)

// date reads an RSS date as gofeed's RSS parser does, in UTC; nil for an
// empty one or one gofeed cannot read. The usual forms are read here;
// others by gofeed's own date parser.
func date(text string) *time.Time {
	if t, ok := rssDate(text); ok {
		return t
	}
	return gofeedDate(text)
}

// gofeedDate reads a date with gofeed's own parser, which tries a hundred
// layouts in turn and knows the offsets of zone names. It is reached
// through gofeed's translator, which parses an item's Dublin Core date
// with the function its RSS parser parses <pubDate> with.
func gofeedDate(text string) *time.Time {
	item := &rss.Item{DublinCoreExt: &ext.DublinCoreExtension{Date: []string{text}}}
	f, err := Translator.Translate(&rss.Feed{Items: []*rss.Item{item}})
	if err != nil || len(f.Items) != 1 || f.Items[0].UpdatedParsed == nil {
		return nil
	}
	utc := f.Items[0].UpdatedParsed.UTC()
	return &utc
}

// Translator makes gofeed's universal feed of an rss.Feed, rssscan's or
// gofeed's parser's: gofeed's translator without its image scan, which
// HTML-parses every item to look for an image feedhound never uses (a
// tenth of a large feed's CPU).
var Translator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}

// rssDate reads the usual forms of an RSS date as gofeed does, in UTC;
// nil for an empty one. ok is false for a date in another form: gofeed
// tries its layouts in turn, and only forms whose first match is known
// are read here.
func rssDate(text string) (t *time.Time, ok bool) {
	d := strings.TrimSpace(text)
	if d == "" {
		return nil, true
	}
	layout := ""
	switch {
	case len(d) >= 20 && d[4] == '-' && d[7] == '-' && d[10] == 'T':
		layout = time.RFC3339
	case len(d) >= 29 && d[3] == ',' && d[4] == ' ':
		// "Mon, 02 Jan 2006 15:04:05 -0700", the day in one or two digits,
		// the zone a number or GMT/UTC.
		day := 2
		if d[6] == ' ' {
			day = 1
		}
		rest := d[5+day:]
		if len(rest) < 22 || rest[0] != ' ' || rest[4] != ' ' || rest[9] != ' ' || rest[12] != ':' || rest[15] != ':' || rest[18] != ' ' {
			return nil, false
		}
		switch zone := rest[19:]; {
		case len(zone) == 5 && (zone[0] == '+' || zone[0] == '-'):
			layout = "Mon, 2 Jan 2006 15:04:05 -0700"
		case zone == "GMT" || zone == "UTC":
			layout = "Mon, 2 Jan 2006 15:04:05 MST"
		default:
			return nil, false
		}
	default:
		return nil, false
	}
	parsed, err := time.Parse(layout, d)
	if err != nil {
		return nil, false
	}
	utc := parsed.UTC()
	return &utc, true
}
