package model

import (
	"strings"
	"time"
)

// Clock tells the time. Live databases use SystemClock; exercises use a
// simulated clock; tests use FixedClock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns the same instant.
type FixedClock time.Time

// Now returns the fixed instant.
func (c FixedClock) Now() time.Time { return time.Time(c) }

// ParseTime reads a time given on the command line: RFC 3339, "now", or a
// negative offset from now such as "-2h", "-30m" or "-1h30m". Times in the
// future are refused: incidents are recorded after the fact.
func ParseTime(v string, now time.Time) (time.Time, error) {
	s := strings.TrimSpace(v)
	switch {
	case s == "":
		return time.Time{}, Errorf("the time is empty; give RFC 3339 (2026-05-04T02:00:00+02:00), now, or an offset such as -2h")
	case strings.EqualFold(s, "now"):
		return now, nil
	case strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s)
		if err != nil {
			return time.Time{}, Errorf("%q is not an offset; write it as -2h, -30m or -1h30m", v)
		}
		return now.Add(d), nil
	case strings.HasPrefix(s, "+"):
		return time.Time{}, Errorf("%q is in the future; give a time that has passed", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, Errorf("%q is not a time; give RFC 3339 (2026-05-04T02:00:00+02:00), now, or an offset such as -2h", v)
	}
	if t.After(now.Add(time.Minute)) {
		return time.Time{}, Errorf("%s is in the future; give a time that has passed", t.Format(time.RFC3339))
	}
	return t, nil
}

// DateLayout is how dates (action item due dates, holidays) are written.
const DateLayout = "2006-01-02"

// ParseDate reads YYYY-MM-DD.
func ParseDate(v string) (string, error) {
	s := strings.TrimSpace(v)
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s {
		return "", Errorf("%q is not a date; write it as YYYY-MM-DD", v)
	}
	return s, nil
}
