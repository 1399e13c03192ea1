package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sitrep/model"
)

func (a *app) declareCmd() *cobra.Command {
	var (
		d                   model.Declaration
		sev, breach, source string
		detected, aware     string
		asJSON              bool
	)
	c := &cobra.Command{
		Use:   "declare --title T --sev P0..P3",
		Short: "Declare an incident and print its ref",
		Example: `  sitrep declare --title "Anomalous reads on tenant DB" --sev P1 --breach unknown \
    --source monitoring --customer Acme --customer Globex`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			if d.Severity, err = model.ParseSeverity(sev); err != nil {
				return err
			}
			if d.Breach, err = model.ParseBreach(breach); err != nil {
				return err
			}
			if d.Source, err = model.ParseSource(source); err != nil {
				return err
			}
			if detected != "" {
				if d.DetectedAt, err = model.ParseTime(detected, now); err != nil {
					return err
				}
			}
			if aware != "" {
				if d.AwareAt, err = model.ParseTime(aware, now); err != nil {
					return err
				}
			}
			inc, err := st.Declare(a.ctx, act, d)
			if err != nil {
				return err
			}
			if asJSON {
				pol, err := st.Policy(a.ctx)
				if err != nil {
					return err
				}
				return a.printJSON(inc.ToJSON(pol, st.Clock().Now(), true))
			}
			a.printf("%s\n", inc.Ref())
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&d.Title, "title", "", "what is happening, in one line (required)")
	f.StringVar(&sev, "sev", "", "severity: P0 critical, P1 high, P2 moderate, P3 low (required)")
	f.StringVar(&breach, "breach", "unknown", "personal-data breach: yes, no or unknown")
	f.StringVar(&source, "source", "other", "where it was detected: "+joinSources())
	f.StringVar(&detected, "detected", "", "when the alert or report arrived: RFC 3339, now, or -2h (default now)")
	f.StringVar(&aware, "aware", "", "when the company became aware of the breach: starts the 72 h clock (default now)")
	f.StringArrayVar(&d.Customers, "customer", nil, "an affected customer (repeat for several)")
	f.StringVar(&d.Summary, "summary", "", "a longer description")
	f.BoolVar(&d.Availability, "availability", false, "service availability is affected (status updates are due)")
	f.BoolVar(&asJSON, "json", false, "print the new incident as JSON")
	c.MarkFlagRequired("title")
	c.MarkFlagRequired("sev")
	return c
}

func joinSources() string {
	s := make([]string, len(model.Sources))
	for i, v := range model.Sources {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func (a *app) listCmd() *cobra.Command {
	var all, asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List active incidents, most urgent first",
		Args:  args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store()
			if err != nil {
				return err
			}
			list, err := st.Incidents(a.ctx, all)
			if err != nil {
				return err
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			now := st.Clock().Now()
			model.SortByUrgency(list, pol, now)
			if asJSON {
				out := make([]model.IncidentJSON, 0, len(list))
				for _, inc := range list {
					out = append(out, inc.ToJSON(pol, now, false))
				}
				return a.printJSON(out)
			}
			a.banner()
			a.printBoard(list, pol, now)
			return nil
		},
	}
	c.Flags().BoolVar(&all, "all", false, "include closed incidents")
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return c
}

// runBoard prints the board as text: sitrep with no command when the
// output is not a terminal.
func (a *app) runBoard(cmd *cobra.Command, _ []string) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	b, err := st.LoadBoard(a.ctx)
	if err != nil {
		return err
	}
	now := st.Clock().Now()
	model.SortByUrgency(b.Incidents, b.Policy, now)
	a.banner()
	a.printf("sitrep · %s · %s\n\n", st.Path(), now.In(b.Policy.Location()).Format(model.TimeFormat))
	a.printBoard(b.Incidents, b.Policy, now)
	return nil
}

func (a *app) showCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "show REF",
		Short: "Show an incident with deadlines, checklist, notifications and review",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			inc, pol, now, err := a.incident(argv[0])
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(inc.ToJSON(pol, now, true))
			}
			a.banner()
			a.printIncident(inc, pol, now)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// incidentWrite is the shape of most writes: parse REF, run the write,
// print a confirmation.
func (a *app) incidentWrite(argv0 string, do func(id int64) (model.Event, error)) error {
	id, err := ref(argv0)
	if err != nil {
		return err
	}
	ev, err := do(id)
	if err != nil {
		return err
	}
	return a.say(ev)
}

func (a *app) transitionCmd(name, short string, to model.Status) *cobra.Command {
	var override string
	c := &cobra.Command{
		Use:   name + " REF",
		Short: short,
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if cmd.Flags().Changed("override") && strings.TrimSpace(override) == "" {
				return usageError{model.Errorf("--override needs the reason for passing the gates, for the audit")}
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Transition(a.ctx, act, id, to, override) })
		},
	}
	if to != model.Acknowledged {
		c.Flags().StringVar(&override, "override", "", "pass the lifecycle gates that refuse this, with the reason (recorded as an override event)")
	}
	return c
}

func (a *app) reopenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reopen REF",
		Short: "Re-open a resolved incident (back to acknowledged)",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Reopen(a.ctx, act, id) })
		},
	}
}

func (a *app) assignCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "assign REF USER",
		Short: "Make a user the incident commander (handover if one is set)",
		Args:  args("REF", "USER"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Assign(a.ctx, act, id, argv[1]) })
		},
	}
}

func (a *app) sevCmd() *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:     "sev REF P0..P3 [--reason T]",
		Aliases: []string{"severity"},
		Short:   "Change an incident's severity, with the reason for the timeline",
		Args:    args("REF", "SEVERITY"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			sev, err := model.ParseSeverity(argv[1])
			if err != nil {
				return err
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.SetSeverity(a.ctx, act, id, sev, reason) })
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why the severity changes (recorded on the timeline)")
	return c
}

func (a *app) deleteCmd() *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "delete REF --reason T",
		Short: "Delete an incident declared by mistake (soft: kept for the audit)",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Delete(a.ctx, act, id, reason) })
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why it is deleted (required, for the audit)")
	return c
}

func (a *app) awareCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "aware REF TIME",
		Short: "Move the awareness time, which starts the 72-hour clock (admin)",
		Args:  args("REF", "TIME"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			now, err := a.now()
			if err != nil {
				return err
			}
			t, err := model.ParseTime(argv[1], now)
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.SetAware(a.ctx, act, id, t) })
		},
	}
	// TIME may be an offset such as -2h: after REF, nothing is a flag.
	c.Flags().SetInterspersed(false)
	return c
}

// optTime parses an optional time flag; empty means now (zero).
func (a *app) optTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	now, err := a.now()
	if err != nil {
		return time.Time{}, err
	}
	return model.ParseTime(v, now)
}

// now is the database's time in the policy's zone, the zone in which a
// TIME given as a date (YYYY-MM-DD) is read as midnight. One command reads
// it once, so that two relative times it is given agree.
func (a *app) now() (time.Time, error) {
	st, err := a.store()
	if err != nil {
		return time.Time{}, err
	}
	pol, err := st.Policy(a.ctx)
	if err != nil {
		return time.Time{}, err
	}
	return st.Clock().Now().In(pol.Location()), nil
}
