package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"sitrep/model"
)

// A board longer than the screen says how many incidents are off it, above
// and below, on its last line; the selected row is always on screen, and
// every incident can be reached.
func TestBoardLongerThanTheScreen(t *testing.T) {
	e := newConEnv(t)
	for i := range 16 {
		e.declare(t, fmt.Sprintf("extra %d", i), time.Duration(i+1)*time.Minute, model.Declaration{
			Title:    fmt.Sprintf("Disk filling on storage node %02d", i),
			Severity: model.P3, Source: "monitoring", Breach: model.BreachUnknown})
	}
	e.at(0)
	for _, sz := range [][2]int{{40, 12}, {80, 24}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			hn := newConsole(t, e, conOwner, w, h)
			total := len(hn.m.rows)
			if total != 22 {
				t.Fatalf("the board has %d rows, want the fixture's 6 and 16 more", total)
			}
			shot := func(name string) string {
				t.Helper()
				raw := hn.raw()
				checkFrame(t, name, raw, w, h)
				goldenScreen(t, fmt.Sprintf("console_board_%s_%dx%d", name, w, h), raw)
				return ansi.Strip(raw)
			}
			s := shot("full_top")
			shown := strings.Count(s, "INC-")
			if want := fmt.Sprintf("↓ %d more incidents below", total-shown); !strings.Contains(s, want) {
				t.Errorf("the top of the board does not say %q:\n%s", want, s)
			}
			hn.press("G")
			s = shot("full_end")
			if want := fmt.Sprintf("↑ %d more incidents above", total-strings.Count(s, "INC-")); !strings.Contains(s, want) {
				t.Errorf("the end of the board does not say %q:\n%s", want, s)
			}
			// One past the first screenful, drawn at each key as a
			// terminal would (the window follows the cursor when drawn).
			hn.press("g")
			for range shown {
				hn.raw()
				hn.press("j")
			}
			s = shot("full_middle")
			if !strings.Contains(s, " above · ↓ ") || !strings.Contains(s, " below") {
				t.Errorf("the middle of the board does not say what is above and below:\n%s", s)
			}

			// Walking down, the selected incident is always on screen
			// and the count of those off it always adds up.
			hn.press("g")
			for i := range total {
				s := ansi.Strip(hn.raw())
				ref := hn.m.rows[i].Ref()
				if !strings.Contains(s, ref+" ") {
					t.Fatalf("row %d (%s) is selected but not on screen:\n%s", i, ref, s)
				}
				on := strings.Count(s, "INC-")
				off := 0
				for _, arrow := range []string{"↑ ", "↓ "} {
					if j := strings.Index(s, arrow); j >= 0 {
						var n int
						fmt.Sscanf(s[j+len(arrow):], "%d", &n)
						off += n
					}
				}
				if on+off != total {
					t.Fatalf("with row %d selected, %d on screen and %d said to be off it, want %d in all:\n%s", i, on, off, total, s)
				}
				hn.press("j")
			}
		})
	}
}
