package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sitrep/model"
)

// ExerciseActor is who injects act as.
var exerciseActor = model.Actor{Name: "exercise", Role: model.Owner, Source: "exercise"}

// errLive refuses exercise commands on a live database.
var errLive = model.Errorf("this is a live database, and exercise commands work only on an exercise database; create one with sitrep exercise new SCENARIO --db PATH")

// CreateExercise makes a new exercise database at path from a scenario.
// It refuses a path that exists: a live database never becomes an
// exercise, and an exercise is never written over.
func CreateExercise(ctx context.Context, path string, scenario []byte, actor model.Actor, opts ...Option) (*Store, error) {
	sc, err := model.ParseScenario(scenario)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", path, err)
	}
	// The file is claimed exclusively before anything is written: of two
	// runs on one path, the loser stops here and removes nothing of the
	// winner's. Everything removed below was created by this run.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, model.Errorf("%s already exists; an exercise needs a new database file, so give another --db path", model.SanitizeLine(abs))
	} else if err != nil {
		return nil, model.Errorf("cannot create %s: %v", model.SanitizeLine(abs), err)
	}
	f.Close()
	st, err := Open(ctx, abs, opts...)
	if err != nil {
		os.Remove(abs)
		return nil, err
	}
	clock := model.NewSimClock(sc.Start)
	_, err = st.write(ctx, actor, model.ActExercise, func(w *wtx) (model.Event, error) {
		var mode string
		if err := w.tx.QueryRowContext(w.ctx, "SELECT value FROM meta WHERE key = 'mode'").Scan(&mode); err != nil {
			return model.Event{}, fmt.Errorf("read mode: %w", err)
		}
		var n int
		if err := w.tx.QueryRowContext(w.ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
			return model.Event{}, fmt.Errorf("count events: %w", err)
		}
		if mode != "live" || n > 0 {
			return model.Event{}, model.Errorf("%s is already in use; an exercise needs a new database file", abs)
		}
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE meta SET value = 'exercise' WHERE key = 'mode'"); err != nil {
			return model.Event{}, fmt.Errorf("set exercise mode: %w", err)
		}
		if err := w.saveSim(clock, sc.Title, string(scenario), sc.Start); err != nil {
			return model.Event{}, err
		}
		w.realTime = true // made before the game, at the real time
		for _, in := range sc.Injects {
			if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO injects (n, at_s, kind) VALUES (?, ?, ?)", in.N, int64(in.At/time.Second), string(in.Kind)); err != nil {
				return model.Event{}, fmt.Errorf("store inject %d: %w", in.N, err)
			}
		}
		return model.Event{Action: model.EvExerciseNew, Target: "exercise", Data: map[string]string{
			"title": sc.Title, "start": fmtTime(sc.Start), "injects": fmt.Sprint(len(sc.Injects))}}, nil
	})
	if err != nil {
		st.Close()
		os.Remove(abs)
		os.Remove(abs + "-wal")
		os.Remove(abs + "-shm")
		return nil, err
	}
	return st, nil
}

// saveSim writes the exercise clock; the store takes it on commit.
func (w *wtx) saveSim(c model.SimClock, title, scenario string, start time.Time) error {
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	var err error
	if title != "" {
		_, err = w.tx.ExecContext(w.ctx, `INSERT INTO exercise (id, title, scenario, start, sim_at, anchor, speed, paused, started)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`, title, scenario, ms(start), ms(c.SimAt), ms(c.Anchor), c.Speed, c.Paused, c.Started)
	} else {
		_, err = w.tx.ExecContext(w.ctx, "UPDATE exercise SET sim_at=?, anchor=?, speed=?, paused=?, started=? WHERE id = 1",
			ms(c.SimAt), ms(c.Anchor), c.Speed, c.Paused, c.Started)
	}
	if err != nil {
		return fmt.Errorf("save exercise clock: %w", err)
	}
	w.simChanged = &c
	return nil
}

func readSim(ctx context.Context, q querier) (*model.SimClock, time.Time, string, error) {
	var simAt, anchor, start int64
	var c model.SimClock
	var title string
	err := q.QueryRowContext(ctx, "SELECT sim_at, anchor, speed, paused, started, start, title FROM exercise WHERE id = 1").
		Scan(&simAt, &anchor, &c.Speed, &c.Paused, &c.Started, &start, &title)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, "", nil
	}
	if err != nil {
		return nil, time.Time{}, "", fmt.Errorf("read exercise clock: %w", err)
	}
	c.SimAt, c.Anchor = time.UnixMilli(simAt).UTC(), time.UnixMilli(anchor).UTC()
	return &c, time.UnixMilli(start).UTC(), title, nil
}

// loadSim refreshes the cached exercise clock from the database.
func (s *Store) loadSim(ctx context.Context) error {
	c, _, _, err := readSim(ctx, s.r)
	if err != nil {
		return err
	}
	if c != nil {
		s.sim.Store(c)
	}
	return nil
}

// Reload reads the exercise clock now, as the change poller does when
// another process moves it.
func (s *Store) Reload(ctx context.Context) error { return s.loadSim(ctx) }

// IsExercise reports whether this is an exercise database.
func (s *Store) IsExercise() bool { return s.sim.Load() != nil }

// exerciseWrite changes the simulated clock: admins only, exercise only.
func (s *Store) exerciseWrite(ctx context.Context, actor model.Actor, action model.Action, change func(c model.SimClock, real time.Time) (model.SimClock, error)) (model.Event, error) {
	if !s.IsExercise() {
		if err := model.Authorize(actor.Role, model.ActExercise); err != nil {
			return model.Event{}, err
		}
		return model.Event{}, errLive
	}
	return s.write(ctx, actor, model.ActExercise, func(w *wtx) (model.Event, error) {
		cur, _, _, err := readSim(w.ctx, w.tx)
		if err != nil {
			return model.Event{}, err
		}
		real := s.clock.Now()
		next, err := change(*cur, real)
		if err != nil {
			return model.Event{}, err
		}
		if err := w.saveSim(next, "", "", time.Time{}); err != nil {
			return model.Event{}, err
		}
		w.now = next.Now(real).UTC().Truncate(time.Second)
		return model.Event{Action: action, Target: "exercise", Data: map[string]string{
			"sim_now": fmtTime(w.now), "speed": fmt.Sprint(next.Speed), "paused": fmt.Sprint(next.Paused)}}, nil
	})
}

// ExerciseStart starts the simulated clock at speed (1–600).
func (s *Store) ExerciseStart(ctx context.Context, actor model.Actor, speed int) (model.Event, error) {
	return s.exerciseWrite(ctx, actor, model.EvExerciseStart, func(c model.SimClock, real time.Time) (model.SimClock, error) {
		return c.Start(real, speed)
	})
}

// ExercisePause stops the simulated clock where it is.
func (s *Store) ExercisePause(ctx context.Context, actor model.Actor) (model.Event, error) {
	return s.exerciseWrite(ctx, actor, model.EvExercisePause, func(c model.SimClock, real time.Time) (model.SimClock, error) {
		return c.Pause(real)
	})
}

// ExerciseResume lets a paused clock run again from where it stood.
func (s *Store) ExerciseResume(ctx context.Context, actor model.Actor) (model.Event, error) {
	return s.exerciseWrite(ctx, actor, model.EvExerciseResume, func(c model.SimClock, real time.Time) (model.SimClock, error) {
		return c.Resume(real)
	})
}

// ExerciseSpeed changes the speed, keeping simulated time continuous.
func (s *Store) ExerciseSpeed(ctx context.Context, actor model.Actor, speed int) (model.Event, error) {
	return s.exerciseWrite(ctx, actor, model.EvExerciseSpeed, func(c model.SimClock, real time.Time) (model.SimClock, error) {
		return c.WithSpeed(real, speed)
	})
}

// ExerciseNext jumps the clock to the next inject not yet fired (paused
// stays paused) and fires what is due.
func (s *Store) ExerciseNext(ctx context.Context, actor model.Actor) (model.Event, error) {
	if !s.IsExercise() {
		return model.Event{}, errLive
	}
	var next sql.NullInt64
	var start int64
	if err := s.r.QueryRowContext(ctx, "SELECT (SELECT min(at_s) FROM injects WHERE fired_at IS NULL), start FROM exercise").Scan(&next, &start); err != nil {
		return model.Event{}, fmt.Errorf("find the next inject: %w", err)
	}
	if !next.Valid {
		return model.Event{}, model.Errorf("every inject has fired; the exercise runs on without further injects")
	}
	if sim := s.sim.Load(); !sim.Started {
		return model.Event{}, model.Errorf("the exercise has not started; start it with sitrep exercise start --speed N")
	}
	to := time.UnixMilli(start).Add(time.Duration(next.Int64) * time.Second)
	ev, err := s.exerciseWrite(ctx, actor, model.EvExerciseNext, func(c model.SimClock, real time.Time) (model.SimClock, error) {
		if c.Now(real).After(to) {
			return c, nil // already past it: it fires below
		}
		return c.JumpTo(real, to)
	})
	if err != nil {
		return ev, err
	}
	_, err = s.FireDue(ctx)
	return ev, err
}

// ExerciseStatus is where an exercise stands.
type ExerciseStatus struct {
	Title         string
	SimNow        time.Time
	Speed         int
	Paused        bool
	Started       bool
	InjectsFired  int
	InjectsTotal  int
	NextInject    time.Time // zero when all have fired
	NextInjectIdx int
}

// Exercise reads the exercise's state.
func (s *Store) Exercise(ctx context.Context) (ExerciseStatus, error) {
	c, start, title, err := readSim(ctx, s.r)
	if err != nil {
		return ExerciseStatus{}, err
	}
	if c == nil {
		return ExerciseStatus{}, errLive
	}
	st := ExerciseStatus{Title: title, SimNow: c.Now(s.clock.Now()).UTC().Truncate(time.Second), Speed: c.Speed, Paused: c.Paused, Started: c.Started}
	var next, nextN sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE fired_at IS NOT NULL), count(*),
		(SELECT at_s FROM injects WHERE fired_at IS NULL ORDER BY n LIMIT 1), (SELECT n FROM injects WHERE fired_at IS NULL ORDER BY n LIMIT 1)
		FROM injects`).Scan(&st.InjectsFired, &st.InjectsTotal, &next, &nextN); err != nil {
		return ExerciseStatus{}, fmt.Errorf("read injects: %w", err)
	}
	if next.Valid {
		st.NextInject, st.NextInjectIdx = start.Add(time.Duration(next.Int64)*time.Second), int(nextN.Int64)
	}
	return st, nil
}

// FireDue fires every inject whose time the simulated clock has passed,
// in order, each exactly once whichever process gets there first: the
// claim and the inject's effect are one transaction. It returns how many
// this call fired.
func (s *Store) FireDue(ctx context.Context) (int, error) {
	if sim := s.sim.Load(); sim == nil || !sim.Started {
		return 0, nil // a live database, or an exercise not started yet
	}
	sc, err := s.Scenario(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Clock().Now()
	fired := 0
	for _, in := range sc.Injects {
		at := sc.TimeOf(in)
		if at.After(now) {
			break
		}
		ok, err := s.fire(ctx, sc, in, at)
		if err != nil {
			return fired, fmt.Errorf("inject %d (line %d): %w", in.N, in.Line, err)
		}
		if ok {
			fired++
		}
	}
	return fired, nil
}

// Scenario is the exercise's scenario, as stored when it was created. It
// never changes, so it is read and parsed once per store: FireDue asks
// for it every second.
func (s *Store) Scenario(ctx context.Context) (*model.Scenario, error) {
	if sc := s.scenario.Load(); sc != nil {
		return sc, nil
	}
	var raw string
	err := s.r.QueryRowContext(ctx, "SELECT scenario FROM exercise WHERE id = 1").Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errLive
	}
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	sc, err := model.ParseScenario([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("the stored scenario no longer parses: %w", err)
	}
	s.scenario.Store(sc)
	return sc, nil
}

// Messages are the exercise's broadcast messages, oldest first.
func (s *Store) Messages(ctx context.Context) ([]model.Event, error) {
	return loadEvents(ctx, s.r, "action = 'message' AND actor = 'exercise'")
}

// errFired says another process claimed the inject first.
var errFired = errors.New("inject already fired")

func (s *Store) fire(ctx context.Context, sc *model.Scenario, in model.Inject, at time.Time) (bool, error) {
	_, err := s.writeAt(ctx, exerciseActor, model.ActExercise, at, func(w *wtx) (model.Event, error) {
		res, err := w.tx.ExecContext(w.ctx, "UPDATE injects SET fired_at = ? WHERE n = ? AND fired_at IS NULL", s.clock.Now().UnixMilli(), in.N)
		if err != nil {
			return model.Event{}, fmt.Errorf("claim inject: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return model.Event{}, errFired
		}
		var ev model.Event
		switch in.Kind {
		case model.InjectDeclare:
			d := *in.Declare
			d.DetectedAt, d.AwareAt = at, at
			ev, err = w.declare(d)
		case model.InjectNote, model.InjectFact:
			var id int64
			id, err = w.declaredBy(sc, in.Incident)
			if err == nil && in.Kind == model.InjectNote {
				ev, err = w.note(id, in.Text)
			} else if err == nil {
				ev, err = w.setBreach(id, *in.Fact)
			}
		case model.InjectMessage:
			ev = model.Event{Action: model.EvMessage, Target: "exercise", Data: map[string]string{"text": in.Text}}
		default:
			err = fmt.Errorf("unknown inject kind %q", in.Kind)
		}
		if err != nil {
			return model.Event{}, err
		}
		ev.Data["inject"] = fmt.Sprint(in.N)
		return ev, nil
	})
	if errors.Is(err, errFired) {
		return false, nil
	}
	return err == nil, err
}

// declaredBy finds the incident the scenario's n-th declare inject made:
// the n-th incident of this exercise database, which only injects and
// participants add to, so it is found by the declare events of injects.
func (w *wtx) declaredBy(sc *model.Scenario, n int) (int64, error) {
	k := 0
	for _, in := range sc.Injects {
		if in.Kind != model.InjectDeclare {
			continue
		}
		if k++; k == n {
			var id int64
			err := w.tx.QueryRowContext(w.ctx, `SELECT incident_id FROM events WHERE action = 'declare' AND actor = 'exercise'
				AND json_extract(data, '$.inject') = ?`, fmt.Sprint(in.N)).Scan(&id)
			if err != nil {
				return 0, fmt.Errorf("find the incident of inject %d: %w", in.N, err)
			}
			return id, nil
		}
	}
	return 0, fmt.Errorf("the scenario declares no incident %d", n)
}
