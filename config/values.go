package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Backfill reads how far back a new rule or subscription is matched
// against the stories already stored: "7d", "36h" or "90m", at most 90d.
func Backfill(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("backfill: %q is not a number of days", s)
		}
		if time.Duration(n) > MaxBackfill/(24*time.Hour) {
			return 0, errors.New("backfill: at most 90d") // before it overflows
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("backfill: %q is not a duration such as 7d or 12h", s)
	}
	if d > MaxBackfill {
		return 0, errors.New("backfill: at most 90d")
	}
	return d, nil
}

// DigestSchedule reads a rule's digest: a duration between digests, or a
// cron spec of when to send them. A duration's digests go out at the end
// of aligned periods (Periods): every alert of a period waits for the
// same digest, however many arrive in it.
func DigestSchedule(spec string) (cron.Schedule, error) {
	if d, err := time.ParseDuration(spec); err == nil {
		if d < time.Minute {
			return nil, fmt.Errorf("digest %q: at least a minute apart", spec)
		}
		return Periods(d.Round(time.Second)), nil
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("digest %q: use a duration such as 15m or a cron spec such as \"0 8 * * 1-5\" (%v)", spec, err)
	}
	return s, nil
}

// Periods is a schedule of aligned periods of its length: each time is
// the end of the period that holds the time asked about. Periods start at
// multiples of the length since the Unix epoch, so a length that divides a
// day starts them at UTC midnight: 1h sends at every full hour, 15m at
// :00, :15, :30 and :45, whoever asks, on any instance, after any restart.
type Periods time.Duration

// Next is the end of the period that holds t.
func (p Periods) Next(t time.Time) time.Time {
	d := time.Duration(p)
	return time.UnixMilli(t.UnixMilli() - t.UnixMilli()%d.Milliseconds()).Add(d).In(t.Location())
}
