package model

import (
	"fmt"
	"slices"
	"time"
)

// SortByUrgency orders incidents most urgent first: by severity, then by
// the nearest open deadline (overdue first; none last), then by ref.
func SortByUrgency(list []*Incident, p Policy, now time.Time) {
	type key struct {
		rank int
		due  time.Time
		has  bool
	}
	keys := make(map[int64]key, len(list))
	for _, inc := range list {
		d, ok := Nearest(p.Deadlines(inc, now))
		keys[inc.ID] = key{inc.Severity.Rank(), d.DueAt, ok}
	}
	slices.SortStableFunc(list, func(a, b *Incident) int {
		ka, kb := keys[a.ID], keys[b.ID]
		switch {
		case ka.rank != kb.rank:
			return ka.rank - kb.rank
		case ka.has != kb.has:
			if ka.has {
				return -1
			}
			return 1
		case ka.has && !ka.due.Equal(kb.due):
			return ka.due.Compare(kb.due)
		}
		return int(a.ID - b.ID)
	})
}

// Urgency is how a countdown should look: plenty of time, under a day,
// under six hours, or overdue.
type Urgency int

const (
	UrgencyNone     Urgency = iota // met or n/a
	UrgencyOK                      // more than 24 h left
	UrgencyWarn                    // under 24 h
	UrgencyCritical                // under 6 h
	UrgencyOverdue
)

// UrgencyOf classifies a deadline.
func UrgencyOf(d Deadline) Urgency {
	switch {
	case !d.Open():
		return UrgencyNone
	case d.Remaining < 0:
		return UrgencyOverdue
	case d.Remaining < 6*time.Hour:
		return UrgencyCritical
	case d.Remaining < 24*time.Hour:
		return UrgencyWarn
	}
	return UrgencyOK
}

// Symbol is the urgency's mark, so it reads without colour.
func (u Urgency) Symbol() string {
	switch u {
	case UrgencyOK:
		return "●"
	case UrgencyWarn:
		return "▲"
	case UrgencyCritical:
		return "◆"
	case UrgencyOverdue:
		return "✖"
	}
	return "✓"
}

// FormatHMS formats a duration as HH:MM:SS with unbounded hours (71:59:58),
// rounding down to the second; negative durations are formatted by size.
func FormatHMS(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// FormatCountdown is a deadline as a countdown: HH:MM:SS while pending
// (days and HH:MM from 72 hours up),
// OVERDUE +HH:MM:SS once missed and still open, and the outcome once met
// (met, or met late with the lateness) or n/a.
func FormatCountdown(d Deadline) string {
	switch {
	case d.State == NA:
		return "n/a"
	case d.State == Met:
		return "met"
	case !d.MetAt.IsZero():
		return "met late +" + formatLeft(d.Remaining)
	case d.Remaining < 0:
		return "OVERDUE +" + formatLeft(d.Remaining)
	}
	return formatLeft(d.Remaining)
}

// formatLeft is HH:MM:SS up to the 72 hours of the GDPR clock, whose
// every second is read; beyond, days and HH:MM (a review due in two
// weeks reads 13d 23:59, not 335:59:56).
func formatLeft(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < 72*time.Hour {
		return FormatHMS(d)
	}
	m := int64(d / time.Minute)
	return fmt.Sprintf("%dd %02d:%02d", m/(24*60), m/60%24, m%60)
}
