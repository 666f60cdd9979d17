package source

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedhound/feedhound/netguard"
)

// CheckURL accepts absolute http and https URLs, saying what is wrong
// with any other.
func CheckURL(s string) error {
	if _, ok := netguard.WebURL(s); ok {
		return nil
	}
	u, err := url.Parse(s)
	switch {
	case s == "":
		return errors.New("none given")
	case err != nil:
		return fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: only http and https URLs can be fetched", s)
	}
	return fmt.Errorf("%q has no host", s)
}

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
// that polls at most once per floor. The error does not repeat the spec.
func CheckSchedule(spec string, floor time.Duration) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return err
	}
	if gap := shortestGap(spec, sched); gap < floor {
		return fmt.Errorf("polls %s apart; at least %s apart (min_interval)", gap, floor)
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
