package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"sitrep/model"
	"sitrep/store"
)

// The incident view's tabs, in order; it opens on the checklist.
const (
	tabChecklist = iota
	tabTimeline
	tabNotification
	tabReview
	tabDetails
	tabCount
)

var tabNames = [tabCount]string{"Checklist", "Timeline", "Notification", "Review", "Details"}

// incidentState is the open incident: loaded in full by a command, never
// in the render path, and reloaded when the snapshot changes.
type incidentState struct {
	id     int64
	inc    *model.Incident
	events []model.Event
	err    error
	tab    int
	cursor [tabCount]int // per tab: the selected item, or the scroll line
	offset [tabCount]int
	// tail is set on a scrolling tab shown to its last line: it then
	// follows new lines (a new event on the timeline) as they come.
	tail [tabCount]bool
	// customer is the affected customer whose notice the Notification
	// tab drafts (an index into the incident's customers).
	customer       int
	customerPicked bool // moved with the next-customer key
}

func (m *Model) openIncident(id int64) tea.Cmd {
	if m.inc.id != id {
		m.inc = incidentState{id: id}
	}
	m.page = pageIncident
	return m.loadIncident(id)
}

func (m *Model) loadIncident(id int64) tea.Cmd {
	st := m.o.Store
	hub, shared := m.o.Source.(*Hub)
	return func() tea.Msg {
		c, cancel := ctx()
		defer cancel()
		if shared {
			inc, evs, err := hub.Incident(c, id)
			return incidentMsg{id: id, inc: inc, events: evs, err: err}
		}
		inc, err := st.Incident(c, id)
		if err != nil {
			return incidentMsg{id: id, err: err}
		}
		evs, err := st.Timeline(c, id)
		return incidentMsg{id: id, inc: inc, events: evs, err: err}
	}
}

func (m *Model) gotIncident(msg incidentMsg) {
	if msg.id != m.inc.id {
		return // the user moved on
	}
	m.inc.err = msg.err
	if msg.err == nil {
		m.inc.inc, m.inc.events = msg.inc, msg.events
	}
}

func (m *Model) incidentKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	s := &m.inc
	switch {
	case key.Matches(msg, k.Quit.Binding), key.Matches(msg, k.Back.Binding):
		m.page = pageBoard
		return nil
	case key.Matches(msg, k.Help.Binding):
		m.openHelp()
		return nil
	case key.Matches(msg, k.NextTab.Binding):
		s.tab = (s.tab + 1) % tabCount
		return nil
	case key.Matches(msg, k.PrevTab.Binding):
		s.tab = (s.tab + tabCount - 1) % tabCount
		return nil
	case key.Matches(msg, k.Up.Binding):
		s.cursor[s.tab] = max(0, s.cursor[s.tab]-1)
		s.tail[s.tab] = false
		return nil
	case key.Matches(msg, k.Down.Binding):
		s.cursor[s.tab] = m.clampRow(s.cursor[s.tab] + 1)
		return nil
	case key.Matches(msg, k.Top.Binding):
		s.cursor[s.tab] = 0
		s.tail[s.tab] = false
		return nil
	case key.Matches(msg, k.Bottom.Binding):
		s.cursor[s.tab] = m.clampRow(1 << 30)
		return nil
	}
	inc := s.inc
	if inc == nil {
		return nil
	}
	if s.tab == tabChecklist {
		if cmd, ok := m.checklistKey(msg, inc); ok {
			return cmd
		}
	}
	if s.tab == tabReview {
		if cmd, ok := m.reviewKey(msg, inc); ok {
			return cmd
		}
	}
	switch {
	case s.tab == tabNotification && key.Matches(msg, k.NextCustomer.Binding):
		if len(inc.Customers) > 1 {
			s.customer = (s.customer + 1) % len(inc.Customers)
			s.customerPicked = true
		}
		return nil
	case key.Matches(msg, k.Notify.Binding):
		if m.allowed(k.Notify) {
			return m.openForm(m.notifyForm(inc))
		}
		return nil
	case key.Matches(msg, k.Update.Binding):
		if m.allowed(k.Update) {
			return m.openForm(m.updateForm(inc))
		}
		return nil
	case key.Matches(msg, k.Breach.Binding):
		if m.allowed(k.Breach) {
			return m.openForm(m.breachForm(inc))
		}
		return nil
	case key.Matches(msg, k.Aware.Binding):
		if m.allowed(k.Aware) {
			return m.openForm(m.awareForm(inc))
		}
		return nil
	case s.tab == tabDetails && key.Matches(msg, k.Edit.Binding):
		if m.allowed(k.Edit) {
			return m.openForm(m.editForm(inc))
		}
		return nil
	case key.Matches(msg, k.Export.Binding):
		m.pager = pagerState{title: "Export of " + inc.Ref() + " — sitrep export " + inc.Ref() + " > " + inc.Ref() + ".md writes it to a file",
			lines: strings.Split(model.ExportMarkdown(inc, m.policy(), m.inc.events, m.now), "\n")}
		m.back, m.page = pageIncident, pagePager
		return nil
	}
	return m.incidentAction(msg, inc)
}

// clampRow keeps a tab's cursor on a row that exists: an item on the
// Checklist and Review tabs; the scrolling tabs clamp when drawn.
func (m *Model) clampRow(i int) int {
	inc := m.inc.inc
	if inc == nil {
		return 0
	}
	n := 1 << 30
	switch m.inc.tab {
	case tabChecklist:
		n = len(inc.Checklist)
	case tabReview:
		n = len(reviewSections) + len(inc.Review.Actions)
	}
	return max(0, min(i, n-1))
}

// checklistKey works the selected checklist item: space toggles done, x
// marks it n/a with a reason (or takes the n/a back).
func (m *Model) checklistKey(msg tea.KeyPressMsg, inc *model.Incident) (tea.Cmd, bool) {
	k := m.keys
	if len(inc.Checklist) == 0 {
		return nil, false
	}
	i := max(0, min(m.inc.cursor[tabChecklist], len(inc.Checklist)-1))
	it := inc.Checklist[i]
	id := inc.ID
	check := func(c model.CheckChange, f *form) tea.Cmd {
		return m.write(f, func(cx context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			return st.Check(cx, a, id, c)
		})
	}
	switch {
	case key.Matches(msg, k.Toggle.Binding):
		if !m.allowed(k.Toggle) {
			return nil, true
		}
		return check(model.CheckChange{Key: it.Key, Undo: it.State != model.ItemTodo}, nil), true
	case key.Matches(msg, k.NA.Binding):
		if !m.allowed(k.NA) {
			return nil, true
		}
		if it.State == model.ItemNA {
			return check(model.CheckChange{Key: it.Key, Undo: true}, nil), true
		}
		return m.openForm(&form{title: "Not applicable: " + model.SanitizeLine(it.Item), fields: []*field{
			textField("reason", "Why it does not apply to "+inc.Ref(), "", checkText("reason", model.SingleLine, 1, model.MaxReason))},
			submit: func(v values) tea.Cmd {
				return check(model.CheckChange{Key: it.Key, NA: true, Reason: v["reason"]}, m.form)
			}}), true
	}
	return nil, false
}

// The review tab's rows: the four sections, then the action items.
var reviewSections = []struct{ key, name string }{
	{"root_cause", "Root cause"}, {"worked", "What worked"}, {"not_worked", "What did not work"}, {"impact", "Customer impact"}}

func reviewText(r model.Review, key string) string {
	switch key {
	case "root_cause":
		return r.RootCause
	case "worked":
		return r.Worked
	case "not_worked":
		return r.NotWorked
	}
	return r.Impact
}

func (m *Model) reviewKey(msg tea.KeyPressMsg, inc *model.Incident) (tea.Cmd, bool) {
	k := m.keys
	id, ref := inc.ID, inc.Ref()
	row := max(0, min(m.inc.cursor[tabReview], len(reviewSections)+len(inc.Review.Actions)-1))
	switch {
	case key.Matches(msg, k.EditSection.Binding) && row < len(reviewSections):
		if !m.allowed(k.EditSection) {
			return nil, true
		}
		sec := reviewSections[row]
		return m.openForm(&form{title: sec.name + " — review of " + ref, fields: []*field{
			areaField("text", sec.name, reviewText(inc.Review, sec.key), checkText(strings.ToLower(sec.name), model.MultiLine, 1, model.MaxNote))},
			submit: func(v values) tea.Cmd {
				text := v["text"]
				var e model.ReviewEdit
				switch sec.key {
				case "root_cause":
					e.RootCause = &text
				case "worked":
					e.Worked = &text
				case "not_worked":
					e.NotWorked = &text
				default:
					e.Impact = &text
				}
				return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
					return st.WriteReview(c, a, id, e)
				})
			}}), true
	case key.Matches(msg, k.AddAction.Binding):
		if !m.allowed(k.AddAction) {
			return nil, true
		}
		due := m.o.Clock.Now().In(m.policy().Location()).AddDate(0, 0, 14).Format(model.DateLayout)
		return m.openForm(&form{title: "Action item for the review of " + ref, fields: []*field{
			textField("title", "What is to be done", "", checkText("action item title", model.SingleLine, 1, model.MaxTitle)),
			textField("owner", "Owner", m.o.Actor.Name, checkText("action item owner", model.SingleLine, 1, model.MaxName)),
			textField("due", "Due date (YYYY-MM-DD)", due, func(v string) error { _, err := model.ParseDate(v); return err }),
		}, submit: func(v values) tea.Cmd {
			return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
				return st.AddActionItem(c, a, id, v["title"], v["owner"], v["due"])
			})
		}}), true
	case key.Matches(msg, k.Toggle.Binding) && row >= len(reviewSections):
		if !m.allowed(k.AddAction) {
			return nil, true
		}
		n := inc.Review.Actions[row-len(reviewSections)].N
		return m.write(nil, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			return st.ActionDone(c, a, id, n)
		}), true
	case key.Matches(msg, k.Complete.Binding):
		if !m.allowed(k.Complete) {
			return nil, true
		}
		m.ask = &confirm{text: fmt.Sprintf("Mark the review of %s complete? A P0/P1 incident can then be closed.", ref), yes: func() tea.Cmd {
			return m.write(nil, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
				return st.WriteReview(c, a, id, model.ReviewEdit{Complete: true})
			})
		}}
		return nil, true
	}
	return nil, false
}

func (m *Model) incidentView() string {
	w, h := max(m.width, 20), max(m.height, 6)
	s := &m.inc
	var b strings.Builder
	b.WriteString(m.header(w) + "\n")
	for _, l := range m.exerciseLines(w) {
		b.WriteString(clip(l, w) + "\n")
	}
	inc := s.inc
	if inc == nil {
		if s.err != nil {
			b.WriteString(m.st.Error.Render(clip(s.err.Error(), w)) + "\n" + m.st.Dim.Render("esc goes back to the board"))
		} else {
			b.WriteString(m.st.Dim.Render("Loading " + model.FormatRef(s.id) + "…"))
		}
		return fit(b.String(), w, h)
	}
	pol := m.policy()
	ic := model.SanitizeLine(inc.Commander)
	icStyle := m.st.Bold
	switch {
	case inc.NoIC():
		ic, icStyle = "NO IC", m.st.Error
	case ic == "":
		ic, icStyle = "none", m.st.Dim
	}
	title := m.st.Title.Render(inc.Ref()) + "  " + m.st.Sev[inc.Severity].Render(string(inc.Severity)+" "+inc.Severity.Info().Name) +
		"  " + string(inc.Status) + "  " + m.st.Dim.Render("IC ") + icStyle.Render(ic)
	b.WriteString(clip(title, w) + "\n")
	b.WriteString(clip(m.st.Bold.Render(model.SanitizeLine(inc.Title)), w) + "\n")
	var dl []string
	for _, d := range pol.Deadlines(inc, m.now) {
		label := d.Kind
		if d.Provisional {
			label += " (provisional)"
		}
		dl = append(dl, m.st.Dim.Render(label+" ")+m.st.Countdown(d))
	}
	b.WriteString(clip(strings.Join(dl, "   "), w) + "\n")
	var tabs []string
	for i, name := range tabNames {
		if i == s.tab {
			tabs = append(tabs, m.st.TabActive.Render(name))
		} else {
			tabs = append(tabs, m.st.Tab.Render(name))
		}
	}
	b.WriteString(clip(strings.Join(tabs, " "), w) + "\n")
	used := strings.Count(b.String(), "\n")
	avail := max(1, h-used-1)
	lines, sel := m.tabLines(inc, w)
	cur := s.cursor[s.tab]
	if sel != nil {
		cur = max(0, min(cur, len(sel)-1))
		s.cursor[s.tab] = cur
		if len(sel) > 0 {
			cur = sel[cur]
		}
	} else {
		// A scrolling tab: the cursor is the top line. Shown to its end,
		// it stays at the end as lines arrive; otherwise the last line
		// on screen says how many are below.
		end := max(0, len(lines)-avail)
		if s.tail[s.tab] {
			cur = end
		}
		cur = max(0, min(cur, end))
		s.cursor[s.tab], s.tail[s.tab] = cur, cur == end
		if below := len(lines) - (cur + avail); below > 0 {
			more := fmt.Sprintf("↓ %d more lines below (j, G for the end)", below+1)
			lines = append(lines[:cur+avail-1:cur+avail-1], m.st.Notice.Render(clip(more, w)))
		}
		cur = min(len(lines)-1, cur+avail-1)
		s.offset[s.tab] = s.cursor[s.tab]
	}
	vis, off := window(lines, max(0, cur), s.offset[s.tab], avail)
	s.offset[s.tab] = off
	b.WriteString(strings.Join(vis, "\n"))
	body := fit(b.String(), w, h-1)
	groups := m.keys.incidentHelp()
	keys := groups[1].keys
	switch s.tab {
	case tabChecklist:
		keys = append(groups[2].keys, keys...)
	case tabNotification:
		keys = append(groups[3].keys, keys...)
	case tabReview:
		keys = append(groups[4].keys, keys...)
	case tabDetails:
		keys = append(groups[5].keys, keys...)
	}
	return body + "\n" + m.footer(w, keys)
}

// tabLines renders the current tab; sel lists the line of each selectable
// row (nil: the tab scrolls).
func (m *Model) tabLines(inc *model.Incident, w int) (lines []string, sel []int) {
	pol := m.policy()
	loc := pol.Location()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format(model.TimeFormat)
	}
	switch m.inc.tab {
	case tabChecklist:
		for i, it := range inc.Checklist {
			line := fmt.Sprintf("%s %s", it.State.Mark(), model.SanitizeLine(it.Item))
			if it.State != model.ItemTodo {
				extra := fmt.Sprintf("  %s %s", model.SanitizeLine(it.By), it.At.In(loc).Format("Jan 2 15:04"))
				if it.Reason != "" {
					extra += " — " + model.SanitizeLine(it.Reason)
				}
				line += m.st.Dim.Render(extra)
			}
			if i == m.inc.cursor[tabChecklist] {
				line = "▶ " + line
			} else {
				line = "  " + line
			}
			sel = append(sel, len(lines))
			lines = append(lines, clip(line, w))
		}
		lines = append(lines, "", m.st.Dim.Render(fmt.Sprintf("%d of %d settled", inc.Progress.Settled(), inc.Progress.Total)))
		return lines, sel
	case tabTimeline:
		for _, e := range m.inc.events {
			head := m.st.Dim.Render(e.Time.In(loc).Format("2006-01-02 15:04:05 MST")) + "  " + m.st.Bold.Render(model.SanitizeLine(e.Actor)) +
				m.st.Dim.Render(" ("+model.SanitizeLine(e.Source)+")")
			lines = append(lines, clip(head, w))
			for _, text := range model.SanitizeLines(e.Text(loc)) {
				for _, l := range wrap(text, w-4) {
					lines = append(lines, "    "+l)
				}
			}
		}
		if len(lines) == 0 {
			lines = append(lines, m.st.Dim.Render("No events yet."))
		}
		return lines, nil
	case tabNotification:
		lines = append(lines, m.st.Header.Render("Controller notifications"))
		if inc.Breach == model.BreachNo {
			lines = append(lines, m.st.Dim.Render("Not a personal-data breach: no notification is due."))
		}
		for _, c := range model.Notices(inc) {
			sent := m.st.Error.Render("not sent")
			if !c.Initial.IsZero() {
				sent = m.st.Notice.Render("sent " + ts(c.Initial))
			}
			line := fmt.Sprintf("  %s  %s", cell(model.SanitizeLine(c.Customer), 24), sent)
			if c.FollowUps > 0 {
				line += m.st.Dim.Render(fmt.Sprintf("  %d follow-up(s)", c.FollowUps))
			}
			lines = append(lines, clip(line, w))
		}
		for _, o := range pol.Owed(inc) {
			lines = append(lines, clip(m.st.Error.Render("  "+o.String())+m.st.Dim.Render("  (due "+ts(o.DueAt)+")"), w))
		}
		if inc.Availability {
			lines = append(lines, "", m.st.Header.Render("Status updates (availability incident; a post-mortem follows resolution)"))
			if len(inc.Updates) == 0 {
				lines = append(lines, m.st.Dim.Render("  none yet — u records one"))
			}
			for _, u := range inc.Updates {
				lines = append(lines, clip("  "+ts(u.At)+"  "+model.SanitizeLine(u.By)+": "+model.SanitizeLine(u.Text), w))
			}
		}
		if inc.Breach == model.BreachNo {
			return lines, nil
		}
		customer := ""
		if len(inc.Customers) > 0 {
			customer = inc.Customers[m.inc.customer%len(inc.Customers)]
		}
		head := "Draft notice (Art. 33)"
		if customer != "" {
			head = "Draft notice to " + model.SanitizeLine(customer) + " (Art. 33)"
		}
		if len(inc.Customers) > 1 {
			head += m.st.Dim.Render(fmt.Sprintf("   %d of %d · %s next customer", m.inc.customer%len(inc.Customers)+1, len(inc.Customers), m.keys.NextCustomer.Help().Key))
		}
		lines = append(lines, "", m.st.Header.Render(head))
		d, err := model.MakeDraft(inc, pol, model.DraftRequest{Customer: customer}, m.now)
		if err != nil {
			for _, wl := range wrap(err.Error(), w-2) {
				lines = append(lines, "  "+m.st.Error.Render(wl))
			}
			return lines, nil
		}
		for _, l := range strings.Split(d.Text, "\n") {
			for _, wl := range wrap(l, w-2) {
				lines = append(lines, "  "+wl)
			}
		}
		return lines, nil
	case tabReview:
		r := inc.Review
		status := m.st.Error.Render("not complete")
		if r.Complete() {
			status = m.st.Notice.Render("complete, " + ts(r.CompletedAt) + " by " + model.SanitizeLine(r.CompletedBy))
		}
		head := "Post-incident review: " + status
		if d, ok := model.Find(pol.Deadlines(inc, m.now), model.KindReview); ok {
			head += "   due " + ts(d.DueAt) + " " + m.st.Countdown(d)
		}
		lines = append(lines, clip(head, w), "")
		cur := m.inc.cursor[tabReview]
		for i, s := range reviewSections {
			mark := "  "
			if i == cur {
				mark = "▶ "
			}
			sel = append(sel, len(lines))
			lines = append(lines, mark+m.st.Header.Render(s.name))
			text := reviewText(r, s.key)
			if text == "" {
				lines = append(lines, "    "+m.st.Dim.Render("(empty — enter writes it)"))
			}
			for _, l := range strings.Split(model.Sanitize(text), "\n") {
				if text == "" {
					break
				}
				for _, wl := range wrap(l, w-6) {
					lines = append(lines, "    "+wl)
				}
			}
		}
		lines = append(lines, "", "  "+m.st.Header.Render("Action items"))
		if len(r.Actions) == 0 {
			lines = append(lines, "    "+m.st.Dim.Render("none yet — + adds one"))
		}
		for i, a := range r.Actions {
			mark := "  "
			if len(reviewSections)+i == cur {
				mark = "▶ "
			}
			box := "[ ]"
			if !a.DoneAt.IsZero() {
				box = "[x]"
			}
			sel = append(sel, len(lines))
			lines = append(lines, clip(fmt.Sprintf("%s%s %d. %s — %s, due %s", mark, box, a.N, model.SanitizeLine(a.Title), model.SanitizeLine(a.Owner), a.Due), w))
		}
		if missing := r.Missing(); !r.Complete() && len(missing) > 0 {
			lines = append(lines, "", m.st.Dim.Render(clip("Still needed: "+strings.Join(missing, ", "), w)))
		}
		return lines, sel
	}
	// Details
	for _, f := range model.Facts(inc, loc) {
		lines = append(lines, clip(m.st.Dim.Render(cell(f.Label, 22))+f.Value, w))
		if f.Label == "Severity" {
			for _, l := range wrap(inc.Severity.Info().Definition, w-22) {
				lines = append(lines, strings.Repeat(" ", 22)+m.st.Dim.Render(l))
			}
		}
	}
	if inc.Summary != "" {
		lines = append(lines, "", m.st.Header.Render("Summary"))
		for _, l := range strings.Split(model.Sanitize(inc.Summary), "\n") {
			lines = append(lines, wrap(l, w-2)...)
		}
	}
	return lines, nil
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return model.SanitizeLine(s)
}

// pagerState is a read-only scrolling text (the export).
type pagerState struct {
	title string
	lines []string
	at    scroll
}

// scroll is the first line shown of a text taller than the screen.
type scroll struct{ top int }

// key moves the text by a key, page lines at a time for the paging keys;
// it says whether the key was a scrolling key.
func (s *scroll) key(k string, total, page int) bool {
	page = max(1, page)
	switch k {
	case "down", "j":
		s.top++
	case "up", "k":
		s.top--
	case "pgdown", "space", "f":
		s.top += page
	case "pgup", "b":
		s.top -= page
	case "g", "home":
		s.top = 0
	case "G", "end":
		s.top = total
	default:
		return false
	}
	s.top = max(0, min(s.top, total-page))
	return true
}

// window is the lines shown, page at most, and the footer's position.
func (s *scroll) window(lines []string, page int) ([]string, string) {
	page = max(1, page)
	s.top = max(0, min(s.top, len(lines)-page))
	end := min(len(lines), s.top+page)
	return lines[s.top:end], fmt.Sprintf("%d–%d of %d", s.top+1, end, len(lines))
}

func (m *Model) pagerKey(msg tea.KeyPressMsg) tea.Cmd {
	if k := msg.String(); k == "esc" || k == "q" {
		m.page = m.back
		return nil
	}
	m.pager.at.key(msg.String(), len(m.pager.lines), m.height-3)
	return nil
}

func (m *Model) pagerView() string {
	w, h := max(m.width, 20), max(m.height, 6)
	p := &m.pager
	var b strings.Builder
	b.WriteString(m.header(w) + "\n")
	b.WriteString(m.st.Title.Render(clip(p.title, w)) + "\n")
	vis, pos := p.at.window(p.lines, h-3)
	for _, l := range vis {
		b.WriteString(clip(l, w) + "\n")
	}
	return fit(b.String(), w, h-1) + "\n" + m.st.Dim.Render(clip(pos+" lines · j/k scroll · space page · esc back", w))
}

// openHelp shows the keys of the current page, from the top.
func (m *Model) openHelp() {
	m.back, m.page, m.helpAt = m.page, pageHelp, scroll{}
}

// helpView lists every key of the page it was opened from. Keys the
// actor's role forbids are struck through, with the model's refusal when
// one column fits the screen, or who may use them when the groups must be
// laid out in columns.
func (m *Model) helpView() string {
	w, h := max(m.width, 20), max(m.height, 6)
	groups := m.keys.boardHelp()
	if m.back == pageIncident {
		groups = m.keys.incidentHelp()
	}
	if m.exercise() != nil {
		groups = append(groups, m.keys.exerciseHelp())
	}
	head := []string{m.header(w), m.st.Title.Render("Keys") + m.st.Dim.Render(fmt.Sprintf("   you are %s (%s)", model.SanitizeLine(m.o.Actor.Name), m.o.Actor.Role))}
	foot := m.st.Dim.Render("? or esc closes this help")
	line := func(k binding, full bool) string {
		hk := k.Help()
		if k.act != "" {
			if err := model.Authorize(m.o.Actor.Role, k.act); err != nil {
				note := "  — " + err.Error()
				if !full {
					note = " (" + string(model.MinRole(k.act)) + "+)"
				}
				return "  " + m.st.KeyOff.Render(cell(hk.Key, 11)+hk.Desc) + m.st.Dim.Render(note)
			}
		}
		return "  " + m.st.Key.Render(cell(hk.Key, 11)) + hk.Desc
	}
	var one []string
	for _, g := range groups {
		one = append(one, "", m.st.Header.Render(g.title))
		for _, k := range g.keys {
			one = append(one, clip(line(k, true), w))
		}
	}
	avail := h - len(head) - 2
	if len(one) <= avail {
		return fit(strings.Join(append(append(head, one...), "", foot), "\n"), w, h)
	}
	// Columns: groups packed top to bottom, left to right, when each
	// column is wide enough for its keys.
	var cols [][]string
	var cur []string
	for _, g := range groups {
		block := []string{m.st.Header.Render(g.title)}
		for _, k := range g.keys {
			block = append(block, line(k, false))
		}
		if len(cur) > 0 && len(cur)+1+len(block) > avail {
			cols = append(cols, cur)
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, "")
		}
		cur = append(cur, block...)
	}
	cols = append(cols, cur)
	colW := w / len(cols)
	fits := colW >= 34
	for _, c := range cols {
		fits = fits && len(c) <= avail
	}
	if !fits {
		// Too small for columns: one column that scrolls.
		vis, pos := m.helpAt.window(one, avail+1)
		foot = m.st.Dim.Render("j/k scroll · esc closes · " + pos)
		return fit(strings.Join(append(append(head, vis...), foot), "\n"), w, h)
	}
	rows := make([]string, avail)
	for _, c := range cols {
		for i := range rows {
			l := ""
			if i < len(c) {
				l = c[i]
			}
			rows[i] += cell(l, colW)
		}
	}
	return fit(strings.Join(append(append(head, append([]string{""}, rows...)...), foot), "\n"), w, h)
}
