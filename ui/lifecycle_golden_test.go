package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"sitrep/model"
)

// The close confirmation with its blockers, and a closed incident whose
// clock still runs, on the board and on the wallboard, as golden screens.
func TestLifecycleGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {160, 50}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			e := newConEnv(t)
			hn := newConsole(t, e, conOwner, w, h)
			hn.open(incStuffing, tabChecklist)
			hn.press("C")
			if hn.m.form == nil {
				t.Fatal("C opened no confirmation")
			}
			raw := hn.raw()
			checkFrame(t, "close blocked", raw, w, h)
			goldenScreen(t, fmt.Sprintf("console_close_blocked_%dx%d", w, h), raw)

			// Passed by override, it stays on the board: CLOSED, its
			// provisional GDPR clock still counting down.
			hn.typeText("Duplicate of INC-3")
			hn.press("enter")
			hn.wrote()
			hn.press("esc")
			hn.refresh()
			raw = hn.raw()
			checkFrame(t, "board with a closed incident", raw, w, h)
			s := ansi.Strip(raw)
			if !strings.Contains(s, "CLOSED, clock running") || !strings.Contains(s, "CLOSED") {
				t.Errorf("the board does not mark the closed incident:\n%s", s)
			}
			goldenScreen(t, fmt.Sprintf("console_board_closed_held_%dx%d", w, h), raw)

			b, err := e.st.LoadBoard(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			held := false
			for _, inc := range b.Incidents {
				held = held || inc.ID == e.id[incStuffing] && inc.Status == model.Closed
			}
			if !held {
				t.Fatal("the closed incident with a running clock left the board")
			}
			wall := NewWall(WallOptions{Source: newWallFakeSource(b), Clock: model.FixedClock(conNow), Width: w, Height: h})
			ws := wallScreen(wall)
			checkWallFrame(t, ws, w, h)
			if !strings.Contains(ansi.Strip(ws), "CLOSED") {
				t.Errorf("the wallboard does not mark the closed incident:\n%s", ansi.Strip(ws))
			}
			goldenScreen(t, fmt.Sprintf("wall_closed_held_%dx%d", w, h), ws)
		})
	}
}
