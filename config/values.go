package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Timezone reads the zone of a source's dates that give none, by its
// name in the zone database (Asia/Seoul, UTC).
func Timezone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		return nil, errors.New("want a zone name such as Asia/Seoul or UTC")
	}
	return loc, nil
}

// CheckSchedule checks a source's schedule: a cron spec or descriptor
// that polls at most once per floor.
func CheckSchedule(spec string, floor time.Duration) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("schedule %q: %v", spec, err)
	}
	if gap := shortestGap(spec, sched); gap < floor {
		return fmt.Errorf("schedule %q: polls %s apart; at least %s apart (min_interval)", spec, gap, floor)
	}
	return nil
}

// shortestGap is the shortest time between two runs of a schedule: its
// delay for @every, else the least gap over the runs of two days (cron
// specs of five fields are at least a minute apart).
func shortestGap(spec string, s cron.Schedule) time.Duration {
	if every, ok := s.(cron.ConstantDelaySchedule); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(spec, "@every"))); err == nil && d < every.Delay {
			return d // cron rounds @every 1ns up to a second
		}
		return every.Delay
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	least := 48 * time.Hour
	prev := s.Next(start)
	for t := prev; t.Sub(start) < 48*time.Hour; prev = t {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		least = min(least, t.Sub(prev))
	}
	return least
}

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
