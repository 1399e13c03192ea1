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
	ctx, cancel := context.WithCancel(context.Background())
	hub, err := NewHub(ctx, e.st)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		<-hub.Done()
	}()
	m := New(Options{Store: e.st, Source: hub, Actor: conOwner, Clock: e.clk, Width: 100, Height: 30})
	defer m.Close()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	before := e.seq(t)
	// The program's output, kept whole: teatest's reader gives each byte
	// once, and a wait may need to look at what an earlier wait read.
	var seen []byte
	// showsMatch waits until the text shown since byte from matches re and
	// returns the submatches.
	showsMatch := func(from int, re *regexp.Regexp) []string {
		t.Helper()
		var m []string
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			seen = append(seen, b...)
			m = re.FindStringSubmatch(ansi.Strip(string(seen[from:])))
			return m != nil
		}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
		return m
	}
	shows := func(what string) { t.Helper(); showsMatch(len(seen), regexp.MustCompile(regexp.QuoteMeta(what))) }
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
