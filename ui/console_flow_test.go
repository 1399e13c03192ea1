package ui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitrep/model"
)

// teatest/v2 cannot be linked into this package's tests: its golden
// package registers a global -update flag, as golden_test.go does, and the
// test binary panics with "flag redefined: update". The flow therefore
// runs a real tea.Program with a pipe for the terminal's input and a
// buffer for its output, as teatest does.

// flowProbe wraps the console in a program and records, after every
// Update, what the test waits for.
type flowProbe struct {
	m *Model

	mu      sync.Mutex
	page    page
	sel     int64
	shownID int64 // the incident the incident view has loaded
	flash   string
	updates int
}

func (p *flowProbe) Init() tea.Cmd { return p.m.Init() }

// Update and View hold the lock, so the test may look at the model
// between them.
func (p *flowProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, cmd := p.m.Update(msg)
	p.page, p.sel, p.flash = p.m.page, p.m.board.sel, p.m.flash
	if p.m.inc.inc != nil {
		p.shownID = p.m.inc.inc.ID
	}
	p.updates++
	return p, cmd
}

func (p *flowProbe) View() tea.View {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m.View()
}

// waitFor polls the probe until ok holds.
func (p *flowProbe) waitFor(t *testing.T, what string, ok func(p *flowProbe) bool) {
	t.Helper()
	waitFor(t, what, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return ok(p)
	})
}

// syncBuffer is the program's terminal output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestConsoleProgramFlow drives the console in a real program with
// keystrokes as a terminal sends them: declare with n, acknowledge with a,
// tick a checklist item with space, quit. The store is the judge.
func TestConsoleProgramFlow(t *testing.T) {
	e := newConEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hub, err := NewHub(ctx, e.st)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		<-hub.Done()
	}()
	m := New(Options{Store: e.st, Source: hub, Actor: conOwner, Clock: e.clk, Width: 100, Height: 30})
	probe := &flowProbe{m: m}
	in, keys := io.Pipe()
	defer keys.Close()
	out := &syncBuffer{}
	p := tea.NewProgram(probe, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
		tea.WithWindowSize(100, 30), tea.WithoutSignals(), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	type result struct {
		m   tea.Model
		err error
	}
	done := make(chan result, 1)
	go func() {
		fm, err := p.Run()
		done <- result{fm, err}
	}()
	typeKeys := func(s string) {
		t.Helper()
		if _, err := keys.Write([]byte(s)); err != nil {
			t.Fatalf("typing %q: %v", s, err)
		}
	}
	before := e.seq(t)

	// Declare: n, a title, enter through the six fields.
	probe.waitFor(t, "the first frame", func(p *flowProbe) bool { return p.updates > 0 })
	typeKeys("n")
	typeKeys("Disk full on the audit log host")
	typeKeys(strings.Repeat("\r", 6))
	probe.waitFor(t, "the declared incident to be selected on the board", func(p *flowProbe) bool {
		return p.sel == 7 && strings.HasPrefix(p.flash, "Declared INC-7")
	})
	waitStore := func(what string, ok func(inc *model.Incident) bool) *model.Incident {
		t.Helper()
		var inc *model.Incident
		waitFor(t, "the store to show "+what, func() bool {
			got, err := e.st.Incident(context.Background(), 7)
			inc = got
			return err == nil && ok(got)
		})
		return inc
	}
	waitStore("INC-7", func(*model.Incident) bool { return true })
	// The cursor follows once the hub's new snapshot holds the row: wait
	// for it before acting on "the selected incident".
	probe.waitFor(t, "INC-7 under the cursor", func(p *flowProbe) bool {
		inc := p.m.selected()
		return inc != nil && inc.ID == 7
	})

	typeKeys("a")
	waitStore("INC-7 acknowledged", func(inc *model.Incident) bool { return inc.Status == model.Acknowledged })

	// Open it, move to the scope item and tick it.
	typeKeys("\r")
	probe.waitFor(t, "the incident view of INC-7", func(p *flowProbe) bool {
		return p.page == pageIncident && p.shownID == 7 && p.m.inc.inc.Status == model.Acknowledged
	})
	typeKeys("j ")
	waitStore("scope done", func(inc *model.Incident) bool {
		for _, it := range inc.Checklist {
			if it.Key == "scope" {
				return it.State == model.ItemDone
			}
		}
		return false
	})

	// q goes back to the board, q again quits.
	typeKeys("q")
	probe.waitFor(t, "the board", func(p *flowProbe) bool { return p.page == pageBoard })
	typeKeys("q")
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not quit on q")
	}
	m.Close()
	if r.err != nil {
		t.Fatalf("program: %v", r.err)
	}
	if _, ok := r.m.(*flowProbe); !ok {
		t.Fatalf("final model %T", r.m)
	}

	inc, err := e.st.Incident(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Disk full on the audit log host" || inc.Severity != model.P2 || inc.Status != model.Acknowledged {
		t.Errorf("INC-7: %q %s %s, want the declared P2, acknowledged", inc.Title, inc.Severity, inc.Status)
	}
	evs, err := e.st.Timeline(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, string(ev.Action)+" by "+ev.Actor)
	}
	if got := strings.Join(actions, ", "); got != "declare by olivia, ack by olivia, check by olivia" {
		t.Errorf("timeline of INC-7: %s", got)
	}
	if n := e.seq(t) - before; n != 3 {
		t.Errorf("%d events written, want 3", n)
	}
	screen := ansi.Strip(out.String())
	assertContains(t, "terminal output", screen, "SITREP", "Declare an incident", "Disk full on the audit log host")
}
