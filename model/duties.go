package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Deadline kinds of availability incidents and recovery objectives.
const (
	// KindStatusUpdate is the status-update cadence while unresolved.
	KindStatusUpdate = "status-update"
	// KindPostmortem is the post-mortem owed to customers once resolved.
	KindPostmortem = "postmortem"
	// KindRestore is the recovery time objective: service restored.
	KindRestore = "restore"
)

// Defaults of the availability and recovery policy (the reference's
// availability control: RTO 4 h, RPO 1 h; status updates every 30 min for
// P0 and 60 for P1; a post-mortem within 14 days).
const (
	DefaultPostmortemDays = 14
	DefaultRTOHours       = 4
	DefaultRPOHours       = 1
)

// DefaultStatusUpdateMinutes is the status-update cadence per severity;
// a severity not listed has none.
func DefaultStatusUpdateMinutes() map[Severity]int {
	return map[Severity]int{P0: 30, P1: 60}
}

// unresolved reports whether the incident has not yet been resolved (or
// closed): the status-update cadence runs until then.
func (i *Incident) unresolved() bool { return i.Status.rank() < Resolved.rank() }

// endedAt is when the incident was resolved, or closed without passing
// through resolved; zero while it runs.
func (i *Incident) endedAt() time.Time {
	if !i.ResolvedAt.IsZero() {
		return i.ResolvedAt
	}
	if i.Status == Closed {
		return i.ClosedAt
	}
	return time.Time{}
}

// dutyDeadlines are the availability incident's status-update cadence
// and post-mortem, and the restore deadline of the recovery time objective.
func (p Policy) dutyDeadlines(i *Incident, now time.Time) []Deadline {
	var out []Deadline
	if every := p.StatusUpdateMinutes[i.Severity]; i.Availability && every > 0 && i.unresolved() {
		last := i.DetectedAt
		for _, u := range i.Updates {
			if u.At.After(last) {
				last = u.At
			}
		}
		out = append(out, settle(Deadline{Kind: KindStatusUpdate, Label: "Status update",
			DueAt: last.Add(time.Duration(every) * time.Minute)}, now))
	}
	if end := i.endedAt(); i.Availability && !end.IsZero() {
		d := Deadline{Kind: KindPostmortem, Label: "Post-mortem to customers",
			DueAt: end.Add(time.Duration(p.PostmortemDays) * 24 * time.Hour)}
		d.MetAt, _ = PostmortemMet(i)
		if owed := PostmortemOwed(i); d.MetAt.IsZero() && len(owed) > 0 && len(owed) < len(i.Customers) {
			d.Label += " (owed to " + strings.Join(owed, ", ") + ")"
		}
		out = append(out, settle(d, now))
	}
	if i.Availability || i.DataLoss {
		out = append(out, settle(Deadline{Kind: KindRestore, Label: "Restore of service (RTO)",
			DueAt: i.DetectedAt.Add(time.Duration(p.RTOHours) * time.Hour), MetAt: i.RestoredAt}, now))
	}
	return out
}

// PostmortemOwed lists the customers no post-mortem has been sent to,
// none once it is published.
func PostmortemOwed(i *Incident) []string {
	var owed []string
	for _, pm := range i.Postmortems {
		if pm.Published {
			return nil
		}
	}
	for _, c := range i.Customers {
		sent := false
		for _, pm := range i.Postmortems {
			if strings.EqualFold(pm.Customer, c) {
				sent = true
			}
		}
		if !sent {
			owed = append(owed, SanitizeLine(c))
		}
	}
	return owed
}

// PostmortemMet is when the post-mortem duty was met: when it was first
// published, or when the last of the customers got theirs (with no
// customers listed, the first post-mortem recorded).
func PostmortemMet(i *Incident) (time.Time, bool) {
	var published, first time.Time
	perCustomer := map[string]time.Time{}
	for _, pm := range i.Postmortems {
		if pm.Published && (published.IsZero() || pm.At.Before(published)) {
			published = pm.At
		}
		if first.IsZero() || pm.At.Before(first) {
			first = pm.At
		}
		if k := strings.ToLower(pm.Customer); !pm.Published {
			if t, ok := perCustomer[k]; !ok || pm.At.Before(t) {
				perCustomer[k] = pm.At
			}
		}
	}
	var last time.Time
	all := len(i.Customers) > 0
	for _, c := range i.Customers {
		t, ok := perCustomer[strings.ToLower(c)]
		if !ok {
			all = false
			break
		}
		if t.After(last) {
			last = t
		}
	}
	switch {
	case len(i.Customers) == 0 && !first.IsZero():
		return first, true
	case all && (published.IsZero() || last.Before(published)):
		return last, true
	case !published.IsZero():
		return published, true
	}
	return time.Time{}, false
}

// LossWindow is the data lost: from the recovery point to detection. It
// is known once data loss is flagged and a recovery point recorded.
func (i *Incident) LossWindow() (time.Duration, bool) {
	if !i.DataLoss || i.RecoveryPoint.IsZero() {
		return 0, false
	}
	return max(i.DetectedAt.Sub(i.RecoveryPoint), 0), true
}

// RPOMet says whether the loss window is within the recovery point
// objective; ok is false while it cannot be said.
func (p Policy) RPOMet(i *Incident) (met, ok bool) {
	w, ok := i.LossWindow()
	if !ok {
		return false, false
	}
	return w <= time.Duration(p.RPOHours)*time.Hour, true
}

// PlanPostmortem checks a post-mortem record: sent to affected customers,
// or published, once the incident is resolved. It returns the records and
// the event's facts.
func PlanPostmortem(i *Incident, customers []string, published bool, at time.Time) ([]Postmortem, map[string]string, error) {
	ref := i.Ref()
	if !i.Availability {
		return nil, nil, Errorf("%s is not an availability incident, so no post-mortem is owed; correct it with sitrep edit %s --availability=true if it is", ref, ref)
	}
	if i.endedAt().IsZero() {
		return nil, nil, Errorf("%s is not resolved yet; a post-mortem follows resolution", ref)
	}
	if at.Before(i.endedAt()) {
		return nil, nil, Errorf("a post-mortem cannot precede the resolution of %s", ref)
	}
	data := map[string]string{"at": at.UTC().Format(time.RFC3339)}
	switch {
	case published && len(customers) > 0:
		return nil, nil, Errorf("give either --customer C or --published, not both")
	case published:
		data["published"] = "true"
		return []Postmortem{{Published: true, At: at}}, data, nil
	case len(customers) == 0:
		return nil, nil, Errorf("say who got the post-mortem: --customer C (repeat for each), or --published")
	}
	var out []Postmortem
	var names []string
	for _, c := range customers {
		name, ok := i.HasCustomer(c)
		if !ok {
			return nil, nil, Errorf("%q is not an affected customer of %s; its customers are %s", c, ref, listOrNone(i.Customers))
		}
		for _, pm := range i.Postmortems {
			if strings.EqualFold(pm.Customer, name) {
				return nil, nil, Errorf("the post-mortem of %s was already sent to %s", ref, name)
			}
		}
		for _, n := range names {
			if strings.EqualFold(n, name) {
				return nil, nil, Errorf("%s is named twice", name)
			}
		}
		names = append(names, name)
		out = append(out, Postmortem{Customer: name, At: at})
	}
	data["customer"] = strings.Join(names, ", ")
	return out, data, nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := make([]string, len(names))
	for k, n := range names {
		out[k] = SanitizeLine(n)
	}
	return strings.Join(out, ", ")
}

// ApplyRestored records service restored at at, with the point data was
// recovered to (zero: not given).
func ApplyRestored(i *Incident, at, recoveryPoint time.Time) (map[string]string, error) {
	ref := i.Ref()
	if !i.Availability && !i.DataLoss {
		return nil, Errorf("%s affects neither availability nor data, so no restore is due; correct it with sitrep edit %s --availability=true or --data-loss=true", ref, ref)
	}
	if !i.RestoredAt.IsZero() {
		return nil, Errorf("%s was already restored at %s", ref, i.RestoredAt.UTC().Format(time.RFC3339))
	}
	if at.Before(i.DetectedAt) {
		return nil, Errorf("service cannot be restored before %s was detected", ref)
	}
	if !recoveryPoint.IsZero() && recoveryPoint.After(at) {
		return nil, Errorf("the recovery point %s is after the restore; it is the point in time data was recovered to", recoveryPoint.UTC().Format(time.RFC3339))
	}
	i.RestoredAt, i.RecoveryPoint = at, recoveryPoint
	data := map[string]string{"at": at.UTC().Format(time.RFC3339)}
	if !recoveryPoint.IsZero() {
		data["recovery_point"] = recoveryPoint.UTC().Format(time.RFC3339)
	}
	return data, nil
}

// ApplyClassify classifies an incident major under DORA at at.
func ApplyClassify(i *Incident, p Policy, at time.Time) (map[string]string, error) {
	ref := i.Ref()
	if !p.HasSet("dora") {
		return nil, Errorf("DORA is not enabled; enable it with sitrep policy set --enable dora")
	}
	if !i.MajorAt.IsZero() {
		return nil, Errorf("%s was already classified major at %s", ref, i.MajorAt.UTC().Format(time.RFC3339))
	}
	if at.Before(i.DetectedAt) {
		return nil, Errorf("%s cannot be classified before it was detected", ref)
	}
	i.MajorAt = at
	return map[string]string{"at": at.UTC().Format(time.RFC3339)}, nil
}

// HasSet reports whether the policy holds a regulation's clocks.
func (p Policy) HasSet(name string) bool {
	for _, c := range p.Clocks {
		if c.Set == name {
			return true
		}
	}
	return false
}

// DescribeLoss says the loss window against the RPO, for people.
func (p Policy) DescribeLoss(i *Incident) string {
	w, ok := i.LossWindow()
	if !ok {
		if i.DataLoss {
			return "unknown (no recovery point recorded)"
		}
		return "none flagged"
	}
	met, _ := p.RPOMet(i)
	verdict := "within"
	if !met {
		verdict = "beyond"
	}
	return fmt.Sprintf("%s, %s the RPO of %d h", FormatHMS(w), verdict, p.RPOHours)
}

// ParseCadence reads status-update intervals such as P0=30,P1=60 (minutes
// per severity); "none" or nothing means no cadence.
func ParseCadence(v string) (map[Severity]int, error) {
	out := map[Severity]int{}
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "none") {
		return out, nil
	}
	for _, part := range strings.Split(v, ",") {
		k, n, ok := strings.Cut(strings.TrimSpace(part), "=")
		sev, err := ParseSeverity(k)
		if !ok || err != nil {
			return nil, Errorf("%q is not a severity's interval; write them as P0=30,P1=60 (minutes)", part)
		}
		m, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || m <= 0 || m > MaxAckMinutes {
			return nil, Errorf("%q is not a number of minutes from 1 to %d", n, MaxAckMinutes)
		}
		if _, dup := out[sev]; dup {
			return nil, Errorf("%s is given twice", sev)
		}
		out[sev] = m
	}
	return out, nil
}
