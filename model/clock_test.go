package model

import (
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
		{"2026-05-04", time.Time{}, true},
		{"2026-05-04 08:00:00", time.Time{}, true},
		{"2026-05-04T08:00:00", time.Time{}, true}, // no zone
		{"2026-02-30T08:00:00Z", time.Time{}, true},
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
