package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sitrep/model"
)

// boardState is the board's cursor: the selected incident by id, so the
// selection stays on the same incident when rows reorder.
type boardState struct {
	sel       int64
	cursor    int
	offset    int
	filtering bool
}

// follow puts the cursor back on the selected incident after the rows
// changed, or on the nearest row if it left the board.
func (b *boardState) follow(rows []*model.Incident) {
	for i, inc := range rows {
		if inc.ID == b.sel {
			b.cursor = i
			return
		}
	}
	b.cursor = max(0, min(b.cursor, len(rows)-1))
	if len(rows) > 0 {
		b.sel = rows[b.cursor].ID
	} else {
		b.sel = 0
	}
}

func (b *boardState) move(rows []*model.Incident, to int) {
	if len(rows) == 0 {
		return
	}
	b.cursor = max(0, min(to, len(rows)-1))
	b.sel = rows[b.cursor].ID
}

// selected is the incident under the cursor, or nil.
func (m *Model) selected() *model.Incident {
	if m.board.cursor < len(m.rows) && m.board.cursor >= 0 && len(m.rows) > 0 {
		return m.rows[m.board.cursor]
	}
	return nil
}

func (m *Model) boardKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.board.filtering {
		switch msg.String() {
		case "esc":
			m.board.filtering = false
			m.filter.SetValue("")
			m.filter.Blur()
			m.rebuildRows()
		case "enter":
			m.board.filtering = false
			m.filter.Blur()
		default:
			var cmd tea.Cmd
			m.filter, cmd = m.filter.Update(msg)
			m.rebuildRows()
			return cmd
		}
		return nil
	}
	inc := m.selected()
	switch {
	case key.Matches(msg, k.Quit.Binding):
		return tea.Quit
	case key.Matches(msg, k.Help.Binding):
		m.back, m.page = m.page, pageHelp
	case key.Matches(msg, k.Up.Binding):
		m.board.move(m.rows, m.board.cursor-1)
	case key.Matches(msg, k.Down.Binding):
		m.board.move(m.rows, m.board.cursor+1)
	case key.Matches(msg, k.Top.Binding):
		m.board.move(m.rows, 0)
	case key.Matches(msg, k.Bottom.Binding):
		m.board.move(m.rows, len(m.rows)-1)
	case key.Matches(msg, k.Filter.Binding):
		m.board.filtering = true
		return m.filter.Focus()
	case key.Matches(msg, k.Back.Binding):
		if m.filter.Value() != "" {
			m.filter.SetValue("")
			m.rebuildRows()
		}
	case key.Matches(msg, k.Declare.Binding):
		if m.allowed(k.Declare) {
			return m.openForm(m.declareForm())
		}
	case key.Matches(msg, k.Open.Binding):
		if inc != nil {
			return m.openIncident(inc.ID)
		}
	default:
		if inc != nil {
			return m.incidentAction(msg, inc)
		}
	}
	return nil
}

func (m *Model) boardView() string {
	w, h := max(m.width, 20), max(m.height, 6)
	var b strings.Builder
	b.WriteString(m.header(w))
	b.WriteString("\n")
	for _, l := range m.exerciseLines(w) {
		b.WriteString(clip(l, w) + "\n")
	}
	if m.board.filtering || m.filter.Value() != "" {
		m.filter.SetWidth(w - 4)
		b.WriteString(clip(m.filter.View(), w))
		b.WriteString("\n")
	}
	cols := boardColumns(w)
	b.WriteString(m.st.Header.Render(cell(cols.header(), w)))
	b.WriteString("\n")
	used := strings.Count(b.String(), "\n")
	avail := h - used - 1 // footer
	switch {
	case m.snap != nil && m.snap.Board == nil && m.snap.Err != nil:
		b.WriteString(m.st.Error.Render(clip("Cannot load the board: "+m.snap.Err.Error(), w)))
		b.WriteString("\n")
	case len(m.rows) == 0 && m.filter.Value() != "":
		b.WriteString(m.st.Dim.Render("No incident matches the filter; esc clears it."))
		b.WriteString("\n")
	case len(m.rows) == 0:
		b.WriteString(m.st.Dim.Render("No active incidents. Press n to declare one."))
		b.WriteString("\n")
	default:
		// Only the rows on screen are drawn: a board of a thousand costs
		// what a screenful costs.
		off := m.board.offset
		if m.board.cursor < off {
			off = m.board.cursor
		}
		if n := max(1, avail); m.board.cursor >= off+n {
			off = m.board.cursor - n + 1
		}
		off = max(0, min(off, len(m.rows)-max(1, avail)))
		m.board.offset = off
		pol := m.policy()
		for i := off; i < min(len(m.rows), off+max(1, avail)); i++ {
			b.WriteString(m.boardRow(cols, m.rows[i], pol, w, i == m.board.cursor))
			b.WriteString("\n")
		}
	}
	body := fit(b.String(), w, h-1)
	return body + "\n" + m.footer(w, m.keys.boardHelp()[1].keys)
}

// header is the top line: counts by severity, who is online, the time,
// and EXERCISE on an exercise database.
func (m *Model) header(w int) string {
	left := m.headerLeft.get(headerKey{snap: m.snap, styles: m.stylesGen, day: m.now.In(m.policy().Location()).YearDay()}, m.headerLeftView)
	right := m.now.In(m.policy().Location()).Format("Mon 2 Jan 15:04:05 MST")
	if m.snap != nil && m.snap.Board != nil && m.snap.Board.Mode == "exercise" {
		right = m.st.Banner.Render("EXERCISE") + " " + right
	}
	gap := w - m.headerLeft.width - lipgloss.Width(right)
	if gap < 1 {
		return clip(left, w-lipgloss.Width(right)-1) + " " + right
	}
	return left + strings.Repeat(" ", gap) + right
}

type headerKey struct {
	snap   *Snapshot
	styles int
	day    int // action items fall overdue as a day begins
}

// headerLeftView is the header's left part, which changes only with the
// snapshot: the counts by severity and who is online.
func (m *Model) headerLeftView() string {
	parts := []string{m.st.Title.Render("SITREP")}
	counts := map[model.Severity]int{}
	closed := 0
	if m.snap != nil && m.snap.Board != nil {
		for _, inc := range m.snap.Board.Incidents {
			if !inc.Status.Active() {
				closed++ // on the board only while a clock runs
				continue
			}
			counts[inc.Severity]++
		}
	}
	var sev []string
	for _, s := range model.Severities {
		st := m.st.Dim
		if counts[s] > 0 {
			st = m.st.Sev[s]
		}
		sev = append(sev, st.Render(fmt.Sprintf("%s %d", s, counts[s])))
	}
	parts = append(parts, strings.Join(sev, " "))
	if closed > 0 {
		parts = append(parts, m.st.Error.Render(fmt.Sprintf("%d CLOSED, clock running", closed)))
	}
	// Admins follow the review action items up: the overdue ones show.
	if m.o.Actor.Role.AtLeast(model.Admin) && m.snap != nil && m.snap.Board != nil {
		overdue := 0
		for _, a := range m.snap.Board.OpenActions {
			if a.Overdue(m.now, m.policy().Location()) {
				overdue++
			}
		}
		if overdue > 0 {
			noun := "action items"
			if overdue == 1 {
				noun = "action item"
			}
			parts = append(parts, m.st.Error.Render(fmt.Sprintf("%d %s overdue (sitrep actions --open)", overdue, noun)))
		}
	}
	if m.snap != nil && len(m.snap.Online) > 0 {
		parts = append(parts, m.st.Dim.Render("online: ")+model.SanitizeLine(strings.Join(m.snap.Online, ", ")))
	}
	return strings.Join(parts, "   ")
}

// footer is the flash message, or the keys of the page with the ones the
// actor's role forbids struck through.
func (m *Model) footer(w int, keys []binding) string {
	if m.flash != "" {
		st := m.st.Notice
		if m.flashErr {
			st = m.st.Error
		}
		return st.Render(clip(m.flash, w))
	}
	// The keys of a page change only with the width, the styles and the
	// page, so the line is drawn once, not at every tick.
	var sig strings.Builder
	fmt.Fprintf(&sig, "%d/%d", w, m.stylesGen)
	for _, b := range keys {
		h := b.Help()
		sig.WriteString("\x00" + h.Key + "\x00" + h.Desc)
	}
	return m.footerLine.get(sig.String(), func() string {
		var parts []string
		for _, b := range append([]binding{m.keys.Help}, keys...) {
			h := b.Help()
			if b.act != "" && model.Authorize(m.o.Actor.Role, b.act) != nil {
				parts = append(parts, m.st.KeyOff.Render(h.Key+" "+h.Desc))
				continue
			}
			parts = append(parts, m.st.Key.Render(h.Key)+" "+m.st.Dim.Render(h.Desc))
		}
		return clip(strings.Join(parts, "  "), w)
	})
}

// columns are the board's column widths at a screen width; the title
// takes what is left, and wide screens get more columns.
type columns struct {
	ref, sev, title, status, ic, check, due int
	breach, source, customers               int
}

func boardColumns(w int) columns {
	c := columns{ref: 7, sev: 2, status: 9, ic: 8, check: 5, due: 26}
	if w >= 100 {
		c.status, c.ic = 12, 12
	}
	if w >= 130 {
		c.breach, c.source = 7, 17
	}
	if w >= 150 {
		c.customers, c.ic = 24, 16
	}
	n, fixed := 0, 0
	for _, v := range []int{c.ref, c.sev, c.status, c.ic, c.check, c.due, c.breach, c.source, c.customers} {
		if v > 0 {
			n++
			fixed += v
		}
	}
	c.title = max(8, w-fixed-n) // n gaps: one before each column but the first, and the title's
	return c
}

func (c columns) cells(ref, sev, title, status, ic, check, due, breach, source, customers string) string {
	cells := []string{cell(ref, c.ref), cell(sev, c.sev), cell(title, c.title), cell(status, c.status),
		cell(ic, c.ic), cell(check, c.check), cell(due, c.due)}
	if c.breach > 0 {
		cells = append(cells, cell(breach, c.breach), cell(source, c.source))
	}
	if c.customers > 0 {
		cells = append(cells, cell(customers, c.customers))
	}
	return strings.Join(cells, " ")
}

func (c columns) header() string {
	ic := "COMMANDER"
	if c.ic < len(ic) {
		ic = "IC"
	}
	return c.cells("REF", "SV", "TITLE", "STATUS", ic, "LIST", "NEXT DEADLINE", "BREACH", "SOURCE", "CUSTOMERS")
}

// statusLabel shortens the longest status on narrow screens. A closed
// incident is on the board only while one of its clocks runs: CLOSED, in
// capitals, so it reads without colour.
func (c columns) statusLabel(s model.Status) string {
	switch {
	case s == model.Closed:
		return "CLOSED"
	case s == model.Acknowledged && c.status < len(s):
		return "ack'd"
	}
	return string(s)
}

// boardRow is one incident's row. The selected row is drawn plain and in
// reverse video, so it stands out on any terminal and in monochrome.
func (m *Model) boardRow(c columns, inc *model.Incident, pol model.Policy, w int, selected bool) string {
	ic := model.SanitizeLine(inc.Commander)
	icStyle := lipgloss.NewStyle()
	switch {
	case inc.NoIC():
		ic, icStyle = "NO IC", m.st.Error
	case ic == "":
		ic, icStyle = "—", m.st.Dim
	}
	due, dueText := m.st.Dim.Render("—"), "—"
	if d, ok := model.Nearest(pol.Deadlines(inc, m.now)); ok {
		dueText = model.UrgencyOf(d).Symbol() + " " + model.FormatCountdown(d) + " " + d.Kind
		due = m.st.Countdown(d) + " " + m.st.Dim.Render(d.Kind)
	}
	title := model.SanitizeLine(inc.Title)
	check := fmt.Sprintf("%d/%d", inc.Progress.Settled(), inc.Progress.Total)
	customers := model.SanitizeLine(strings.Join(inc.Customers, ", "))
	if selected {
		row := c.cells(inc.Ref(), string(inc.Severity), title, c.statusLabel(inc.Status), ic, check, dueText,
			string(inc.Breach), string(inc.Source), customers)
		return m.st.Selected.Render(cell(row, w))
	}
	status := c.statusLabel(inc.Status)
	if inc.Status == model.Closed {
		status = m.st.Error.Render(status)
	}
	return clip(c.cells(inc.Ref(), m.st.Sev[inc.Severity].Render(string(inc.Severity)), title, status,
		icStyle.Render(ic), check, due, string(inc.Breach), string(inc.Source), customers), w)
}
