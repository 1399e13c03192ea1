package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sitrep/model"
	"sitrep/store"
)

// write runs a store write off the update loop; its answer comes back as
// a doneMsg to the form that asked (nil for a plain key).
func (m *Model) write(f *form, do func(c context.Context, st *store.Store, a model.Actor) (model.Event, error)) tea.Cmd {
	st, actor, loc := m.o.Store, m.o.Actor, m.policy().Location()
	return func() tea.Msg {
		c, cancel := ctx()
		defer cancel()
		ev, err := do(c, st, actor)
		if err != nil {
			return doneMsg{err: err, form: f}
		}
		return doneMsg{text: ev.Text(loc), id: ev.IncidentID, form: f}
	}
}

// done shows a write's outcome: a refusal stays in its form for the user
// to correct; success closes the form and says what happened.
func (m *Model) done(msg doneMsg) tea.Cmd {
	if msg.err != nil {
		if msg.form != nil && msg.form == m.form {
			m.form.busy, m.form.err = false, msg.err.Error()
			return nil
		}
		m.setFlash(msg.err.Error(), true)
		return nil
	}
	var then func() tea.Cmd
	if msg.form != nil && msg.form == m.form {
		m.form, then = nil, msg.form.then
	}
	if msg.declared && msg.id != 0 {
		m.board.sel = msg.id
	}
	m.setFlash(msg.text, false)
	if then != nil {
		return then()
	}
	return nil
}

// incidentAction handles the keys that act on one incident, from the
// board (the selected row) or the incident view.
func (m *Model) incidentAction(msg tea.KeyPressMsg, inc *model.Incident) tea.Cmd {
	k := m.keys
	id, ref := inc.ID, inc.Ref()
	transition := func(b binding, to model.Status, verb string) tea.Cmd {
		if !m.allowed(b) {
			return nil
		}
		if err := model.CheckTransition(ref, inc.Status, to); err != nil {
			m.setFlash(err.Error(), true)
			return nil
		}
		if gs := model.Gates(m.full(inc), to, m.policy(), m.now); len(gs) > 0 {
			return m.openForm(m.overrideForm(m.full(inc), to, verb, gs))
		}
		text := fmt.Sprintf("%s %s? It is %s now.", verb, ref, inc.Status)
		if to == model.Closed {
			for _, l := range closeNotes(m.full(inc)) {
				text += " " + l
			}
		}
		m.ask = &confirm{text: text, yes: func() tea.Cmd {
			return m.write(nil, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
				return st.Transition(c, a, id, to, "")
			})
		}}
		return nil
	}
	switch {
	case key.Matches(msg, k.Ack.Binding):
		if m.allowed(k.Ack) {
			return m.write(nil, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
				return st.Transition(c, a, id, model.Acknowledged, "")
			})
		}
	case key.Matches(msg, k.Contain.Binding):
		return transition(k.Contain, model.Contained, "Mark contained")
	case key.Matches(msg, k.Resolve.Binding):
		return transition(k.Resolve, model.Resolved, "Mark resolved")
	case key.Matches(msg, k.Close.Binding):
		return transition(k.Close, model.Closed, "Close")
	case key.Matches(msg, k.Reopen.Binding):
		if m.allowed(k.Reopen) {
			m.ask = &confirm{text: fmt.Sprintf("Re-open %s? It goes back to acknowledged and its review clock stops.", ref), yes: func() tea.Cmd {
				return m.write(nil, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
					return st.Reopen(c, a, id)
				})
			}}
		}
	case key.Matches(msg, k.Assign.Binding):
		if m.allowed(k.Assign) {
			return m.assignForm(inc)
		}
	case key.Matches(msg, k.Severity.Binding):
		if m.allowed(k.Severity) {
			return m.openForm(m.severityForm(inc))
		}
	case key.Matches(msg, k.Note.Binding):
		if m.allowed(k.Note) {
			return m.openForm(&form{title: "Note on " + ref, fields: []*field{areaField("text", "Note (goes on the timeline)", "", checkText("note", model.MultiLine, 1, model.MaxNote))},
				submit: func(v values) tea.Cmd { return m.noteWrite(id, v["text"]) }})
		}
	}
	return nil
}

// full is the incident in full when the incident view has it loaded (its
// checklist too), else the board's copy.
func (m *Model) full(inc *model.Incident) *model.Incident {
	if m.inc.inc != nil && m.inc.inc.ID == inc.ID {
		return m.inc.inc
	}
	return inc
}

// closeNotes are what closing leaves behind without holding it back: open
// checklist items and customers never notified.
func closeNotes(inc *model.Incident) []string {
	var notes []string
	var open []string
	for _, it := range inc.Checklist {
		if it.State == model.ItemTodo {
			open = append(open, it.Key)
		}
	}
	switch {
	case len(open) > 0:
		notes = append(notes, fmt.Sprintf("Checklist items still open: %s.", strings.Join(open, ", ")))
	case inc.Checklist == nil && inc.Progress.Settled() < inc.Progress.Total:
		notes = append(notes, fmt.Sprintf("%d checklist items still open.", inc.Progress.Total-inc.Progress.Settled()))
	}
	if un := inc.Unnotified(); len(un) > 0 && inc.Breach != model.BreachNo {
		notes = append(notes, fmt.Sprintf("Not notified: %s.", model.SanitizeLine(strings.Join(un, ", "))))
	}
	return notes
}

// overrideForm is the confirmation of a move the lifecycle gates hold
// back: it lists them (and, for closing, what else is left open), and
// asks an admin for the reason to pass them anyway.
func (m *Model) overrideForm(inc *model.Incident, to model.Status, verb string, gs []model.Gate) *form {
	id, ref := inc.ID, inc.Ref()
	intro := []string{fmt.Sprintf("%s cannot be %s yet:", ref, strings.ToLower(strings.TrimPrefix(verb, "Mark ")))}
	if to == model.Closed {
		intro[0] = ref + " cannot be closed yet:"
	}
	for _, g := range gs {
		intro = append(intro, "  ✖ "+model.SanitizeLine(g.Short))
	}
	if to == model.Closed {
		for _, n := range closeNotes(inc) {
			intro = append(intro, "  · "+n)
		}
	}
	intro = append(intro, "Deal with these first (esc), or give the reason to pass them anyway; it is recorded as an override.")
	return &form{title: fmt.Sprintf("%s %s — held back", verb, ref), intro: intro,
		fields: []*field{textField("reason", "Override reason", "", checkText("override reason", model.SingleLine, 1, model.MaxReason))},
		submit: func(v values) tea.Cmd {
			return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
				return st.Transition(c, a, id, to, v["reason"])
			})
		}}
}

func (m *Model) noteWrite(id int64, text string) tea.Cmd {
	return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
		return st.Note(c, a, id, text)
	})
}

// checkText validates as the model will: the same limits, the same sentence.
func checkText(field string, kind model.TextKind, min, max int) func(string) error {
	return func(v string) error {
		_, err := model.CleanText(field, v, kind, min, max)
		return err
	}
}

func splitNames(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func severityChoices() []choice {
	var cs []choice
	for _, s := range model.Severities {
		info := s.Info()
		cs = append(cs, choice{string(s), string(s) + " " + info.Name, info.Definition})
	}
	return cs
}

func (m *Model) declareForm() *form {
	var sources []choice
	for _, s := range model.Sources {
		sources = append(sources, choice{string(s), string(s), ""})
	}
	return &form{
		title: "Declare an incident",
		fields: []*field{
			textField("title", "Title", "", checkText("title", model.SingleLine, 1, model.MaxTitle)).withHint("what is happening, in one line"),
			choiceField("severity", "Severity", severityChoices(), string(model.P2)),
			choiceField("breach", "Personal-data breach", []choice{
				{"unknown", "unknown", "Not yet known: the 72-hour notification clock runs, provisionally, from awareness."},
				{"yes", "yes", "Personal data is affected: notify every affected customer within 72 hours of awareness."},
				{"no", "no", "No personal data is affected: no notification clock."}}, "unknown"),
			choiceField("source", "Detected by", sources, "other"),
			textField("customers", "Affected customers", "", func(v string) error {
				_, err := model.CleanNames("customer", splitNames(v))
				return err
			}).withHint("comma-separated; may stay empty"),
			choiceField("availability", "Availability affected", []choice{
				{"no", "no", ""}, {"yes", "yes", "Customers get status updates and a post-mortem."}}, "no"),
		},
		submit: func(v values) tea.Cmd {
			d := model.Declaration{Title: v["title"], Severity: model.Severity(v["severity"]), Breach: model.Breach(v["breach"]),
				Source: model.Source(v["source"]), Customers: splitNames(v["customers"]), Availability: v["availability"] == "yes"}
			f := m.form
			st, actor := m.o.Store, m.o.Actor
			return func() tea.Msg {
				c, cancel := ctx()
				defer cancel()
				inc, err := st.Declare(c, actor, d)
				if err != nil {
					return doneMsg{err: err, form: f}
				}
				return doneMsg{text: "declared " + inc.Ref(), id: inc.ID, declared: true, form: f}
			}
		},
	}
}

// severityForm changes the severity, with the reason for the timeline,
// after a confirmation; raising to P0/P1 an incident without a commander
// goes on to ask for one.
func (m *Model) severityForm(inc *model.Incident) *form {
	id, ref, from := inc.ID, inc.Ref(), inc.Severity
	f := &form{title: "Severity of " + ref, fields: []*field{
		choiceField("severity", "Severity", severityChoices(), string(inc.Severity)),
		textField("reason", "Reason", "", checkText("reason", model.SingleLine, 1, model.MaxReason)).withHint("why, for the timeline"),
	}}
	f.confirm = func(v values) (string, error) {
		to := model.Severity(v["severity"])
		if to == from {
			return "", model.Errorf("%s is already %s; choose another severity, or esc", ref, to)
		}
		text := fmt.Sprintf("Change the severity of %s from %s to %s?", ref, from, to)
		if to.NeedsCommander() && !inc.HasCommander() {
			text += " A " + string(to) + " needs an incident commander: you will be asked for one next."
		}
		return text, nil
	}
	f.submit = func(v values) tea.Cmd {
		to := model.Severity(v["severity"])
		if to.NeedsCommander() && !inc.HasCommander() && m.allowed(m.keys.Assign) {
			f.then = func() tea.Cmd { return m.assignForm(inc) }
		}
		return m.write(f, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			return st.SetSeverity(c, a, id, to, v["reason"])
		})
	}
	return f
}

func (m *Model) assignForm(inc *model.Incident) tea.Cmd {
	var users []choice
	if m.snap != nil {
		for _, u := range m.snap.Users {
			if u.Role != model.Viewer {
				users = append(users, choice{u.Name, model.SanitizeLine(u.Name), string(u.Role)})
			}
		}
	}
	if len(users) == 0 {
		m.setFlash("No users who can command yet; add them with sitrep user add NAME --role member.", true)
		return nil
	}
	id := inc.ID
	return m.openForm(&form{title: "Incident commander of " + inc.Ref(), fields: []*field{choiceField("user", "Commander", users, inc.Commander)},
		submit: func(v values) tea.Cmd {
			return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
				return st.Assign(c, a, id, v["user"])
			})
		}})
}

// notifyForm records a controller notification sent to one customer.
func (m *Model) notifyForm(inc *model.Incident) *form {
	id := inc.ID
	var who *field
	if len(inc.Customers) > 0 {
		var cs []choice
		first := ""
		for _, c := range inc.Customers {
			desc := "no notification recorded yet"
			for _, n := range inc.Notifications {
				if strings.EqualFold(n.Customer, c) && !n.FollowUp {
					desc = "initial notification sent " + n.SentAt.In(m.policy().Location()).Format(model.TimeFormat)
				}
			}
			if first == "" && strings.HasPrefix(desc, "no ") {
				first = c
			}
			cs = append(cs, choice{c, model.SanitizeLine(c), desc})
		}
		// Once the commander has picked a customer's draft on the
		// Notification tab, that is the notice being recorded.
		if m.inc.tab == tabNotification && m.inc.customerPicked {
			first = inc.Customers[m.inc.customer%len(inc.Customers)]
		}
		who = choiceField("customer", "Customer (controller) notified", cs, first)
	} else {
		who = textField("customer", "Recipient (controller) notified", "", checkText("customer name", model.SingleLine, 1, model.MaxName))
	}
	return &form{title: "Record a notification sent for " + inc.Ref(), fields: []*field{
		who,
		textField("channel", "Channel", "email", checkText("channel", model.SingleLine, 1, model.MaxChannel)),
		textField("to", "Sent to (address)", "", checkText("recipient address", model.SingleLine, 0, model.MaxSummary)).withHint("the customer's current draft is recorded as the text sent"),
		choiceField("kind", "Kind", []choice{{"initial", "initial notification", "The first notification under Art. 33: it meets the 72-hour clock for this customer."},
			{"follow-up", "follow-up", "Further information, in phases (Art. 33(4))."}}, "initial"),
		textField("at", "Sent at", "now", func(v string) error { _, err := m.parseTime(v); return err }).withHint("RFC 3339, a date, now, or -30m"),
	}, submit: func(v values) tea.Cmd {
		f := m.form
		at, err := m.parseTime(v["at"])
		if err != nil {
			return func() tea.Msg { return doneMsg{err: err, form: f} }
		}
		in := store.NotifyInput{Customer: v["customer"], Channel: v["channel"], To: v["to"], SentAt: at, FollowUp: v["kind"] == "follow-up"}
		return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			return st.Notify(c, a, id, in)
		})
	}}
}

// breachForm edits the breach facts; a change of the breach state is
// confirmed with what it does to the notification clock.
func (m *Model) breachForm(inc *model.Incident) *form {
	id, ref := inc.ID, inc.Ref()
	num := func(field string) func(string) error {
		return func(v string) error {
			if strings.TrimSpace(v) == "" {
				return nil
			}
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil || n < 0 {
				return model.Errorf("the %s must be a whole number, or empty while unknown", field)
			}
			return nil
		}
	}
	numStr := func(n *int64) string {
		if n == nil {
			return ""
		}
		return strconv.FormatInt(*n, 10)
	}
	// Several customers: the numbers are the chosen customer's own, so
	// the fields start empty and leave what is recorded when left so.
	several := len(inc.Customers) > 1
	cur := func(v values) (subj, recs *int64) {
		switch {
		case several:
			f := inc.Facts(v["customer"])
			return f.Subjects, f.Records
		case len(inc.Customers) == 1:
			f := inc.Facts(inc.Customers[0])
			return f.Subjects, f.Records
		}
		return inc.SubjectsApprox, inc.RecordsApprox
	}
	facts := func(v values) model.BreachFacts {
		var f model.BreachFacts
		if b := model.Breach(v["breach"]); b != inc.Breach {
			f.Breach = &b
		}
		subj, recs := cur(v)
		for _, p := range []struct {
			key string
			cur *int64
			dst **int64
		}{{"subjects", subj, &f.Subjects}, {"records", recs, &f.Records}} {
			if s := strings.TrimSpace(v[p.key]); s != "" && s != numStr(p.cur) {
				n, _ := strconv.ParseInt(s, 10, 64)
				*p.dst = &n
			}
		}
		if several && (f.Subjects != nil || f.Records != nil) {
			f.Customer = v["customer"]
		}
		f.Categories, f.Customers = splitNames(v["categories"]), splitNames(v["customers"])
		f.SubjectCategories = splitNames(v["subject_categories"])
		if c := strings.TrimSpace(v["consequences"]); c != "" && c != inc.Consequences {
			f.Consequences = &c
		}
		if c := strings.TrimSpace(v["proposed"]); c != "" {
			f.Proposed = []string{c}
		}
		if c := strings.TrimSpace(v["mitigation"]); c != "" {
			f.Mitigation = []string{c}
		}
		return f
	}
	subj, recs := cur(values{})
	numHint := "empty while unknown"
	var whose []*field
	if several {
		subj, recs, numHint = nil, nil, "the chosen customer's; empty leaves them as they are"
		var cs []choice
		for _, c := range inc.Customers {
			f := inc.Facts(c)
			cs = append(cs, choice{c, model.SanitizeLine(c), fmt.Sprintf("subjects %s · records %s", model.Describe(f.Subjects), model.Describe(f.Records))})
		}
		whose = append(whose, choiceField("customer", "Numbers for customer", cs, inc.Customers[0]))
	}
	fields := []*field{
		choiceField("breach", "Personal-data breach", []choice{{"unknown", "unknown", "The 72-hour clock runs provisionally."},
			{"yes", "yes", "Notify every affected customer within 72 hours of awareness."}, {"no", "no", "No notification clock."}}, string(inc.Breach)),
	}
	fields = append(fields, whose...)
	fields = append(fields,
		textField("subjects", "Data subjects (approx.)", numStr(subj), num("number of data subjects")).withHint(numHint),
		textField("records", "Records (approx.)", numStr(recs), num("number of records")).withHint(numHint),
		textField("subject_categories", "Add subject categories", "", func(v string) error {
			_, err := model.CleanNames("data subject category", splitNames(v))
			return err
		}).withHint("comma-separated, e.g. employees; known: "+orDash(strings.Join(inc.SubjectCategories, ", "))),
		textField("categories", "Add data categories", "", func(v string) error {
			_, err := model.CleanNames("data category", splitNames(v))
			return err
		}).withHint("comma-separated; known: "+orDash(strings.Join(inc.DataCategories, ", "))),
		textField("customers", "Add affected customers", "", func(v string) error {
			_, err := model.CleanNames("customer", splitNames(v))
			return err
		}).withHint("comma-separated; known: "+orDash(strings.Join(inc.Customers, ", "))),
		areaField("consequences", "Likely consequences", inc.Consequences, checkText("likely consequences", model.MultiLine, 0, model.MaxNote)),
		areaField("proposed", "Add a measure proposed", "", checkText("proposed measure", model.MultiLine, 0, model.MaxNote)),
		areaField("mitigation", "Add a mitigation measure", "", checkText("mitigation measure", model.MultiLine, 0, model.MaxNote)),
	)
	return &form{title: "Breach facts of " + ref, fields: fields, confirm: func(v values) (string, error) {
		f := facts(v)
		if err := f.Validate(); err != nil {
			return "", err
		}
		if f.Breach == nil {
			return "", nil
		}
		after := *inc
		after.Breach = *f.Breach
		pol, now := m.policy(), m.o.Clock.Now()
		before, _ := model.Find(pol.Deadlines(inc, now), model.KindNotify)
		next, _ := model.Find(pol.Deadlines(&after, now), model.KindNotify)
		due := next.DueAt.In(pol.Location()).Format(model.TimeFormat)
		text := fmt.Sprintf("Set the breach of %s to %s?", ref, *f.Breach)
		switch {
		case next.State == model.NA && before.State != model.NA:
			text += fmt.Sprintf(" The %s deadline (due %s) stops applying.", next.Label, due)
		case next.State != model.NA && before.State == model.NA:
			text += fmt.Sprintf(" The %s deadline applies again, due %s.", next.Label, due)
		case next.Provisional:
			text += fmt.Sprintf(" The %s deadline stays provisional, due %s.", next.Label, due)
		default:
			text += fmt.Sprintf(" The %s deadline is firm, due %s.", next.Label, due)
		}
		return text, nil
	}, submit: func(v values) tea.Cmd {
		f := facts(v)
		return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			return st.SetBreach(c, a, id, f)
		})
	}}
}

// awareForm moves the awareness time, naming every clock it moves. The
// time confirmed is the time stored: a relative time (-2h) is read once,
// when the confirmation is written.
func (m *Model) awareForm(inc *model.Incident) *form {
	id, ref := inc.ID, inc.Ref()
	pol := m.policy()
	loc := pol.Location()
	var confirmed time.Time
	return &form{title: "Awareness time of " + ref, fields: []*field{
		textField("at", "Became aware at", inc.AwareAt.In(loc).Format(time.RFC3339), func(v string) error {
			_, err := m.parseTime(v)
			return err
		}).withHint("RFC 3339, a date, now, or -2h; starts the 72-hour clock"),
	}, confirm: func(v values) (string, error) {
		now := m.o.Clock.Now()
		at, err := m.parseTime(v["at"])
		if err != nil {
			return "", err
		}
		confirmed = at
		after := *inc
		after.AwareAt = at.Truncate(time.Second)
		text := fmt.Sprintf("Move the awareness of %s from %s to %s?", ref, inc.AwareAt.In(loc).Format(model.TimeFormat), after.AwareAt.In(loc).Format(model.TimeFormat))
		old := pol.Deadlines(inc, now)
		for _, d := range pol.Deadlines(&after, now) {
			if o, ok := model.Find(old, d.Kind); ok && !o.DueAt.Equal(d.DueAt) && d.State != model.NA {
				text += fmt.Sprintf(" The %s deadline moves from %s to %s.", d.Label, o.DueAt.In(loc).Format(model.TimeFormat), d.DueAt.In(loc).Format(model.TimeFormat))
			}
		}
		return text, nil
	}, submit: func(values) tea.Cmd {
		at := confirmed
		return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			return st.SetAware(c, a, id, at)
		})
	}}
}

// parseTime reads a time typed into a form, a date as its midnight in
// the policy's zone.
func (m *Model) parseTime(v string) (time.Time, error) {
	return model.ParseTime(v, m.o.Clock.Now().In(m.policy().Location()))
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return model.SanitizeLine(s)
}

// updateForm records a status update; on an availability incident it can
// also go on the public status page, under a title customers may read.
func (m *Model) updateForm(inc *model.Incident) *form {
	id := inc.ID
	fields := []*field{areaField("text", "What the status channel said", "", checkText("status update", model.MultiLine, 1, model.MaxNote))}
	if inc.Availability {
		fields = append(fields,
			choiceField("public", "Public status page", []choice{
				{"no", "no: status channel only", "Recorded on the timeline; the public status page does not show it."},
				{"yes", "yes: also on /status", "Shown on the public status page (sitrep serve --http) under the public title, with the time."},
			}, "no"),
			textField("public_title", "Public title (what customers read; the first public update needs one)", inc.PublicTitle,
				checkText("public title", model.SingleLine, 0, model.MaxTitle)))
	}
	return &form{title: "Status update sent for " + inc.Ref(), fields: fields,
		submit: func(v values) tea.Cmd {
			in := model.UpdateInput{Text: v["text"], Public: v["public"] == "yes"}
			if in.Public {
				in.PublicTitle = v["public_title"]
			}
			return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
				return st.PostUpdate(c, a, id, in)
			})
		}}
}

// editForm corrects an incident's facts from the Details tab: title,
// summary, source, detection time, availability and data loss. The
// confirmation says each change, before and after, and the deadlines the
// correction moves.
func (m *Model) editForm(inc *model.Incident) *form {
	id, ref := inc.ID, inc.Ref()
	pol := m.policy()
	loc := pol.Location()
	var sources []choice
	for _, s := range model.Sources {
		sources = append(sources, choice{string(s), string(s), ""})
	}
	yesNo := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	var planned model.Edit
	plan := func(v values) (model.Edit, error) {
		title, summary, src := v["title"], v["summary"], model.Source(v["source"])
		avail, loss := v["availability"] == "yes", v["data_loss"] == "yes"
		e := model.Edit{Title: &title, Summary: &summary, Source: &src, Availability: &avail, DataLoss: &loss}
		at, err := m.parseTime(v["detected"])
		if err != nil {
			return model.Edit{}, err
		}
		// A time unchanged to the second is no correction.
		if !at.Truncate(time.Second).Equal(inc.DetectedAt) {
			e.DetectedAt = &at
		}
		return e, nil
	}
	return &form{title: "Correct " + ref, fields: []*field{
		textField("title", "Title", inc.Title, checkText("title", model.SingleLine, 1, model.MaxTitle)),
		areaField("summary", "Summary", inc.Summary, checkText("summary", model.MultiLine, 0, model.MaxSummary)),
		choiceField("source", "Detected by", sources, string(inc.Source)),
		textField("detected", "Detected at", inc.DetectedAt.In(loc).Format(time.RFC3339), func(v string) error {
			_, err := m.parseTime(v)
			return err
		}).withHint("when the alert or report really arrived; moves the acknowledgement target"),
		choiceField("availability", "Availability affected", []choice{{"no", "no", ""},
			{"yes", "yes", "Status updates while unresolved, a post-mortem after, and a restore deadline."}}, yesNo(inc.Availability)),
		choiceField("data_loss", "Data lost", []choice{{"no", "no", ""},
			{"yes", "yes", "A restore deadline, and the loss window against the recovery point objective."}}, yesNo(inc.DataLoss)),
	}, confirm: func(v values) (string, error) {
		e, err := plan(v)
		if err != nil {
			return "", err
		}
		after := *inc
		data, err := model.ApplyEdit(&after, e, m.o.Clock.Now())
		if err != nil {
			return "", err
		}
		planned = e
		text := "Correct " + ref + "? " + (model.Event{Action: model.ActEdit, Target: ref, Data: data}).Text(loc) + "."
		now := m.o.Clock.Now()
		old := pol.Deadlines(inc, now)
		for _, d := range pol.Deadlines(&after, now) {
			if o, ok := model.Find(old, d.Kind); ok && !o.DueAt.Equal(d.DueAt) && d.State != model.NA {
				text += fmt.Sprintf(" The %s deadline moves to %s.", d.Label, d.DueAt.In(loc).Format(model.TimeFormat))
			} else if !ok && d.State != model.NA {
				text += fmt.Sprintf(" The %s deadline starts, due %s.", d.Label, d.DueAt.In(loc).Format(model.TimeFormat))
			}
		}
		return model.SanitizeLine(text), nil
	}, submit: func(values) tea.Cmd {
		e := planned
		return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			return st.Edit(c, a, id, e)
		})
	}}
}
