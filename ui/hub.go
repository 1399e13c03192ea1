package ui

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

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
	presence chan struct{} // who is online changed; published at most once a second
}

// NewHub loads the first snapshot and follows the store's change feed until
// ctx ends.
func NewHub(ctx context.Context, st *store.Store) (*Hub, error) {
	h := &Hub{st: st, subs: map[chan struct{}]struct{}{}, online: map[string]int{},
		done: make(chan struct{}), presence: make(chan struct{}, 1)}
	changes, cancel := st.Subscribe()
	if err := h.load(ctx); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer close(h.done)
		defer cancel()
		// Presence is shown in every header; when many sessions join at
		// once, one redraw a second for all of them is plenty.
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				h.shutdown()
				return
			case <-tick.C:
				if h.st.IsExercise() {
					if _, err := h.st.FireDue(ctx); err != nil && ctx.Err() == nil {
						slog.Warn("exercise injects", "err", err)
					}
				}
				select {
				case <-h.presence:
					h.mu.Lock()
					h.refreshOnlineLocked()
					h.mu.Unlock()
				default:
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
// is called; the board header shows who is online.
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

func (h *Hub) refreshOnlineLocked() {
	if h.snap == nil {
		return
	}
	next := *h.snap
	next.Online = h.onlineLocked()
	h.snap = &next
	h.notifyLocked()
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
