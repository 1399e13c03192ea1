package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sitrep/model"
)

type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(model.SanitizeLine(c), "\t", " ")
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// deadlineCell is a deadline for a table: symbol, kind and countdown.
func deadlineCell(d model.Deadline) string {
	s := fmt.Sprintf("%s %s %s", model.UrgencyOf(d).Symbol(), d.Kind, model.FormatCountdown(d))
	if d.Provisional {
		s += " (provisional)"
	}
	return s
}

func (a *app) printBoard(list []*model.Incident, pol model.Policy, now time.Time) {
	if len(list) == 0 {
		a.printf("No active incidents. Declare one with sitrep declare --title T --sev P1.\n")
		return
	}
	counts := map[model.Severity]int{}
	active := 0
	for _, inc := range list {
		if inc.Status.Active() {
			counts[inc.Severity]++
			active++
		}
	}
	var parts []string
	for _, s := range model.Severities {
		parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
	}
	a.printf("%d active %s · %s", active, model.Plural(active, "incident", "incidents"), strings.Join(parts, " · "))
	if closed := len(list) - active; closed > 0 {
		a.printf(" · %d closed", closed)
	}
	a.printf("\n\n")
	t := newTable(a.out, "REF", "SEV", "STATUS", "COMMANDER", "CHECKLIST", "NEXT DEADLINE", "TITLE")
	for _, inc := range list {
		ic := inc.Commander
		switch {
		case inc.NoIC():
			ic = "NO IC"
		case ic == "":
			ic = "-"
		}
		next := "-"
		if d, ok := model.Nearest(pol.Deadlines(inc, now)); ok {
			next = deadlineCell(d)
		}
		t.row(inc.Ref(), string(inc.Severity), string(inc.Status), ic,
			fmt.Sprintf("%d/%d", inc.Progress.Settled(), inc.Progress.Total), next, inc.Title) // printed text is never cut: a pipe has no width
	}
	t.flush()
}

func (a *app) printIncident(inc *model.Incident, pol model.Policy, now time.Time) {
	loc := pol.Location()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format(model.TimeFormat)
	}
	ic := inc.Commander
	switch {
	case inc.NoIC():
		ic = "NO IC"
	case ic == "":
		ic = "none"
	}
	a.printf("%s  %s (%s)  %s  commander: %s\n", inc.Ref(), inc.Severity, inc.Severity.Info().Name, inc.Status, ic)
	a.printf("%s\n", model.SanitizeLine(inc.Title))
	if inc.Summary != "" {
		a.printf("\n%s\n", model.Sanitize(inc.Summary))
	}
	a.printf("\nSource %s · breach %s · availability %s\n", inc.Source, inc.Breach, map[bool]string{true: "affected", false: "not affected"}[inc.Availability])
	customers := strings.Join(inc.Customers, ", ")
	if customers == "" {
		customers = "none listed"
	}
	a.printf("Customers: %s\n", customers)
	if inc.Reporter != "" {
		a.printf("Reported by: %s\n", model.SanitizeLine(inc.Reporter))
	}
	if inc.PublicTitle != "" {
		a.printf("Public title: %s\n", model.SanitizeLine(inc.PublicTitle))
	}
	cats := strings.Join(inc.DataCategories, ", ")
	if cats == "" {
		cats = "unknown"
	}
	a.printf("Data: %s · subjects %s · records %s\n", cats, model.Describe(inc.Subjects()), model.Describe(inc.Records()))
	if len(inc.Customers) > 1 {
		for _, c := range inc.Customers {
			f := inc.Facts(c)
			a.printf("  %s: subjects %s · records %s\n", model.SanitizeLine(c), model.Describe(f.Subjects), model.Describe(f.Records))
		}
	}
	if len(inc.SubjectCategories) > 0 {
		a.printf("Data subjects: %s\n", model.SanitizeLine(strings.Join(inc.SubjectCategories, ", ")))
	}
	if name, details := inc.PointOfContact(pol); name != "" || details != "" {
		a.printf("Point of contact: %s, %s\n", model.SanitizeLine(name), model.SanitizeLine(details))
	}
	a.printf("Detected %s · aware %s\n", ts(inc.DetectedAt), ts(inc.AwareAt))
	if !inc.AcknowledgedAt.IsZero() || !inc.ContainedAt.IsZero() || !inc.ResolvedAt.IsZero() || !inc.ClosedAt.IsZero() {
		a.printf("Acknowledged %s · contained %s · resolved %s · closed %s\n", ts(inc.AcknowledgedAt), ts(inc.ContainedAt), ts(inc.ResolvedAt), ts(inc.ClosedAt))
	}

	a.printf("\nDeadlines\n")
	t := newTable(a.out, "", "KIND", "DUE", "STATE", "COUNTDOWN", "")
	for _, d := range pol.Deadlines(inc, now) {
		note := d.Label
		if d.Provisional {
			note += " (provisional: breach unknown)"
		}
		t.row("", model.UrgencyOf(d).Symbol()+" "+d.Kind, ts(d.DueAt), string(d.State), model.FormatCountdown(d), note)
	}
	t.flush()

	a.printf("\nChecklist %d/%d\n", inc.Progress.Settled(), inc.Progress.Total)
	t = newTable(a.out, "", "KEY", "STATE", "ITEM", "BY")
	for _, it := range inc.Checklist {
		by := ""
		if it.State != model.ItemTodo {
			by = it.By + " " + ts(it.At)
			if it.Reason != "" {
				by += ": " + it.Reason
			}
		}
		t.row(it.State.Mark(), it.Key, string(it.State), it.Item, by)
	}
	t.flush()

	a.printf("\nNotifications\n")
	if len(inc.Notifications) == 0 {
		a.printf("  none recorded\n")
	} else {
		t = newTable(a.out, "", "CUSTOMER", "KIND", "CHANNEL", "SENT", "BY", "TO", "N", "SHA-256")
		for k, n := range inc.Notifications {
			sum := n.SHA256
			if len(sum) > 12 {
				sum = sum[:12]
			}
			t.row("", n.Customer, n.Kind(), n.Channel, ts(n.SentAt), n.By, n.To, strconv.Itoa(k+1), sum)
		}
		t.flush()
	}
	for _, o := range pol.Owed(inc) {
		a.printf("  %s (due %s)\n", o, ts(o.DueAt))
	}
	if len(inc.Updates) > 0 {
		a.printf("\nStatus updates\n")
		for _, u := range inc.Updates {
			a.printf("  %s %s: %s\n", ts(u.At), u.By, model.SanitizeLine(u.Text))
		}
	}

	if inc.Availability || inc.DataLoss {
		a.printf("\nRecovery: restored %s · recovery point %s · data loss %s\n", ts(inc.RestoredAt), ts(inc.RecoveryPoint), pol.DescribeLoss(inc))
	}
	if len(inc.Postmortems) > 0 || inc.Availability && !inc.ResolvedAt.IsZero() {
		a.printf("Post-mortem: ")
		switch owed := model.PostmortemOwed(inc); {
		case len(inc.Postmortems) == 0:
			a.printf("owed to every customer\n")
		case len(owed) > 0:
			a.printf("owed to %s\n", strings.Join(owed, ", "))
		default:
			a.printf("done\n")
		}
		for _, pm := range inc.Postmortems {
			who := pm.Customer
			if pm.Published {
				who = "published"
			}
			a.printf("  %s %s: %s\n", ts(pm.At), pm.By, model.SanitizeLine(who))
		}
	}

	r := inc.Review
	a.printf("\nReview: ")
	if r.Complete() {
		a.printf("complete (%s, %s)\n", r.CompletedBy, ts(r.CompletedAt))
	} else {
		a.printf("not complete; needs %s\n", strings.Join(r.Missing(), ", "))
	}
	for _, s := range []struct{ name, text string }{{"Root cause", r.RootCause}, {"What worked", r.Worked}, {"What did not work", r.NotWorked}, {"Customer impact", r.Impact}} {
		if s.text != "" {
			a.printf("  %s: %s\n", s.name, model.SanitizeLine(s.text))
		}
	}
	for _, act := range r.Actions {
		done := "open"
		if !act.DoneAt.IsZero() {
			done = "done"
		}
		a.printf("  %d. %s (owner %s, due %s, %s)\n", act.N, model.SanitizeLine(act.Title), act.Owner, act.Due, done)
	}
}
