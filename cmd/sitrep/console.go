package main

import (
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"sitrep/model"
	"sitrep/ui"
)

// isTerminal reports whether w is a terminal a full-screen program can use.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// runConsole is sitrep with no command: the console on a terminal, the
// board as text when the output is a pipe or a file.
func (a *app) runConsole(cmd *cobra.Command, _ []string) error {
	if !isTerminal(a.cfg.out) || !isTerminal(a.cfg.in) {
		return a.runBoard(cmd, nil)
	}
	st, act, err := a.env()
	if err != nil {
		return err
	}
	hub, err := ui.NewHub(a.ctx, st)
	if err != nil {
		return err
	}
	m := ui.New(ui.Options{Store: st, Source: hub, Actor: act})
	defer m.Close()
	p := tea.NewProgram(m, tea.WithContext(a.ctx), tea.WithInput(a.cfg.in), tea.WithOutput(a.cfg.out))
	if _, err := p.Run(); err != nil && a.ctx.Err() == nil {
		return model.Errorf("the console stopped: %v", err)
	}
	return nil
}

func (a *app) wallCmd() *cobra.Command {
	var cycle time.Duration
	c := &cobra.Command{
		Use:   "wall",
		Short: "The wallboard for a shared screen: active incidents, nearest deadlines in large digits (read-only)",
		Args:  args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isTerminal(a.cfg.out) {
				return model.Errorf("the wallboard needs a terminal; use sitrep list for text")
			}
			if cycle < time.Second {
				return usageError{model.Errorf("--cycle %s is too short; give at least 1s", cycle)}
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			hub, err := ui.NewHub(a.ctx, st)
			if err != nil {
				return err
			}
			w := ui.NewWall(ui.WallOptions{Source: hub, Clock: st.Clock(), Cycle: cycle})
			defer w.Close()
			p := tea.NewProgram(w, tea.WithContext(a.ctx), tea.WithInput(a.cfg.in), tea.WithOutput(a.cfg.out))
			if _, err := p.Run(); err != nil && a.ctx.Err() == nil {
				return model.Errorf("the wallboard stopped: %v", err)
			}
			return nil
		},
	}
	c.Flags().DurationVar(&cycle, "cycle", 8*time.Second, "how long each page shows when not every incident fits")
	return c
}
