package feed

import (
	"strconv"
	"strings"
	"time"
)

// zoneOffsets are time-zone abbreviations that news feeds use and Go's
// parser reads as UTC, with their offsets in hours. Ambiguous ones (CST,
// IST) are left out.
var zoneOffsets = map[string]string{
	"KST": "+0900", "JST": "+0900", "HKT": "+0800", "SGT": "+0800", "PHT": "+0800",
	"WIB": "+0700", "ICT": "+0700", "MSK": "+0300", "EET": "+0200", "EEST": "+0300",
	"CET": "+0100", "CEST": "+0200", "BST": "+0100", "AEST": "+1000", "AEDT": "+1100",
	"NZST": "+1200", "NZDT": "+1300", "EST": "-0500", "EDT": "-0400", "PST": "-0800",
	"PDT": "-0700", "MST": "-0700", "MDT": "-0600",
}

// extraLayouts are date formats seen in the wild that gofeed does not
// read.
var extraLayouts = []string{
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2006-01-02 15:04:05 -0700",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
	"2006/01/02",
	"2006.01.02 15:04",
	"Monday, January 2, 2006 3:04 PM",
	"Monday, January 2, 2006",
	"January 2, 2006 3:04 PM",
	"January 2, 2006",
	"2 January 2006",
}

// parseDate reads a date that gofeed could not, or read in the wrong zone:
// parsed is gofeed's result, raw the text. It returns the zero time when
// it cannot tell.
func parseDate(raw string, parsed *time.Time) time.Time {
	raw = strings.TrimSpace(raw)
	if fields := strings.Fields(raw); len(fields) > 1 {
		if off, ok := zoneOffsets[strings.ToUpper(fields[len(fields)-1])]; ok {
			withOffset := strings.Join(fields[:len(fields)-1], " ") + " " + off
			for _, layout := range extraLayouts {
				if t, err := time.Parse(layout, withOffset); err == nil {
					return t
				}
			}
		}
	}
	if parsed != nil {
		return *parsed
	}
	if raw == "" {
		return time.Time{}
	}
	for _, layout := range extraLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			return t
		}
	}
	// Seconds since 1970, as some generators write.
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n > 1e8 && n < 1e11 {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}
