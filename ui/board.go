package ui

import (
	"fmt"
	"strings"
	"time"

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
		m.openHelp()
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
	used := strings.Count(b.String(), "\n") + 1 // and the column headings
	avail := h - used - 1                       // footer
	heading := func(c columns) {
		b.WriteString(m.st.Header.Render(cell(c.header(), w)) + "\n")
	}
	empty := ""
	switch {
	case m.snap != nil && m.snap.Board == nil && m.snap.Err != nil:
		empty = m.st.Error.Render(clip("Cannot load the board: "+m.snap.Err.Error(), w))
	case len(m.rows) == 0 && m.filter.Value() != "":
		empty = m.st.Dim.Render("No incident matches the filter; esc clears it.")
	case len(m.rows) == 0:
		empty = m.st.Dim.Render("No active incidents. Press n to declare one.")
	}
	switch {
	case empty != "":
		heading(boardColumns(w, rowWidths{}))
		b.WriteString(empty + "\n")
	default:
		// Only the rows on screen are drawn: a board of a thousand costs
		// what a screenful costs. The columns are as wide as what the
		// rows on screen hold, and the title has the rest. A board
		// longer than the screen gives its last line to saying how many
		// incidents are off it, so none is hidden without a word.
		n := max(1, avail)
		if len(m.rows) > n && n > 1 {
			n--
		}
		off := inView(m.board.cursor, m.board.offset, n, len(m.rows))
		m.board.offset = off
		pol := m.policy()
		rows := make([]rowText, 0, n)
		var need rowWidths
		for i := off; i < min(len(m.rows), off+n); i++ {
			r := m.rowText(m.rows[i], pol, w)
			need.take(r)
			rows = append(rows, r)
		}
		cols := boardColumns(w, need)
		heading(cols)
		for i, r := range rows {
			b.WriteString(m.boardRow(cols, r, w, off+i == m.board.cursor))
			b.WriteString("\n")
		}
		if more := offBoard(off, len(rows), len(m.rows)); more != "" {
			b.WriteString(m.st.Notice.Render(clip(more, w)) + "\n")
		}
	}
	body := fit(b.String(), w, h-1)
	return body + "\n" + m.footer(w, m.keys.boardHelp()[1].keys)
}

// offBoard says how many of total rows are above and below the shown
// rows [off, off+shown), or nothing when all are shown.
func offBoard(off, shown, total int) string {
	above, below := off, total-off-shown
	incidents := func(n int) string {
		return fmt.Sprintf("%d more %s", n, model.Plural(n, "incident", "incidents"))
	}
	switch {
	case above > 0 && below > 0:
		return fmt.Sprintf("↑ %d above · ↓ %d below (j/k, g/G)", above, below)
	case below > 0:
		return "↓ " + incidents(below) + " below (j, G)"
	case above > 0:
		return "↑ " + incidents(above) + " above (k, g)"
	}
	return ""
}

// header is the top line: counts by severity, who is online, the time,
// and EXERCISE on an exercise database.
func (m *Model) header(w int) string {
	left := m.headerLeft.get(headerKey{snap: m.snap, styles: m.stylesGen, day: m.now.In(m.policy().Location()).YearDay()}, m.headerLeftView)
	layout := "Mon 2 Jan 15:04:05 MST"
	if w < 100 {
		layout = "15:04:05 MST" // the room goes to what the board holds
	}
	right := m.now.In(m.policy().Location()).Format(layout)
	if b := m.backupAge(); b != "" {
		right = b + "  " + right
	}
	if m.snap != nil && m.snap.Board != nil && m.snap.Board.Mode == "exercise" {
		right = m.st.Banner.Render("EXERCISE") + " " + right
	}
	if r := m.accessReviewCell(); r != "" {
		right = r + "  " + right
	}
	gap := w - m.headerLeft.width - lipgloss.Width(right)
	if gap < 1 {
		return clip(left, w-lipgloss.Width(right)-1) + " " + right
	}
	return left + strings.Repeat(" ", gap) + right
}

// accessReviewSoon is how close the access-review deadline comes before
// an owner's header shows it.
const accessReviewSoon = 14 * 24 * time.Hour

// accessReviewCell is the access-review deadline for an owner's header,
// once it is near or overdue; "" otherwise.
func (m *Model) accessReviewCell() string {
	if m.o.Actor.Role != model.Owner || m.snap == nil || m.snap.Board == nil {
		return ""
	}
	d, ok := model.AccessReviewDeadline(m.policy(), m.snap.Board.LastAccessReview, m.snap.Users, m.now)
	switch {
	case !ok || d.Remaining > accessReviewSoon:
		return ""
	case d.State == model.Missed:
		return m.st.Error.Render("! ACCESS REVIEW OVERDUE")
	}
	return m.st.Banner.Render("access review due " + model.FormatCountdown(d))
}

// backupAge is, for owners (who take backups), how old the last backup
// is, marked once past the recovery point objective. An exercise database
// holds nothing to recover.
func (m *Model) backupAge() string {
	if m.o.Actor.Role != model.Owner || m.snap == nil || m.snap.Board == nil || m.snap.Board.Mode == "exercise" {
		return ""
	}
	text, stale := model.BackupAge(m.snap.Board.LastBackup, m.now, m.policy().RPO())
	if stale {
		return m.st.Error.Render(model.UrgencyOverdue.Symbol() + " " + text)
	}
	return m.st.Dim.Render(text)
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
			noun := model.Plural(overdue, "action item", "action items")
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
	fmt.Fprintf(&sig, "%d/%d/%s", w, m.stylesGen, m.o.Actor.Role)
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

// columns are the board's column widths at a screen width; 0 hides a
// column. The title takes what is left.
type columns struct {
	ref, sev, title, status, ic, check, due int
	breach, source, customers               int
	// narrow puts the countdown, the column that matters most, before
	// the title on a small screen.
	narrow bool
}

// rowText is one incident's row as plain text, measured before the
// columns are laid out, and its styled cells.
type rowText struct {
	ref, title, status, ic, check, due, breach, source, customers string
	sev                                                           model.Severity
	closed                                                        bool
	icStyle                                                       lipgloss.Style
	dueStyled                                                     string
}

// rowWidths are the widest texts of the rows on screen, per column.
type rowWidths struct {
	ref, title, status, ic, check, due, breach, source, customers int
}

func (n *rowWidths) take(r rowText) {
	for _, p := range []struct {
		to *int
		s  string
	}{{&n.ref, r.ref}, {&n.title, r.title}, {&n.status, r.status}, {&n.ic, r.ic}, {&n.check, r.check},
		{&n.due, r.due}, {&n.breach, r.breach}, {&n.source, r.source}, {&n.customers, r.customers}} {
		*p.to = max(*p.to, lipgloss.Width(p.s))
	}
}

// boardColumns lays out the board for a screen w cells wide whose rows
// hold texts as wide as need: each column as wide as its widest text (or
// heading) within a cap, the title the rest. Below 64 cells the board
// keeps reference, severity, countdown and title, in that order, and the
// commander when the title still has room.
func boardColumns(w int, need rowWidths) columns {
	c := columns{ref: max(need.ref, 3), sev: 2, due: max(need.due, 3)}
	gaps := func(ws ...int) (fixed int) {
		for _, v := range ws {
			if v > 0 {
				fixed += v + 1 // the gap before each column, and the title's
			}
		}
		return fixed
	}
	if w < 64 {
		c.narrow = true
		c.due = min(c.due, max(8, w/2))
		c.title = w - gaps(c.ref, c.sev, c.due)
		if ic := min(max(need.ic, 2), 10); c.title-ic-1 >= 16 {
			c.ic = ic
			c.title -= ic + 1
		}
		c.title = max(4, c.title)
		return c
	}
	c.status = min(max(need.status, 6), 12)
	icCap := 12
	if w >= 150 {
		icCap = 16
	}
	c.ic = min(max(need.ic, 2), icCap)
	c.check = max(need.check, 4)
	if w >= 130 {
		c.breach, c.source = max(need.breach, 6), min(max(need.source, 6), 17)
	}
	if w >= 150 {
		c.customers = min(max(need.customers, 9), 30)
	}
	c.title = max(8, w-gaps(c.ref, c.sev, c.status, c.ic, c.check, c.due, c.breach, c.source, c.customers))
	// A title narrower than the room: the customers, when cut, have it.
	if spare := c.title - max(need.title, 5); spare > 0 && c.customers > 0 && need.customers > c.customers {
		more := min(spare, need.customers-c.customers)
		c.customers += more
		c.title -= more
	}
	return c
}

func (c columns) cells(ref, sev, title, status, ic, check, due, breach, source, customers string) string {
	cells := []string{cell(ref, c.ref), cell(sev, c.sev)}
	if c.narrow {
		cells = append(cells, cell(due, c.due), cell(title, c.title))
		if c.ic > 0 {
			cells = append(cells, cell(ic, c.ic))
		}
		return strings.Join(cells, " ")
	}
	cells = append(cells, cell(title, c.title), cell(status, c.status), cell(ic, c.ic), cell(check, c.check), cell(due, c.due))
	if c.breach > 0 {
		cells = append(cells, cell(breach, c.breach), cell(source, c.source))
	}
	if c.customers > 0 {
		cells = append(cells, cell(customers, c.customers))
	}
	return strings.Join(cells, " ")
}

// header is the column headings, each the longest that fits its column.
func (c columns) header() string {
	pick := func(w int, names ...string) string {
		for _, n := range names {
			if len(n) <= w {
				return n
			}
		}
		return names[len(names)-1]
	}
	return c.cells("REF", "SV", "TITLE", "STATUS", pick(c.ic, "COMMANDER", "IC"), "LIST",
		pick(c.due, "NEXT DEADLINE", "DEADLINE", "DUE"), "BREACH", "SOURCE", "CUSTOMERS")
}

// statusLabel shortens the longest status on narrow screens. A closed
// incident is on the board only while one of its clocks runs: CLOSED, in
// capitals, so it reads without colour.
func statusLabel(s model.Status, w int) string {
	switch {
	case s == model.Closed:
		return "CLOSED"
	case s == model.Acknowledged && w < 100:
		return "ack'd"
	}
	return string(s)
}

// rowText is what an incident's row says, before it is laid out.
func (m *Model) rowText(inc *model.Incident, pol model.Policy, w int) rowText {
	r := rowText{ref: inc.Ref(), sev: inc.Severity, title: model.SanitizeLine(inc.Title),
		status: statusLabel(inc.Status, w), closed: inc.Status == model.Closed, ic: model.SanitizeLine(inc.Commander), icStyle: lipgloss.NewStyle(),
		check:  fmt.Sprintf("%d/%d", inc.Progress.Settled(), inc.Progress.Total),
		breach: string(inc.Breach), source: string(inc.Source),
		customers: model.SanitizeLine(strings.Join(inc.Customers, ", ")),
		due:       "—", dueStyled: m.st.Dim.Render("—")}
	switch {
	case inc.NoIC():
		r.ic, r.icStyle = "NO IC", m.st.Error
	case r.ic == "":
		r.ic, r.icStyle = "—", m.st.Dim
	}
	if d, ok := model.Nearest(pol.Deadlines(inc, m.now)); ok {
		text := model.FormatCountdown(d)
		if w < 64 {
			// ✖ already says overdue; the room goes to the title.
			text = strings.TrimPrefix(text, "OVERDUE ")
		}
		r.due = model.UrgencyOf(d).Symbol() + " " + text + " " + d.Kind
		r.dueStyled = m.st.countdownText(d, text) + " " + m.st.Dim.Render(d.Kind)
	}
	return r
}

// boardRow is one incident's row. The selected row is drawn plain and in
// reverse video, so it stands out on any terminal and in monochrome.
func (m *Model) boardRow(c columns, r rowText, w int, selected bool) string {
	if selected {
		row := c.cells(r.ref, string(r.sev), r.title, r.status, r.ic, r.check, r.due, r.breach, r.source, r.customers)
		return m.st.Selected.Render(cell(row, w))
	}
	status := r.status
	if r.closed {
		status = m.st.Error.Render(status)
	}
	return clip(c.cells(r.ref, m.st.Sev[r.sev].Render(string(r.sev)), r.title, status,
		r.icStyle.Render(r.ic), r.check, r.dueStyled, r.breach, r.source, r.customers), w)
}
