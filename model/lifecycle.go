package model

import (
	"fmt"
	"strings"
	"time"
)

// Gate is one reason an incident may not move on yet, and what clears it.
type Gate struct {
	Name   string // commander, breach, review, or the kind of an open deadline
	Reason string // what is wrong and what to do, as a clause
	Short  string // what is wrong, briefly, for a confirmation on screen
}

// GateNames joins the gates' names for an event.
func GateNames(gs []Gate) string {
	names := make([]string, len(gs))
	for k, g := range gs {
		names[k] = g.Name
	}
	return strings.Join(names, ", ")
}

// Gates lists everything that holds an incident back from moving to status
// to at now: a P0 or P1 is contained, resolved and closed only with a
// commander; closing also waits for the breach to be known, for a P0/P1's
// review, and for every deadline that would still be open once closed
// (regulatory clocks, follow-ups, post-mortem, restore).
func Gates(i *Incident, to Status, p Policy, now time.Time) []Gate {
	var gs []Gate
	ref := i.Ref()
	if to.rank() >= Contained.rank() && i.Severity.NeedsCommander() && !i.HasCommander() {
		why := "has no incident commander"
		if i.Commander != "" {
			why = fmt.Sprintf("has no incident commander (%s no longer may command)", SanitizeLine(i.Commander))
		}
		gs = append(gs, Gate{"commander", fmt.Sprintf("%s is %s and %s: assign one with sitrep assign %s USER", ref, i.Severity, why, ref),
			fmt.Sprintf("%s %s without a commander", i.Severity, ref)})
	}
	if to != Closed {
		return gs
	}
	if i.Breach == BreachUnknown {
		gs = append(gs, Gate{"breach", fmt.Sprintf("whether personal data is affected is still unknown: record it with sitrep breach %s yes (or no)", ref),
			"personal-data breach still unknown"})
	}
	if i.Severity.NeedsCommander() && !i.Review.Complete() {
		gs = append(gs, Gate{"review", fmt.Sprintf("the post-incident review of this %s is not complete: see sitrep review %s", i.Severity, ref),
			"post-incident review not complete"})
	}
	after := *i
	after.Status = Closed
	if after.AcknowledgedAt.IsZero() {
		after.AcknowledgedAt = now
	}
	after.ClosedAt = now
	for _, d := range p.Deadlines(&after, now) {
		if !d.Open() || d.Kind == KindAck || d.Kind == KindReview {
			continue
		}
		state := "pending, due " + d.DueAt.In(p.Location()).Format(TimeFormat)
		if d.State == Missed {
			state = "overdue since " + d.DueAt.In(p.Location()).Format(TimeFormat)
		}
		gs = append(gs, Gate{d.Kind, fmt.Sprintf("the %s is %s: %s", d.Label, state, MeetHint(&after, d)), d.Label + " " + state})
	}
	return gs
}

// MeetHint says how a deadline is met.
func MeetHint(i *Incident, d Deadline) string {
	ref := i.Ref()
	switch d.Kind {
	case KindNotify:
		var owed []string
		for _, c := range i.Customers {
			if !notifiedInitial(i, c) {
				owed = append(owed, SanitizeLine(c))
			}
		}
		if len(owed) == 0 {
			return fmt.Sprintf("record the notice with sitrep notify %s --customer NAME", ref)
		}
		return fmt.Sprintf("record the notice to %s with sitrep notify %s --customer NAME", strings.Join(owed, " and "), ref)
	case KindFollowUp:
		return fmt.Sprintf("record it with sitrep notify %s --customer %s --follow-up", ref, SanitizeLine(d.Customer))
	case KindPostmortem:
		return fmt.Sprintf("record it with sitrep postmortem %s --customer NAME, or --published", ref)
	case KindRestore:
		return fmt.Sprintf("record it with sitrep restored %s", ref)
	case KindStatusUpdate:
		return fmt.Sprintf("send one and record it with sitrep update %s TEXT", ref)
	case KindReview:
		return fmt.Sprintf("complete it with sitrep review %s --complete", ref)
	case KindAck:
		return fmt.Sprintf("acknowledge it with sitrep ack %s", ref)
	}
	return fmt.Sprintf("record it with sitrep report %s %s", ref, d.Kind)
}

func notifiedInitial(i *Incident, customer string) bool {
	for _, n := range i.Notifications {
		if !n.FollowUp && strings.EqualFold(n.Customer, customer) {
			return true
		}
	}
	return false
}

// Step is what a lifecycle move changes besides the incident itself: the
// facts of its event, the checklist items it ticks, and, when gates were
// passed by override, the facts of the override event.
type Step struct {
	Data     map[string]string
	Tick     []string
	Override map[string]string
}

// transitionVerb is how a refusal names each move.
var transitionVerb = map[Status]string{Acknowledged: "acknowledged", Contained: "contained", Resolved: "resolved", Closed: "closed"}

// TransitionAction is the action that moves an incident to a status.
func TransitionAction(to Status) (Action, bool) {
	switch to {
	case Acknowledged:
		return ActAck, true
	case Contained:
		return ActContain, true
	case Resolved:
		return ActResolve, true
	case Closed:
		return ActClose, true
	}
	return "", false
}

// Advance moves an incident forward to status to at now, or says every
// reason it may not. override, when given, is the reason for passing the
// gates (the caller has checked the role); it is refused when no gate
// holds the incident back. Skipping forward acknowledges on the way.
func Advance(i *Incident, to Status, p Policy, now time.Time, override string) (Step, error) {
	ref := i.Ref()
	act, ok := TransitionAction(to)
	if !ok {
		return Step{}, Errorf("an incident cannot be moved to %q", to)
	}
	from := i.Status
	if err := CheckTransition(ref, from, to); err != nil {
		return Step{}, err
	}
	if to == Acknowledged && from == Resolved {
		return Step{}, Errorf("%s is resolved; re-open it with sitrep reopen %s", ref, ref)
	}
	override = strings.TrimSpace(override)
	gs := Gates(i, to, p, now)
	step := Step{Data: map[string]string{"from": string(from), "to": string(to)}}
	switch {
	case len(gs) > 0 && override == "":
		reasons := make([]string, len(gs))
		for k, g := range gs {
			reasons[k] = g.Reason
		}
		return Step{}, Errorf("%s cannot be %s yet: %s; or, as an admin, pass with --override REASON", ref, transitionVerb[to], strings.Join(reasons, "; "))
	case len(gs) == 0 && override != "":
		return Step{}, Errorf("nothing holds %s back from being %s; leave out --override", ref, transitionVerb[to])
	case len(gs) > 0:
		reason, err := CleanText("override reason", override, SingleLine, 1, MaxReason)
		if err != nil {
			return Step{}, err
		}
		step.Data["override"] = reason
		step.Override = map[string]string{"action": string(act), "gates": GateNames(gs), "reason": reason, "to": string(to)}
	}
	i.Status = to
	if i.AcknowledgedAt.IsZero() {
		i.AcknowledgedAt = now
		step.Tick = append(step.Tick, CheckAck)
	}
	switch to {
	case Contained:
		i.ContainedAt = now
	case Resolved:
		i.ResolvedAt = now
	case Closed:
		i.ClosedAt = now
	}
	return step, nil
}

// Reopen moves a resolved incident back to acknowledged.
func Reopen(i *Incident) (Step, error) {
	ref := i.Ref()
	if i.Status == Closed {
		return Step{}, CheckTransition(ref, i.Status, Acknowledged)
	}
	if i.Status != Resolved {
		return Step{}, Errorf("%s is %s; only a resolved incident can be re-opened", ref, i.Status)
	}
	data := map[string]string{"from": string(Resolved), "to": string(Acknowledged), "resolved_at": i.ResolvedAt.UTC().Format(time.RFC3339)}
	i.Status, i.ResolvedAt = Acknowledged, time.Time{}
	return Step{Data: data}, nil
}

// HasCommander reports whether someone commands the incident: one is
// assigned and may still command (not removed, not a viewer).
func (i *Incident) HasCommander() bool { return i.Commander != "" && !i.CommanderGone }

// Held reports whether a closed incident is held on the board: one of its
// deadlines is still open (pending or missed, not met, not n/a). Whether a
// deadline is open depends on the incident and the policy, not the time.
func (p Policy) Held(i *Incident, now time.Time) bool {
	if i.Status != Closed {
		return false
	}
	for _, d := range p.Deadlines(i, now) {
		if d.Open() {
			return true
		}
	}
	return false
}

// Handover decides what happens to the active incidents a user commands
// when that user is removed: without a successor the removal is refused,
// naming them; with one (who may command, and is not the one leaving),
// each incident is handed over. It returns each handover's event facts.
func Handover(leaving string, commanding []*Incident, to *User) ([]map[string]string, error) {
	if len(commanding) == 0 {
		return nil, nil
	}
	refs := make([]string, len(commanding))
	for k, inc := range commanding {
		refs[k] = inc.Ref()
	}
	switch {
	case to == nil:
		return nil, Errorf("%s commands %s; name who takes over with --handover-to USER", SanitizeLine(leaving), strings.Join(refs, ", "))
	case strings.EqualFold(to.Name, leaving):
		return nil, Errorf("%s cannot hand over to themselves; name another user with --handover-to", SanitizeLine(leaving))
	case to.Role == Viewer:
		return nil, Errorf("%s is a viewer and cannot command an incident; hand over to a member or more", SanitizeLine(to.Name))
	}
	out := make([]map[string]string, len(commanding))
	for k, inc := range commanding {
		out[k] = map[string]string{"from": inc.Commander, "to": to.Name, "reason": "handover: " + leaving + " removed"}
		inc.Commander, inc.CommanderGone = to.Name, false
	}
	return out, nil
}

// Unnotified lists the affected customers no initial notice has been
// recorded for.
func (i *Incident) Unnotified() []string {
	var out []string
	for _, c := range i.Customers {
		if !notifiedInitial(i, c) {
			out = append(out, c)
		}
	}
	return out
}
