package main

import (
	"github.com/spf13/cobra"

	"sitrep/model"
)

func (a *app) purgeCmd() *cobra.Command {
	var dryRun bool
	c := &cobra.Command{
		Use:   "purge [--dry-run]",
		Short: "Hard-delete incidents closed longer ago than the policy's retention (owner)",
		Long: `Hard-delete the incidents closed longer ago than the policy's retention_days
(policy set --retention-days N), with their checklist, notices, review and
events. An incident with a deadline still open is never purged. One purge
event remains in the audit, with the refs and counts, not the content.
--dry-run lists what would go and writes nothing.`,
		Example: `  sitrep policy set --retention-days 365
  sitrep purge --dry-run
  sitrep purge`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			plan, ev, err := st.Purge(a.ctx, act, dryRun)
			if err != nil {
				return err
			}
			refs := func(l []*model.Incident) string {
				s := ""
				for i, inc := range l {
					if i > 0 {
						s += ", "
					}
					s += inc.Ref()
				}
				return s
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			cutoff := plan.Cutoff.In(pol.Location()).Format(model.TimeFormat)
			switch {
			case len(plan.Purge) == 0:
				a.printf("nothing to purge: no incident closed before %s without an open deadline\n", cutoff)
			case dryRun:
				a.printf("would purge %d incident(s) closed before %s: %s\n", len(plan.Purge), cutoff, refs(plan.Purge))
			default:
				if err := a.say(ev); err != nil {
					return err
				}
			}
			if len(plan.Held) > 0 {
				a.printf("kept, a deadline still open: %s\n", refs(plan.Held))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be purged; write nothing")
	return c
}
