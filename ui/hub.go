package ui

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"sitrep/model"
	"sitrep/store"
)

// Snapshot is what every screen of a process shows: the board (its
// incidents most urgent first), the users (for the commander picker) and
// who is online. It is immutable; a change makes a new one.
type Snapshot struct {
	Board    *store.Board
	Users    []model.User
	Online   []string
	Exercise *store.ExerciseStatus // nil on a live database
	Messages []model.Event         // an exercise's broadcast messages
	Err      error                 // the last load failed; the previous board is kept
}

// Hub loads the board once per change for a whole process and tells every
// subscribed program, without ever blocking on a slow one: each subscriber
// has a one-slot channel, and a pending signal already says "look again".
type Hub struct {
	st *store.Store

	mu     sync.Mutex
	snap   *Snapshot
	subs   map[chan struct{}]struct{}
	online map[string]int
	closed bool

	done     chan struct{}
	presence chan struct{}             // who is online changed; published at most once a second
	beats    [beatPhases]chan struct{} // each closed once a second, then replaced
	phases   atomic.Uint32             // phases handed out, round robin

	details    map[int64]*detail // incidents opened on screens, for the board below
	detailsFor *store.Board

	frames *Memo[boardFrameKey, boardFrame] // board frames drawn once for every screen (share.go)
}

// detail is one incident's full record and timeline, loaded once for
// every screen showing it.
type detail struct {
	done   chan struct{} // closed when loaded
	inc    *model.Incident
	events []model.Event
	err    error
}

// NewHub loads the first snapshot and follows the store's change feed until
// ctx ends.
func NewHub(ctx context.Context, st *store.Store) (*Hub, error) {
	h := &Hub{st: st, subs: map[chan struct{}]struct{}{}, online: map[string]int{},
		done: make(chan struct{}), presence: make(chan struct{}, 1), frames: NewMemo[boardFrameKey, boardFrame](frameShareSize)}
	for i := range h.beats {
		h.beats[i] = make(chan struct{})
	}
	changes, cancel := st.Subscribe()
	if err := h.load(ctx); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer close(h.done)
		defer cancel()
		// One timer for the whole process beats for every screen at each
		// whole second of the store's clock, in phases a few milliseconds
		// apart: a thousand screens redrawing at the same instant would
		// hold up everyone's typing for that burst. Presence is shown in
		// every header; when many sessions join at once, one redraw a
		// second for all of them is plenty.
		clock := st.Clock()
		tick := time.NewTimer(untilNextSecond(clock))
		defer tick.Stop()
		phase := 0
		for {
			select {
			case <-ctx.Done():
				h.shutdown()
				return
			case <-tick.C:
				h.mu.Lock()
				if phase == 0 {
					// Who came online or left is shown from this second
					// on, by every screen at its beat: a session joining
					// wakes no other.
					select {
					case <-h.presence:
						h.refreshOnlineLocked()
					default:
					}
				}
				close(h.beats[phase])
				h.beats[phase] = make(chan struct{})
				h.mu.Unlock()
				if phase = (phase + 1) % beatPhases; phase != 0 {
					tick.Reset(beatStep)
					continue
				}
				tick.Reset(untilNextSecond(clock))
				if h.st.IsExercise() {
					if _, err := h.st.FireDue(ctx); err != nil && ctx.Err() == nil {
						slog.Warn("exercise injects", "err", err)
					}
				}
				continue
			case _, ok := <-changes:
				if !ok {
					h.shutdown()
					return
				}
			}
			if err := h.load(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("board reload failed", "err", err)
			}
		}
	}()
	return h, nil
}

// untilNextSecond is how long until the clock's next whole second: on a
// simulated clock running faster than real time, at most a second.
func untilNextSecond(c model.Clock) time.Duration {
	now := c.Now()
	return max(10*time.Millisecond, now.Truncate(time.Second).Add(time.Second).Sub(now))
}

// Screens beat in beatPhases phases, beatStep apart: phase p turns over
// p×beatStep after the whole second.
const (
	beatPhases = 8
	beatStep   = 25 * time.Millisecond
)

// Phase hands out beat phases round robin; the first screen, the local
// console's only one, gets phase 0, on the second itself.
func (h *Hub) Phase() int { return int((h.phases.Add(1) - 1) % beatPhases) }

// Beat returns a channel closed at the phase's next beat. After it closes,
// call Beat again for the following one.
func (h *Hub) Beat(phase int) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.beats[phase%beatPhases]
}

// Incident is one incident and its timeline as of the current board: every
// screen open on the same incident shares one load per change.
func (h *Hub) Incident(ctx context.Context, id int64) (*model.Incident, []model.Event, error) {
	h.mu.Lock()
	var b *store.Board
	if h.snap != nil {
		b = h.snap.Board
	}
	if h.details == nil || h.detailsFor != b {
		h.details, h.detailsFor = map[int64]*detail{}, b
	}
	d, ok := h.details[id]
	if !ok {
		d = &detail{done: make(chan struct{})}
		h.details[id] = d
	}
	h.mu.Unlock()
	if !ok {
		// Loaded for every waiter, so not cut short by this one's leaving.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		d.inc, d.err = h.st.Incident(lctx, id)
		if d.err == nil {
			d.events, d.err = h.st.Timeline(lctx, id)
		}
		cancel()
		if d.err != nil { // not kept: the next screen tries again
			h.mu.Lock()
			if h.details[id] == d {
				delete(h.details, id)
			}
			h.mu.Unlock()
		}
		close(d.done)
	}
	select {
	case <-d.done:
		return d.inc, d.events, d.err
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// Done is closed when the hub has stopped following changes.
func (h *Hub) Done() <-chan struct{} { return h.done }

func (h *Hub) load(ctx context.Context) error {
	b, err := h.st.LoadBoard(ctx)
	var users []model.User
	var ex *store.ExerciseStatus
	var msgs []model.Event
	if err == nil && h.st.IsExercise() {
		var st store.ExerciseStatus
		if st, err = h.st.Exercise(ctx); err == nil {
			ex = &st
			msgs, err = h.st.Messages(ctx)
		}
	}
	if err == nil {
		// Sorted once here for every program: the order depends on due
		// times only, which do not move with the clock.
		model.SortByUrgency(b.Incidents, b.Policy, b.LoadedAt)
		users, err = h.st.Users(ctx)
	}
	h.mu.Lock()
	next := &Snapshot{Online: h.onlineLocked()}
	if h.snap != nil {
		*next = *h.snap
		next.Online = h.onlineLocked()
	}
	if err != nil {
		next.Err = err
	} else {
		next.Board, next.Users, next.Exercise, next.Messages, next.Err = b, users, ex, msgs, nil
	}
	h.snap = next
	h.notifyLocked()
	h.mu.Unlock()
	return err
}

// Snapshot is the newest snapshot.
func (h *Hub) Snapshot() *Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snap
}

// Subscribe returns a channel signalled after each new snapshot, and a
// function to stop. The channel is closed when the hub stops.
func (h *Hub) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(ch)
		return ch, func() {}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			if _, ok := h.subs[ch]; ok {
				delete(h.subs, ch)
				close(ch)
			}
			h.mu.Unlock()
		})
	}
}

// Join marks a user online (an SSH session) until the returned function
// is called; the board header shows who is online from the next beat on.
func (h *Hub) Join(name string) func() {
	h.mu.Lock()
	h.online[name]++
	h.mu.Unlock()
	h.presenceChanged()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			if h.online[name]--; h.online[name] <= 0 {
				delete(h.online, name)
			}
			h.mu.Unlock()
			h.presenceChanged()
		})
	}
}

func (h *Hub) presenceChanged() {
	select {
	case h.presence <- struct{}{}:
	default:
	}
}

// refreshOnlineLocked makes a snapshot with who is online now. It
// signals no one: screens take it at their next beat.
func (h *Hub) refreshOnlineLocked() {
	if h.snap == nil {
		return
	}
	next := *h.snap
	next.Online = h.onlineLocked()
	h.snap = &next
}

func (h *Hub) onlineLocked() []string {
	names := make([]string, 0, len(h.online))
	for n := range h.online {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return names
}

func (h *Hub) notifyLocked() {
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (h *Hub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		close(ch)
		delete(h.subs, ch)
	}
}

// Source is where a program gets its snapshots: a Hub, or a fixed one in
// tests.
type Source interface {
	Snapshot() *Snapshot
	Subscribe() (<-chan struct{}, func())
}

// Beater is a Source with one timer for all its screens (see Hub.Beat); a
// screen on a Source without one keeps its own.
type Beater interface {
	Phase() int
	Beat(phase int) <-chan struct{}
}

// listen waits, off the update loop, for the source's next signal (sig),
// its end (end, when the subscription closes) or its beat (beat: nil
// for none).
func listen(sub, beat <-chan struct{}, sig, end, tick tea.Msg) tea.Cmd {
	return func() tea.Msg {
		select {
		case _, ok := <-sub:
			if !ok {
				return end
			}
			return sig
		case <-beat:
			return tick
		}
	}
}

// beatOf is the source's shared beat for a phase, or nil.
func beatOf(s Source, phase int) <-chan struct{} {
	if b, ok := s.(Beater); ok {
		return b.Beat(phase)
	}
	return nil
}

// phaseOf is a new screen's beat phase on the source.
func phaseOf(s Source) int {
	if b, ok := s.(Beater); ok {
		return b.Phase()
	}
	return 0
}

func (h *Hub) shareBoard(k boardFrameKey, draw func() boardFrame) boardFrame {
	return h.frames.Get(k, draw)
}
