package model

import (
	"strings"
	"time"
)

// DeadlineState is where a deadline stands.
type DeadlineState string

const (
	Pending DeadlineState = "pending"
	Met     DeadlineState = "met"
	Missed  DeadlineState = "missed"
	NA      DeadlineState = "n/a"
)

// Deadline kinds the model computes besides the regulatory clocks.
const (
	KindAck    = "ack"
	KindReview = "review"
	// KindFollowUp is the phased follow-up (Art. 33(4)) owed to one
	// customer whose latest notice left fields to follow.
	KindFollowUp = "follow-up"
)

// Deadline is one deadline of an incident, computed from the incident, the
// policy and the time; nothing about it is stored.
type Deadline struct {
	Kind        string
	Label       string
	DueAt       time.Time
	MetAt       time.Time // zero until met
	State       DeadlineState
	Provisional bool   // applies only if the breach is confirmed
	Customer    string // the customer a per-customer deadline is owed to
	// Remaining is DueAt minus now while unmet, or DueAt minus MetAt once
	// met: negative when overdue or met late.
	Remaining time.Duration
}

// Open reports whether the deadline still wants action: not met and
// applicable (pending, or missed and still not met).
func (d Deadline) Open() bool { return d.MetAt.IsZero() && d.State != NA }

// Late is how late the deadline was met, or how overdue it is; zero when on time.
func (d Deadline) Late() time.Duration {
	if d.Remaining < 0 {
		return -d.Remaining
	}
	return 0
}

func settle(d Deadline, now time.Time) Deadline {
	switch {
	case d.State == NA:
	case !d.MetAt.IsZero():
		d.Remaining = d.DueAt.Sub(d.MetAt)
		d.State = Met
		if d.MetAt.After(d.DueAt) {
			d.State = Missed
		}
	default:
		d.Remaining = d.DueAt.Sub(now)
		d.State = Pending
		if now.After(d.DueAt) {
			d.State = Missed
		}
	}
	return d
}

// Deadlines computes every deadline of an incident at time now: the
// acknowledgement target, each regulatory clock of the policy that applies,
// and the post-incident review for resolved P0/P1 incidents.
func (p Policy) Deadlines(i *Incident, now time.Time) []Deadline {
	out := make([]Deadline, 0, 2+len(p.Clocks))
	ack := Deadline{Kind: KindAck, Label: "Acknowledge", MetAt: i.AcknowledgedAt}
	if p.InBusinessHours(i.DetectedAt) {
		ack.DueAt = i.DetectedAt.Add(p.AckInside.Duration())
	} else {
		ack.DueAt = i.DetectedAt.Add(p.AckOutside.Duration())
	}
	out = append(out, settle(ack, now))

	for _, c := range p.Clocks {
		anchor := i.anchor(c.From, out)
		if anchor.IsZero() {
			continue // its anchor has not happened yet
		}
		d := Deadline{Kind: c.Kind, Label: c.Label}
		if c.Months > 0 {
			d.DueAt = addMonths(anchor, c.Months, p.Location()).Add(time.Duration(c.Hours) * time.Hour)
		} else {
			d.DueAt = anchor.Add(time.Duration(c.Hours) * time.Hour)
		}
		if also := i.anchor(c.AlsoFrom, out); c.AlsoHours > 0 && !also.IsZero() {
			if due := also.Add(time.Duration(c.AlsoHours) * time.Hour); due.Before(d.DueAt) {
				d.DueAt = due
			}
		}
		switch c.Applies {
		case AppliesAlways:
		case AppliesBreach:
			switch i.Breach {
			case BreachNo:
				d.State = NA
			case BreachUnknown:
				d.Provisional = true
			}
		default:
			if i.Severity.Rank() > Severity(c.Applies).Rank() {
				d.State = NA
			}
		}
		switch c.MetBy {
		case MetByNotified:
			d.MetAt = i.NotifiedAt()
		case MetByReport:
			for _, r := range i.Reports {
				if r.Kind == c.Kind && (d.MetAt.IsZero() || r.At.Before(d.MetAt)) {
					d.MetAt = r.At
				}
			}
		}
		out = append(out, settle(d, now))
	}

	out = append(out, p.followUps(i, now)...)
	out = append(out, p.dutyDeadlines(i, now)...)

	if end := i.endedAt(); !end.IsZero() {
		d := Deadline{Kind: KindReview, Label: "Post-incident review",
			DueAt: end.Add(time.Duration(p.ReviewDays) * 24 * time.Hour),
			MetAt: i.Review.CompletedAt}
		if !i.Severity.NeedsCommander() {
			d.State = NA
		}
		out = append(out, settle(d, now))
	}
	return out
}

// anchor is the time a clock runs from: awareness, detection,
// classification, or when an earlier clock in out was met; zero while it
// has not happened.
func (i *Incident) anchor(from string, out []Deadline) time.Time {
	switch {
	case from == FromAware:
		return i.AwareAt
	case from == FromDetected:
		return i.DetectedAt
	case from == FromClassified:
		return i.MajorAt
	case strings.HasPrefix(from, FromMetPrefix):
		kind := strings.TrimPrefix(from, FromMetPrefix)
		for _, d := range out {
			if d.Kind == kind && d.State != NA {
				return d.MetAt
			}
		}
	}
	return time.Time{}
}

// followUps are the per-customer follow-up deadlines: due FollowUpHours
// after the last notice to a customer that left fields to follow, met by
// the next notice to that customer.
func (p Policy) followUps(i *Incident, now time.Time) []Deadline {
	var out []Deadline
	for _, c := range noticeCustomers(i) {
		var from *Notification
		var met time.Time
		for k := range i.Notifications {
			n := &i.Notifications[k]
			if !strings.EqualFold(n.Customer, c) {
				continue
			}
			if from != nil && met.IsZero() {
				met = n.SentAt
			}
			if len(n.Unknowns) > 0 {
				from, met = n, time.Time{}
			}
		}
		if from == nil {
			continue
		}
		d := Deadline{Kind: KindFollowUp, Label: "Follow-up notice to " + SanitizeLine(from.Customer) + " (Art. 33(4))", Customer: from.Customer,
			DueAt: from.SentAt.Add(time.Duration(p.FollowUpHours) * time.Hour), MetAt: met}
		if i.Breach == BreachNo {
			d.State = NA
		}
		out = append(out, settle(d, now))
	}
	return out
}

// NotifiedAt is when the initial controller notification had been sent to
// every affected customer (to at least one recipient when none are listed),
// or zero if that has not happened.
func (i *Incident) NotifiedAt() time.Time {
	first := map[string]time.Time{}
	var any time.Time
	for _, n := range i.Notifications {
		if n.FollowUp {
			continue
		}
		k := strings.ToLower(n.Customer)
		if t, ok := first[k]; !ok || n.SentAt.Before(t) {
			first[k] = n.SentAt
		}
		if any.IsZero() || n.SentAt.Before(any) {
			any = n.SentAt
		}
	}
	if len(i.Customers) == 0 {
		return any
	}
	var last time.Time
	for _, c := range i.Customers {
		t, ok := first[strings.ToLower(c)]
		if !ok {
			return time.Time{}
		}
		if t.After(last) {
			last = t
		}
	}
	return last
}

// Nearest returns the open deadline due soonest (an overdue one first).
func Nearest(ds []Deadline) (Deadline, bool) {
	var best Deadline
	found := false
	for _, d := range ds {
		if d.Open() && (!found || d.DueAt.Before(best.DueAt)) {
			best, found = d, true
		}
	}
	return best, found
}

// Find returns the deadline of a kind.
func Find(ds []Deadline, kind string) (Deadline, bool) {
	for _, d := range ds {
		if d.Kind == kind {
			return d, true
		}
	}
	return Deadline{}, false
}
