package main

import (
	"io"

	"github.com/spf13/cobra"

	"sitrep/model"
)

func (a *app) intakeCmd() *cobra.Command {
	c := group("intake", "Declare incidents from outside: intake email reads a reporter's message")
	var source, sev string
	email := &cobra.Command{
		Use:   "email [--source customer-report|researcher-report] [--sev P0..P3]",
		Short: "Declare an incident from one e-mail on standard input, as a mail server's pipe delivers it",
		Long: `Reads one RFC 5322 message on standard input and declares an incident: the title
from Subject, the summary from the plain-text body, the reporter from From, and
the detection time (which starts the acknowledgement clock) from Date. The same
Message-ID again declares nothing and names the incident it declared.`,
		Example: `  sitrep intake email --source researcher-report < report.eml
  # /etc/aliases: security: "|/usr/local/bin/sitrep --db /var/lib/sitrep/sitrep.db intake email --source researcher-report"`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := model.ParseSource(source)
			if err != nil {
				return usageError{err}
			}
			severity, err := model.ParseSeverity(sev)
			if err != nil {
				return usageError{err}
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			if err := model.Authorize(act.Role, model.ActDeclare); err != nil {
				return err
			}
			raw, err := io.ReadAll(io.LimitReader(a.cfg.in, model.MaxMailBytes+1))
			if err != nil {
				return model.Errorf("cannot read the message from standard input: %v", err)
			}
			m, err := model.ParseMail(raw)
			if err != nil {
				return err
			}
			d := model.MailDeclaration(m, severity, src, st.Clock().Now())
			id, created, err := st.IntakeReport(a.ctx, act, d, m.MessageID)
			if err != nil {
				return err
			}
			if !created {
				a.printf("%s was already declared from this message (Message-ID %s); nothing new recorded\n", model.FormatRef(id), m.MessageID)
				return nil
			}
			a.printf("%s\n", model.FormatRef(id))
			return nil
		},
	}
	email.Flags().StringVar(&source, "source", "customer-report", "where the report came from: customer-report, researcher-report, …")
	email.Flags().StringVar(&sev, "sev", string(model.P2), "severity until someone triages it")
	c.AddCommand(email)
	return c
}
