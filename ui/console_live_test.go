package ui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitrep/model"
	"sitrep/store"
)

// newLiveConsole opens a console on a real Hub of e's store.
func newLiveConsole(t *testing.T, e *conEnv, w, h int) (*conHarness, *Hub) {
	t.Helper()
	hub := newTestHub(t, e)
	m := New(Options{Store: e.st, Source: hub, Actor: conOwner, Clock: e.clk, Width: w, Height: h})
	t.Cleanup(m.Close)
	return &conHarness{t: t, e: e, m: m, results: make(chan tea.Msg, 4096)}, hub
}

// otherProcess opens a second handle on the same file, as another
// process (the CLI, another TUI) would.
func otherProcess(t *testing.T, e *conEnv) *store.Store {
	t.Helper()
	other, err := store.Open(context.Background(), e.path, store.WithClock(e.clk))
	if err != nil {
		t.Fatalf("second handle: %v", err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// awaitSignal waits, off the update loop as a program does, until the
// console's subscription has signalled a snapshot holding incident id.
// It returns how long that took.
func awaitSignal(t *testing.T, h *conHarness, hub *Hub, id int64) time.Duration {
	t.Helper()
	start := time.Now()
	got := make(chan struct{})
	go func() {
		defer close(got)
		for {
			if _, ok := <-h.m.sub; !ok {
				return
			}
			if s := hub.Snapshot(); s != nil && s.Board != nil && onBoard(s.Board, id) {
				return
			}
		}
	}()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatalf("the console was not signalled within 5s of another process's write")
	}
	if s := hub.Snapshot(); s == nil || s.Board == nil || !onBoard(s.Board, id) {
		t.Fatalf("the subscription closed before the change arrived")
	}
	return time.Since(start)
}

func onBoard(b *store.Board, id int64) bool {
	for _, inc := range b.Incidents {
		if inc.ID == id {
			return true
		}
	}
	return false
}

func TestConsoleLiveFromAnotherProcess(t *testing.T) {
	e := newConEnv(t)
	h, hub := newLiveConsole(t, e, 100, 30)
	h.selectIncident(incExport)
	cursor := h.m.board.cursor

	other := otherProcess(t, e)
	inc, err := other.Declare(context.Background(), conAdmin, model.Declaration{
		Title: "Ransomware note on the build server", Severity: model.P0, Source: "monitoring", Breach: model.BreachUnknown})
	if err != nil {
		t.Fatal(err)
	}
	took := awaitSignal(t, h, hub, inc.ID)
	t.Logf("another process's write reached the console's subscription in %v", took)

	h.update(snapMsg{})
	assertRow(t, "board", h.screen(), "INC-7 ", "P0 Ransomware note on the build", "NO IC", "◆ 01:00:00 ack")
	assertContains(t, "board", h.screen(), "P0 2")
	if got := h.m.rows[1].ID; got != inc.ID {
		t.Errorf("second row %s: the new P0 should be second, after the overdue P0", model.FormatRef(got))
	}
	// The selection stays on the same incident, one row further down.
	if sel := h.m.selected(); sel == nil || sel.ID != e.id[incExport] {
		t.Fatalf("after the reorder the selection is %v, want INC-2", sel)
	}
	if h.m.board.cursor != cursor+1 {
		t.Errorf("cursor %d, want %d (the row moved down by one)", h.m.board.cursor, cursor+1)
	}
}

func TestConsoleLiveIncidentView(t *testing.T) {
	e := newConEnv(t)
	h, hub := newLiveConsole(t, e, 100, 30)
	h.open(incWebhooks, tabChecklist)
	assertContains(t, "checklist", h.screen(), "0 of 9 settled")

	other := otherProcess(t, e)
	if _, err := other.Check(context.Background(), conMember, e.id[incWebhooks], model.CheckChange{Key: "scope"}); err != nil {
		t.Fatal(err)
	}
	seq, _ := other.LastSeq(context.Background())
	waitFor(t, "the hub to notice the other process's write", func() bool {
		s := hub.Snapshot()
		return s != nil && s.Board != nil && s.Board.Seq >= seq
	})
	h.update(snapMsg{})
	h.loaded() // the open incident reloads on a new snapshot
	assertContains(t, "checklist", h.screen(), "[x] Determine initial scope", "1 of 9 settled")
}

func TestConsoleSelectionLeavesBoard(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.selectIncident(incLogins) // third row
	cursor := h.m.board.cursor
	// The selected incident leaves the board (deleted elsewhere).
	if _, err := e.st.Delete(context.Background(), conOwner, e.id[incLogins], "declared by mistake"); err != nil {
		t.Fatal(err)
	}
	h.refresh()
	if sel := h.m.selected(); sel == nil || h.m.board.cursor != cursor {
		t.Errorf("when the selected incident leaves, the cursor should stay on its row: cursor %d, selection %v", h.m.board.cursor, sel)
	}
	if sel := h.m.selected(); sel != nil && sel.ID != e.id[incWebhooks] {
		t.Errorf("selection %s, want the next row (webhooks)", sel.Ref())
	}
}

// TestConsoleSaysWhenAnIncidentArrives: inside another incident, a new one
// is announced in the footer; the page and tab stay as they were.
func TestConsoleSaysWhenAnIncidentArrives(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incExport, tabTimeline)
	inc, err := e.st.Declare(context.Background(), conAdmin, model.Declaration{
		Title: "Ransomware note on the build server", Severity: model.P0, Source: "monitoring", Breach: model.BreachUnknown})
	if err != nil {
		t.Fatal(err)
	}
	h.refresh()
	if h.m.page != pageIncident || h.m.inc.tab != tabTimeline || h.m.inc.id != e.id[incExport] {
		t.Fatalf("the arrival moved the console to page %d tab %d incident %d", h.m.page, h.m.inc.tab, h.m.inc.id)
	}
	assertContains(t, "footer", h.screen(), "New incident "+inc.Ref()+" P0: Ransomware note on the build server — esc for the board.")

	// A snapshot with nothing new says nothing new; on the board the row
	// itself is the news.
	h.press("esc")
	if _, err := e.st.Note(context.Background(), conAdmin, inc.ID, "not an arrival"); err != nil {
		t.Fatal(err)
	}
	h.refresh()
	assertNotContains(t, "board", h.screen(), "New incident")
}
