package model

import (
	"strings"
	"testing"
	"time"
)

func TestClocks(t *testing.T) {
	at := utc(2026, 5, 4, 8, 0, 0)
	var c Clock = FixedClock(at)
	if got := c.Now(); !got.Equal(at) {
		t.Errorf("FixedClock.Now() = %v, want %v", got, at)
	}
	if got := c.Now(); !got.Equal(c.Now()) {
		t.Error("FixedClock moved")
	}
	c = SystemClock{}
	if c.Now().IsZero() {
		t.Error("SystemClock.Now() is the zero time")
	}
}

func TestParseTime(t *testing.T) {
	now := ams(2026, 5, 4, 10, 0, 0)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"now", now, false},
		{"NOW", now, false},
		{" now ", now, false},
		{"-2h", now.Add(-2 * time.Hour), false},
		{"-30m", now.Add(-30 * time.Minute), false},
		{"-1h30m", now.Add(-90 * time.Minute), false},
		{"-45s", now.Add(-45 * time.Second), false},
		{"-72h", now.Add(-72 * time.Hour), false},
		{"-0s", now, false},
		{"2026-05-04T02:00:00+02:00", utc(2026, 5, 4, 0, 0, 0), false},
		{"2026-05-04T07:30:00Z", utc(2026, 5, 4, 7, 30, 0), false},
		{"2026-05-04T08:00:00Z", now, false},                       // exactly now
		{"2026-05-04T08:00:30Z", utc(2026, 5, 4, 8, 0, 30), false}, // clock skew within a minute is tolerated
		{"2026-05-04T07:59:59.5Z", utc(2026, 5, 4, 7, 59, 59).Add(500 * time.Millisecond), false}, // fractions
		{"2025-12-31T23:00:00-05:00", utc(2026, 1, 1, 4, 0, 0), false},
		{"+2h", time.Time{}, true},
		{"+0s", time.Time{}, true},
		{"2h", time.Time{}, true},
		{"-2 h", time.Time{}, true},
		{"-2d", time.Time{}, true},
		{"-", time.Time{}, true},
		{"--2h", time.Time{}, true},
		{"2026-05-04T12:00:00+02:00", time.Time{}, true}, // two hours ahead
		{"2026-05-04T08:01:01Z", time.Time{}, true},      // just over a minute ahead
		{"2027-01-01T00:00:00Z", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"today", time.Time{}, true},
		{"", time.Time{}, true},
		{"   ", time.Time{}, true},
		// A date is its midnight in now's zone (callers give now in the
		// policy's zone): Amsterdam is UTC+2 in May.
		{"2026-05-04", utc(2026, 5, 3, 22, 0, 0), false},
		{"2026-05-01", utc(2026, 4, 30, 22, 0, 0), false},
		{"2026-05-05", time.Time{}, true}, // tomorrow
		{"2026-02-30", time.Time{}, true},
		{"2026-5-4", time.Time{}, true},
		{"1969-12-31", time.Time{}, true},
		{"2026-05-04 08:00:00", time.Time{}, true},
		{"2026-05-04T08:00:00", time.Time{}, true}, // no zone
		{"2026-02-30T08:00:00Z", time.Time{}, true},
		// Real zone offsets run from -12:00 to +14:00; RFC 3339 allows
		// hours 00-23 and minutes 00-59, Go's parser a little more.
		{"2026-05-04T22:00:00+14:00", utc(2026, 5, 4, 8, 0, 0), false},
		{"2026-05-03T20:00:00-12:00", utc(2026, 5, 4, 8, 0, 0), false},
		{"2026-05-04T08:00:00-00:00", now, false},
		{"2026-05-05T07:59:00+23:59", utc(2026, 5, 4, 8, 0, 0), false},
		{"2026-05-04T08:00:00+24:00", time.Time{}, true}, // Go reads it as a day ahead of UTC
		{"2026-05-04T08:00:00+23:60", time.Time{}, true}, // Go reads it as +24:00
		{"2026-05-04T08:00:00+01:60", time.Time{}, true}, // Go reads it as +02:00
		{"2026-05-04T08:00:00-99:59", time.Time{}, true},
		// Before 1970 is a mistyped year or an offset of centuries; year 1
		// is also the zero time, which the store takes for "not given".
		{"1970-01-01T00:00:00Z", utc(1970, 1, 1, 0, 0, 0), false},
		{"1969-12-31T23:59:59Z", time.Time{}, true},
		{"1026-05-04T08:00:00Z", time.Time{}, true},
		{"0001-01-01T00:00:00Z", time.Time{}, true},
		{"0000-01-01T00:00:00+23:59", time.Time{}, true},
		{"-2562047h47m16.854775807s", time.Time{}, true}, // the longest Duration: 292 years
		{"-9223372036854775808ns", time.Time{}, true},
		{"-9223372036854775809ns", time.Time{}, true}, // overflows a Duration
		{"-8760h", now.Add(-8760 * time.Hour), false}, // a year back is unusual but possible
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in, now)
			if tt.wantErr {
				wantUserError(t, err)
				if !got.IsZero() {
					t.Errorf("refused but returned %v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseTimeLongInput: a refusal of a time or a date quotes at most the start of what was
// given, so a pasted log or a 100 KB argument does not fill the terminal.
func TestParseTimeLongInput(t *testing.T) {
	now := ams(2026, 5, 4, 10, 0, 0)
	for _, in := range []string{strings.Repeat("x", 100_000), "-" + strings.Repeat("9", 5000) + "h", "+" + strings.Repeat("1", 5000) + "h"} {
		_, err := ParseTime(in, now)
		wantUserError(t, err)
		if n := len(err.Error()); n > 300 {
			t.Errorf("refusal of a %d-byte time is %d bytes long", len(in), n)
		}
	}
	_, err := ParseDate(strings.Repeat("2026-05-04", 10_000))
	wantUserError(t, err)
	if n := len(err.Error()); n > 300 {
		t.Errorf("refusal of a long date is %d bytes long", n)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"2026-05-04", "2026-05-04", false},
		{" 2026-05-04 ", "2026-05-04", false},
		{"2028-02-29", "2028-02-29", false}, // leap year
		{"2026-12-31", "2026-12-31", false},
		{"2026-5-4", "", true},
		{"2026-05-4", "", true},
		{"2026-02-30", "", true},
		{"2026-02-29", "", true}, // not a leap year
		{"2026-13-01", "", true},
		{"2026-00-10", "", true},
		{"04-05-2026", "", true},
		{"2026/05/04", "", true},
		{"2026-05-04T00:00:00Z", "", true},
		{"", "", true},
		{"tomorrow", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.wantErr {
				wantUserError(t, err)
				if got != "" {
					t.Errorf("refused but returned %q", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
