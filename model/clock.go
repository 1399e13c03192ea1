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

// ParseTime reads a time given on the command line: RFC 3339, "now", a
// date (YYYY-MM-DD: its midnight in now's location, which callers set to
// the policy's zone), or a negative offset from now such as "-2h", "-30m"
// or "-1h30m". Times in the
// future are refused: incidents are recorded after the fact. So are times
// before 1970 (no incident is that old: it is a mistyped year, or an offset
// of centuries), and zone offsets RFC 3339 does not allow (+24:00, +05:60),
// which Go's parser would otherwise quietly turn into another time.
func ParseTime(v string, now time.Time) (time.Time, error) {
	s := strings.TrimSpace(v)
	switch {
	case s == "":
		return time.Time{}, Errorf("the time is empty; give RFC 3339 (2026-05-04T02:00:00+02:00), a date (2026-05-04), now, or an offset such as -2h")
	case strings.EqualFold(s, "now"):
		return now, nil
	case strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s)
		if err != nil {
			return time.Time{}, Errorf("%s is not an offset; write it as -2h, -30m or -1h30m", quoteShort(v))
		}
		t := now.Add(d)
		if t.Before(earliest) {
			return time.Time{}, Errorf("%s goes back before 1970; give a shorter offset such as -72h, or an RFC 3339 time", quoteShort(v))
		}
		return t, nil
	case strings.HasPrefix(s, "+"):
		return time.Time{}, Errorf("%s is in the future; give a time that has passed", quoteShort(v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !rfc3339Offset(s) {
		d, derr := time.ParseInLocation(DateLayout, s, now.Location())
		if derr != nil || d.Format(DateLayout) != s {
			return time.Time{}, Errorf("%s is not a time; give RFC 3339 (2026-05-04T02:00:00+02:00), a date (2026-05-04), now, or an offset such as -2h", quoteShort(v))
		}
		t = d
	}
	if t.After(now.Add(time.Minute)) {
		return time.Time{}, Errorf("%s is in the future; give a time that has passed", t.Format(time.RFC3339))
	}
	if t.Before(earliest) {
		return time.Time{}, Errorf("%s is before 1970; check the year", t.Format(time.RFC3339))
	}
	return t, nil
}

// earliest is the oldest time ParseTime accepts: the Unix epoch, from
// which the store counts its seconds.
var earliest = time.Unix(0, 0)

// rfc3339Offset reports whether a time Go has parsed as RFC 3339 ends in Z
// or in a zone offset RFC 3339 allows: hours 00–23, minutes 00–59.
func rfc3339Offset(s string) bool {
	n := len(s)
	if n < 6 || s[n-6] != '+' && s[n-6] != '-' {
		return true // ends in Z
	}
	return s[n-5:n-3] <= "23" && s[n-2:] <= "59"
}

// DateLayout is how dates (action item due dates, holidays) are written.
const DateLayout = "2006-01-02"

// ParseDate reads YYYY-MM-DD.
func ParseDate(v string) (string, error) {
	s := strings.TrimSpace(v)
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s {
		return "", Errorf("%s is not a date; write it as YYYY-MM-DD", quoteShort(v))
	}
	return s, nil
}
