package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

const tinyScenario = `title: Tiny
description: Two injects.
start: 2026-05-04T02:00:00+02:00
injects:
  - at: T+00:00
    declare: {title: Anomalous reads, severity: P1, breach: unknown, customers: [Acme]}
  - at: T+00:10
    note: {incident: 1, text: Reads came from a revoked account.}
  - at: T+01:00
    fact: {incident: 1, breach: "yes", subjects_approx: 12}
  - at: T+02:00
    message: The sub-processor saw the same credentials.
`

// twoExerciseHandles creates an exercise from tinyScenario and opens it
// twice (two processes' views), both on one test clock.
func twoExerciseHandles(t *testing.T) (a, b *store.Store, clk *testClock) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ex.db")
	clk = newClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	a, err := store.CreateExercise(ctx, path, []byte(tinyScenario), owner, store.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err = store.Open(ctx, path, store.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b, clk
}

// TestExerciseFiresEachInjectOnce: two handles on one exercise file (two
// processes' views) firing at once fire every inject exactly once, at its
// scheduled simulated time, as the exercise actor.
func TestExerciseFiresEachInjectOnce(t *testing.T) {
	ctx := context.Background()
	a, b, clk := twoExerciseHandles(t)
	if n, err := a.FireDue(ctx); err != nil || n != 0 {
		t.Fatalf("before start FireDue = %d, %v; want nothing fired", n, err)
	}
	must(a.ExerciseStart(ctx, admin, 600))(t)
	clk.Advance(time.Minute) // 10 simulated hours: every inject is due
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := st.FireDue(ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != 4 {
		t.Fatalf("fired %d injects in all (%v); want each of 4 exactly once", total, counts)
	}
	evs := must(a.Audit(ctx, time.Time{}))(t)
	start := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	want := map[model.Action]time.Time{"declare": start, "note": start.Add(10 * time.Minute), "breach": start.Add(time.Hour), "message": start.Add(2 * time.Hour)}
	for _, e := range evs {
		if e.Actor != "exercise" {
			continue
		}
		w, ok := want[e.Action]
		if !ok || !e.Time.Equal(w) || e.Source != "exercise" {
			t.Errorf("inject event %s at %s by %s/%s; want at %s", e.Action, e.Time, e.Actor, e.Source, w)
		}
		delete(want, e.Action)
	}
	if len(want) != 0 {
		t.Errorf("injects never fired: %v", want)
	}
	inc := mustIncident(t, a, 1)
	if inc.Breach != model.BreachYes || !inc.DetectedAt.Equal(start) || inc.Severity != model.P1 {
		t.Errorf("declared incident %+v", inc)
	}
	st := must(a.Exercise(ctx))(t)
	if st.InjectsFired != 4 || st.InjectsTotal != 4 || !st.Started || st.Speed != 600 {
		t.Errorf("status %+v", st)
	}
}

// TestExerciseClockIsShared: a clock change by one handle is what another
// handle's clock shows once it has seen the change.
func TestExerciseClockIsShared(t *testing.T) {
	ctx := context.Background()
	a, b, clk := twoExerciseHandles(t)
	must(a.ExerciseStart(ctx, admin, 120))(t)
	clk.Advance(30 * time.Second)
	must(a.ExercisePause(ctx, admin))(t)
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 5, 4, 1, 0, 0, 0, time.UTC) // 02:00+02:00 plus 60 simulated minutes
	clk.Advance(time.Hour)                              // paused: nothing moves
	if got, gotB := a.Clock().Now(), b.Clock().Now(); !got.Equal(want) || !gotB.Equal(want) {
		t.Errorf("simulated now %s and %s; want %s on both handles", got, gotB, want)
	}
}

// TestExerciseRefusals: exercise commands refuse a live database, and an
// exercise is never created over an existing file.
func TestExerciseRefusals(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	if _, err := st.ExerciseStart(ctx, admin, 60); userError(t, err) == nil {
		t.Error("started an exercise on a live database")
	}
	if _, err := st.ExerciseStart(ctx, member, 60); userError(t, err) == nil {
		t.Error("a member ran an exercise command")
	}
	if _, err := store.CreateExercise(ctx, st.Path(), []byte(tinyScenario), owner); userError(t, err) == nil {
		t.Error("created an exercise over an existing database")
	}
	bad := filepath.Join(t.TempDir(), "bad.db")
	if _, err := store.CreateExercise(ctx, bad, []byte("title: x\n"), owner); err == nil {
		t.Error("created an exercise from a broken scenario")
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a refused exercise left a database file behind")
	}
}

// Two `exercise new` on one path at once: one wins, and the loser removes
// nothing of the winner's database.
func TestExerciseNewRaceKeepsWinner(t *testing.T) {
	ctx := context.Background()
	for i := range 10 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("ex%d.db", i))
		var wg sync.WaitGroup
		stores := make([]*store.Store, 2)
		errs := make([]error, 2)
		for j := range 2 {
			wg.Go(func() { stores[j], errs[j] = store.CreateExercise(ctx, path, []byte(tinyScenario), admin) })
		}
		wg.Wait()
		won := 0
		for j := range 2 {
			if errs[j] == nil {
				won++
				defer stores[j].Close()
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of two runs created the exercise (%v)", i, won, errs)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("round %d: the winner's database is gone: %v", i, err)
		}
	}
}

// TestExerciseStampsGameAndRealTime: on an exercise database what happens
// in the game carries simulated time; users and logins carry real time
// and say so.
func TestExerciseStampsGameAndRealTime(t *testing.T) {
	ctx := context.Background()
	a, _, clk := twoExerciseHandles(t)
	must(a.ExerciseStart(ctx, admin, 60))(t)
	clk.Advance(time.Minute) // one simulated hour in
	real := clk.Now().UTC().Truncate(time.Second)
	game := a.Clock().Now().UTC().Truncate(time.Second)

	user, err := a.AddUser(ctx, owner, "carol", model.Member, nil)
	if err != nil {
		t.Fatal(err)
	}
	inc, err := a.Declare(ctx, admin, model.Declaration{Title: "Found by a player", Severity: model.P2, Source: "monitoring", Breach: model.BreachUnknown})
	if err != nil {
		t.Fatal(err)
	}
	note, err := a.Note(ctx, admin, inc.ID, "in the game")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		ev   model.Event
		at   time.Time
		game bool
	}{{"user add", user, real, false}, {"note", note, game, true}} {
		if !c.ev.Time.Equal(c.at) || c.ev.GameTime() != c.game {
			t.Errorf("%s stamped %v (game time %v), want %v (game time %v)", c.what, c.ev.Time, c.ev.GameTime(), c.at, c.game)
		}
	}
	// As stored, read back: the audit says the same.
	evs, err := a.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Action == model.EvUserAdd && (e.GameTime() || !e.Time.Equal(real)) {
			t.Errorf("stored user_add at %v game=%v, want real %v", e.Time, e.GameTime(), real)
		}
		if e.Action == "exercise_new" && e.GameTime() {
			t.Errorf("exercise_new is marked game time; it was made before the game")
		}
	}
}
