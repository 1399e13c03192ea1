package ui

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"sitrep/model"
)

func newTestHub(t *testing.T, e *conEnv) *Hub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hub, err := NewHub(ctx, e.st)
	if err != nil {
		t.Fatalf("hub: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-hub.Done()
	})
	return hub
}

// One timer beats for every screen of the process, in phases handed out
// round robin: each phase's channel closes once a second, and the next
// call returns the following one.
func TestHubBeat(t *testing.T) {
	hub := newTestHub(t, newConEnv(t))
	for want := range 2 * beatPhases {
		if got := hub.Phase(); got != want%beatPhases {
			t.Fatalf("phase %d handed out as %d", want, got)
		}
	}
	first := hub.Beat(0)
	if hub.Beat(beatPhases) != first {
		t.Fatal("phase beatPhases is not phase 0")
	}
	for i := range 2 {
		var order []int
		for p := range beatPhases {
			select {
			case <-hub.Beat(p):
				order = append(order, p)
			case <-time.After(5 * time.Second):
				t.Fatalf("second %d: phase %d did not beat within 5s (beaten: %v)", i, p, order)
			}
		}
		if next := hub.Beat(0); next == first {
			t.Fatalf("after second %d, Beat returned the closed channel again", i)
		}
		first = hub.Beat(0)
	}
}

// Every screen open on the same incident shares one load until the board
// changes; presence alone does not change the board.
func TestHubIncidentSharedUntilChange(t *testing.T) {
	e := newConEnv(t)
	hub := newTestHub(t, e)
	settle(hub)
	id := e.id[incExport]
	ctx := context.Background()

	const screens = 16
	got := make([]*model.Incident, screens)
	var wg sync.WaitGroup
	for i := range screens {
		wg.Go(func() {
			inc, evs, err := hub.Incident(ctx, id)
			if err != nil || inc == nil || len(evs) == 0 {
				t.Errorf("screen %d: %v, %d events", i, err, len(evs))
			}
			got[i] = inc
		})
	}
	wg.Wait()
	for i, inc := range got {
		if inc != got[0] {
			t.Fatalf("screen %d got its own load (%p, not %p): loads are not shared", i, inc, got[0])
		}
	}

	leave := hub.Join("zoe")
	defer leave()
	waitFor(t, "zoe to be online", func() bool { return slices.Contains(hub.Snapshot().Online, "zoe") })
	if inc, _, _ := hub.Incident(ctx, id); inc != got[0] {
		t.Fatal("someone coming online made every screen load the incident again")
	}

	before := hub.Snapshot().Board
	if _, err := e.st.Note(ctx, conOwner, id, "a note after the first load"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new board", func() bool { return hub.Snapshot().Board != before })
	inc, evs, err := hub.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if inc == got[0] {
		t.Fatal("after a change the screens still get the load from before it")
	}
	if last := evs[len(evs)-1]; last.Data["text"] != "a note after the first load" {
		t.Fatalf("the new load misses the note: last event %+v", last)
	}

	// A failed load is not kept: the next screen tries again.
	if _, _, err := hub.Incident(ctx, 999999); err == nil {
		t.Fatal("an unknown incident loaded")
	}
	hub.mu.Lock()
	_, kept := hub.details[999999]
	hub.mu.Unlock()
	if kept {
		t.Fatal("a failed load was kept for the next screen")
	}
}

// settle waits until the hub has had no new snapshot for half a second:
// the store's change feed signals once when it starts (a spare reload).
func settle(h *Hub) {
	sub, stop := h.Subscribe()
	defer stop()
	for {
		select {
		case <-sub:
		case <-time.After(500 * time.Millisecond):
			return
		}
	}
}

// waitFor waits until cond holds, looking again every few milliseconds:
// the one way this package's tests wait for another goroutine.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 10s waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
