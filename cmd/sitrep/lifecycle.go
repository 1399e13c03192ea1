package main

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"sitrep/model"
)

func (a *app) editCmd() *cobra.Command {
	var (
		title, summary, source, detected string
		availability, dataLoss           bool
	)
	c := &cobra.Command{
		Use:   "edit REF [--title T] [--summary S] [--source S] [--detected TIME] [--availability=true|false] [--data-loss=true|false]",
		Short: "Correct an incident's facts; the timeline keeps before and after (admin)",
		Example: `  sitrep edit INC-7 --detected 2026-05-04T01:52:00+02:00
  sitrep edit INC-7 --availability=true --title "Checkout down for EU customers"`,
		Args: args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			var e model.Edit
			fl := cmd.Flags()
			if fl.Changed("title") {
				e.Title = &title
			}
			if fl.Changed("summary") {
				e.Summary = &summary
			}
			if fl.Changed("source") {
				s, err := model.ParseSource(source)
				if err != nil {
					return err
				}
				e.Source = &s
			}
			if fl.Changed("detected") {
				t, err := a.optTime(detected)
				if err != nil {
					return err
				}
				if t.IsZero() {
					return usageError{model.Errorf("--detected needs a time: RFC 3339, a date, or -2h")}
				}
				e.DetectedAt = &t
			}
			if fl.Changed("availability") {
				e.Availability = &availability
			}
			if fl.Changed("data-loss") {
				e.DataLoss = &dataLoss
			}
			if e == (model.Edit{}) {
				return usageError{model.Errorf("nothing to correct; give --title, --summary, --source, --detected, --availability or --data-loss")}
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Edit(a.ctx, act, id, e) })
		},
	}
	f := c.Flags()
	f.StringVar(&title, "title", "", "the corrected title")
	f.StringVar(&summary, "summary", "", "the corrected summary")
	f.StringVar(&source, "source", "", "where it was detected: "+joinSources())
	f.StringVar(&detected, "detected", "", "when the alert or report really arrived (moves the acknowledgement target)")
	f.BoolVar(&availability, "availability", false, "service availability is affected (status updates, post-mortem, restore)")
	f.BoolVar(&dataLoss, "data-loss", false, "data was lost (restore deadline, loss window against the RPO)")
	return c
}

func (a *app) postmortemCmd() *cobra.Command {
	var (
		customers []string
		published bool
		at        string
	)
	c := &cobra.Command{
		Use:   "postmortem REF (--customer C... | --published) [--at TIME]",
		Short: "Record an availability incident's post-mortem sent to customers, or published (admin)",
		Example: `  sitrep postmortem INC-7 --customer Acme --customer Globex
  sitrep postmortem INC-7 --published`,
		Args: args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			t, err := a.optTime(at)
			if err != nil {
				return err
			}
			if published && len(customers) > 0 {
				return usageError{model.Errorf("give either --customer C or --published, not both")}
			}
			if !published && len(customers) == 0 {
				return usageError{model.Errorf("say who got the post-mortem: --customer C (repeat for each), or --published")}
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) {
				return st.Postmortem(a.ctx, act, id, customers, published, t)
			})
		},
	}
	c.Flags().StringArrayVar(&customers, "customer", nil, "an affected customer the post-mortem was sent to (repeat)")
	c.Flags().BoolVar(&published, "published", false, "the post-mortem was published for every customer")
	c.Flags().StringVar(&at, "at", "", "when (default now)")
	return c
}

func (a *app) restoredCmd() *cobra.Command {
	var at, point string
	c := &cobra.Command{
		Use:   "restored REF [--at TIME] [--recovery-point TIME]",
		Short: "Record service restored (RTO), and the point in time data was recovered to (RPO) (admin)",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			t, err := a.optTime(at)
			if err != nil {
				return err
			}
			var rp time.Time
			if cmd.Flags().Changed("recovery-point") {
				if rp, err = a.optTime(point); err != nil {
					return err
				}
				if rp.IsZero() {
					return usageError{model.Errorf("--recovery-point needs a time: RFC 3339, a date, or -2h")}
				}
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Restored(a.ctx, act, id, t, rp) })
		},
	}
	c.Flags().StringVar(&at, "at", "", "when service was restored (default now)")
	c.Flags().StringVar(&point, "recovery-point", "", "the point in time data was recovered to")
	return c
}

func (a *app) classifyCmd() *cobra.Command {
	var major bool
	var at string
	c := &cobra.Command{
		Use:   "classify REF --major [--at TIME]",
		Short: "Classify an incident as a major ICT-related incident under DORA, starting its clocks (admin)",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if !major {
				return usageError{model.Errorf("classify records a major incident; give --major")}
			}
			t, err := a.optTime(at)
			if err != nil {
				return err
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Classify(a.ctx, act, id, t) })
		},
	}
	c.Flags().BoolVar(&major, "major", false, "the incident is major under DORA's classification criteria")
	c.Flags().StringVar(&at, "at", "", "when it was classified (default now)")
	return c
}

func (a *app) actionsCmd() *cobra.Command {
	var open, asJSON bool
	c := &cobra.Command{
		Use:   "actions [--open] [--json]",
		Short: "List review action items across incidents, overdue ones flagged",
		Args:  args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store()
			if err != nil {
				return err
			}
			rows, err := st.ActionItems(a.ctx, open)
			if err != nil {
				return err
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			now, loc := st.Clock().Now(), pol.Location()
			if asJSON {
				out := make([]model.ActionRowJSON, 0, len(rows))
				for _, r := range rows {
					out = append(out, r.ToJSON(now, loc))
				}
				return a.printJSON(out)
			}
			a.banner()
			if len(rows) == 0 {
				a.printf("No action items%s.\n", map[bool]string{true: " open", false: ""}[open])
				return nil
			}
			t := newTable(a.out, "REF", "N", "DUE", "STATE", "OWNER", "TITLE")
			for _, r := range rows {
				state := "open"
				switch {
				case !r.DoneAt.IsZero():
					state = "done"
				case r.Overdue(now, loc):
					state = "OVERDUE"
				}
				t.row(r.Ref, strconv.Itoa(r.N), r.Due, state, r.Owner, r.Title)
			}
			return t.flush()
		},
	}
	c.Flags().BoolVar(&open, "open", false, "only the items not done")
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return c
}
