package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ExerciseInfo is what a report says of the exercise itself.
type ExerciseInfo struct {
	Title, Description string
	Start, SimNow      time.Time
	InjectsFired       int
	InjectsTotal       int
}

// ExerciseReport writes the story of a tabletop exercise as Markdown, for
// the post-exercise review: who took part, and per incident how long (in
// simulated time) it took to acknowledge, assign a commander, contain and
// notify each customer, every deadline met or missed with its margin, and
// the checklist as it ended.
func ExerciseReport(ex ExerciseInfo, incs []*Incident, events []Event, p Policy, now time.Time) string {
	var b strings.Builder
	loc := p.Location()
	ts := func(t time.Time) string { return t.In(loc).Format(TimeFormat) }
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	since := func(from, to time.Time) string {
		if to.IsZero() {
			return "not done"
		}
		return "after " + FormatHMS(to.Sub(from))
	}

	line("# EXERCISE report: %s", Sanitize(ex.Title))
	line("")
	line("This was a tabletop exercise; nothing in it is a real incident.")
	if ex.Description != "" {
		line("")
		line("%s", Sanitize(ex.Description))
	}
	line("")
	line("- Simulated start: %s", ts(ex.Start))
	line("- Simulated time at this report: %s (%s in)", ts(ex.SimNow), FormatHMS(ex.SimNow.Sub(ex.Start)))
	line("- Injects fired: %d of %d", ex.InjectsFired, ex.InjectsTotal)
	var people []string
	for _, e := range events {
		if response(e) && !slices.Contains(people, e.Actor) {
			people = append(people, e.Actor)
		}
	}
	slices.Sort(people)
	if len(people) == 0 {
		line("- Participants who acted: none")
	} else {
		line("- Participants who acted: %s", SanitizeLine(strings.Join(people, ", ")))
	}

	line("")
	line("## The story, inject by inject")
	line("")
	line("In simulated time: each inject, then what the participants did before the next one.")
	injects, gap := 0, false
	for _, e := range events {
		text := strings.Join(SanitizeLines(e.Text(loc)), " / ")
		switch {
		case e.Actor == exerciseActor && e.Data["inject"] != "":
			injects++
			line("")
			line("**%s · inject %s:** %s", ts(e.Time), e.Data["inject"], text)
			gap = true
		case response(e):
			if injects == 0 {
				injects = -1 // once: responses before the first inject
				line("")
				line("Before the first inject:")
				gap = true
			}
			if gap {
				line("")
				gap = false
			}
			line("- %s %s: %s", e.Time.In(loc).Format("15:04:05"), SanitizeLine(e.Actor), text)
		}
	}

	for _, inc := range incs {
		line("")
		line("## %s %s — %s", inc.Ref(), inc.Severity, SanitizeLine(inc.Title))
		line("")
		var assigned time.Time
		for _, e := range events {
			if e.IncidentID == inc.ID && e.Action == ActAssign && assigned.IsZero() {
				assigned = e.Time
			}
		}
		line("Declared %s (detected %s), status at the end: %s, commander: %s.", ts(inc.CreatedAt), ts(inc.DetectedAt), inc.Status, orNone(SanitizeLine(inc.Commander)))
		line("")
		line("| step | simulated time from detection |")
		line("| --- | --- |")
		line("| acknowledged | %s |", since(inc.DetectedAt, inc.AcknowledgedAt))
		line("| commander assigned | %s |", since(inc.DetectedAt, assigned))
		line("| contained | %s |", since(inc.DetectedAt, inc.ContainedAt))
		line("| resolved | %s |", since(inc.DetectedAt, inc.ResolvedAt))
		for _, r := range Notices(inc) {
			line("| %s notified | %s |", SanitizeLine(r.Customer), since(inc.AwareAt, r.Initial))
		}
		line("")
		line("Deadlines:")
		line("")
		for _, d := range p.Deadlines(inc, now) {
			outcome := string(d.State)
			switch {
			case d.State == Met:
				outcome = "met with " + FormatHMS(d.Remaining) + " to spare"
			case d.State == Missed && !d.MetAt.IsZero():
				outcome = "missed: met " + FormatHMS(d.Late()) + " late"
			case d.State == Missed:
				outcome = "missed: still open, " + FormatHMS(d.Late()) + " overdue"
			case d.State == Pending:
				outcome = "pending: " + FormatHMS(d.Remaining) + " left at the time of this report"
			}
			prov := ""
			if d.Provisional {
				prov = " (provisional: breach unknown)"
			}
			line("- %s, due %s: %s%s", d.Label, ts(d.DueAt), outcome, prov)
		}
		line("")
		line("Checklist at the end (%d of %d settled):", inc.Progress.Settled(), inc.Progress.Total)
		line("")
		for _, l := range checklistMarkdown(inc.Checklist, ts) {
			line("%s", l)
		}
	}
	if len(incs) == 0 {
		line("")
		line("No incident was declared.")
	}
	return b.String()
}

// exerciseActor is the name injects are written under.
const exerciseActor = "exercise"

// response says whether an event is a participant acting in the game:
// not an inject, not the facilitator running the clock, not a login or
// anything else stamped in real time.
func response(e Event) bool {
	return e.Actor != exerciseActor && e.Actor != "-" && e.GameTime() && e.Action != EvLogin && e.Action != EvLoginRefused &&
		!strings.HasPrefix(string(e.Action), "exercise_")
}

// Notice is one recipient's notification state: the first initial
// notification and how many follow-ups.
type Notice struct {
	Customer  string
	Initial   time.Time // zero: not sent
	FollowUps int
}

// Notices lists each affected customer, and anyone else notified, with
// their notification state.
func Notices(inc *Incident) []Notice {
	var out []Notice
	find := func(name string) *Notice {
		for i := range out {
			if strings.EqualFold(out[i].Customer, name) {
				return &out[i]
			}
		}
		out = append(out, Notice{Customer: name})
		return &out[len(out)-1]
	}
	for _, c := range inc.Customers {
		find(c)
	}
	for _, n := range inc.Notifications {
		r := find(n.Customer)
		switch {
		case n.FollowUp:
			r.FollowUps++
		case r.Initial.IsZero() || n.SentAt.Before(r.Initial):
			r.Initial = n.SentAt
		}
	}
	return out
}
