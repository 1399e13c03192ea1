package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"sitrep/model"
	"sitrep/store"
)

// conNow is a Tuesday, 15:00 in Amsterdam (inside business hours): the
// time every console test renders at.
var conNow = time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)

// conClock is a clock the test sets by hand; the store stamps writes with
// it, so a fixture can be written "in the past" and rendered at conNow.
type conClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *conClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *conClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var (
	conOwner  = model.Actor{Name: "olivia", Role: model.Owner, Source: "local:olivia@test"}
	conAdmin  = model.Actor{Name: "alice", Role: model.Admin, Source: "ssh:192.0.2.10:50010"}
	conMember = model.Actor{Name: "bob", Role: model.Member, Source: "ssh:192.0.2.11:50011"}
	conViewer = model.Actor{Name: "vera", Role: model.Viewer, Source: "ssh:192.0.2.12:50012"}
)

// conLongTitle is longer than any title column.
const conLongTitle = "Intermittent latency on the reporting dashboard for enterprise tenants in the EU-West region after the storage engine upgrade"

// conEnv is a real store on a temp file, filled with six incidents of
// mixed states, and the ids of the incidents by a short name.
type conEnv struct {
	st   *store.Store
	clk  *conClock
	path string
	id   map[string]int64
}

// Incident names of the fixture; the board orders them
// exposed, stuffing, logins, webhooks, export, latency.
const (
	incStuffing = "stuffing" // P1 acknowledged, NO IC, notify due in 4 h
	incExposed  = "exposed"  // P0 open, ack overdue +01:02:03, IC alice
	incExport   = "export"   // P2 rich: checklist, notes, notification, review
	incLatency  = "latency"  // P3 resolved, long title, nothing pending
	incLogins   = "logins"   // P1 contained, IC carol, notify due in 71 h
	incWebhooks = "webhooks" // P2 open availability, ack due in 30 min
)

// conTemplate is the fixture's database, built once per test binary and
// copied for each test: building it costs about 30 fsynced writes, half a
// second under -race.
var conTemplate struct {
	once  sync.Once
	files map[string][]byte // by suffix: "" (the database), "-wal"
	id    map[string]int64
	err   error
}

func newConEnv(t testing.TB) *conEnv {
	t.Helper()
	conTemplate.once.Do(func() {
		// Set first: a t.Fatalf inside the build ends this func early.
		conTemplate.err = errors.New("the fixture did not build; see the first test that failed")
		conTemplate.err = buildConTemplate(t)
	})
	if conTemplate.err != nil {
		t.Fatalf("fixture: %v", conTemplate.err)
	}
	path := filepath.Join(t.TempDir(), "s.db")
	for suffix, b := range conTemplate.files {
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clk := &conClock{t: conNow}
	st, err := store.Open(context.Background(), path, store.WithClock(clk))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return &conEnv{st: st, clk: clk, path: path, id: maps.Clone(conTemplate.id)}
}

// buildConTemplate writes the fixture into a store of its own and keeps
// the closed database's files.
func buildConTemplate(t testing.TB) error {
	dir, err := os.MkdirTemp("", "sitrep-console-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	clk := &conClock{t: conNow.Add(-100 * time.Hour)}
	path := filepath.Join(dir, "s.db")
	st, err := store.Open(context.Background(), path, store.WithClock(clk))
	if err != nil {
		return err
	}
	e := &conEnv{st: st, clk: clk, path: path, id: map[string]int64{}}
	e.fill(t)
	if err := st.Close(); err != nil {
		return err
	}
	conTemplate.files = map[string][]byte{}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		conTemplate.files[suffix] = b
	}
	conTemplate.id = e.id
	return nil
}

// at sets the store's clock to conNow+d (d is negative: the past).
func (e *conEnv) at(d time.Duration) { e.clk.Set(conNow.Add(d)) }

func (e *conEnv) must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("fixture: %s: %v", what, err)
	}
}

func (e *conEnv) declare(t testing.TB, name string, ago time.Duration, d model.Declaration) int64 {
	t.Helper()
	e.at(-ago)
	d.DetectedAt, d.AwareAt = conNow.Add(-ago), conNow.Add(-ago)
	inc, err := e.st.Declare(context.Background(), conOwner, d)
	e.must(t, "declare "+name, err)
	e.id[name] = inc.ID
	return inc.ID
}

func (e *conEnv) fill(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	st := e.st
	h, m := time.Hour, time.Minute
	e.at(-100 * h)
	for _, u := range []struct {
		name string
		role model.Role
	}{{"olivia", model.Owner}, {"alice", model.Admin}, {"bob", model.Member}, {"carol", model.Admin}, {"vera", model.Viewer}} {
		_, err := st.AddUser(ctx, conOwner, u.name, u.role, nil)
		e.must(t, "add user "+u.name, err)
	}

	_, err := st.SetPolicy(ctx, conOwner, func(p *model.Policy) (string, error) {
		p.ContactName, p.ContactDetails = "Jane Doe", "dpo@example.com, +31 20 123 4567"
		return "contact", nil
	})
	e.must(t, "policy contact", err)

	stuffing := e.declare(t, incStuffing, 68*h, model.Declaration{Title: "Credential stuffing against the login API",
		Severity: model.P1, Source: "monitoring", Breach: model.BreachUnknown})
	e.at(-67 * h)
	_, err = st.Transition(ctx, conAdmin, stuffing, model.Acknowledged, "")
	e.must(t, "ack stuffing", err)

	export := e.declare(t, incExport, 55*h+30*m, model.Declaration{Title: "Support export emailed to the wrong customer",
		Severity: model.P2, Source: "customer-report", Breach: model.BreachYes, Customers: []string{"Acme Corp", "Globex"},
		Summary: "A scheduled support export for Acme Corp was sent to a Globex address.\nThe file held names and e-mail addresses."})
	e.at(-55 * h)
	_, err = st.Transition(ctx, conMember, export, model.Acknowledged, "")
	e.must(t, "ack export", err)
	e.at(-54 * h)
	_, err = st.Assign(ctx, conOwner, export, "bob")
	e.must(t, "assign export", err)
	e.at(-50 * h)
	_, err = st.Check(ctx, conMember, export, model.CheckChange{Key: "scope"})
	e.must(t, "check scope", err)
	_, err = st.Check(ctx, conMember, export, model.CheckChange{Key: "block-ips", NA: true, Reason: "No IP-based access involved"})
	e.must(t, "n/a block-ips", err)
	e.at(-49 * h)
	_, err = st.Check(ctx, conMember, export, model.CheckChange{Key: "preserve-evidence"})
	e.must(t, "check evidence", err)
	_, err = st.Note(ctx, conMember, export, "Export job re-run with the right tenant filter.\nRecipient asked to delete the file.")
	e.must(t, "note export", err)
	_, err = st.SetBreach(ctx, conOwner, export, model.BreachFacts{Customer: "Acme Corp", Subjects: ptrTo(int64(410)), Records: ptrTo(int64(410)),
		Categories: []string{"name", "e-mail address"}, SubjectCategories: []string{"employees"}})
	e.must(t, "breach facts export", err)
	e.at(-20 * h)
	_, err = st.Notify(ctx, conOwner, export, store.NotifyInput{Customer: "Acme Corp", Channel: "email", SentAt: conNow.Add(-20 * h)})
	e.must(t, "notify export", err)
	rc := "The export job took the tenant from the requester's session instead of the ticket."
	_, err = st.WriteReview(ctx, conMember, export, model.ReviewEdit{RootCause: &rc})
	e.must(t, "review export", err)
	_, err = st.AddActionItem(ctx, conMember, export, "Check the tenant of every export against the ticket", "bob", "2026-12-08")
	e.must(t, "action export", err)

	e.declare(t, incLatency, 30*h, model.Declaration{Title: conLongTitle, Severity: model.P3, Source: "monitoring", Breach: model.BreachNo})
	e.at(-29 * h)
	_, err = st.Transition(ctx, conAdmin, e.id[incLatency], model.Acknowledged, "")
	e.must(t, "ack latency", err)
	e.at(-2 * h)
	_, err = st.Transition(ctx, conAdmin, e.id[incLatency], model.Resolved, "")
	e.must(t, "resolve latency", err)

	exposed := e.declare(t, incExposed, 2*h+2*m+3*time.Second, model.Declaration{
		Title:    "Customer database exposed through a misconfigured storage bucket",
		Severity: model.P0, Source: "audit-log", Breach: model.BreachYes, Customers: []string{"Acme Corp"}})
	e.at(-110 * m)
	_, err = st.Assign(ctx, conOwner, exposed, "alice")
	e.must(t, "assign exposed", err)

	logins := e.declare(t, incLogins, h, model.Declaration{Title: "Suspicious admin logins from unknown ASN",
		Severity: model.P1, Source: "audit-log", Breach: model.BreachUnknown})
	e.at(-50 * m)
	_, err = st.Transition(ctx, conAdmin, logins, model.Acknowledged, "")
	e.must(t, "ack logins", err)
	_, err = st.Assign(ctx, conOwner, logins, "carol")
	e.must(t, "assign logins", err)
	e.at(-20 * m)
	_, err = st.Transition(ctx, conAdmin, logins, model.Contained, "")
	e.must(t, "contain logins", err)

	e.declare(t, incWebhooks, 30*m, model.Declaration{Title: "Payment webhooks delayed for EU customers",
		Severity: model.P2, Source: "sub-processor", Breach: model.BreachNo, Availability: true, Customers: []string{"Initech"}})
}

// seq is the last event's sequence number: it moves on every write.
func (e *conEnv) seq(t testing.TB) int64 {
	t.Helper()
	n, err := e.st.LastSeq(context.Background())
	if err != nil {
		t.Fatalf("last seq: %v", err)
	}
	return n
}

func (e *conEnv) incident(t testing.TB, name string) *model.Incident {
	t.Helper()
	inc, err := e.st.Incident(context.Background(), e.id[name])
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return inc
}

func (e *conEnv) timeline(t testing.TB, name string) []model.Event {
	t.Helper()
	evs, err := e.st.Timeline(context.Background(), e.id[name])
	if err != nil {
		t.Fatalf("timeline of %s: %v", name, err)
	}
	return evs
}

// conSource is a Source that reloads from a store only when the test
// says so, so a test decides when a snapshot arrives.
type conSource struct {
	mu   sync.Mutex
	snap *Snapshot
	ch   chan struct{}
	once sync.Once
}

func newConSource(t testing.TB, snap *Snapshot) *conSource {
	s := &conSource{snap: snap, ch: make(chan struct{})}
	t.Cleanup(s.close)
	return s
}

func (s *conSource) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

// Subscribe never signals: the test delivers snapMsg itself. The channel
// closes when the test ends, which ends any wait on it.
func (s *conSource) Subscribe() (<-chan struct{}, func()) { return s.ch, func() {} }

func (s *conSource) close() { s.once.Do(func() { close(s.ch) }) }

func (s *conSource) set(snap *Snapshot) {
	s.mu.Lock()
	s.snap = snap
	s.mu.Unlock()
}

// loadSnapshot is what a Hub loads: the board, most urgent first, and
// the users.
func loadSnapshot(t testing.TB, st *store.Store) *Snapshot {
	t.Helper()
	ctx := context.Background()
	b, err := st.LoadBoard(ctx)
	if err != nil {
		t.Fatalf("load board: %v", err)
	}
	model.SortByUrgency(b.Incidents, b.Policy, b.LoadedAt)
	users, err := st.Users(ctx)
	if err != nil {
		t.Fatalf("users: %v", err)
	}
	return &Snapshot{Board: b, Users: users}
}

// conHarness drives a console the way a program would, from the test's
// goroutine: Update is called directly; commands run on goroutines and
// their messages come back through results, to be fed to Update when the
// test pumps. Messages that only wait (the snapshot waiter, the second
// tick, cursor blinks) are dropped: the test delivers snapshots itself and
// the clock is fixed.
type conHarness struct {
	t       testing.TB
	e       *conEnv
	src     *conSource
	m       *Model
	results chan tea.Msg
	quit    bool
	last    []tea.Msg // messages handled by the last await, for diagnostics
}

// newConsole opens a console on e's store as actor, at w×h.
func newConsole(t testing.TB, e *conEnv, actor model.Actor, w, h int) *conHarness {
	t.Helper()
	src := newConSource(t, loadSnapshot(t, e.st))
	m := New(Options{Store: e.st, Source: src, Actor: actor, Clock: e.clk, Width: w, Height: h})
	t.Cleanup(m.Close)
	return &conHarness{t: t, e: e, src: src, m: m, results: make(chan tea.Msg, 4096)}
}

func (h *conHarness) spawn(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { h.results <- cmd() }()
}

// update calls Update and starts the command it returns.
func (h *conHarness) update(msg tea.Msg) {
	_, cmd := h.m.Update(msg)
	h.spawn(cmd)
}

// handle feeds one command result back.
func (h *conHarness) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.spawn(c)
		}
	case tea.QuitMsg:
		h.quit = true
	case tickMsg, snapMsg, snapEndMsg:
		// waiters: the test delivers these itself
	default:
		if t := reflect.TypeOf(msg); t.PkgPath() == "charm.land/bubbles/v2/cursor" {
			return // cursor blinks
		}
		h.update(msg)
	}
}

// await pumps results until one satisfies ok, and fails the test after
// ten seconds.
func (h *conHarness) await(what string, ok func(tea.Msg) bool) tea.Msg {
	h.t.Helper()
	h.last = h.last[:0]
	deadline := time.After(10 * time.Second)
	for {
		select {
		case msg := <-h.results:
			h.last = append(h.last, msg)
			h.handle(msg)
			if ok(msg) {
				return msg
			}
		case <-deadline:
			var types []string
			for _, m := range h.last {
				types = append(types, fmt.Sprintf("%T", m))
			}
			h.t.Fatalf("no %s within 10s; handled %v", what, types)
			return nil
		}
	}
}

// done waits for the answer to a write and returns it.
func (h *conHarness) done() doneMsg {
	h.t.Helper()
	return h.await("write answer (doneMsg)", func(m tea.Msg) bool { _, ok := m.(doneMsg); return ok }).(doneMsg)
}

// wrote waits for a write and fails the test if the store refused it.
func (h *conHarness) wrote() doneMsg {
	h.t.Helper()
	d := h.done()
	if d.err != nil {
		h.t.Fatalf("the write was refused: %v", d.err)
	}
	return d
}

// loaded waits for the incident view's load.
func (h *conHarness) loaded() {
	h.t.Helper()
	msg := h.await("incident load (incidentMsg)", func(m tea.Msg) bool { _, ok := m.(incidentMsg); return ok }).(incidentMsg)
	if msg.err != nil {
		h.t.Fatalf("loading %s: %v", model.FormatRef(msg.id), msg.err)
	}
}

// flush handles whatever arrives within d: enough for a write that was
// wrongly started to finish.
func (h *conHarness) flush(d time.Duration) {
	deadline := time.After(d)
	for {
		select {
		case msg := <-h.results:
			h.handle(msg)
		case <-deadline:
			return
		}
	}
}

// refresh reloads the snapshot from the store, as the Hub would after a
// write, delivers it, and waits for the incident view to reload.
func (h *conHarness) refresh() {
	h.t.Helper()
	h.src.set(loadSnapshot(h.t, h.e.st))
	h.update(snapMsg{})
	if h.m.page == pageIncident || h.m.page == pagePager && h.m.back == pageIncident {
		h.loaded()
	}
}

// press sends keys by name: "j", "enter", "shift+tab", "ctrl+j", "N".
func (h *conHarness) press(keys ...string) {
	for _, k := range keys {
		h.update(conKey(k))
	}
}

// typeText types s character by character, as a terminal sends it.
func (h *conHarness) typeText(s string) {
	for _, r := range s {
		if r == ' ' {
			h.update(conKey("space"))
			continue
		}
		h.update(conKey(string(r)))
	}
}

// conKey is the key press a terminal sends for a key name.
func conKey(k string) tea.KeyPressMsg {
	special := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"esc":       {Code: tea.KeyEscape},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"space":     {Code: tea.KeySpace, Text: " "},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"home":      {Code: tea.KeyHome},
		"end":       {Code: tea.KeyEnd},
		"backspace": {Code: tea.KeyBackspace},
	}
	if m, ok := special[k]; ok {
		return m
	}
	if r, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(r)[0], Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("conKey: unknown key " + k)
	}
	if lower := []rune(strings.ToLower(k))[0]; lower != r[0] {
		return tea.KeyPressMsg{Code: lower, ShiftedCode: r[0], Mod: tea.ModShift, Text: k}
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// screen is the frame as text, colour removed.
func (h *conHarness) screen() string { return ansi.Strip(h.raw()) }

// raw is the frame as the terminal gets it.
func (h *conHarness) raw() string { return h.m.View().Content }

// selectIncident moves the board cursor onto the named incident.
func (h *conHarness) selectIncident(name string) {
	h.t.Helper()
	id := h.e.id[name]
	h.press("g")
	for range len(h.m.rows) {
		if inc := h.m.selected(); inc != nil && inc.ID == id {
			return
		}
		h.press("j")
	}
	h.t.Fatalf("%s (%s) is not on the board", name, model.FormatRef(id))
}

// open selects the named incident and opens it on the tab.
func (h *conHarness) open(name string, tab int) {
	h.t.Helper()
	h.selectIncident(name)
	h.press("enter")
	h.loaded()
	for range tab {
		h.press("tab")
	}
	if h.m.inc.tab != tab {
		h.t.Fatalf("on tab %d, want %d", h.m.inc.tab, tab)
	}
}

// rowIDs are the board's rows as incident names, top to bottom.
func (h *conHarness) rowNames() []string {
	byID := map[int64]string{}
	for n, id := range h.e.id {
		byID[id] = n
	}
	var out []string
	for _, inc := range h.m.rows {
		out = append(out, byID[inc.ID])
	}
	return out
}

// checkFrame asserts a screen is exactly h lines of at most w cells.
func checkFrame(t testing.TB, name, s string, w, h int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("%s at %d×%d: %d lines, want %d", name, w, h, len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("%s at %d×%d: line %d is %d cells wide: %q", name, w, h, i+1, lw, ansi.Strip(l))
		}
	}
}

func assertContains(t testing.TB, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// assertRow checks that a screen has a line holding the cells in order,
// however wide the columns between them are laid out.
func assertRow(t testing.TB, what, screen string, cells ...string) {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		rest, ok := l, true
		for _, c := range cells {
			i := strings.Index(rest, c)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(c):]
		}
		if ok {
			return
		}
	}
	t.Errorf("%s has no line with %q in order:\n%s", what, cells, screen)
}

func assertNotContains(t testing.TB, what, s string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(s, w) {
			t.Errorf("%s contains %q:\n%s", what, w, s)
		}
	}
}

// execQuit runs a command and reports whether it quits the program.
func execQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		_, ok := msg.(tea.QuitMsg)
		return ok
	case <-time.After(200 * time.Millisecond):
		return false
	}
}

func TestConsoleFixtureOrder(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 160, 50)
	want := []string{incExposed, incStuffing, incLogins, incWebhooks, incExport, incLatency}
	if got := h.rowNames(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("board order %v, want %v (most urgent first: severity, then nearest deadline)", got, want)
	}
	s := h.screen()
	assertContains(t, "board", s, "NO IC", "✖ OVERDUE +01:02:03 ack", "◆ 04:00:00 notify", "▲ 16:30:00 notify",
		"● 71:00:00 notify", "◆ 00:30:00 ack", "Tue 24 Nov 15:00:00 CET", "P0 1 P1 2 P2 2 P3 1")
}

func TestConsoleBoardCursor(t *testing.T) {
	e := newConEnv(t)
	// Board order: exposed, stuffing, logins, webhooks, export, latency.
	tests := []struct {
		keys []string
		want string
	}{
		{nil, incExposed},
		{[]string{"j"}, incStuffing},
		{[]string{"down"}, incStuffing},
		{[]string{"j", "j", "j"}, incWebhooks},
		{[]string{"j", "down", "k"}, incStuffing},
		{[]string{"j", "j", "up"}, incStuffing},
		{[]string{"k"}, incExposed},                                    // stays on the first row
		{[]string{"up"}, incExposed},                                   // likewise
		{[]string{"j", "j", "j", "j", "j", "j", "j", "j"}, incLatency}, // stays on the last
		{[]string{"G"}, incLatency},
		{[]string{"end"}, incLatency},
		{[]string{"G", "g"}, incExposed},
		{[]string{"G", "home"}, incExposed},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.keys, ","), func(t *testing.T) {
			h := newConsole(t, e, conOwner, 80, 24)
			h.press(tt.keys...)
			if got := h.m.selected(); got == nil || got.ID != e.id[tt.want] {
				t.Fatalf("after %v the selection is %v, want %s (%s)", tt.keys, got, tt.want, model.FormatRef(e.id[tt.want]))
			}
			if h.m.page != pageBoard {
				t.Errorf("moving left the board")
			}
		})
	}
}

func TestConsoleOpenTabsBack(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.selectIncident(incExport)
	h.press("enter")
	if h.m.page != pageIncident || h.m.inc.tab != tabChecklist {
		t.Fatalf("enter: page %d tab %d, want the incident view on Checklist", h.m.page, h.m.inc.tab)
	}
	h.loaded()
	assertContains(t, "incident view", h.screen(), "INC-2", "Support export emailed to the wrong customer",
		"Checklist", "Timeline", "Notification", "Review", "Details", "[x] Acknowledge the alert", "5 of 9 settled")

	// Each tab shows something only it shows.
	marks := [tabCount]string{"5 of 9 settled", "declared INC-2 P2", "Controller notifications", "Post-incident review", "Aware (72 h clock)"}
	for i, want := range []int{1, 2, 3, 4, 0} {
		h.press("tab")
		if h.m.inc.tab != want {
			t.Fatalf("tab %d: on tab %d, want %d", i+1, h.m.inc.tab, want)
		}
		assertContains(t, tabNames[want]+" tab", h.screen(), marks[want])
	}
	for _, want := range []int{4, 3, 2, 1, 0, 4} {
		h.press("shift+tab")
		if h.m.inc.tab != want {
			t.Fatalf("shift+tab: on tab %d, want %d", h.m.inc.tab, want)
		}
		assertContains(t, tabNames[want]+" tab", h.screen(), marks[want])
	}

	h.press("esc")
	if h.m.page != pageBoard {
		t.Fatalf("esc: page %d, want the board", h.m.page)
	}
	if sel := h.m.selected(); sel == nil || sel.ID != e.id[incExport] {
		t.Errorf("back on the board the selection is %v, want INC-2", sel)
	}
	assertContains(t, "board", h.screen(), "NEXT DEADLINE")

	// Opening another incident starts on Checklist again.
	h.press("k", "enter")
	h.loaded()
	if h.m.inc.tab != tabChecklist || h.m.inc.id != e.id[incWebhooks] {
		t.Errorf("reopening: incident %d tab %d, want %d on Checklist", h.m.inc.id, h.m.inc.tab, e.id[incWebhooks])
	}
}

func TestConsoleFilter(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.press("/")
	if !h.m.board.filtering {
		t.Fatal("/ did not start the filter")
	}
	h.typeText("webhook")
	if got := h.rowNames(); len(got) != 1 || got[0] != incWebhooks {
		t.Fatalf("filter webhook: rows %v, want only webhooks", got)
	}
	s := h.screen()
	assertContains(t, "filtered board", s, "/ webhook", "Payment webhooks delayed")
	assertNotContains(t, "filtered board", s, "Credential stuffing", "Support export")
	checkFrame(t, "filtered board", h.raw(), 100, 30)

	// Keys typed while filtering go to the filter, not to actions.
	before := e.seq(t)
	h.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	h.typeText("no ic")
	if got := h.rowNames(); len(got) != 1 || got[0] != incStuffing {
		t.Errorf("filter 'no ic': rows %v, want only stuffing", got)
	}
	h.flush(50 * time.Millisecond)
	if e.seq(t) != before || h.m.form != nil {
		t.Error("typing 'n', 'a' or 'i' into the filter acted on an incident")
	}

	h.press("esc")
	if h.m.board.filtering || h.m.filter.Value() != "" || len(h.m.rows) != 6 {
		t.Errorf("esc: filtering %v, value %q, %d rows; want the filter cleared and 6 rows",
			h.m.board.filtering, h.m.filter.Value(), len(h.m.rows))
	}
	assertContains(t, "board after esc", h.screen(), "Credential stuffing", "Support export")
	assertNotContains(t, "board after esc", h.screen(), "/ ")

	// enter keeps the filter and goes back to moving; esc then clears it.
	h.press("/")
	h.typeText("p2")
	h.press("enter")
	if h.m.board.filtering || len(h.m.rows) != 2 {
		t.Fatalf("enter: filtering %v, %d rows; want the filter kept with 2 rows", h.m.board.filtering, len(h.m.rows))
	}
	h.press("j")
	if sel := h.m.selected(); sel == nil || sel.ID != e.id[incExport] {
		t.Errorf("j in the filtered board selects %v, want INC-2", sel)
	}
	h.press("esc")
	if h.m.filter.Value() != "" || len(h.m.rows) != 6 {
		t.Errorf("esc after enter: value %q, %d rows; want cleared", h.m.filter.Value(), len(h.m.rows))
	}
	if sel := h.m.selected(); sel == nil || sel.ID != e.id[incExport] {
		t.Errorf("clearing the filter moved the selection to %v, want INC-2", sel)
	}

	h.press("/")
	h.typeText("zzz")
	assertContains(t, "board with no match", h.screen(), "No incident matches the filter; esc clears it.")
}

// helpBindings are the bindings of help groups, with their help text.
func helpBindings(groups []helpGroup) []binding {
	var out []binding
	for _, g := range groups {
		out = append(out, g.keys...)
	}
	return out
}

func TestConsoleHelp(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 40)
	h.press("?")
	if h.m.page != pageHelp {
		t.Fatalf("? did not open help")
	}
	s := h.screen()
	assertContains(t, "board help", s, "Keys", "you are olivia (owner)")
	for _, g := range h.m.keys.boardHelp() {
		assertContains(t, "board help", s, g.title)
	}
	for _, b := range helpBindings(h.m.keys.boardHelp()) {
		hk := b.Help()
		assertContains(t, "board help", s, cell(hk.Key, 11)+hk.Desc)
	}
	assertNotContains(t, "owner's help", s, "cannot")
	checkFrame(t, "help", h.raw(), 100, 40)
	h.press("esc")
	if h.m.page != pageBoard {
		t.Fatalf("esc from help: page %d, want the board", h.m.page)
	}

	h.press("enter")
	h.loaded()
	h.press("?")
	s = h.screen()
	for _, b := range helpBindings(h.m.keys.incidentHelp()) {
		hk := b.Help()
		assertContains(t, "incident help", s, cell(hk.Key, 11)+hk.Desc)
	}
	h.press("?")
	if h.m.page != pageIncident {
		t.Fatalf("? from the incident's help: page %d, want the incident view", h.m.page)
	}
	h.press("?", "q")
	if h.m.page != pageIncident || h.quit {
		t.Fatalf("q in help should close help, not quit: page %d", h.m.page)
	}
}

func TestConsoleQuit(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 80, 24)
	quitAfter := func(name string, setup ...string) {
		t.Helper()
		h := newConsole(t, e, conOwner, 80, 24)
		h.press(setup...)
		if h.m.page == pageIncident {
			h.loaded()
		}
		_, cmd := h.m.Update(conKey("ctrl+c"))
		if !execQuit(cmd) {
			t.Errorf("ctrl+c %s does not quit", name)
		}
	}
	quitAfter("on the board")
	quitAfter("in the incident view", "enter")
	quitAfter("in help", "?")
	quitAfter("in the filter", "/", "x")
	quitAfter("in a form", "n")
	quitAfter("in a confirmation", "j", "c")

	_, cmd := h.m.Update(conKey("q"))
	if !execQuit(cmd) {
		t.Error("q on the board does not quit")
	}
	h.press("enter")
	h.loaded()
	_, cmd = h.m.Update(conKey("q"))
	if execQuit(cmd) {
		t.Error("q in the incident view quits; it should go back to the board")
	}
	if h.m.page != pageBoard {
		t.Errorf("q in the incident view: page %d, want the board", h.m.page)
	}
}

// asSentence is how the footer shows a message: capitalised, ended.
func asSentence(s string) string {
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func ptrTo[T any](v T) *T { return &v }
