package main

import (
	"strings"

	"github.com/spf13/cobra"

	"sitrep/model"
)

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "sitrep",
		Short: "Incident command console: open incidents, deadlines, checklists, notifications",
		Long: `sitrep keeps the shared picture of an incident: which incidents are open, how
severe, who commands each, what containment is done, and how long is left
before customers must be notified (GDPR Art. 33: 72 hours from awareness).`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          a.runConsole,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		msg := err.Error()
		// pflag appends the parser's own error ("strconv.ParseInt: ..."),
		// which says nothing more to a user.
		if i := strings.Index(msg, " flag: "); strings.HasPrefix(msg, "invalid argument") && i > 0 {
			msg = msg[:i+len(" flag")]
		}
		return usageError{model.Errorf("%s; see %s --help", msg, c.CommandPath())}
	})
	if !a.remote() {
		root.PersistentFlags().StringVar(&a.dbFlag, "db", "", "database file (env SITREP_DB; default $XDG_DATA_HOME/sitrep/sitrep.db)")
		root.PersistentFlags().StringVar(&a.asFlag, "as", "", "act as this user name (default $USER)")
	}
	root.AddGroup(&cobra.Group{ID: "inc", Title: "Incidents:"}, &cobra.Group{ID: "work", Title: "Working an incident:"},
		&cobra.Group{ID: "read", Title: "Reading:"}, &cobra.Group{ID: "admin", Title: "Administration:"})
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add("inc", a.declareCmd(), a.intakeCmd(), a.listCmd(), a.showCmd(),
		a.transitionCmd("ack", "Acknowledge an incident", model.Acknowledged),
		a.transitionCmd("contain", "Mark an incident contained", model.Contained),
		a.transitionCmd("resolve", "Mark an incident resolved", model.Resolved),
		a.transitionCmd("close", "Close an incident once its gates pass: breach known, clocks met, P0/P1 commander and review", model.Closed),
		a.reopenCmd(), a.assignCmd(), a.sevCmd(), a.editCmd(), a.deleteCmd())
	add("work", a.breachCmd(), a.awareCmd(), a.checkCmd(), a.noteCmd(), a.notifyCmd(), a.contactCmd(), a.updateCmd(), a.reportCmd(),
		a.reviewCmd(), a.actionCmd(), a.postmortemCmd(), a.restoredCmd(), a.classifyCmd())
	add("read", a.draftCmd(), a.noticeCmd(), a.actionsCmd(), a.timelineCmd(), a.auditCmd(), a.exportCmd(), a.wallCmd())
	add("admin", a.userCmd(), a.tokenCmd(), a.policyCmd(), a.exerciseCmd(), a.purgeCmd())
	if !a.remote() {
		add("admin", a.backupCmd(), a.restoreCmd(), a.serveCmd())
	}
	return root
}
