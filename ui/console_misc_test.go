package ui

import (
	"context"
	"image/color"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitrep/model"
	"sitrep/store"
)

func TestConsoleTick(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	assertContains(t, "board", h.screen(), "◆ 00:30:00 ack", "✖ OVERDUE +01:02:03 ack", "15:00:00 CET")

	h.press("a") // a flash that should fade
	h.wrote()
	e.clk.Set(conNow.Add(time.Second))
	_, cmd := h.m.Update(tickMsg(conNow.Add(time.Second)))
	if cmd == nil {
		t.Fatal("a tick must schedule the next one")
	}
	s := h.screen()
	assertContains(t, "board a second later", s, "◆ 00:29:59 ack", "✖ OVERDUE +01:02:04 ack", "15:00:01 CET", "Acknowledged INC-4.")

	// Notices fade after a few seconds; refusals stay until replaced.
	e.clk.Set(conNow.Add(10 * time.Second))
	h.m.Update(tickMsg(conNow.Add(10 * time.Second)))
	if h.m.flash != "" {
		t.Errorf("notice %q still shown 10 s later", h.m.flash)
	}
	h.press("a") // INC-4 again: refused
	h.done()
	e.clk.Set(conNow.Add(30 * time.Second))
	h.m.Update(tickMsg(conNow.Add(30 * time.Second)))
	if h.m.flash == "" || !h.m.flashErr {
		t.Errorf("a refusal faded: %q", h.m.flash)
	}
}

func TestConsoleHeader(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	snap := *h.src.Snapshot()
	snap.Online = []string{"alice", "bob\x1b[2J"}
	h.src.set(&snap)
	h.update(snapMsg{})
	assertContains(t, "header", h.screen(), "online: alice, bob[2J", "P0 1 P1 2 P2 2 P3 1", "Tue 24 Nov 15:00:00 CET")
	assertClean(t, "header", h.raw())
}

func TestConsoleBackground(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	if !h.m.st.Dark {
		t.Fatal("the console should start with dark styles")
	}
	h.update(tea.BackgroundColorMsg{Color: color.White})
	if h.m.st.Dark {
		t.Error("a light background did not switch to light styles")
	}
	h.update(tea.BackgroundColorMsg{Color: color.Black})
	if !h.m.st.Dark {
		t.Error("a dark background did not switch back")
	}
}

// exerciseConsole is a console whose snapshot comes from an exercise
// database.
func exerciseConsole(t *testing.T) *conHarness {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	snap := *h.src.Snapshot()
	board := *snap.Board
	board.Mode = "exercise"
	snap.Board = &board
	h.src.set(&snap)
	h.update(snapMsg{})
	return h
}

// TestConsoleExerciseBanner: on an exercise database every screen says
// EXERCISE.
func TestConsoleExerciseBanner(t *testing.T) {
	h := exerciseConsole(t)
	assertContains(t, "board", h.screen(), "EXERCISE")
	h.press("n")
	assertContains(t, "declare form", h.screen(), "EXERCISE")
	h.press("esc", "enter")
	h.loaded()
	assertContains(t, "incident view", h.screen(), "EXERCISE")
	h.press("tab", "m")
	assertContains(t, "note form", h.screen(), "EXERCISE")
}

func TestConsoleExerciseBannerHelpAndExport(t *testing.T) {
	h := exerciseConsole(t)
	h.press("?")
	assertContains(t, "board help", h.screen(), "EXERCISE")
	h.press("esc", "enter")
	h.loaded()
	h.press("?")
	assertContains(t, "incident help", h.screen(), "EXERCISE")
	h.press("esc", "e")
	assertContains(t, "export", h.screen(), "EXERCISE")
}

// TestConsoleExerciseMessageAndControls: an exercise's newest broadcast
// message shows under the header until d dismisses it; the exercise status
// line gives admins the next inject's countdown and hides it from others;
// X is refused with the model's sentence for a member.
func TestConsoleExerciseMessageAndControls(t *testing.T) {
	h := exerciseConsole(t)
	snap := *h.src.Snapshot()
	snap.Exercise = &store.ExerciseStatus{Title: "Drill", SimNow: h.e.clk.Now(), Speed: 60, Started: true,
		InjectsFired: 2, InjectsTotal: 5, NextInject: h.e.clk.Now().Add(90 * time.Minute), NextInjectIdx: 3}
	snap.Messages = []model.Event{{Seq: 41, Action: "message", Actor: "exercise", Data: map[string]string{"text": "The press is calling."}}}
	h.src.set(&snap)
	h.update(snapMsg{})
	s := h.screen()
	assertContains(t, "board", s, "MESSAGE", "The press is calling.", "injects 2 of 5", "next inject in 01:30:00")
	h.press("d")
	assertNotContains(t, "after d", h.screen(), "The press is calling.")
	// A newer message shows again.
	snap.Messages = append(snap.Messages, model.Event{Seq: 57, Action: "message", Actor: "exercise", Data: map[string]string{"text": "Second wave."}})
	h.src.set(&snap)
	h.update(snapMsg{})
	assertContains(t, "newer message", h.screen(), "Second wave.")

	m := newConsole(t, h.e, conMember, 100, 30)
	m.src.set(&snap)
	m.update(snapMsg{})
	assertNotContains(t, "member's status line", m.screen(), "next inject in")
	m.press("X")
	if m.m.form != nil || !strings.Contains(m.m.flash, "A member cannot run exercises") {
		t.Errorf("X for a member: form %v, flash %q", m.m.form != nil, m.m.flash)
	}
	h.press("X")
	if h.m.form == nil || h.m.form.title != "Exercise clock" {
		t.Fatalf("X for an owner opened no exercise form")
	}
}

// TestConsoleHelpScrollsWhenSmall: at 40×12 the help is one column that
// scrolls to its last key, never two columns cut short.
func TestConsoleHelpScrollsWhenSmall(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 40, 12)
	h.press("?")
	scr := h.screen()
	assertContains(t, "help at 40×12", scr, "  ↑/k        up", "j/k scroll · esc closes · 1–9 of 20")
	assertNotContains(t, "help at 40×12", scr, "C          close")
	h.press("G")
	scr = h.screen()
	assertContains(t, "help scrolled to its end", scr, "  C          close", "12–20 of 20")
	h.press("k", "k")
	assertContains(t, "help scrolled up two lines", h.screen(), "10–18 of 20")
	h.press("esc")
	if h.m.page != pageBoard {
		t.Fatalf("esc left the help on page %d", h.m.page)
	}
	h.press("?")
	assertContains(t, "help opened again", h.screen(), "1–9 of 20")
}

// TestConsoleDeclareChoiceInView: at 40×12 the chosen severity stays on
// screen, whichever it is, with its description below it.
func TestConsoleDeclareChoiceInView(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 40, 12)
	h.press("n")
	h.typeText("Disk full")
	h.press("tab")
	for range 5 {
		fl := h.m.form.fields[h.m.form.focus]
		if fl.kind != fieldChoice {
			t.Fatalf("focus on %q, want the severity picker", fl.label)
		}
		assertContains(t, "declare form at 40×12", h.screen(), "● "+fl.choices[fl.pick].label)
		h.press("j")
	}
}

// TestConsoleExerciseClockFormKeepsSpeed: a speed changed in the clock
// form applies with the action chosen (pause here), not only with "set
// speed".
func TestConsoleExerciseClockFormKeepsSpeed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ex.db")
	clk := &conClock{t: conNow}
	st, err := store.CreateExercise(ctx, path, []byte("title: Drill\nstart: 2026-05-04T02:00:00+02:00\ninjects:\n  - at: T+01:00\n    message: Hello.\n"),
		conOwner, store.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.ExerciseStart(ctx, conOwner, 60); err != nil {
		t.Fatal(err)
	}
	e := &conEnv{st: st, clk: clk, path: path, id: map[string]int64{}}
	h := newConsole(t, e, conOwner, 100, 30)
	snap := loadSnapshot(t, st)
	ex, err := st.Exercise(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap.Exercise = &ex
	h.src.set(snap)
	h.update(snapMsg{})

	h.press("X")
	if h.m.form == nil || h.m.form.fields[0].value() != "pause" {
		t.Fatalf("X should open the clock form on pause")
	}
	h.press("tab", "backspace", "backspace")
	h.typeText("120")
	h.press("enter")
	h.wrote()
	ex, err = st.Exercise(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Paused || ex.Speed != 120 {
		t.Errorf("after pause with speed 120: paused %v at %d×, want paused at 120×", ex.Paused, ex.Speed)
	}
}

// TestConsoleExerciseMessageLog: the latest message shows whole (wrapped),
// and M opens every message, oldest first, on the newest.
func TestConsoleExerciseMessageLog(t *testing.T) {
	h := exerciseConsole(t)
	snap := *h.src.Snapshot()
	snap.Exercise = &store.ExerciseStatus{Title: "Drill", SimNow: h.e.clk.Now(), Speed: 60, Started: true, InjectsFired: 2, InjectsTotal: 5}
	long := "The regulator's duty officer called the switchboard asking who the point of contact is, " +
		"and a journalist has the ransom note; legal wants a holding statement before noon."
	snap.Messages = []model.Event{
		{Seq: 40, Time: conNow.Add(-time.Hour), Action: "message", Actor: "exercise", Data: map[string]string{"text": "The press is calling."}},
		{Seq: 41, Time: conNow, Action: "message", Actor: "exercise", Data: map[string]string{"text": long}},
	}
	h.src.set(&snap)
	h.update(snapMsg{})
	scr := h.screen()
	assertContains(t, "board", scr, "legal wants a holding statement before noon.", "M all messages")
	assertNotContains(t, "board", scr, "The press is calling.")
	h.press("M")
	if h.m.page != pagePager {
		t.Fatalf("M opened page %d, want the pager", h.m.page)
	}
	assertContains(t, "message log", h.screen(), "Exercise messages, oldest first", "The press is calling.", "legal wants a holding")
	h.press("esc")
	if h.m.page != pageBoard {
		t.Errorf("esc from the message log went to page %d", h.m.page)
	}
}
