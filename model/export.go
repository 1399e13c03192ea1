package model

import (
	"fmt"
	"strings"
	"time"
)

// TimeFormat is how times are shown to people: in the policy's time zone,
// with the zone named.
const TimeFormat = "2006-01-02 15:04:05 MST"

// ExportMarkdown writes the incident file: facts, deadlines, checklist,
// notifications, status updates, the review and the whole timeline.
// Everything a user typed is sanitised.
func ExportMarkdown(i *Incident, p Policy, events []Event, now time.Time) string {
	var b strings.Builder
	loc := p.Location()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format(TimeFormat)
	}
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	line("# %s — %s", i.Ref(), Sanitize(i.Title))
	line("")
	line("Exported %s.", ts(now))
	line("")
	line("## Facts")
	line("")
	line("| | |")
	line("| --- | --- |")
	row := func(k, v string) { line("| %s | %s |", k, strings.ReplaceAll(SanitizeLine(v), "|", "\\|")) }
	for _, f := range Facts(i, loc) {
		row(f.Label, f.Value)
	}
	if i.Summary != "" {
		line("")
		line("%s", Sanitize(i.Summary))
	}

	line("")
	line("## Deadlines")
	line("")
	line("| deadline | due | state | |")
	line("| --- | --- | --- | --- |")
	for _, d := range p.Deadlines(i, now) {
		state := string(d.State)
		if d.Provisional {
			state += " (provisional: breach unknown)"
		}
		detail := FormatCountdown(d)
		if d.State == Met {
			detail = "met " + ts(d.MetAt)
		}
		line("| %s | %s | %s | %s |", d.Label, ts(d.DueAt), state, detail)
	}

	line("")
	line("## Checklist (%d of %d settled)", i.Progress.Settled(), i.Progress.Total)
	line("")
	for _, l := range checklistMarkdown(i.Checklist, ts) {
		line("%s", l)
	}

	line("")
	line("## Notifications")
	line("")
	if len(i.Notifications) == 0 {
		line("None recorded.")
	}
	for k, n := range i.Notifications {
		kind := "Initial"
		if n.FollowUp {
			kind = "Follow-up"
		}
		to := ""
		if n.To != "" {
			to = " to " + SanitizeLine(n.To)
		}
		sum := ""
		if n.SHA256 != "" {
			sum = ", SHA-256 " + n.SHA256
		}
		line("- %s notification to %s by %s%s, sent %s (recorded by %s; notice %d%s)", kind, SanitizeLine(n.Customer), SanitizeLine(n.Channel), to, ts(n.SentAt), SanitizeLine(n.By), k+1, sum)
		if len(n.Unknowns) > 0 {
			line("  - left to follow: %s", strings.Join(n.Unknowns, ", "))
		}
	}
	for _, o := range p.Owed(i) {
		line("")
		line("Follow-up %s (due %s).", o, ts(o.DueAt))
	}
	if len(i.Reports) > 0 || len(i.Updates) > 0 || i.Availability {
		line("")
		line("## Status updates and reports")
		line("")
		for _, u := range i.Updates {
			line("- %s, %s: %s", ts(u.At), SanitizeLine(u.By), SanitizeLine(u.Text))
		}
		for _, r := range i.Reports {
			line("- Report %s submitted %s (recorded by %s)", r.Kind, ts(r.At), SanitizeLine(r.By))
		}
		if i.Availability {
			line("")
			line("A post-mortem follows for the affected customers once the incident is resolved.")
		}
	}

	r := i.Review
	line("")
	line("## Post-incident review")
	line("")
	if r.Complete() {
		line("Complete, %s by %s.", ts(r.CompletedAt), SanitizeLine(r.CompletedBy))
	} else {
		line("Not complete; still needs: %s.", strings.Join(r.Missing(), ", "))
	}
	for _, s := range []struct{ name, text string }{{"Root cause", r.RootCause}, {"What worked", r.Worked}, {"What did not work", r.NotWorked}, {"Customer impact", r.Impact}} {
		line("")
		line("### %s", s.name)
		line("")
		line("%s", orNone(Sanitize(s.text)))
	}
	line("")
	line("### Action items")
	line("")
	if len(r.Actions) == 0 {
		line("None.")
	}
	for _, a := range r.Actions {
		done := "open"
		if !a.DoneAt.IsZero() {
			done = "done " + ts(a.DoneAt)
		}
		line("%d. %s — owner %s, due %s, %s", a.N, SanitizeLine(a.Title), SanitizeLine(a.Owner), a.Due, done)
	}

	line("")
	line("## Timeline")
	line("")
	for _, e := range events {
		text := SanitizeLines(e.Text(loc))
		line("- %s · %s (%s): %s", ts(e.Time), SanitizeLine(e.Actor), SanitizeLine(e.Source), text[0])
		for _, l := range text[1:] {
			line("  %s", l) // the same list item, in Markdown
		}
	}
	return b.String()
}

// Fact is one labelled fact of an incident, sanitised for display.
type Fact struct{ Label, Value string }

// Facts are an incident's facts as every screen and export shows them:
// severity, status, commander, breach facts and the times that matter.
func Facts(i *Incident, loc *time.Location) []Fact {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format(TimeFormat)
	}
	availability := "not affected"
	if i.Availability {
		availability = "affected"
	}
	facts := []Fact{
		{"Severity", fmt.Sprintf("%s (%s)", i.Severity, i.Severity.Info().Name)},
		{"Status", string(i.Status)},
		{"Commander", commanderFact(i)},
		{"Source", string(i.Source)},
		{"Personal-data breach", string(i.Breach)},
		{"Availability", availability},
		{"Affected customers", orNone(strings.Join(i.Customers, ", "))},
		{"Subject categories", orUnknown(strings.Join(i.SubjectCategories, ", "))},
		{"Data categories", orUnknown(strings.Join(i.DataCategories, ", "))},
		{"Data subjects", Describe(i.Subjects())},
		{"Records", Describe(i.Records())},
	}
	if i.Reporter != "" {
		facts = append(facts, Fact{"Reported by", SanitizeLine(i.Reporter)})
	}
	if i.PublicTitle != "" {
		facts = append(facts, Fact{"Public title", SanitizeLine(i.PublicTitle)})
	}
	if len(i.Customers) > 1 {
		for _, c := range i.Customers {
			f := i.Facts(c)
			facts = append(facts, Fact{"  " + SanitizeLine(c), fmt.Sprintf("subjects %s · records %s", Describe(f.Subjects), Describe(f.Records))})
		}
	}
	facts = append(facts, []Fact{
		{"Likely consequences", orUnknown(i.Consequences)},
		{"Measures proposed", orUnknown(strings.Join(i.MeasuresProposed, "; "))},
		{"Mitigation", orUnknown(strings.Join(i.Mitigation, "; "))},
		{"Point of contact", orDefault(strings.TrimSpace(i.ContactName+" "+i.ContactDetails), "the policy's")},
		{"Detected", ts(i.DetectedAt)},
		{"Aware (72 h clock)", ts(i.AwareAt)},
		{"Acknowledged", ts(i.AcknowledgedAt)},
		{"Contained", ts(i.ContainedAt)},
		{"Resolved", ts(i.ResolvedAt)},
		{"Closed", ts(i.ClosedAt)},
		{"Declared", ts(i.CreatedAt)},
	}...)
	if i.DataLoss {
		facts = append(facts, Fact{"Data loss", "flagged"})
	}
	if !i.RestoredAt.IsZero() {
		facts = append(facts, Fact{"Restored", ts(i.RestoredAt)})
	}
	if !i.RecoveryPoint.IsZero() {
		facts = append(facts, Fact{"Recovery point", ts(i.RecoveryPoint)})
	}
	if !i.MajorAt.IsZero() {
		facts = append(facts, Fact{"Classified major (DORA)", ts(i.MajorAt)})
	}
	for k := range facts {
		facts[k].Value = SanitizeLine(facts[k].Value)
	}
	return facts
}

func commanderFact(i *Incident) string {
	if i.Commander != "" && i.CommanderGone {
		return i.Commander + " (no longer commands: removed or a viewer)"
	}
	return orNone(i.Commander)
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
