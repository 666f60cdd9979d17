package rssscan

import (
	"strings"
	"time"
)

// rssDate reads an RSS date as gofeed does, in UTC; nil for an empty one.
// ok is false for a date in a form it does not know gofeed reads the same:
// gofeed tries a hundred layouts in turn, and only the forms whose first
// match is known are read here.
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
