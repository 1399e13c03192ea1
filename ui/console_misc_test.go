package ui

import (
	"image/color"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
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
