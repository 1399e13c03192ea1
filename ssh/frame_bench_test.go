package ssh

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"

	"sitrep/model"
	"sitrep/store"
	"sitrep/ui"
)

// fixedSource is a board that never changes.
type fixedSource struct{ snap *ui.Snapshot }

func (s fixedSource) Snapshot() *ui.Snapshot               { return s.snap }
func (s fixedSource) Subscribe() (<-chan struct{}, func()) { return make(chan struct{}), func() {} }

// fullBoardFrames are two frames of a full board at 80×24, a second
// apart: 21 incidents of mixed severity, none acknowledged, so every row
// is a countdown.
func fullBoardFrames(b *testing.B) (string, string) {
	now := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	sevs := []model.Severity{model.P0, model.P1, model.P2, model.P3}
	var list []*model.Incident
	for i := range 21 {
		det := now.Add(-time.Duration(1+i*7) * time.Minute)
		list = append(list, &model.Incident{ID: int64(i + 1), Severity: sevs[i%4], Status: model.Open, Source: "monitoring",
			Breach: model.BreachUnknown, Title: fmt.Sprintf("Full board %d of 21", i+1), DetectedAt: det, AwareAt: det,
			Progress: model.Progress{Total: 9}})
	}
	board := &store.Board{Incidents: list, Policy: model.DefaultPolicy(), Mode: "live", LoadedAt: now}
	model.SortByUrgency(board.Incidents, board.Policy, now)
	src := fixedSource{snap: &ui.Snapshot{Board: board, Online: []string{"load"}}}
	frame := func(at time.Time) string {
		m := ui.New(ui.Options{Source: src, Actor: model.Actor{Name: "load", Role: model.Member, Source: "ssh:127.0.0.1:1"},
			Clock: model.FixedClock(at), Width: 80, Height: 24})
		defer m.Close()
		return m.View().Content
	}
	a, c := frame(now), frame(now.Add(time.Second))
	if a == c {
		b.Fatal("the frames a second apart are the same")
	}
	return a, c
}

// BenchmarkScreenUpdate is what one console's screen writer does when a
// second passes on a full board at 80×24: the bytes that turn the last
// frame into the next, for n screens of a process showing the same
// frames. An op is one screen's update. "shared" is the process's frame
// cache (one computation per second for all); "text" the same
// computation done by every screen; "cells" the terminal library's
// renderer that screens used before, two cell buffers each.
func BenchmarkScreenUpdate(b *testing.B) {
	a, c := fullBoardFrames(b)
	frames := [2]string{a, c}
	for _, n := range []int{1, 500} {
		b.Run(fmt.Sprintf("screens=%d/shared", n), func(b *testing.B) {
			fc := newFrameCache()
			var out bytes.Buffer
			b.ReportAllocs()
			i, sec := 0, 0
			for b.Loop() {
				out.Reset()
				fc.update(&out, frameKey{old: frames[sec%2], next: frames[(sec+1)%2], w: 80, h: 24, profile: colorprofile.ANSI256})
				if i++; i == n {
					i, sec = 0, sec+1
					// A new second is a new update: the frames differ from
					// those of the second before.
					fc = newFrameCache()
				}
			}
			b.ReportMetric(float64(out.Len()), "bytes/update")
		})
		b.Run(fmt.Sprintf("screens=%d/text", n), func(b *testing.B) {
			var out bytes.Buffer
			sc := &lineScratch{}
			b.ReportAllocs()
			sec := 0
			for b.Loop() {
				out.Reset()
				encodeFrame(&out, frameKey{old: frames[sec%2], next: frames[(sec+1)%2], w: 80, h: 24, profile: colorprofile.ANSI256}, sc)
				sec++
			}
			b.ReportMetric(float64(out.Len()), "bytes/update")
		})
		b.Run(fmt.Sprintf("screens=%d/cells", n), func(b *testing.B) {
			var out bytes.Buffer
			tr := uv.NewTerminalRenderer(&out, nil)
			tr.SetColorProfile(colorprofile.ANSI256)
			tr.SetMapNewline(true)
			tr.SetScrollOptim(false)
			tr.SetFullscreen(true)
			tr.SetRelativeCursor(false)
			tr.Resize(80, 24)
			buf := uv.NewScreenBuffer(80, 24)
			draw := func(frame string) {
				for y, line := range frameLines(frame, 24, nil) {
					uv.NewStyledString(line).Draw(buf, uv.Rect(0, y, 80, 1))
				}
				tr.Render(buf.RenderBuffer)
				tr.Flush()
			}
			draw(frames[0])
			b.ReportAllocs()
			sec := 0
			for b.Loop() {
				out.Reset()
				// As the screen did: only the lines that changed are drawn
				// again.
				prev, next := frameLines(frames[sec%2], 24, nil), frameLines(frames[(sec+1)%2], 24, nil)
				for y := range next {
					if y >= len(prev) || prev[y] != next[y] {
						uv.NewStyledString(next[y]).Draw(buf, uv.Rect(0, y, 80, 1))
					}
				}
				tr.Render(buf.RenderBuffer)
				tr.Flush()
				sec++
			}
			b.ReportMetric(float64(out.Len()), "bytes/update")
		})
	}
}

var _ tea.Model = (*ui.Model)(nil)
