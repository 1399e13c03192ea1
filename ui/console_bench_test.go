package ui

import (
	"fmt"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// benchIncidents are n incidents of mixed severity, status, breach and
// commander, detected over the last days so countdowns of every urgency
// show; most urgent first, as the Hub hands them out. With allOpen every
// incident has a running countdown (no breach is ruled out).
func benchIncidents(n int, allOpen bool) *store.Board {
	sevs := []model.Severity{model.P0, model.P1, model.P2, model.P3}
	breaches := []model.Breach{model.BreachUnknown, model.BreachYes, model.BreachNo}
	if allOpen {
		breaches = breaches[:2]
	}
	list := make([]*model.Incident, n)
	for i := range list {
		det := conNow.Add(-time.Duration(i*13) * time.Minute)
		inc := &model.Incident{ID: int64(i + 1), Severity: sevs[i%4], Status: model.Acknowledged, Source: "monitoring",
			Breach: breaches[i%len(breaches)], Title: fmt.Sprintf("Incident number %d of the load, with a title long enough to be cut", i+1),
			DetectedAt: det, AwareAt: det, AcknowledgedAt: det.Add(time.Minute), Customers: []string{"Acme Corp", "Globex"},
			Progress: model.Progress{Done: i % 9, Total: 9}}
		if i%5 == 0 {
			inc.Status, inc.AcknowledgedAt = model.Open, time.Time{}
		}
		if i%3 != 0 {
			inc.Commander = fmt.Sprintf("responder-%d", i%40)
		}
		list[i] = inc
	}
	b := &store.Board{Incidents: list, Policy: model.DefaultPolicy(), Mode: "live", LoadedAt: conNow}
	model.SortByUrgency(b.Incidents, b.Policy, conNow)
	return b
}

// benchConsole is a console on an in-memory snapshot: no store, no
// database; the clock is fixed so every frame does the same work.
func benchConsole(b *testing.B, n, w, h int, allOpen bool) *Model {
	src := newConSource(b, &Snapshot{Board: benchIncidents(n, allOpen), Online: []string{"alice", "bob"}})
	m := New(Options{Source: src, Actor: conOwner, Clock: model.FixedClock(conNow), Width: w, Height: h})
	b.Cleanup(m.Close)
	if len(m.rows) != n {
		b.Fatalf("%d rows, want %d", len(m.rows), n)
	}
	return m
}

// BenchmarkBoardView is one frame of the board with 1,000 active
// incidents at 160×50. Goal: under 2 ms.
func BenchmarkBoardView(b *testing.B) {
	m := benchConsole(b, 1000, 160, 50, false)
	m.board.move(m.rows, 500) // somewhere in the middle
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkBoardViewSmall is the same frame with 50 incidents, to show
// how the cost grows with rows that are not on screen.
func BenchmarkBoardViewSmall(b *testing.B) {
	m := benchConsole(b, 50, 160, 50, false)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkTick is what every open screen does once a second: the tick
// message and the frame it causes, with 50 countdowns visible.
func BenchmarkTick(b *testing.B) {
	m := benchConsole(b, 50, 160, 60, true)
	if v := m.View().Content; countdowns(v) < 50 {
		b.Fatalf("%d countdowns visible, want 50", countdowns(v))
	}
	msg := tickMsg(conNow)
	b.ReportAllocs()
	for b.Loop() {
		m.Update(msg)
		_ = m.View()
	}
}

// BenchmarkIncidentViewTick is the tick with the incident view open on
// the timeline of an incident with 200 events.
func BenchmarkIncidentViewTick(b *testing.B) {
	m := benchConsole(b, 50, 160, 50, false)
	inc := *m.rows[0]
	inc.Checklist = nil
	for _, it := range model.DefaultChecklist() {
		inc.Checklist = append(inc.Checklist, model.ChecklistItem{Key: it.Key, Item: it.Item, State: model.ItemTodo})
	}
	var evs []model.Event
	for i := range 200 {
		evs = append(evs, model.Event{Seq: int64(i + 1), Time: conNow.Add(-time.Duration(200-i) * time.Minute), Actor: "bob",
			Source: "ssh:192.0.2.11:50011", Action: "note", Target: inc.Ref(), IncidentID: inc.ID,
			Data: map[string]string{"text": fmt.Sprintf("Note %d: looked at the logs again and found nothing new.", i)}})
	}
	m.page = pageIncident
	m.inc = incidentState{id: inc.ID, tab: tabTimeline}
	m.gotIncident(incidentMsg{id: inc.ID, inc: &inc, events: evs})
	msg := tickMsg(conNow)
	b.ReportAllocs()
	for b.Loop() {
		m.Update(msg)
		_ = m.View()
	}
}

func countdowns(s string) int {
	n := 0
	for _, sym := range []string{"●", "▲", "◆", "✖"} {
		for i := 0; i+len(sym) <= len(s); i++ {
			if s[i:i+len(sym)] == sym {
				n++
			}
		}
	}
	return n
}

// BenchmarkSessionTick is what each of many SSH consoles does once a
// second in the load tool's setting: one incident on the board, 80×24, a
// member's keys in the footer.
func BenchmarkSessionTick(b *testing.B) {
	src := newConSource(b, &Snapshot{Board: benchIncidents(1, true), Online: []string{"alice", "bob"}})
	m := New(Options{Source: src, Actor: model.Actor{Name: "load", Role: model.Member, Source: "ssh:127.0.0.1:1"},
		Clock: model.FixedClock(conNow), Width: 80, Height: 24})
	b.Cleanup(m.Close)
	msg := tickMsg(conNow)
	b.ReportAllocs()
	for b.Loop() {
		m.Update(msg)
		_ = m.View()
	}
}

// stepClock is a clock the benchmark moves a second at a time.
type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// sharingSource is a fixed snapshot whose screens share board frames, as
// the Hub's do.
type sharingSource struct {
	*conSource
	frames *Memo[boardFrameKey, boardFrame]
}

func (s *sharingSource) shareBoard(k boardFrameKey, draw func() boardFrame) boardFrame {
	return s.frames.Get(k, draw)
}

// BenchmarkFullBoardTick is one console's second on a full board (21
// incidents, none acknowledged: every row a countdown) at 80×24, among n
// consoles of the same process: the tick message and the frame it
// causes. An op is one console's tick; the clock moves a second after
// every console has had its own. "shared" is the Hub's way (one frame
// per second for all); "own" is every console drawing its own, as before.
func BenchmarkFullBoardTick(b *testing.B) {
	for _, n := range []int{1, 100, 500} {
		for _, shared := range []bool{false, true} {
			name := fmt.Sprintf("consoles=%d/own", n)
			if shared {
				name = fmt.Sprintf("consoles=%d/shared", n)
			}
			b.Run(name, func(b *testing.B) {
				snap := &Snapshot{Board: benchIncidents(21, true), Online: []string{"alice", "bob"}}
				var src Source = newConSource(b, snap)
				if shared {
					src = &sharingSource{conSource: src.(*conSource), frames: NewMemo[boardFrameKey, boardFrame](frameShareSize)}
				}
				clk := &stepClock{t: conNow}
				cons := make([]*Model, n)
				for i := range cons {
					cons[i] = New(Options{Source: src, Actor: model.Actor{Name: "load", Role: model.Member, Source: "ssh:127.0.0.1:1"},
						Clock: clk, Width: 80, Height: 24})
					b.Cleanup(cons[i].Close)
				}
				if v := cons[0].View().Content; countdowns(v) < 21 {
					b.Fatalf("%d countdowns visible, want 21", countdowns(v))
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					m := cons[i]
					m.Update(tickMsg{})
					_ = m.View()
					if i++; i == n {
						i = 0
						clk.t = clk.t.Add(time.Second)
					}
				}
			})
		}
	}
}
