package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"sitrep/model"
)

// TestConsoleTeatestFlow drives the console through teatest/v2: declare an
// incident, acknowledge it, tick a checklist item, quit; then the store
// holds exactly those writes.
func TestConsoleTeatestFlow(t *testing.T) {
	e := newConEnv(t)
	tm, out := teaConsole(t, e, 100, 30)
	before := e.seq(t)
	showsMatch, shows := out.showsMatch, out.shows
	press := func(k tea.KeyPressMsg) { tm.Send(k) }
	enter := tea.KeyPressMsg{Code: tea.KeyEnter}

	tm.Type("n")
	shows("Declare an incident")
	tm.Type("Teatest flow incident")
	for range 6 {
		press(enter)
	}
	ref := showsMatch(0, regexp.MustCompile(`Declared (INC-\d+)`))[1]
	// The new incident is selected once its snapshot reaches the program,
	// which then draws its row: the ref and the title on one line.
	showsMatch(0, regexp.MustCompile(regexp.QuoteMeta(ref)+`\b[^\n]*Teatest flow incident`))
	press(enter)
	shows("Checklist")
	tm.Type("a")
	shows("Acknowledged INC-")
	tm.Type("j")
	press(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	shows("done on INC-")
	tm.Type("q") // back to the board
	tm.Type("q") // quit
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	evs, err := e.st.Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		if ev.Seq > before {
			actions = append(actions, string(ev.Action))
		}
	}
	if got := strings.Join(actions, " "); got != "declare ack check" {
		t.Fatalf("writes %q; want declare ack check", got)
	}
	var id int64
	for _, ev := range evs {
		if ev.Action == "declare" && ev.Seq > before {
			id = ev.IncidentID
		}
	}
	inc, err := e.st.Incident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Teatest flow incident" || inc.Status != model.Acknowledged || inc.Progress.Done != 2 {
		t.Errorf("incident %s %q %s progress %+v; want acknowledged with ack and scope done", inc.Ref(), inc.Title, inc.Status, inc.Progress)
	}
}

// teaConsole runs a console on the store's Hub under teatest.
func teaConsole(t *testing.T, e *conEnv, w, h int) (*teatest.TestModel, *teaOutput) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hub, err := NewHub(ctx, e.st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-hub.Done()
	})
	m := New(Options{Store: e.st, Source: hub, Actor: conOwner, Clock: e.clk, Width: w, Height: h})
	t.Cleanup(m.Close)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	return tm, &teaOutput{t: t, tm: tm}
}

// teaOutput is the program's output, kept whole: teatest's reader gives
// each byte once, and a wait may need to look at what an earlier wait read.
type teaOutput struct {
	t    *testing.T
	tm   *teatest.TestModel
	seen []byte
}

// showsMatch waits until the text shown since byte from matches re and
// returns the submatches.
func (o *teaOutput) showsMatch(from int, re *regexp.Regexp) []string {
	o.t.Helper()
	var m []string
	teatest.WaitFor(o.t, o.tm.Output(), func(b []byte) bool {
		o.seen = append(o.seen, b...)
		m = re.FindStringSubmatch(ansi.Strip(string(o.seen[from:])))
		return m != nil
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	return m
}

// shows waits until what is shown after everything seen so far.
func (o *teaOutput) shows(what string) {
	o.t.Helper()
	o.showsMatch(len(o.seen), regexp.MustCompile(regexp.QuoteMeta(what)))
}

// TestConsoleTeatestLive: a console at the end of a timeline shows a note
// written by someone else as it arrives, a new incident declared elsewhere
// is announced without leaving the page, and esc on a half-typed note asks
// before throwing it away (n going back is in TestConsoleFormsCancel: a
// frame drawn twice the same sends nothing to wait for).
func TestConsoleTeatestLive(t *testing.T) {
	e := newConEnv(t)
	tm, out := teaConsole(t, e, 80, 24)
	enter := tea.KeyPressMsg{Code: tea.KeyEnter}
	out.shows("INC-2")
	tm.Type("G") // the last row: INC-3, the resolved one with a short timeline
	tm.Send(enter)
	out.shows("Checklist")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("G")
	ctx := context.Background()
	id := e.id[incLatency]
	if _, err := e.st.Note(ctx, conMember, id, "written elsewhere while you watch"); err != nil {
		t.Fatal(err)
	}
	out.shows("written elsewhere while you watch")
	inc, err := e.st.Declare(ctx, conAdmin, model.Declaration{Title: "Arrived while you were busy", Severity: model.P0,
		Source: "monitoring", Breach: model.BreachUnknown})
	if err != nil {
		t.Fatal(err)
	}
	out.shows("New incident " + inc.Ref() + " P0: Arrived while you were busy")
	tm.Type("m")
	out.shows("Note on")
	tm.Type("half a thought")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	out.shows("Discard what you typed?")
	tm.Type("y")
	out.shows("Discarded; nothing was written.")
	tm.Type("q")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}
