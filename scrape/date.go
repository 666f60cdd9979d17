package scrape

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Dates as news sites write them, read leniently: the first date found in
// the text wins.
var (
	// 2026-09-13, 2026.09.13, 2026/09/13, with an optional time; ISO 8601
	// with a zone.
	numericDate = regexp.MustCompile(`(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?`)
	// 2026년 9월 13일, 2026年9月13日, with an optional time (오후 2:05, 14時05分).
	cjkDate = regexp.MustCompile(`(\d{4})\s*[년年]\s*(\d{1,2})\s*[월月]\s*(\d{1,2})\s*[일日]?(?:\s*(오전|오후|午前|午後)?\s*(\d{1,2})\s*[:시時]\s*(\d{1,2})?)?`)
	// 13 Sep 2026, 13 September 2026 14:05
	dayMonthYear = regexp.MustCompile(`(?i)\b(\d{1,2})\s+([a-z]{3,9})\.?,?\s+(\d{4})(?:,?\s+(\d{1,2}):(\d{2})\s*(am|pm)?)?`)
	// Sep 13, 2026; September 14, 2026 2:05 PM
	monthDayYear = regexp.MustCompile(`(?i)\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})\s*(am|pm)?)?`)
	// 3 hours ago, 5 min ago, 2 days ago; 3시간 전; 3時間前
	relative    = regexp.MustCompile(`(?i)(\d+)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|초|분|시간|일|주|秒|分|時間|日|週)\s*(ago|전|前)`)
	justNow     = regexp.MustCompile(`(?i)\b(just now|moments? ago)\b|방금|たった今`)
	yesterday   = regexp.MustCompile(`(?i)\byesterday\b|어제|昨日`)
	rfc1123Like = []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST"}
)

var months = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
	"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

// ParseDate reads the first date in s, in the forms news sites use, as a
// time in loc when s gives no zone; relative dates ("3 hours ago") count
// back from now. ok is false when s holds no date, or one outside what a
// news page can mean: before 1970, or more than a year after now.
func ParseDate(s string, loc *time.Location, now time.Time) (t time.Time, ok bool) {
	t, ok = parseDate(s, loc, now)
	if !ok || t.Before(earliest) || !now.IsZero() && t.After(now.AddDate(1, 0, 0)) {
		return time.Time{}, false
	}
	return t, true
}

// earliest is the earliest date a page's date is taken for.
var earliest = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func parseDate(s string, loc *time.Location, now time.Time) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range rfc1123Like {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if m := numericDate.FindStringSubmatch(s); m != nil {
		if t, ok := build(loc, m[1], m[2], m[3], m[4], m[5], m[6], "", m[7]); ok {
			return t, true
		}
	}
	if m := cjkDate.FindStringSubmatch(s); m != nil {
		half := ""
		switch m[4] {
		case "오후", "午後":
			half = "pm"
		case "오전", "午前":
			half = "am"
		}
		if t, ok := build(loc, m[1], m[2], m[3], m[5], m[6], "", half, ""); ok {
			return t, true
		}
	}
	if m := dayMonthYear.FindStringSubmatch(s); m != nil {
		if mon, ok := months[strings.ToLower(m[2])]; ok {
			if t, ok := build(loc, m[3], strconv.Itoa(int(mon)), m[1], m[4], m[5], "", strings.ToLower(m[6]), ""); ok {
				return t, true
			}
		}
	}
	if m := monthDayYear.FindStringSubmatch(s); m != nil {
		if mon, ok := months[strings.ToLower(m[1])]; ok {
			if t, ok := build(loc, m[3], strconv.Itoa(int(mon)), m[2], m[4], m[5], "", strings.ToLower(m[6]), ""); ok {
				return t, true
			}
		}
	}
	if m := relative.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		u := unit(strings.ToLower(m[2]))
		if err != nil || n > int(100*365*24*time.Hour/u) { // past a century, and before a Duration overflows
			return time.Time{}, false
		}
		return now.Add(-time.Duration(n) * u).Truncate(time.Second), true
	}
	if justNow.MatchString(s) {
		return now.Truncate(time.Second), true
	}
	if yesterday.MatchString(s) {
		return now.Add(-24 * time.Hour).Truncate(time.Second), true
	}
	return time.Time{}, false
}

func unit(u string) time.Duration {
	switch {
	case strings.HasPrefix(u, "sec"), u == "초", u == "秒":
		return time.Second
	case strings.HasPrefix(u, "min"), u == "분", u == "分":
		return time.Minute
	case strings.HasPrefix(u, "h"), u == "시간", u == "時間":
		return time.Hour
	case strings.HasPrefix(u, "w"), u == "주", u == "週":
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour // days, 일, 日
}

// build makes a time of the parts of a date; the zone, if given, wins
// over loc. It refuses dates that do not exist (2026-02-30).
func build(loc *time.Location, year, month, day, hour, minute, second, half, zone string) (time.Time, bool) {
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	y, mo, d, h, mi, sec := num(year), num(month), num(day), num(hour), num(minute), num(second)
	switch {
	case half == "pm" && h < 12:
		h += 12
	case half == "am" && h == 12:
		h = 0
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	if zone != "" {
		if zone == "Z" {
			loc = time.UTC
		} else {
			z := strings.ReplaceAll(zone, ":", "")
			offset := (num(z[1:3])*60 + num(z[3:5])) * 60
			if z[0] == '-' {
				offset = -offset
			}
			loc = time.FixedZone(zone, offset)
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// Dates in URLs, as news sites write them: /2026/09/10/, /20260910/,
// -2026-09-10-.
var urlDates = []*regexp.Regexp{
	regexp.MustCompile(`/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?:/|$)`),
	regexp.MustCompile(`(?:^|[/_-])((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[/_.-]|$)`),
	regexp.MustCompile(`(?:^|[/_-])((?:19|20)\d\d)(\d\d)(\d\d)(?:[/_.-]|$)`),
}

// DateInURL reads the date a story's URL carries in its path, as a day
// in loc: for pages that give no other. ok is false when it carries none,
// or one outside what ParseDate takes.
func DateInURL(link string, loc *time.Location, now time.Time) (time.Time, bool) {
	u, err := url.Parse(link)
	if err != nil || u.Path == "" {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, re := range urlDates {
		if m := re.FindStringSubmatch(u.Path); m != nil {
			if t, ok := build(loc, m[1], m[2], m[3], "", "", "", "", ""); ok && !t.Before(earliest) && (now.IsZero() || !t.After(now.AddDate(0, 0, 2))) {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
