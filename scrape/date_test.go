package scrape

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 14, 12, 0, 0, 0, time.UTC)
	kst := func(y, mo, d, h, mi int) time.Time { return time.Date(y, time.Month(mo), d, h, mi, 0, 0, seoul) }
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-09-13", kst(2026, 9, 13, 0, 0)},
		{"2026.09.13", kst(2026, 9, 13, 0, 0)},
		{"2026.09.13.", kst(2026, 9, 13, 0, 0)},
		{"2026/09/13 14:05", kst(2026, 9, 13, 14, 5)},
		{"Posted 2026-09-13 14:05:30 by the desk", time.Date(2026, 9, 13, 14, 5, 30, 0, seoul)},
		{"2026-09-13T05:05:00Z", time.Date(2026, 9, 13, 5, 5, 0, 0, time.UTC)},
		{"2026-09-13T14:05:00+09:00", time.Date(2026, 9, 13, 5, 5, 0, 0, time.UTC)},
		{"2026년 9월 13일", kst(2026, 9, 13, 0, 0)},
		{"2026년 9월 13일 오후 2:05", kst(2026, 9, 13, 14, 5)},
		{"2026年9月13日 14時05分", kst(2026, 9, 13, 14, 5)},
		{"13 Sep 2026", kst(2026, 9, 13, 0, 0)},
		{"13 September 2026, 14:05", kst(2026, 9, 13, 14, 5)},
		{"September 14, 2026", kst(2026, 9, 14, 0, 0)},
		{"Sept. 14, 2026 2:05 PM", kst(2026, 9, 14, 14, 5)},
		{"Mon, 14 Sep 2026 09:00:00 +0000", time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)},
		{"3 hours ago", now.Add(-3 * time.Hour)},
		{"5 mins ago", now.Add(-5 * time.Minute)},
		{"2 days ago", now.Add(-48 * time.Hour)},
		{"3시간 전", now.Add(-3 * time.Hour)},
		{"10分前", now.Add(-10 * time.Minute)},
		{"just now", now},
		{"yesterday", now.Add(-24 * time.Hour)},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in, seoul, now)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v %v, want %v", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "no date here", "2026-02-30", "2026-13-01", "page 2 of 10"} {
		if got, ok := ParseDate(bad, seoul, now); ok {
			t.Errorf("ParseDate(%q) = %v, want no date", bad, got)
		}
	}
}

// TestDatesOutsideASaneRange: "106752 days ago" overflowed a Duration
// into the year 2319; dates before 1970 or more than a year ahead are no
// date.
func TestDatesOutsideASaneRange(t *testing.T) {
	now := time.Date(2026, 9, 14, 3, 0, 0, 0, time.UTC)
	for _, s := range []string{"106752 days ago", "99999999999 hours ago", "9999-12-31", "1066-10-14", "2028-01-01", "12 Sep 1900"} {
		if d, ok := ParseDate(s, nil, now); ok {
			t.Errorf("%q: got %v, want no date", s, d)
		}
	}
	for _, s := range []string{"3650 days ago", "2027-09-01", "1999-12-31"} {
		if _, ok := ParseDate(s, nil, now); !ok {
			t.Errorf("%q: no date, want one", s)
		}
	}
}
