package main

import (
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"sitrep/model"
	"sitrep/store"
)

func (a *app) exerciseCmd() *cobra.Command {
	c := group("exercise", "Tabletop exercises: a scenario on its own database with a simulated clock (admin)")
	var speed int
	var asJSON bool
	newCmd := &cobra.Command{
		Use:   "new SCENARIO.yaml --db PATH",
		Short: "Create an exercise database from a scenario",
		Example: `  sitrep exercise new testdata/scenarios/ransomware.yaml --db /tmp/tt.db
  sitrep --db /tmp/tt.db exercise start --speed 120`,
		Args: args("SCENARIO"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if a.remote() {
				return model.Errorf("exercise new creates a database file; run it on the server")
			}
			if a.dbFlag == "" && os.Getenv("SITREP_DB") == "" {
				return usageError{model.Errorf("give --db PATH for the exercise database; an exercise never shares the live one")}
			}
			path := a.dbFlag
			if path == "" {
				path = os.Getenv("SITREP_DB")
			}
			b, err := os.ReadFile(argv[0])
			if err != nil {
				return model.Errorf("cannot read the scenario %s: %v", argv[0], err)
			}
			act, err := a.actor()
			if err != nil {
				return err
			}
			st, err := store.CreateExercise(a.ctx, path, b, act)
			if err != nil {
				return err
			}
			a.st, a.opened = st, true
			ex, err := st.Exercise(a.ctx)
			if err != nil {
				return err
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			a.printf("Created the exercise %q in %s: %d injects, simulated start %s.\nStart it with: sitrep --db %s exercise start --speed 60\n",
				model.SanitizeLine(ex.Title), st.Path(), ex.InjectsTotal, ex.SimNow.In(pol.Location()).Format(model.TimeFormat), st.Path())
			return nil
		},
	}
	control := func(use, short string, do func(st *store.Store, act model.Actor) (model.Event, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args(),
			RunE: func(cmd *cobra.Command, _ []string) error {
				st, act, err := a.env()
				if err != nil {
					return err
				}
				if _, err := do(st, act); err != nil {
					return err
				}
				return a.printExercise(st, false)
			}}
	}
	start := control("start", "Start the simulated clock", func(st *store.Store, act model.Actor) (model.Event, error) {
		return st.ExerciseStart(a.ctx, act, speed)
	})
	start.Flags().IntVar(&speed, "speed", 1, "simulated seconds per real second, 1–600 (120: the 72-hour clock in 36 minutes)")
	pause := control("pause", "Pause the simulated clock", func(st *store.Store, act model.Actor) (model.Event, error) {
		return st.ExercisePause(a.ctx, act)
	})
	resume := control("resume", "Resume the simulated clock", func(st *store.Store, act model.Actor) (model.Event, error) {
		return st.ExerciseResume(a.ctx, act)
	})
	next := control("next", "Jump the clock to the next inject and fire it (a paused clock stays paused)", func(st *store.Store, act model.Actor) (model.Event, error) {
		return st.ExerciseNext(a.ctx, act)
	})
	speedCmd := &cobra.Command{Use: "speed N", Short: "Change the clock's speed (1–600), keeping simulated time continuous", Args: args("N"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			n, err := strconv.Atoi(argv[0])
			if err != nil {
				return model.Errorf("%q is not a speed; give a whole number from 1 to 600", argv[0])
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			if _, err := st.ExerciseSpeed(a.ctx, act, n); err != nil {
				return err
			}
			return a.printExercise(st, false)
		}}
	status := &cobra.Command{Use: "status", Short: "Where the exercise stands: simulated time, speed, injects", Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store()
			if err != nil {
				return err
			}
			return a.printExercise(st, asJSON)
		}}
	status.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	report := &cobra.Command{Use: "report", Short: "The exercise's story in Markdown, for the post-exercise review", Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store()
			if err != nil {
				return err
			}
			if _, err := st.FireDue(a.ctx); err != nil {
				return err
			}
			sc, err := st.Scenario(a.ctx)
			if err != nil {
				return err
			}
			ex, err := st.Exercise(a.ctx)
			if err != nil {
				return err
			}
			list, err := st.Incidents(a.ctx, true)
			if err != nil {
				return err
			}
			incs := make([]*model.Incident, 0, len(list))
			for _, inc := range list {
				full, err := st.Incident(a.ctx, inc.ID)
				if err != nil {
					return err
				}
				incs = append(incs, full)
			}
			evs, err := st.Audit(a.ctx, time.Time{})
			if err != nil {
				return err
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			a.printf("%s", model.ExerciseReport(model.ExerciseInfo{Title: sc.Title, Description: sc.Description, Start: sc.Start,
				SimNow: ex.SimNow, InjectsFired: ex.InjectsFired, InjectsTotal: ex.InjectsTotal}, incs, evs, pol, st.Clock().Now()))
			return nil
		}}
	c.AddCommand(newCmd, start, pause, resume, speedCmd, next, status, report)
	return c
}

type exerciseJSON struct {
	Title        string  `json:"title"`
	SimNow       *string `json:"sim_now"`
	Speed        int     `json:"speed"`
	Paused       bool    `json:"paused"`
	Started      bool    `json:"started"`
	InjectsFired int     `json:"injects_fired"`
	InjectsTotal int     `json:"injects_total"`
	NextInjectAt *string `json:"next_inject_at"`
}

// printExercise fires what is due, then says where the exercise stands.
func (a *app) printExercise(st *store.Store, asJSON bool) error {
	if _, err := st.FireDue(a.ctx); err != nil {
		return err
	}
	ex, err := st.Exercise(a.ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return a.printJSON(exerciseJSON{Title: ex.Title, SimNow: model.JSONTime(ex.SimNow), Speed: ex.Speed, Paused: ex.Paused,
			Started: ex.Started, InjectsFired: ex.InjectsFired, InjectsTotal: ex.InjectsTotal, NextInjectAt: model.JSONTime(ex.NextInject)})
	}
	pol, err := st.Policy(a.ctx)
	if err != nil {
		return err
	}
	state := "running"
	switch {
	case !ex.Started:
		state = "not started"
	case ex.Paused:
		state = "paused"
	}
	a.printf("EXERCISE %s\nSimulated time %s · speed %d× · %s · injects %d of %d fired\n", model.SanitizeLine(ex.Title),
		ex.SimNow.In(pol.Location()).Format(model.TimeFormat), ex.Speed, state, ex.InjectsFired, ex.InjectsTotal)
	if !ex.NextInject.IsZero() {
		a.printf("Next inject (%d) at %s, in %s simulated\n", ex.NextInjectIdx, ex.NextInject.In(pol.Location()).Format(model.TimeFormat),
			model.FormatHMS(ex.NextInject.Sub(ex.SimNow)))
	}
	return nil
}
