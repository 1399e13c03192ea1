package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sitrep/model"
	"sitrep/store"
)

// Options are everything a console program takes from outside.
type Options struct {
	Store  *store.Store // where writes go and incidents are loaded from
	Source Source       // board snapshots (a *Hub in production)
	Actor  model.Actor  // who acts: every write carries it
	Clock  model.Clock  // nil: the store's clock
	Width  int          // initial size; a WindowSizeMsg replaces it
	Height int
	Styles *Styles // nil: dark; replaced on tea.BackgroundColorMsg
}

type page int

const (
	pageBoard page = iota
	pageIncident
	pageHelp
	pagePager
)

// Model is the console: one per terminal (local, or each SSH session).
type Model struct {
	o      Options
	keys   keyMap
	st     Styles
	dark   bool // st is for a dark background
	width  int
	height int
	now    time.Time

	snap *Snapshot
	rows []*model.Incident // the board's rows: sorted and filtered

	page, back page

	board  boardState
	inc    incidentState
	form   *form
	ask    *confirm
	pager  pagerState
	helpAt scroll // the help page's position when it scrolls
	filter textinput.Model

	flash    string
	flashErr bool
	flashAt  time.Time

	dismissed int64 // broadcast messages up to this event are dismissed here
	newest    int64 // the highest incident id this console has seen
	seenBoard bool  // a board has been loaded: later incidents are arrivals

	// Pieces of the frame drawn once until what they show changes.
	stylesGen  int // counts style changes
	headerLeft memo[headerKey]
	footerLine memo[string]

	sub   <-chan struct{} // the source's signals
	phase int             // which of the source's beats this screen follows
	unsub func()
}

// Messages the console sends itself.
type (
	snapMsg     struct{}  // the source has a new snapshot
	snapEndMsg  struct{}  // the source stopped, or the program closed
	tickMsg     time.Time // a second passed: countdowns move
	incidentMsg struct {  // an incident loaded for the incident view
		id     int64
		inc    *model.Incident
		events []model.Event
		err    error
	}
	doneMsg struct { // a write finished
		text     string
		err      error
		id       int64 // the incident written
		declared bool  // a new incident: select it when it arrives
		form     *form // the form that asked for it, kept open on refusal
	}
)

// RoleMsg tells a console that its user's role changed: the keys it
// offers follow, and the store already authorises the next write against
// the new role.
type RoleMsg struct{ Role model.Role }

// New builds the console.
func New(o Options) *Model {
	if o.Clock == nil {
		o.Clock = o.Store.Clock()
	}
	st := NewStyles(true)
	if o.Styles != nil {
		st = *o.Styles
	}
	fi := textinput.New()
	fi.Prompt = "/ "
	fi.Placeholder = "filter: ref, title, commander, status"
	m := &Model{o: o, keys: newKeyMap(), st: st, dark: true, width: o.Width, height: o.Height, filter: fi,
		now: nowSecond(o.Clock)}
	m.sub, m.unsub = o.Source.Subscribe()
	m.phase = phaseOf(o.Source)
	m.setSnapshot(o.Source.Snapshot())
	return m
}

// Close stops listening for changes; call it once the program has ended.
func (m *Model) Close() { m.unsub() }

// Init starts listening for changes and the second tick, and asks the
// terminal for its background so colours suit it.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.wait(), tea.RequestBackgroundColor}
	if beatOf(m.o.Source, m.phase) == nil {
		cmds = append(cmds, m.tick())
	}
	return tea.Batch(cmds...)
}

// wait blocks, off the update loop, until the source signals or beats; a
// closed subscription ends the wait for good. Each message it returns
// arms the next wait.
func (m *Model) wait() tea.Cmd {
	return listen(m.sub, beatOf(m.o.Source, m.phase), snapMsg{}, snapEndMsg{}, tickMsg{})
}

// tick fires at the next whole second of the clock, for a source without
// a beat of its own, so every countdown on every screen turns over
// together.
func (m *Model) tick() tea.Cmd {
	now := m.o.Clock.Now()
	d := now.Truncate(time.Second).Add(time.Second).Sub(now)
	return tea.Tick(d, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update routes a message to the page it concerns.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		if m.form != nil {
			m.form.resize(m.formWidth())
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.st, m.dark = NewStyles(msg.IsDark()), msg.IsDark()
		m.stylesGen++
		return m, nil
	case snapMsg:
		m.setSnapshot(m.o.Source.Snapshot())
		cmds := []tea.Cmd{m.wait()}
		if m.page == pageIncident || m.page == pagePager && m.back == pageIncident {
			cmds = append(cmds, m.loadIncident(m.inc.id))
		}
		return m, tea.Batch(cmds...)
	case snapEndMsg:
		return m, nil
	case RoleMsg:
		if msg.Role != m.o.Actor.Role {
			m.o.Actor.Role = msg.Role
			m.setFlash(fmt.Sprintf("an owner changed your role to %s", msg.Role), true)
		}
		return m, nil
	case tickMsg:
		m.now = nowSecond(m.o.Clock)
		// Who is online changes the snapshot without a signal (see
		// Hub.Join): the beat shows it.
		if s := m.o.Source.Snapshot(); s != m.snap {
			m.setSnapshot(s)
		}
		if m.flash != "" && m.now.Sub(m.flashAt) > 8*time.Second && !m.flashErr {
			m.flash = ""
		}
		if beatOf(m.o.Source, m.phase) != nil {
			return m, m.wait()
		}
		return m, m.tick()
	case incidentMsg:
		m.gotIncident(msg)
		return m, nil
	case doneMsg:
		return m, m.done(msg)
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.form != nil {
		return m, m.form.update(msg)
	}
	if m.board.filtering {
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	m.flash = "" // a key press answers the last message; the action may set a new one
	if m.ask == nil && m.form == nil && !m.board.filtering && m.page != pageHelp && m.page != pagePager {
		switch {
		case key.Matches(msg, m.keys.Dismiss.Binding) && m.message() != nil:
			m.dismissed = m.message().Seq
			return nil
		case key.Matches(msg, m.keys.Messages.Binding) && m.exercise() != nil:
			m.openMessages()
			return nil
		case key.Matches(msg, m.keys.Exercise.Binding) && m.exercise() != nil:
			if m.allowed(m.keys.Exercise) {
				return m.openForm(m.exerciseForm())
			}
			return nil
		}
	}
	if m.ask != nil {
		return m.confirmKey(msg)
	}
	if m.form != nil {
		return m.formKey(msg)
	}
	switch m.page {
	case pageHelp:
		if key := msg.String(); key == "q" || key == "esc" || key == "?" {
			m.page = m.back
		} else {
			m.helpAt.key(key, 1<<30, m.height-4) // the view keeps it on the text
		}
		return nil
	case pagePager:
		return m.pagerKey(msg)
	case pageIncident:
		return m.incidentKey(msg)
	}
	return m.boardKey(msg)
}

// View draws the current page.
func (m *Model) View() tea.View {
	var body string
	switch m.page {
	case pageHelp:
		body = m.helpView()
	case pagePager:
		body = m.pagerView()
	case pageIncident:
		body = m.incidentView()
	default:
		var ok bool
		if body, ok = m.sharedBoard(); !ok {
			body = m.boardView()
		}
	}
	if m.form != nil {
		body = m.overlay(body, m.form.view(m.st, m.formWidth(), max(m.height, 6)))
	} else if m.ask != nil {
		body = m.overlay(body, m.ask.view(m.st, m.formWidth()))
	}
	v := tea.NewView(body)
	v.AltScreen = true
	v.WindowTitle = "sitrep"
	return v
}

// setSnapshot takes a new snapshot and rebuilds the board's rows, keeping
// the selection on the same incident when rows reorder.
func (m *Model) setSnapshot(s *Snapshot) {
	if s == nil {
		return
	}
	same := m.snap != nil && s.Board == m.snap.Board
	m.snap = s
	m.now = nowSecond(m.o.Clock)
	if same { // presence alone: the rows and arrivals are as they were
		return
	}
	m.rebuildRows()
	m.noticeArrivals()
}

// noticeArrivals says, in the footer, that an incident was declared
// while this console is away from the board, without leaving the page;
// the line fades as any message does.
func (m *Model) noticeArrivals() {
	if m.snap.Board == nil {
		return
	}
	var newest *model.Incident
	for _, inc := range m.snap.Board.Incidents {
		if inc.ID > m.newest && (newest == nil || inc.ID > newest.ID) {
			newest = inc
		}
	}
	first := !m.seenBoard
	m.seenBoard = true
	if newest == nil {
		return
	}
	m.newest = newest.ID
	if first || m.page == pageBoard || m.flash != "" && m.flashErr {
		return
	}
	head, tail := fmt.Sprintf("New incident %s %s: ", newest.Ref(), newest.Severity), " — esc for the board."
	room := max(10, m.width-len(head)-len(tail)-1) // the title gives way, not the way back
	m.setFlash(head+clip(model.SanitizeLine(newest.Title), room)+tail, false)
}

// nowSecond is the clock's current second: what every screen shows is as of a
// whole second, so screens that turn over in different phases of it show
// the same, and can share the frame (share.go).
func nowSecond(c model.Clock) time.Time { return c.Now().Truncate(time.Second) }

func (m *Model) rebuildRows() {
	if m.snap == nil || m.snap.Board == nil {
		m.rows = nil
		return
	}
	b := m.snap.Board
	q := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	rows := make([]*model.Incident, 0, len(b.Incidents))
	for _, inc := range b.Incidents {
		if q == "" || matches(inc, q) {
			rows = append(rows, inc)
		}
	}
	m.rows = rows // in the snapshot's order: most urgent first
	m.board.follow(rows)
}

func matches(inc *model.Incident, q string) bool {
	for _, s := range []string{inc.Ref(), inc.Title, inc.Commander, string(inc.Status), string(inc.Severity)} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return inc.NoIC() && strings.Contains("no ic", q)
}

func (m *Model) policy() model.Policy {
	if m.snap != nil && m.snap.Board != nil {
		return m.snap.Board.Policy
	}
	return model.DefaultPolicy()
}

// allowed asks the model whether the actor may take act; the refusal is
// shown as it is.
func (m *Model) allowed(b binding) bool {
	if b.act == "" {
		return true
	}
	if err := model.Authorize(m.o.Actor.Role, b.act); err != nil {
		m.setFlash(err.Error(), true)
		return false
	}
	return true
}

// setFlash shows one sentence in the footer, capitalised and ended.
func (m *Model) setFlash(s string, isErr bool) {
	s = strings.TrimSpace(model.SanitizeLine(s))
	if s != "" {
		r := []rune(s)
		s = strings.ToUpper(string(r[0])) + string(r[1:])
		if !strings.HasSuffix(s, ".") {
			s += "."
		}
	}
	m.flash, m.flashErr, m.flashAt = s, isErr, m.o.Clock.Now()
}

// ctx bounds one write or load.
func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 15*time.Second)
}

func (m *Model) formWidth() int { return max(30, min(m.width-4, 76)) }

// overlay puts a box in the middle of the screen, over the page.
func (m *Model) overlay(page, box string) string {
	w, h := max(m.width, 20), max(m.height, 6)
	bg := lipgloss.NewLayer(fit(page, w, h))
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	fg := lipgloss.NewLayer(box).X(max(0, (w-bw)/2)).Y(max(0, (h-bh)/3)).Z(1)
	return lipgloss.NewCanvas(w, h).Compose(lipgloss.NewCompositor(bg, fg)).Render()
}
