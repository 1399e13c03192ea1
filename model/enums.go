package model

import (
	"strings"
)

// Severity is an incident's severity, P0 the most severe.
type Severity string

const (
	P0 Severity = "P0"
	P1 Severity = "P1"
	P2 Severity = "P2"
	P3 Severity = "P3"
)

// Severities lists the severities, most severe first.
var Severities = []Severity{P0, P1, P2, P3}

// SeverityInfo is a severity's name and the reference's definition.
type SeverityInfo struct {
	Name       string
	Definition string
}

// Info describes s as the incident response procedure defines it.
func (s Severity) Info() SeverityInfo {
	switch s {
	case P0:
		return SeverityInfo{"critical", "Active unauthorized access to customer data; service unavailable for all customers; data loss with no recovery path."}
	case P1:
		return SeverityInfo{"high", "Confirmed potential for unauthorized access; service unavailable for a subset of customers; data corruption with recovery path."}
	case P2:
		return SeverityInfo{"moderate", "Possible exposure of customer data under specific conditions not yet confirmed; partial functional impact."}
	case P3:
		return SeverityInfo{"low", "Issue with no immediate customer impact but requiring remediation."}
	}
	return SeverityInfo{}
}

// Rank orders severities: 0 for P0 up to 3 for P3.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return len(Severities)
}

// NeedsCommander reports whether incidents of this severity require an
// incident commander and a post-incident review (P0 and P1).
func (s Severity) NeedsCommander() bool { return s == P0 || s == P1 }

// ParseSeverity accepts P0..P3 in either case.
func ParseSeverity(v string) (Severity, error) {
	s := Severity(strings.ToUpper(strings.TrimSpace(v)))
	if s.Rank() < len(Severities) {
		return s, nil
	}
	return "", Errorf("%q is not a severity; use P0 (critical), P1 (high), P2 (moderate) or P3 (low)", v)
}

// Status is where an incident is in its lifecycle.
type Status string

const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged"
	Contained    Status = "contained"
	Resolved     Status = "resolved"
	Closed       Status = "closed"
)

// Statuses lists the lifecycle in order.
var Statuses = []Status{Open, Acknowledged, Contained, Resolved, Closed}

func (s Status) rank() int {
	for i, v := range Statuses {
		if v == s {
			return i
		}
	}
	return -1
}

// Active reports whether an incident in this status is still being worked.
func (s Status) Active() bool { return s != Closed }

// CheckTransition decides whether an incident may move from one status to
// another: forward moves may skip steps, the only backward move is
// resolved → acknowledged (re-opening), and closed is final.
func CheckTransition(ref string, from, to Status) error {
	switch {
	case from == to:
		return Errorf("%s is already %s", ref, to)
	case from == Closed:
		return Errorf("%s is closed and closed incidents cannot change; declare a new incident", ref)
	case from == Resolved && to == Acknowledged:
		return nil
	case to.rank() < from.rank():
		return Errorf("%s is already %s, past %s; statuses only move forward", ref, from, to)
	}
	return nil
}

// Source is where an incident was detected.
type Source string

// Sources are the detection sources of the incident response procedure.
var Sources = []Source{"monitoring", "audit-log", "vuln-scan", "customer-report", "researcher-report", "sub-processor", "other"}

// ParseSource accepts one of Sources.
func ParseSource(v string) (Source, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, s := range Sources {
		if string(s) == v {
			return s, nil
		}
	}
	names := make([]string, len(Sources))
	for i, s := range Sources {
		names[i] = string(s)
	}
	return "", Errorf("%q is not a source; use one of %s", v, strings.Join(names, ", "))
}

// Breach says whether an incident is a personal-data breach.
type Breach string

const (
	BreachUnknown Breach = "unknown"
	BreachYes     Breach = "yes"
	BreachNo      Breach = "no"
)

// ParseBreach accepts yes, no or unknown.
func ParseBreach(v string) (Breach, error) {
	switch b := Breach(strings.ToLower(strings.TrimSpace(v))); b {
	case BreachUnknown, BreachYes, BreachNo:
		return b, nil
	}
	return "", Errorf("%q is not a breach state; use yes, no or unknown", v)
}
