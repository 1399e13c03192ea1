package model

import (
	"testing"
	"time"
)

func TestPlanPurge(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	if _, err := PlanPurge(nil, p, now); err == nil {
		t.Fatal("a purge without retention was planned")
	}
	p.RetentionDays = 30
	closed := func(id int64, ago time.Duration, breach Breach, notified bool) *Incident {
		det := now.Add(-ago - 10*24*time.Hour)
		inc := &Incident{ID: id, Severity: P3, Status: Closed, Breach: breach, DetectedAt: det, AwareAt: det,
			AcknowledgedAt: det.Add(time.Minute), ResolvedAt: det.Add(time.Hour), ClosedAt: now.Add(-ago)}
		if notified {
			inc.Notifications = []Notification{{Customer: "", SentAt: det.Add(2 * time.Hour)}}
		}
		return inc
	}
	old := closed(1, 31*24*time.Hour, BreachNo, false)
	recent := closed(2, 29*24*time.Hour, BreachNo, false)
	exactly := closed(3, 30*24*time.Hour, BreachNo, false) // not longer ago than retention
	owed := closed(4, 40*24*time.Hour, BreachYes, false)   // notify never met
	open := &Incident{ID: 5, Severity: P3, Status: Resolved, DetectedAt: now.Add(-90 * 24 * time.Hour)}
	plan, err := PlanPurge([]*Incident{old, recent, exactly, owed, open}, p, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Purge) != 1 || plan.Purge[0] != old {
		t.Errorf("purge %v, want INC-1 only", refs(plan.Purge))
	}
	if len(plan.Held) != 1 || plan.Held[0] != owed {
		t.Errorf("held %v, want INC-4 (notification owed)", refs(plan.Held))
	}
	if !plan.Cutoff.Equal(now.Add(-30 * 24 * time.Hour)) {
		t.Errorf("cutoff %v", plan.Cutoff)
	}
}

func refs(l []*Incident) []string {
	var out []string
	for _, i := range l {
		out = append(out, i.Ref())
	}
	return out
}
