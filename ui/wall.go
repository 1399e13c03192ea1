package ui

import (
	"image/color"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"sitrep/model"
	"sitrep/store"
)

// WallOptions configure the wallboard.
type WallOptions struct {
	Source        Source        // snapshots (a *Hub in production)
	Clock         model.Clock   // the time countdowns are computed from
	Width, Height int           // initial size (SSH gives it; locally a WindowSizeMsg follows)
	Cycle         time.Duration // how long each page shows when not all incidents fit; default 8s
	Styles        *Styles       // nil: NewStyles(true); replaced on tea.BackgroundColorMsg
}

// Wall is the wallboard: a read-only screen for a projector or a shared
// monitor showing every active incident as a card, most urgent first,
// with its nearest deadline in large digits. It only reads snapshots from
// its Source, so a room full of wallboards costs the database nothing.
type Wall struct {
	src           Source
	clock         model.Clock
	width, height int
	cycle         time.Duration
	styles        *Styles

	sub   <-chan struct{}
	stop  func()
	phase int // which of the source's beats this screen follows

	snap  *Snapshot
	list  []*model.Incident // the snapshot's incidents, most urgent first: our own copy
	start time.Time         // the first frame; pages turn every cycle from here

	// The last frame, reused until something it shows changes: a frame is
	// asked for after every message, but its content changes once a second.
	key   wallFrameKey
	frame string
	pal   wallPalette
}

type wallFrameKey struct {
	snap          *Snapshot
	styles        *Styles
	sec           int64
	width, height int
	page          int
}

// wallSignalMsg says the source has a newer snapshot, or (closed) that it
// has stopped and no more will come.
type wallSignalMsg struct{ closed bool }

// wallTickMsg turns the countdowns over.
type wallTickMsg struct{}

const wallDefaultCycle = 8 * time.Second

// NewWall builds a wallboard showing the source's current snapshot.
func NewWall(o WallOptions) *Wall {
	w := &Wall{src: o.Source, clock: o.Clock, width: o.Width, height: o.Height, cycle: o.Cycle, styles: o.Styles}
	if w.clock == nil {
		w.clock = model.SystemClock{}
	}
	if w.cycle <= 0 {
		w.cycle = wallDefaultCycle
	}
	if w.styles == nil {
		s := NewStyles(true)
		w.styles = &s
	}
	if w.src != nil {
		// Subscribe before the first look, so no change falls between them.
		w.sub, w.stop = w.src.Subscribe()
		w.phase = phaseOf(w.src)
		w.refresh()
	}
	// Whole seconds, so pages turn with the countdowns, not between them.
	w.start = w.clock.Now().Truncate(time.Second)
	return w
}

// Close stops following the source. Call it once the program has ended,
// however it ended (an SSH session can drop without a key press):
// otherwise the subscription, and the command waiting on it, outlive it.
func (w *Wall) Close() {
	if w.stop != nil {
		w.stop()
	}
}

// Init waits for snapshots and the second tick, and asks the terminal for
// its background so the colours suit it.
func (w *Wall) Init() tea.Cmd {
	cmds := []tea.Cmd{w.waitCmd(), tea.RequestBackgroundColor}
	if w.beat() == nil {
		cmds = append(cmds, w.tickCmd())
	}
	return tea.Batch(cmds...)
}

// waitCmd blocks, off the update loop, until the source signals or beats.
func (w *Wall) waitCmd() tea.Cmd {
	if w.sub == nil {
		return nil
	}
	return listen(w.sub, w.beat(), wallSignalMsg{}, wallSignalMsg{closed: true}, wallTickMsg{})
}

func (w *Wall) beat() <-chan struct{} {
	if w.src == nil {
		return nil
	}
	return beatOf(w.src, w.phase)
}

// tickCmd fires at the next whole second of the clock, so the wallboard's
// countdowns turn over together with every other screen's.
func (w *Wall) tickCmd() tea.Cmd {
	now := w.clock.Now()
	d := now.Truncate(time.Second).Add(time.Second).Sub(now)
	return tea.Tick(d, func(time.Time) tea.Msg { return wallTickMsg{} })
}

// refresh takes the source's newest snapshot and orders a copy of its
// incidents: the snapshot is shared by every screen and never changed.
func (w *Wall) refresh() {
	w.snap = w.src.Snapshot()
	w.list = w.list[:0]
	if w.snap == nil || w.snap.Board == nil {
		return
	}
	// A closed incident is on the board only while one of its clocks
	// runs; the wall shows it too, marked CLOSED.
	w.list = append(w.list, w.snap.Board.Incidents...)
	model.SortByUrgency(w.list, w.snap.Board.Policy, w.clock.Now())
}

// Update follows the source, the clock, the terminal's size and colours,
// and the quit keys. Nothing else: the wallboard never writes.
func (w *Wall) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case wallSignalMsg:
		if msg.closed {
			return w, nil
		}
		w.refresh()
		return w, w.waitCmd()
	case wallTickMsg:
		if w.beat() != nil {
			return w, w.waitCmd()
		}
		return w, w.tickCmd()
	case tea.WindowSizeMsg:
		w.width, w.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		s := NewStyles(msg.IsDark())
		w.styles = &s
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			w.Close()
			return w, tea.Quit
		}
	}
	return w, nil
}

// View draws the whole screen.
func (w *Wall) View() tea.View {
	v := tea.NewView(w.content(w.clock.Now()))
	v.AltScreen = true
	v.WindowTitle = "sitrep wallboard"
	return v
}

// wallLayout is how the cards sit on the screen: a grid of cols × rows
// cards of one size, drawn with the font face at index face (or, with face
// -1, one line per incident when not even the smallest card fits).
type wallLayout struct {
	face         int
	compact      bool // the deadline's label sits in the card's bottom border
	cols, rows   int
	cardW, cardH int
	air          int // blank lines inside each card, for breathing room
	gapX, gapY   int
	left, top    int
	perPage      int
}

const (
	wallGapX     = 2
	wallMinInner = 35 // the narrowest card interior: "+01:02:03" in the tiny face
	wallMaxAir   = 2
)

// wallChrome is the lines of a card besides its digits: borders, title,
// commander and the deadline's label.
func wallChrome(compact bool) int {
	if compact {
		return 4
	}
	return 5
}

// wallPlan lays out n cards on a w × h area: the largest face that shows
// every incident at once, else the layout that shows the most per page.
func wallPlan(n, w, h int) wallLayout {
	list := wallLayout{face: -1, cols: 1, rows: max(h, 0), perPage: max(h, 0)}
	if n <= 0 || w <= 0 || h <= 0 {
		return list
	}
	best, bestCap := list, 0
	var minW int
search:
	for i := len(fontFaces) - 1; i >= 0; i-- {
		f := fontFaces[i]
		// Room for an overdue countdown, so the most urgent card is
		// never the one drawn smaller.
		cw := max(f.Width("+00:00:00"), wallMinInner) + 4
		for _, compact := range []bool{false, true} {
			ch := wallChrome(compact) + f.h
			cols, rows := (w+wallGapX)/(cw+wallGapX), h/ch
			if cols < 1 || rows < 1 {
				continue
			}
			c := cols * rows
			if c > bestCap {
				best, bestCap, minW = wallLayout{face: i, compact: compact, cols: cols, rows: rows, cardH: ch}, c, cw
			}
			if c >= n {
				break search
			}
		}
	}
	if best.face < 0 {
		return list
	}
	l := best
	l.gapX = wallGapX
	l.cols = min(l.cols, n)
	l.rows = min(l.rows, (n+l.cols-1)/l.cols)
	l.perPage = l.cols * l.rows
	l.cardW = min((w-wallGapX*(l.cols-1))/l.cols, minW*3/2)
	spare := h - l.rows*l.cardH
	if l.rows > 1 && spare >= l.rows-1 {
		l.gapY = 1
		spare -= l.rows - 1
	}
	l.air = min(wallMaxAir, spare/l.rows)
	spare -= l.air * l.rows
	l.cardH += l.air
	if l.rows > 1 && spare >= 2*(l.rows-1) {
		l.gapY++ // what is still spare separates the rows a little more
		spare -= l.rows - 1
	}
	l.top = spare / 2
	l.left = (w - l.cols*l.cardW - (l.cols-1)*l.gapX) / 2
	return l
}

// wallPage is the page shown at now: pages turn every cycle since the
// first frame, so the clock alone decides (and a test can set it).
func (w *Wall) wallPage(now time.Time, pages int) int {
	if pages <= 1 {
		return 0
	}
	elapsed := now.Sub(w.start)
	if elapsed < 0 {
		return 0
	}
	return int(int64(elapsed/w.cycle) % int64(pages))
}

// content is the frame at now: exactly height lines, none wider than width.
func (w *Wall) content(now time.Time) string {
	W, H := w.width, w.height
	if W <= 0 || H <= 0 {
		return ""
	}
	var b *store.Board
	if w.snap != nil {
		b = w.snap.Board
	}
	if b != nil {
		now = now.In(b.Policy.Location())
	}

	headH := 1
	if H >= 10 {
		headH = 2 // a blank line under the header
	}
	extra := w.wallExerciseClock(now, b, W, H)
	bodyH := max(H-headH-len(extra), 0)
	lay := wallPlan(len(w.list), W, bodyH)
	pages := 1
	if lay.perPage > 0 && len(w.list) > lay.perPage {
		pages = (len(w.list) + lay.perPage - 1) / lay.perPage
	}
	page := w.wallPage(now, pages)

	key := wallFrameKey{snap: w.snap, styles: w.styles, sec: now.Unix(), width: W, height: H, page: page}
	if key == w.key && w.frame != "" {
		return w.frame
	}

	lines := make([]string, 0, H)
	lines = append(lines, w.wallHeader(now, b, page, pages, W))
	if headH == 2 {
		lines = append(lines, "")
	}
	for _, l := range extra {
		lines = append(lines, ansi.Truncate(l, W, ""))
	}
	switch {
	case b == nil:
		lines = append(lines, wallCentre([]string{w.styles.Dim.Render("Waiting for the board…")}, W, bodyH)...)
	case len(w.list) == 0:
		lines = append(lines, w.wallCalm(now, W, bodyH)...)
	default:
		from := min(page*lay.perPage, len(w.list))
		items := w.list[from:min(from+lay.perPage, len(w.list))]
		if lay.face < 0 {
			for _, inc := range items {
				lines = append(lines, w.wallListLine(inc, b.Policy, now, W))
			}
		} else {
			lines = append(lines, w.wallGrid(lay, items, b.Policy, now)...)
		}
	}
	w.key, w.frame = key, wallJoin(lines, H)
	return w.frame
}

// wallExerciseClock shows an exercise's simulated clock large under the
// header, taking its lines from the cards' area: at most a fifth of the
// screen, and only where there is room (the header shows it otherwise).
func (w *Wall) wallExerciseClock(now time.Time, b *store.Board, width, height int) []string {
	if b == nil || b.Mode != "exercise" || height < 16 || width < 40 {
		return nil
	}
	s := now.Format("15:04:05")
	var face *fontFace
	for i := len(fontFaces) - 1; i >= 0; i-- {
		if f := fontFaces[i]; f.Width(s) <= width-4 && f.h+2 <= height/5 {
			face = f
			break
		}
	}
	if face == nil {
		return nil
	}
	center := func(l string) string {
		return strings.Repeat(" ", max(0, (width-lipgloss.Width(l))/2)) + l
	}
	lines := []string{center(w.styles.Banner.Render("EXERCISE") + " simulated time · " + now.Format("Mon 2 Jan 2006"))}
	for _, l := range face.Render(s) {
		lines = append(lines, center(l))
	}
	return append(lines, "")
}

// wallHeader is the top line: SITREP, EXERCISE, counts by severity on the
// left; the page, the date and time in the policy's zone on the right. When
// it does not fit, the least needed parts go first.
func (w *Wall) wallHeader(now time.Time, b *store.Board, page, pages, width int) string {
	st := w.styles
	type part struct {
		s     string
		prio  int // dropped lowest first
		right bool
	}
	parts := []part{{s: st.Title.Foreground(st.Accent).Render("SITREP"), prio: 100}}
	if b != nil && b.Mode == "exercise" {
		parts = append(parts, part{s: st.Banner.Render("EXERCISE"), prio: 95})
	}
	if b != nil {
		counts := make([]string, 0, len(model.Severities))
		n := map[model.Severity]int{}
		closed := 0
		for _, inc := range w.list {
			if !inc.Status.Active() {
				closed++
				continue
			}
			n[inc.Severity]++
		}
		for _, sev := range model.Severities {
			c := strconv.Itoa(n[sev])
			if n[sev] == 0 {
				counts = append(counts, st.Dim.Render(string(sev)+" "+c))
			} else {
				counts = append(counts, st.Sev[sev].Render(string(sev))+" "+st.Bold.Render(c))
			}
		}
		parts = append(parts,
			part{s: st.Bold.Render(strconv.Itoa(len(w.list)-closed)) + st.Dim.Render(" active"), prio: 30},
			part{s: strings.Join(counts, "  "), prio: 50})
		if closed > 0 {
			parts = append(parts, part{s: st.Error.Render(strconv.Itoa(closed) + " CLOSED, clock running"), prio: 60})
		}
	}
	if w.snap != nil && w.snap.Err != nil {
		parts = append(parts, part{s: st.Error.Render("! board not refreshing"), prio: 70, right: true})
	}
	if pages > 1 {
		parts = append(parts, part{s: st.Bold.Render("page " + strconv.Itoa(page+1) + "/" + strconv.Itoa(pages)), prio: 80, right: true})
	}
	parts = append(parts,
		part{s: st.Dim.Render(now.Format("Mon 2 Jan 2006")), prio: 20, right: true},
		part{s: st.Bold.Render(now.Format("15:04:05")) + st.Dim.Render(" "+now.Format("MST")), prio: 90, right: true})

	const sep = "   "
	render := func() (string, int) {
		var left, right []string
		for _, p := range parts {
			if p.right {
				right = append(right, p.s)
			} else {
				left = append(left, p.s)
			}
		}
		l, r := " "+strings.Join(left, sep), strings.Join(right, sep)+" "
		return wallSpread(l, r, width), ansi.StringWidth(l) + 2 + ansi.StringWidth(r)
	}
	for {
		s, need := render()
		if need <= width || len(parts) == 1 {
			return s
		}
		lowest := 0
		for i, p := range parts {
			if p.prio < parts[lowest].prio {
				lowest = i
			}
		}
		parts = slices.Delete(parts, lowest, lowest+1)
	}
}

// wallCalm is the screen with nothing to do: the time, large and quiet.
func (w *Wall) wallCalm(now time.Time, width, height int) []string {
	st := w.styles
	msg := st.Notice.Render("✓ No active incidents")
	clock := now.Format("15:04:05")
	var block []string
	for i := len(fontFaces) - 1; i >= 0; i-- {
		f := fontFaces[i]
		if f.Width(clock) <= width-4 && f.h+2 <= height/2 {
			for _, l := range f.Render(clock) {
				block = append(block, st.Dim.Render(l))
			}
			block = append(block, "")
			break
		}
	}
	return wallCentre(append(block, msg), width, height)
}

// wallCentre centres a block of lines on a width × height area.
func wallCentre(block []string, width, height int) []string {
	bw := 0
	for _, l := range block {
		bw = max(bw, ansi.StringWidth(l))
	}
	pad := strings.Repeat(" ", max(0, (width-bw)/2))
	out := make([]string, 0, height)
	for range max(0, (height-len(block))/2) {
		out = append(out, "")
	}
	for _, l := range block {
		out = append(out, ansi.Truncate(pad+l, width, "…"))
	}
	return out
}

// wallGrid draws a page of cards.
func (w *Wall) wallGrid(lay wallLayout, items []*model.Incident, p model.Policy, now time.Time) []string {
	cards := make([][]string, len(items))
	for i, inc := range items {
		cards[i] = w.wallCard(inc, lay, p, now)
	}
	out := make([]string, lay.top, lay.top+lay.rows*(lay.cardH+lay.gapY))
	margin, gap := strings.Repeat(" ", lay.left), strings.Repeat(" ", lay.gapX)
	var b strings.Builder
	for r := range lay.rows {
		if r*lay.cols >= len(cards) {
			break
		}
		if r > 0 {
			for range lay.gapY {
				out = append(out, "")
			}
		}
		for y := range lay.cardH {
			b.Reset()
			b.WriteString(margin)
			for c := range lay.cols {
				i := r*lay.cols + c
				if i >= len(cards) {
					break
				}
				if c > 0 {
					b.WriteString(gap)
				}
				b.WriteString(cards[i][y])
			}
			out = append(out, b.String())
		}
	}
	return out
}

// wallDeadline is an incident's nearest open deadline as the wallboard
// shows it.
type wallDeadline struct {
	ok      bool
	d       model.Deadline
	u       model.Urgency
	ink     wallInk // the urgency's colour
	label   string
	big     string // the countdown in digits the font has
	overdue bool
}

func (w *Wall) wallDeadlineOf(inc *model.Incident, p model.Policy, now time.Time) wallDeadline {
	d, ok := model.Nearest(p.Deadlines(inc, now))
	if !ok {
		return wallDeadline{ink: wallInkOf(w.styles.Muted, false)}
	}
	u := model.UrgencyOf(d)
	wd := wallDeadline{ok: true, d: d, u: u}
	wd.label = model.SanitizeLine(d.Label)
	if wd.label == "" {
		wd.label = model.SanitizeLine(d.Kind)
	}
	if d.Provisional {
		wd.label += " (provisional)"
	}
	wd.big = model.FormatHMS(d.Remaining)
	if u == model.UrgencyOverdue {
		wd.overdue = true
		wd.big = "+" + wd.big
	}
	wd.ink = wallInkOf(w.styles.UrgencyColor(u), wd.overdue)
	return wd
}

// wallDue says when a deadline falls due, as briefly as is unambiguous.
func wallDue(due, now time.Time) string {
	due = due.In(now.Location())
	switch {
	case due.Year() == now.Year() && due.YearDay() == now.YearDay():
		return "due " + due.Format("15:04")
	case due.Sub(now) < 6*24*time.Hour && due.Sub(now) > -6*24*time.Hour:
		return "due " + due.Format("Mon 15:04")
	}
	return "due " + due.Format("2 Jan 15:04")
}

// wallCard draws one incident as lay.cardH lines of exactly lay.cardW
// cells: ref, severity and status in the top border; the title; the
// commander and checklist; the nearest deadline's label and, large, its
// countdown. The border takes the countdown's colour.
func (w *Wall) wallCard(inc *model.Incident, lay wallLayout, p model.Policy, now time.Time) []string {
	st, pal := w.styles, w.palette()
	inner := lay.cardW - 4
	dl := w.wallDeadlineOf(inc, p, now)
	frame := wallInkOf(st.UrgencyColor(dl.u), false)

	lines := make([]string, 0, lay.cardH)
	lines = append(lines, w.wallCardTop(inc, frame, lay.cardW))
	l, r := frame.paint("│")+" ", " "+frame.paint("│")
	blank := l + strings.Repeat(" ", inner) + r
	row := func(s string) {
		if s == "" {
			lines = append(lines, blank)
		} else {
			lines = append(lines, l+wallCell(s, inner)+r)
		}
	}

	row(pal.bold.paint(ansi.Truncate(model.SanitizeLine(inc.Title), inner, "…")))
	var who string
	switch {
	case inc.NoIC():
		who = pal.err.paint("NO IC")
	case inc.Commander != "":
		who = pal.dim.paint("IC ") + model.SanitizeLine(inc.Commander)
	default:
		who = pal.dim.paint("no commander")
	}
	if inc.Status == model.Closed {
		// On the wall only while a clock runs: say so first.
		who = pal.err.paint("CLOSED") + " " + who
	}
	progress := pal.dim.paint("checklist –")
	if pr := inc.Progress; pr.Total > 0 {
		progress = pal.dim.paint("checklist ") + strconv.Itoa(pr.Settled()) + "/" + strconv.Itoa(pr.Total)
		if pr.Settled() >= pr.Total {
			progress = pal.notice.paint("✓ ") + progress
		}
	}
	row(wallSpread(who, progress, inner))
	if lay.air > 0 {
		row("")
	}

	var label, due string
	if dl.ok {
		label = dl.ink.paint(dl.u.Symbol()) + " " + dl.label
		due = pal.dim.paint(wallDue(dl.d.DueAt, now))
		if dl.overdue {
			due = pal.err.paint("OVERDUE")
		}
	} else {
		label = pal.dim.paint("no open deadline")
	}
	if !lay.compact {
		row(wallSpread(label, due, inner))
	}

	face := fontFaces[lay.face]
	digits := make([]string, face.h)
	if dl.ok {
		if f := fontFit(dl.big, inner, lay.face); f != nil {
			top := (face.h - f.h) / 2
			pad := strings.Repeat(" ", inner-f.Width(dl.big))
			for i, g := range f.Render(dl.big) {
				// The width is known: no need to measure the glyphs.
				digits[top+i] = l + dl.ink.paint(g) + pad + r
			}
		} else {
			// Not even the smallest face fits: say it plainly.
			digits[(face.h-1)/2] = l + wallCell(dl.ink.paint(model.FormatCountdown(dl.d)), inner) + r
		}
	}
	for _, d := range digits {
		if d == "" {
			d = blank
		}
		lines = append(lines, d)
	}
	for range lay.air - 1 {
		row("")
	}
	if lay.compact {
		lines = append(lines, wallBorder("╰─", "─╯", label, due, frame, lay.cardW))
	} else {
		lines = append(lines, frame.paint("╰"+strings.Repeat("─", max(0, lay.cardW-2))+"╯"))
	}
	return lines
}

// wallCardTop is a card's top border with the ref, severity and status in it.
func (w *Wall) wallCardTop(inc *model.Incident, frame wallInk, width int) string {
	pal := w.palette()
	ref := pal.bold.paint(inc.Ref())
	sev := pal.sev[inc.Severity]
	left := ref + "  " + sev.paint(string(inc.Severity)+" "+inc.Severity.Info().Name)
	// Every card names the severity the same way: in full when the
	// widest severity and status would fit.
	if ansi.StringWidth(inc.Ref())+len("  P2 moderate")+len("acknowledged")+10 > width {
		left = ref + "  " + sev.paint(string(inc.Severity))
	}
	return wallBorder("╭─", "─╮", left, pal.dim.paint(string(inc.Status)), frame, width)
}

// wallBorder is a horizontal border of exactly width cells with text set
// into it at either end; when both do not fit the left is cut, and the
// right dropped only when too little of the left would be left.
func wallBorder(opening, closing, left, right string, frame wallInk, width int) string {
	room := width - ansi.StringWidth(opening) - ansi.StringWidth(closing)
	if room <= 0 {
		return ansi.Truncate(frame.paint(opening+closing), max(width, 0), "")
	}
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if right != "" && lw+rw+5 > room {
		if room-rw-5 < 8 {
			right, rw = "", 0
		} else {
			left = ansi.Truncate(left, room-rw-5, "…")
			lw = ansi.StringWidth(left)
		}
	}
	if left != "" && lw+3 > room {
		left = ansi.Truncate(left, max(room-3, 0), "…")
		lw = ansi.StringWidth(left)
	}
	var b strings.Builder
	fill := room
	if left != "" {
		fill -= lw + 2
	}
	if right != "" {
		fill -= rw + 2
	}
	b.WriteString(frame.paint(opening))
	if left != "" {
		b.WriteString(" " + left + " ")
	}
	b.WriteString(frame.paint(strings.Repeat("─", max(fill, 0))))
	if right != "" {
		b.WriteString(" " + right + " ")
	}
	b.WriteString(frame.paint(closing))
	return b.String()
}

// wallListLine is one incident on one line, for screens too small for a card.
func (w *Wall) wallListLine(inc *model.Incident, p model.Policy, now time.Time, width int) string {
	pal := w.palette()
	dl := w.wallDeadlineOf(inc, p, now)
	cd := pal.dim.paint("–")
	if dl.ok {
		cd = dl.ink.paint(dl.u.Symbol() + " " + model.FormatCountdown(dl.d))
	}
	s := cd + " " + pal.bold.paint(inc.Ref()) + " " + pal.sev[inc.Severity].paint(string(inc.Severity))
	if inc.NoIC() {
		s += " " + pal.err.paint("NO IC")
	}
	if inc.Status == model.Closed {
		s += " " + pal.err.paint("CLOSED")
	}
	return ansi.Truncate(s+" "+model.SanitizeLine(inc.Title), width, "…")
}

// wallInk is a colour as escape sequences, for what a frame paints many
// times (borders, digits): lipgloss's Render measures and rewraps every
// string, which fifty cards a second feel. Colours come from Styles all
// the same, and the terminal's colour profile (NO_COLOR too) still
// applies, as it does to everything a program draws.
type wallInk struct{ on string }

func wallInkOf(c color.Color, bold bool) wallInk {
	var a ansi.Style
	if _, none := c.(lipgloss.NoColor); c != nil && !none {
		a = a.ForegroundColor(c)
	}
	if bold {
		a = a.Bold()
	}
	if len(a) == 0 {
		return wallInk{}
	}
	return wallInk{on: a.String()}
}

// wallInkFrom is a style's foreground and boldness: all a card asks of one.
func wallInkFrom(s lipgloss.Style) wallInk { return wallInkOf(s.GetForeground(), s.GetBold()) }

func (k wallInk) paint(s string) string {
	if s == "" || k.on == "" {
		return s
	}
	return k.on + s + ansi.ResetStyle
}

// wallPalette is the Styles the cards use, as inks.
type wallPalette struct {
	from                   *Styles
	bold, dim, err, notice wallInk
	sev                    map[model.Severity]wallInk
}

// palette is the inks of the current Styles, made again when they change.
func (w *Wall) palette() *wallPalette {
	if w.pal.from != w.styles {
		st := w.styles
		w.pal = wallPalette{from: st, bold: wallInkFrom(st.Bold), dim: wallInkFrom(st.Dim),
			err: wallInkFrom(st.Error), notice: wallInkFrom(st.Notice), sev: map[model.Severity]wallInk{}}
		for sev, s := range st.Sev {
			w.pal.sev[sev] = wallInkFrom(s)
		}
	}
	return &w.pal
}

// wallSpread puts left and right at either end of width cells, cutting
// left (and, if it must, dropping right) to fit.
func wallSpread(left, right string, width int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if right != "" && lw+1+rw > width {
		if width-rw-1 < 8 {
			right, rw = "", 0
		} else {
			left = ansi.Truncate(left, width-rw-1, "…")
			lw = ansi.StringWidth(left)
		}
	}
	if lw > width {
		return ansi.Truncate(left, max(width, 0), "…")
	}
	return left + strings.Repeat(" ", max(0, width-lw-rw)) + right
}

// wallCell is s cut or padded to exactly width cells.
func wallCell(s string, width int) string {
	n := ansi.StringWidth(s)
	if n > width {
		return ansi.Truncate(s, max(width, 0), "…")
	}
	return s + strings.Repeat(" ", width-n)
}

// wallJoin makes the frame exactly height lines. Every part of the frame
// is drawn to fit the width already: measuring whole lines again would
// cost a frame more than drawing it.
func wallJoin(lines []string, height int) string {
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
