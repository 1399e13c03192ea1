package ui

import (
	"fmt"
	"image/color"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sitrep/model"
	"sitrep/store"
)

// wallFakeSource is a Source with a snapshot the test sets.
type wallFakeSource struct {
	mu   sync.Mutex
	snap *Snapshot
	ch   chan struct{}
}

func newWallFakeSource(b *store.Board) *wallFakeSource {
	return &wallFakeSource{snap: &Snapshot{Board: b}, ch: make(chan struct{}, 1)}
}

func (f *wallFakeSource) Snapshot() *Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *wallFakeSource) Subscribe() (<-chan struct{}, func()) { return f.ch, func() {} }

// set publishes a new snapshot and signals, as the Hub does.
func (f *wallFakeSource) set(s *Snapshot) {
	f.mu.Lock()
	f.snap = s
	f.mu.Unlock()
	select {
	case f.ch <- struct{}{}:
	default:
	}
}

// wallNow is a Tuesday, 15:00 in Amsterdam: inside business hours.
var wallNow = time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)

// wallPolicy is the default policy plus a long contractual clock for P0
// incidents, so a countdown with more than 99 hours shows.
func wallPolicy() model.Policy {
	p := model.DefaultPolicy()
	p.Clocks = append(slices.Clone(p.Clocks), model.RegClock{
		Kind: "contract", Label: "Contractual incident report", Set: "contract",
		Applies: "P0", From: model.FromDetected, Hours: 200, MetBy: model.MetByReport,
	})
	return p
}

// wallIncidents are six incidents covering what a card shows, in an order
// the wallboard must change: overdue, under 6 h with no commander, under
// 24 h, over 24 h, no open deadline with a long title, and 123 hours left.
func wallIncidents() []*model.Incident {
	now := wallNow
	return []*model.Incident{
		{ID: 105, Severity: model.P3, Status: model.Resolved, Breach: model.BreachNo,
			Title:      "Intermittent latency on the reporting dashboard for enterprise tenants in the EU-West region after the storage engine upgrade\x1b]0;pwned\a\x1b[2J\r",
			DetectedAt: now.Add(-30 * time.Hour), AwareAt: now.Add(-30 * time.Hour),
			AcknowledgedAt: now.Add(-29 * time.Hour), ResolvedAt: now.Add(-2 * time.Hour),
			Progress: model.Progress{Done: 7, NA: 2, Total: 9}},
		{ID: 103, Severity: model.P2, Status: model.Acknowledged, Breach: model.BreachYes, Commander: "Bob Okafor",
			Title:      "Support export emailed to the wrong customer",
			DetectedAt: now.Add(-55*time.Hour - 30*time.Minute), AwareAt: now.Add(-55*time.Hour - 30*time.Minute),
			AcknowledgedAt: now.Add(-55 * time.Hour), Progress: model.Progress{Done: 5, Total: 8}},
		{ID: 106, Severity: model.P0, Status: model.Acknowledged, Breach: model.BreachNo, Commander: "Dave Lindqvist",
			Title:      "Payment service outage in all regions",
			DetectedAt: now.Add(-77 * time.Hour), AwareAt: now.Add(-77 * time.Hour),
			AcknowledgedAt: now.Add(-76 * time.Hour), Progress: model.Progress{Done: 4, Total: 9}},
		{ID: 104, Severity: model.P1, Status: model.Contained, Breach: model.BreachUnknown, Commander: "Carol\x1b[31m Nguyen",
			Title:      "Suspicious admin logins from unknown ASN",
			DetectedAt: now.Add(-time.Hour), AwareAt: now.Add(-time.Hour),
			AcknowledgedAt: now.Add(-50 * time.Minute), Progress: model.Progress{Done: 6, Total: 9}},
		{ID: 102, Severity: model.P1, Status: model.Acknowledged, Breach: model.BreachUnknown,
			Title:      "Credential stuffing against the login API",
			DetectedAt: now.Add(-68 * time.Hour), AwareAt: now.Add(-68 * time.Hour),
			AcknowledgedAt: now.Add(-67 * time.Hour), Progress: model.Progress{Done: 2, NA: 1, Total: 9}},
		{ID: 101, Severity: model.P0, Status: model.Open, Breach: model.BreachNo, Commander: "Alice Moreau",
			Title:      "Customer database exposed through a misconfigured storage bucket",
			DetectedAt: now.Add(-2*time.Hour - 2*time.Minute - 3*time.Second),
			AwareAt:    now.Add(-2*time.Hour - 2*time.Minute - 3*time.Second),
			Progress:   model.Progress{Done: 1, Total: 9}},
	}
}

// wallManyIncidents are n ordinary incidents.
func wallManyIncidents(n int) []*model.Incident {
	sevs := []model.Severity{model.P0, model.P1, model.P2, model.P3}
	out := make([]*model.Incident, n)
	for i := range out {
		det := wallNow.Add(-time.Duration(i*37) * time.Minute)
		inc := &model.Incident{ID: int64(200 + i), Severity: sevs[i%4], Status: model.Acknowledged,
			Breach: model.BreachUnknown, Title: fmt.Sprintf("Incident number %d of the load", i+1),
			DetectedAt: det, AwareAt: det, AcknowledgedAt: det.Add(time.Minute),
			Progress: model.Progress{Done: i % 9, Total: 9}}
		if i%3 != 0 {
			inc.Commander = fmt.Sprintf("Responder %d", i)
		}
		out[i] = inc
	}
	return out
}

func wallBoard(list []*model.Incident) *store.Board {
	return &store.Board{Incidents: list, Policy: wallPolicy(), Mode: "live", LoadedAt: wallNow}
}

func newTestWall(list []*model.Incident, w, h int) (*Wall, *wallFakeSource) {
	src := newWallFakeSource(wallBoard(list))
	return NewWall(WallOptions{Source: src, Clock: model.FixedClock(wallNow), Width: w, Height: h}), src
}

func wallScreen(w *Wall) string { return w.View().Content }

// checkWallFrame asserts the frame fills the screen exactly.
func checkWallFrame(t *testing.T, s string, w, h int) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if s != "" {
			t.Errorf("%d×%d: want an empty frame, got %q", w, h, s)
		}
		return
	}
	lines := strings.Split(s, "\n")
	if len(lines) != h {
		t.Errorf("%d×%d: %d lines, want %d", w, h, len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("%d×%d: line %d is %d cells wide: %q", w, h, i+1, n, ansi.Strip(l))
		}
	}
}

func TestWallGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 50}, {240, 70}} {
		name := fmt.Sprintf("wall_%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			w, _ := newTestWall(wallIncidents(), size[0], size[1])
			s := wallScreen(w)
			checkWallFrame(t, s, size[0], size[1])
			goldenScreen(t, name, s)
		})
	}
	t.Run("empty", func(t *testing.T) {
		w, _ := newTestWall(nil, 80, 24)
		s := wallScreen(w)
		checkWallFrame(t, s, 80, 24)
		if !strings.Contains(s, "No active incidents") {
			t.Errorf("empty board does not say so:\n%s", ansi.Strip(s))
		}
		goldenScreen(t, "wall_empty_80x24", s)
	})
}

func TestWallCard(t *testing.T) {
	w, _ := newTestWall(wallIncidents(), 160, 50)
	s := ansi.Strip(wallScreen(w))
	for _, want := range []string{
		"OVERDUE", "NO IC", "Alice Moreau", "checklist 1/9", "checklist 9/9",
		"no open deadline", "(provisional)", "P0 critical", "15:00:00 CET", "Tue 24 Nov 2026",
		"Intermittent latency on the reporting", "…",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("160×50 wallboard lacks %q:\n%s", want, s)
		}
	}
	// Most urgent first: P0 overdue, P0, P1 under 6 h, P1, P2, P3.
	last := -1
	for _, ref := range []string{"INC-101", "INC-106", "INC-102", "INC-104", "INC-103", "INC-105"} {
		i := strings.Index(s, ref)
		if i < last {
			t.Errorf("%s is out of order:\n%s", ref, s)
		}
		last = i
	}
	if strings.Contains(s, "EXERCISE") {
		t.Error("a live board shows EXERCISE")
	}
}

// The snapshot is shared by every screen: the wallboard sorts its own copy.
func TestWallKeepsSnapshotOrder(t *testing.T) {
	list := wallIncidents()
	before := slices.Clone(list)
	w, _ := newTestWall(list, 80, 24)
	if !slices.Equal(list, before) {
		t.Error("the wallboard reordered the snapshot's incidents")
	}
	if w.list[0].ID != 101 {
		t.Errorf("most urgent is %s, want INC-101", w.list[0].Ref())
	}
}

func TestWallSanitises(t *testing.T) {
	w, _ := newTestWall(wallIncidents(), 240, 70)
	s := wallScreen(w)
	for _, bad := range []string{"\x1b]0;", "\a", "\x1b[2J", "\r", "\x1b[31m Nguyen"} {
		if strings.Contains(s, bad) {
			t.Errorf("user text reached the terminal: %q", bad)
		}
	}
	if !strings.Contains(ansi.Strip(s), "IC Carol[31m Nguyen") {
		t.Errorf("commander's name lost more than its escape:\n%s", ansi.Strip(s))
	}
}

func TestWallExercise(t *testing.T) {
	b := wallBoard(wallIncidents())
	b.Mode = "exercise"
	src := newWallFakeSource(b)
	for _, size := range [][2]int{{80, 24}, {40, 10}, {240, 70}} {
		w := NewWall(WallOptions{Source: src, Clock: model.FixedClock(wallNow), Width: size[0], Height: size[1]})
		s := wallScreen(w)
		head, _, _ := strings.Cut(ansi.Strip(s), "\n")
		if !strings.Contains(head, "EXERCISE") {
			t.Errorf("%d×%d: header lacks EXERCISE: %q", size[0], size[1], head)
		}
		checkWallFrame(t, s, size[0], size[1])
	}
}

func TestWallSizes(t *testing.T) {
	sizes := [][2]int{{0, 0}, {80, 0}, {0, 24}, {1, 1}, {5, 2}, {10, 3}, {19, 5}, {20, 6}, {34, 9}, {39, 12},
		{40, 10}, {60, 20}, {80, 24}, {100, 30}, {120, 40}, {132, 43}, {160, 50}, {200, 60}, {240, 70}, {300, 90}}
	boards := map[string][]*model.Incident{
		"six": wallIncidents(), "none": nil, "one": wallIncidents()[5:], "fifty": wallManyIncidents(50),
	}
	for name, list := range boards {
		for _, size := range sizes {
			w, _ := newTestWall(list, size[0], size[1])
			checkWallFrame(t, wallScreen(w), size[0], size[1])
			// And after a resize, as a terminal sends it.
			w.Update(tea.WindowSizeMsg{Width: size[1] + 7, Height: size[0]/3 + 1})
			checkWallFrame(t, wallScreen(w), size[1]+7, size[0]/3+1)
		}
		_ = name
	}
}

func TestWallNoBoardYet(t *testing.T) {
	src := &wallFakeSource{ch: make(chan struct{}, 1)}
	w := NewWall(WallOptions{Source: src, Clock: model.FixedClock(wallNow), Width: 80, Height: 24})
	s := wallScreen(w)
	checkWallFrame(t, s, 80, 24)
	if !strings.Contains(s, "Waiting for the board") {
		t.Errorf("no snapshot yet, and the wallboard does not say so:\n%s", ansi.Strip(s))
	}
	src.set(&Snapshot{Board: wallBoard(wallIncidents())})
	w.Update(w.waitCmd()())
	if s := ansi.Strip(wallScreen(w)); !strings.Contains(s, "INC-101") {
		t.Errorf("the first snapshot did not show:\n%s", s)
	}
}

// Too small for a card: one line per incident, most urgent first.
func TestWallSmallList(t *testing.T) {
	w, _ := newTestWall(wallIncidents(), 34, 8)
	s := ansi.Strip(wallScreen(w))
	lines := strings.Split(s, "\n")
	if !strings.HasPrefix(lines[1], "✖ OVERDUE +01:02:03 INC-101") {
		t.Errorf("34×8 list starts %q, want the overdue INC-101:\n%s", lines[1], s)
	}
	if !strings.Contains(s, "INC-102 P1 NO IC") {
		t.Errorf("34×8 list lacks NO IC:\n%s", s)
	}
}

// A failed reload keeps the last board on screen, and says so.
func TestWallStale(t *testing.T) {
	src := newWallFakeSource(wallBoard(wallIncidents()))
	src.snap.Err = fmt.Errorf("disk I/O error")
	w := NewWall(WallOptions{Source: src, Clock: model.FixedClock(wallNow), Width: 160, Height: 50})
	s := ansi.Strip(wallScreen(w))
	head, _, _ := strings.Cut(s, "\n")
	if !strings.Contains(head, "board not refreshing") || !strings.Contains(s, "INC-101") {
		t.Errorf("a stale board is not shown as such:\n%s", s)
	}
}

func TestWallCycles(t *testing.T) {
	w, _ := newTestWall(wallManyIncidents(14), 80, 24)
	first := ansi.Strip(wallScreen(w))
	head, _, _ := strings.Cut(first, "\n")
	if !strings.Contains(head, "page 1/") {
		t.Fatalf("14 incidents fit 80×24? header %q", head)
	}
	pages := strings.TrimSpace(strings.SplitN(head[strings.Index(head, "page 1/")+len("page 1/"):], " ", 2)[0])

	// Within the cycle, nothing moves.
	w.clock = model.FixedClock(wallNow.Add(wallDefaultCycle - time.Second))
	if s := ansi.Strip(wallScreen(w)); !strings.Contains(s, "page 1/"+pages) {
		t.Errorf("the page turned early:\n%s", s)
	}

	w.clock = model.FixedClock(wallNow.Add(wallDefaultCycle))
	second := ansi.Strip(wallScreen(w))
	head2, _, _ := strings.Cut(second, "\n")
	if !strings.Contains(head2, "page 2/"+pages) {
		t.Errorf("after one cycle the header is %q, want page 2/%s", head2, pages)
	}
	ref := func(s string) string {
		i := strings.Index(s, "INC-")
		return s[i : i+7]
	}
	if ref(first) == ref(second) {
		t.Errorf("page 2 starts with the same incident as page 1 (%s)", ref(first))
	}

	// And round again.
	n := 0
	fmt.Sscan(pages, &n)
	w.clock = model.FixedClock(wallNow.Add(time.Duration(n) * wallDefaultCycle))
	if s := ansi.Strip(wallScreen(w)); !strings.Contains(s, "page 1/"+pages) {
		t.Errorf("after every page, not back at page 1:\n%s", s)
	}

	// A custom cycle.
	src := newWallFakeSource(wallBoard(wallManyIncidents(14)))
	w = NewWall(WallOptions{Source: src, Clock: model.FixedClock(wallNow), Width: 80, Height: 24, Cycle: 3 * time.Second})
	w.clock = model.FixedClock(wallNow.Add(3 * time.Second))
	if s := ansi.Strip(wallScreen(w)); !strings.Contains(s, "page 2/") {
		t.Errorf("with a 3 s cycle, not on page 2 after 3 s:\n%s", s)
	}
}

func TestWallFollowsSource(t *testing.T) {
	w, src := newTestWall(wallIncidents()[:2], 160, 50)
	if s := ansi.Strip(wallScreen(w)); strings.Contains(s, "INC-101") {
		t.Fatalf("INC-101 shows before it is on the board:\n%s", s)
	}
	cmd := w.waitCmd()
	src.set(&Snapshot{Board: wallBoard(wallIncidents())})

	got := make(chan tea.Msg, 1)
	go func() { got <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the wait command did not return after a signal")
	}
	_, next := w.Update(msg)
	if next == nil {
		t.Error("the wallboard stopped waiting for changes after one")
	}
	if s := ansi.Strip(wallScreen(w)); !strings.Contains(s, "INC-101") {
		t.Errorf("a new snapshot did not show without a key press:\n%s", s)
	}

	// A source that stops ends the wait for good.
	if _, next := w.Update(wallSignalMsg{closed: true}); next != nil {
		t.Error("the wallboard waits on a closed source")
	}
}

func TestWallKeys(t *testing.T) {
	for _, k := range []tea.KeyPressMsg{
		{Code: 'q', Text: "q"}, {Code: tea.KeyEscape}, {Code: 'c', Mod: tea.ModCtrl},
	} {
		w, _ := newTestWall(wallIncidents(), 80, 24)
		_, cmd := w.Update(k)
		if cmd == nil {
			t.Errorf("%s does not quit", k)
			continue
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
	// Everything else is ignored: the wallboard is read-only.
	w, _ := newTestWall(wallIncidents(), 80, 24)
	before := wallScreen(w)
	for _, k := range []tea.KeyPressMsg{
		{Code: 'n', Text: "n"}, {Code: 'a', Text: "a"}, {Code: tea.KeyEnter}, {Code: ' ', Text: " "}, {Code: 'j', Text: "j"},
	} {
		if _, cmd := w.Update(k); cmd != nil {
			t.Errorf("%s does something on the wallboard", k)
		}
	}
	if wallScreen(w) != before {
		t.Error("keys changed the wallboard")
	}
}

func TestWallInit(t *testing.T) {
	w, _ := newTestWall(wallIncidents(), 80, 24)
	if w.Init() == nil {
		t.Fatal("Init returns no command")
	}
	if !w.View().AltScreen {
		t.Error("the wallboard is not on the alternate screen")
	}
	_, cmd := w.Update(wallTickMsg{})
	if cmd == nil {
		t.Error("the tick is not renewed")
	}
}

func TestWallBackground(t *testing.T) {
	w, _ := newTestWall(wallIncidents(), 80, 24)
	if !w.styles.Dark {
		t.Fatal("default styles are not dark")
	}
	w.Update(tea.BackgroundColorMsg{Color: color.White})
	if w.styles.Dark {
		t.Error("a white background kept dark styles")
	}
	w.Update(tea.BackgroundColorMsg{Color: color.Black})
	if !w.styles.Dark {
		t.Error("a black background kept light styles")
	}
}

// The countdowns turn over with the clock.
func TestWallTicks(t *testing.T) {
	w, _ := newTestWall(wallIncidents()[5:], 160, 50)
	a := ansi.Strip(wallScreen(w))
	w.clock = model.FixedClock(wallNow.Add(time.Second))
	b := ansi.Strip(wallScreen(w))
	if a == b {
		t.Error("the screen did not change a second later")
	}
	if !strings.Contains(b, "15:00:01") {
		t.Errorf("header time did not move:\n%s", b)
	}
}

func TestWallPlan(t *testing.T) {
	for _, tc := range []struct {
		n, w, h  int
		face     string // "" for the one-line list
		perPage  int
		minCards int
	}{
		{n: 1, w: 240, h: 68, face: "huge", perPage: 1},
		{n: 6, w: 240, h: 68, face: "tall", perPage: 6},
		{n: 6, w: 160, h: 48, face: "medium", perPage: 6},
		{n: 6, w: 80, h: 22, face: "tiny", perPage: 6},
		{n: 50, w: 160, h: 48, face: "tiny", minCards: 18},
		{n: 3, w: 30, h: 20, face: ""},
		{n: 3, w: 80, h: 5, face: ""},
	} {
		l := wallPlan(tc.n, tc.w, tc.h)
		face := ""
		if l.face >= 0 {
			face = fontFaces[l.face].name
			if used := l.top + l.rows*l.cardH + (l.rows-1)*l.gapY; used > tc.h {
				t.Errorf("%d on %d×%d: the grid is %d lines high", tc.n, tc.w, tc.h, used)
			}
			if used := l.left + l.cols*l.cardW + (l.cols-1)*l.gapX; used > tc.w {
				t.Errorf("%d on %d×%d: the grid is %d cells wide", tc.n, tc.w, tc.h, used)
			}
		}
		if face != tc.face {
			t.Errorf("%d on %d×%d: face %q, want %q", tc.n, tc.w, tc.h, face, tc.face)
		}
		if tc.perPage > 0 && l.perPage != tc.perPage {
			t.Errorf("%d on %d×%d: %d per page, want %d", tc.n, tc.w, tc.h, l.perPage, tc.perPage)
		}
		if l.perPage < tc.minCards {
			t.Errorf("%d on %d×%d: %d per page, want at least %d", tc.n, tc.w, tc.h, l.perPage, tc.minCards)
		}
	}
}

func TestFontFaces(t *testing.T) {
	runes := []rune("0123456789:+- ")
	for i, f := range fontFaces {
		if i > 0 && (f.w < fontFaces[i-1].w || f.h < fontFaces[i-1].h) {
			t.Errorf("face %s is smaller than %s", f.name, fontFaces[i-1].name)
		}
		for _, r := range runes {
			g, ok := f.glyphs[r]
			if !ok {
				t.Errorf("face %s lacks %q", f.name, r)
				continue
			}
			if len(g) != f.h {
				t.Errorf("face %s: %q is %d lines, want %d", f.name, r, len(g), f.h)
			}
			for _, l := range g {
				if n := ansi.StringWidth(l); n != f.w {
					t.Errorf("face %s: %q has a line %d cells wide, want %d", f.name, r, n, f.w)
				}
			}
		}
		if len(f.glyphs) != len(runes) {
			t.Errorf("face %s has %d glyphs, want %d", f.name, len(f.glyphs), len(runes))
		}
		s := "123:45:06"
		want := 9*f.w + 8*f.gap
		if got := f.Width(s); got != want {
			t.Errorf("face %s: Width(%q) = %d, want %d", f.name, s, got, want)
		}
		lines := f.Render(s)
		if len(lines) != f.h {
			t.Errorf("face %s: %q renders as %d lines", f.name, s, len(lines))
		}
		for _, l := range lines {
			if n := ansi.StringWidth(l); n != want {
				t.Errorf("face %s: %q renders a line %d cells wide, want %d", f.name, s, n, want)
			}
		}
	}
	if got := strings.Join(fontFaces[0].Render("10:2"), "\n"); got != "▄█  █▀█  ▄  ▀▀█\n █  █ █  ▄  █▀▀\n▀▀▀ ▀▀▀     ▀▀▀" {
		t.Errorf("tiny 10:2 renders as\n%s", got)
	}
	if f := fontFit("+123:00:00", 10, len(fontFaces)-1); f != nil {
		t.Errorf("fontFit found %s for 10 cells", f.name)
	}
	if f := fontFit("00:00:00", 1000, 1); f != fontFaces[1] {
		t.Errorf("fontFit ignored its limit")
	}
}

func BenchmarkWallView(b *testing.B) {
	w, _ := newTestWall(wallManyIncidents(50), 160, 50)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// A new second each frame, so the frame cache never answers.
		i++
		w.clock = model.FixedClock(wallNow.Add(time.Duration(i) * time.Second))
		_ = w.View()
	}
}
