package model

import (
	"time"
)

// MaxRetentionDays is the longest retention a policy may set (100 years).
const MaxRetentionDays = 36500

// Purge is what a purge removes and what it keeps back.
type Purge struct {
	Cutoff time.Time   // incidents closed before this are due
	Purge  []*Incident // closed before the cutoff, every deadline met or n/a
	Held   []*Incident // closed before the cutoff, but a deadline still open
}

// PlanPurge decides, under the policy's retention, which of the given
// incidents are removed: closed longer ago than retention_days, and never
// one with a deadline still open (pending, or missed and not yet met),
// since a purge must not hide a running clock. With no retention set
// nothing is. Incidents come in any order; the plan keeps it.
func PlanPurge(incs []*Incident, p Policy, now time.Time) (Purge, error) {
	if p.RetentionDays <= 0 {
		return Purge{}, Errorf("the policy sets no retention, so nothing is purged; set one with policy set --retention-days N")
	}
	plan := Purge{Cutoff: now.Add(-time.Duration(p.RetentionDays) * 24 * time.Hour)}
	for _, inc := range incs {
		if inc.Status != Closed || inc.ClosedAt.IsZero() || !inc.ClosedAt.Before(plan.Cutoff) {
			continue
		}
		held := false
		for _, d := range p.Deadlines(inc, now) {
			if d.Open() {
				held = true
				break
			}
		}
		if held {
			plan.Held = append(plan.Held, inc)
		} else {
			plan.Purge = append(plan.Purge, inc)
		}
	}
	return plan, nil
}
