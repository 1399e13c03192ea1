package ui

import (
	"context"
	"strings"
	"testing"

	"sitrep/model"
)

// Tests of behaviour the console gets wrong today; each is skipped with
// the bug it shows, to be enabled with the fix.

// TestConsoleMarkerAfterMovingPastTheEnd: G (or j on the last row) on a
// tab with selectable rows must show the selection marker on the last row
// in the very next frame.
func TestConsoleMarkerAfterMovingPastTheEnd(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incExport, tabChecklist)
	for _, tc := range []struct {
		tab  int
		keys []string
		want string
	}{
		{tabChecklist, []string{"G"}, "▶ [x] Assign an incident commander"},
		{tabChecklist, []string{"g", "G", "j"}, "▶ [x] Assign an incident commander"},
		{tabReview, []string{"G"}, "▶ [ ] 1. Check the tenant of every export"},
	} {
		for h.m.inc.tab != tc.tab {
			h.press("tab")
		}
		h.press(tc.keys...)
		if s := h.screen(); !strings.Contains(s, tc.want) {
			t.Errorf("%s tab after %v: the first frame has no %q:\n%s", tabNames[tc.tab], tc.keys, tc.want, s)
		}
		_ = h.screen() // the frame after clamps the cursor
	}
}

// TestConsoleIncidentHelpFits: at 80×24, help from the incident view must
// show every key the view offers (and how to close it).
func TestConsoleIncidentHelpFits(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 80, 24)
	h.open(incExport, tabChecklist)
	h.press("?")
	s := h.screen()
	for _, g := range h.m.keys.incidentHelp() {
		for _, b := range g.keys {
			if hk := b.Help(); !strings.Contains(s, hk.Desc) {
				t.Errorf("incident help at 80×24 does not show %s %s (group %s)", hk.Key, hk.Desc, g.title)
			}
		}
	}
	assertContains(t, "incident help", s, "esc closes this help")
}

// TestConsoleNoTabsOnScreen: the model lets multi-line text hold tabs; a
// terminal expands a tab to the next tab stop, so a tab on screen makes a
// line wider than the console measured (lipgloss counts it as 0 cells).
func TestConsoleNoTabsOnScreen(t *testing.T) {
	e := newConEnv(t)
	ctx := context.Background()
	id := e.id[incExport]
	rc := "Steps:\t1. export\t2. mail"
	if _, err := e.st.WriteReview(ctx, conOwner, id, model.ReviewEdit{RootCause: &rc}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Note(ctx, conOwner, id, "col1\tcol2\tcol3"); err != nil {
		t.Fatal(err)
	}
	cons := "Phishing\tof the affected users"
	if _, err := e.st.SetBreach(ctx, conOwner, id, model.BreachFacts{Consequences: &cons}); err != nil {
		t.Fatal(err)
	}
	h := newConsole(t, e, conOwner, 100, 40)
	h.open(incExport, tabChecklist)
	for tab := range tabCount {
		for range 40 {
			if s := h.raw(); strings.Contains(s, "\t") {
				t.Errorf("%s tab shows a raw tab: %q", tabNames[tab], lineWith(h.screen(), "\t"))
				break
			}
			h.press("j")
		}
		h.press("tab")
	}
	h.press("e")
	for range 10 {
		if strings.Contains(h.raw(), "\t") {
			t.Errorf("the export shows a raw tab: %q", lineWith(h.screen(), "\t"))
			break
		}
		h.press("space")
	}
}
