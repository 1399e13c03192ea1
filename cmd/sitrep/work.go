package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"sitrep/model"
	"sitrep/store"
)

func (a *app) breachCmd() *cobra.Command {
	var (
		subjects, records         int64
		cats, customers, subjCats []string
		proposed, mitigation      []string
		consequences              string
	)
	c := &cobra.Command{
		Use:   "breach REF [yes|no|unknown] [--customer C --subjects N --records N] [--subject-category S]... [--category C]... [--consequences T] [--proposed T]... [--mitigation T]...",
		Short: "Record breach facts: whether personal data is affected, whose, what and how much (admin)",
		Example: `  sitrep breach INC-7 yes --customer Acme --subjects 1200 --records 5400 --category name --category email
  sitrep breach INC-7 --subject-category customers --subject-category employees
  sitrep breach INC-7 --consequences "Phishing of the people affected" --proposed "Force password resets"
  sitrep breach INC-7 --customer Initech
  sitrep breach INC-7 no`,
		Args: func(cmd *cobra.Command, argv []string) error {
			if len(argv) < 1 || len(argv) > 2 {
				return usageError{model.Errorf("sitrep breach needs REF and optionally yes, no or unknown; see sitrep breach --help")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, argv []string) error {
			var f model.BreachFacts
			if len(argv) == 2 {
				b, err := model.ParseBreach(argv[1])
				if err != nil {
					return err
				}
				f.Breach = &b
			}
			fl := cmd.Flags()
			if fl.Changed("subjects") {
				f.Subjects = &subjects
			}
			if fl.Changed("records") {
				f.Records = &records
			}
			if fl.Changed("consequences") {
				f.Consequences = &consequences
			}
			f.Customers = customers
			if f.Subjects != nil || f.Records != nil {
				switch len(customers) {
				case 0:
				case 1:
					f.Customer, f.Customers = customers[0], nil
				default:
					return usageError{model.Errorf("--subjects and --records are one customer's numbers; give one --customer with them")}
				}
			}
			f.Categories, f.SubjectCategories, f.Proposed, f.Mitigation = cats, subjCats, proposed, mitigation
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.SetBreach(a.ctx, act, id, f) })
		},
	}
	fl := c.Flags()
	fl.Int64Var(&subjects, "subjects", 0, "approximate number of data subjects affected (of --customer's, or the only customer's)")
	fl.Int64Var(&records, "records", 0, "approximate number of records affected (of --customer's, or the only customer's)")
	fl.StringArrayVar(&customers, "customer", nil, "the customer whose numbers these are, or an affected customer to add (repeat)")
	fl.StringArrayVar(&subjCats, "subject-category", nil, "a category of data subjects, such as employees (repeat)")
	fl.StringArrayVar(&cats, "category", nil, "a category of personal data affected (repeat)")
	fl.StringVar(&consequences, "consequences", "", "the likely consequences of the breach")
	fl.StringArrayVar(&proposed, "proposed", nil, "a measure proposed (repeat)")
	fl.StringArrayVar(&mitigation, "mitigation", nil, "a measure to mitigate possible adverse effects on data subjects (repeat)")
	return c
}

func (a *app) contactCmd() *cobra.Command {
	var name, details string
	c := &cobra.Command{
		Use:     "contact REF --name N --details D",
		Short:   "Set the incident's point of contact for controllers (admin; default: the policy's)",
		Example: `  sitrep contact INC-7 --name "Jane Doe" --details "dpo@example.com, +31 20 123 4567"`,
		Args:    args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.SetContact(a.ctx, act, id, name, details) })
		},
	}
	c.Flags().StringVar(&name, "name", "", "the contact person's name (required)")
	c.Flags().StringVar(&details, "details", "", "how to reach them: address, phone (required)")
	c.MarkFlagRequired("name")
	c.MarkFlagRequired("details")
	return c
}

func (a *app) checkCmd() *cobra.Command {
	var (
		na, add string
		undo    bool
	)
	c := &cobra.Command{
		Use:   "check REF KEY",
		Short: "Work a checklist item: done, n/a with a reason, undo, or add one",
		Example: `  sitrep check INC-7 rotate-credentials
  sitrep check INC-7 rollback --na "no deployment in the last week"
  sitrep check INC-7 rotate-credentials --undo
  sitrep check INC-7 notify-dpo --add "Inform the data protection officer"`,
		Args: args("REF", "KEY"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("add") {
				if undo || cmd.Flags().Changed("na") {
					return usageError{model.Errorf("--add adds a new item; it does not combine with --na or --undo")}
				}
				return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.AddChecklistItem(a.ctx, act, id, argv[1], add) })
			}
			ch := model.CheckChange{Key: argv[1], NA: cmd.Flags().Changed("na"), Reason: na, Undo: undo}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Check(a.ctx, act, id, ch) })
		},
	}
	c.Flags().StringVar(&na, "na", "", "mark the item n/a, with the reason it does not apply")
	c.Flags().BoolVar(&undo, "undo", false, "set the item back to to-do")
	c.Flags().StringVar(&add, "add", "", "add KEY as a new item with this text")
	return c
}

// maxStdinText is the most standard input a text argument reads: well
// past the longest text any command takes (4,000 characters of up to 4
// bytes each), so a longer input is refused as too long, not cut.
const maxStdinText = 64 << 10

// textArg joins the text arguments; "-" reads the text from standard input.
func (a *app) textArg(what string, argv []string) (string, error) {
	if len(argv) == 1 && argv[0] == "-" {
		b, err := io.ReadAll(io.LimitReader(a.cfg.in, maxStdinText+1))
		if err != nil {
			return "", model.Errorf("cannot read the %s from standard input: %v", what, err)
		}
		if len(b) > maxStdinText {
			return "", model.Errorf("the %s on standard input is longer than %d bytes; a %s is at most %d characters", what, maxStdinText, what, model.MaxNote)
		}
		return string(b), nil
	}
	return strings.Join(argv, " "), nil
}

func textArgs(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, argv []string) error {
		if len(argv) < 2 {
			return usageError{model.Errorf("%s needs REF and the %s (quote it, or give - to read it from standard input)", cmd.CommandPath(), what)}
		}
		return nil
	}
}

// textCmd is a write that takes REF and free text (- reads standard input).
// The role is checked before standard input is read: a viewer's `note 1
// -` is refused at once, not after waiting for input that may never end.
func (a *app) textCmd(use, short, what string, action model.Action, do func(st *store.Store, act model.Actor, id int64, text string) (model.Event, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  textArgs(what),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			if err := model.Authorize(act.Role, action); err != nil {
				return err
			}
			text, err := a.textArg(what, argv[1:])
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return do(st, act, id, text) })
		},
	}
}

func (a *app) noteCmd() *cobra.Command {
	return a.textCmd("note REF TEXT", "Add a note to the timeline (TEXT - reads standard input)", "note", model.ActNote,
		func(st *store.Store, act model.Actor, id int64, text string) (model.Event, error) {
			return st.Note(a.ctx, act, id, text)
		})
}

func (a *app) updateCmd() *cobra.Command {
	var in model.UpdateInput
	c := a.textCmd("update REF TEXT [--public [--public-title T]]", "Record a status update sent on the status channel (availability incidents; admin); --public posts it on the status page", "status update", model.ActStatusUpdate,
		func(st *store.Store, act model.Actor, id int64, text string) (model.Event, error) {
			in.Text = text
			return st.PostUpdate(a.ctx, act, id, in)
		})
	c.Example = `  sitrep update INC-7 "Investigating elevated API errors"
  sitrep update INC-7 "We are investigating slow responses." --public --public-title "Degraded API performance"`
	c.Flags().BoolVar(&in.Public, "public", false, "also post it on the public status page (/status)")
	c.Flags().StringVar(&in.PublicTitle, "public-title", "", "the title customers see (the first public update needs one)")
	return c
}

func (a *app) notifyCmd() *cobra.Command {
	var in store.NotifyInput
	var at, textFile string
	c := &cobra.Command{
		Use:   "notify REF --customer NAME [--channel C] [--to ADDRESS] [--follow-up] [--text-file F]",
		Short: "Record a controller notice sent to a customer, with its exact text (admin)",
		Example: `  sitrep notify INC-7 --customer Acme --channel email --to dpo@acme.example
  sitrep notify INC-7 --customer Acme --follow-up --at -30m --text-file sent.md`,
		Args: args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			if in.SentAt, err = a.optTime(at); err != nil {
				return err
			}
			if cmd.Flags().Changed("text-file") {
				if a.remote() && textFile != "-" {
					return model.Errorf("--text-file reads a file on the server; give the text on standard input with --text-file -")
				}
				text, err := a.readTextFile(textFile)
				if err != nil {
					return err
				}
				in.Text = &text
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Notify(a.ctx, act, id, in) })
		},
	}
	c.Flags().StringVar(&in.Customer, "customer", "", "the customer (controller) notified (required)")
	c.Flags().StringVar(&in.Channel, "channel", "email", "how it was sent")
	c.Flags().StringVar(&in.To, "to", "", "the recipient's address")
	c.Flags().BoolVar(&in.FollowUp, "follow-up", false, "a follow-up to the initial notification")
	c.Flags().StringVar(&at, "at", "", "when it was sent: RFC 3339 or -30m (default now)")
	c.Flags().StringVar(&textFile, "text-file", "", "the text exactly as sent (- reads standard input; default: the current draft)")
	c.MarkFlagRequired("customer")
	return c
}

// readTextFile reads a notice's text from a file, or standard input for -.
func (a *app) readTextFile(path string) (string, error) {
	var r io.Reader = a.cfg.in
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", model.Errorf("cannot read %s: %v", path, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, model.MaxNoticeBytes+1))
	if err != nil {
		return "", model.Errorf("cannot read %s: %v", path, err)
	}
	if len(b) > model.MaxNoticeBytes {
		return "", model.Errorf("%s is longer than %d bytes; a notice is at most that", path, model.MaxNoticeBytes)
	}
	return string(b), nil
}

func (a *app) reportCmd() *cobra.Command {
	var at string
	c := &cobra.Command{
		Use:   "report REF KIND",
		Short: "Record a regulatory report submitted, for clocks met by a report such as nis2-warning (admin)",
		Args:  args("REF", "KIND"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			t, err := a.optTime(at)
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.Report(a.ctx, act, id, argv[1], t) })
		},
	}
	c.Flags().StringVar(&at, "at", "", "when it was submitted (default now)")
	return c
}

func (a *app) reviewCmd() *cobra.Command {
	var e model.ReviewEdit
	var rootCause, worked, notWorked, impact string
	c := &cobra.Command{
		Use:   "review REF [--root-cause T] [--worked T] [--not-worked T] [--impact T [--customer C]] [--complete]",
		Short: "Write the post-incident review (members); --complete marks it done (admin)",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			for _, f := range []struct {
				name string
				v    *string
				dst  **string
			}{{"root-cause", &rootCause, &e.RootCause}, {"worked", &worked, &e.Worked}, {"not-worked", &notWorked, &e.NotWorked}, {"impact", &impact, &e.Impact}} {
				if cmd.Flags().Changed(f.name) {
					*f.dst = f.v
				}
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.WriteReview(a.ctx, act, id, e) })
		},
	}
	c.Flags().StringVar(&rootCause, "root-cause", "", "the root cause")
	c.Flags().StringVar(&worked, "worked", "", "what worked")
	c.Flags().StringVar(&notWorked, "not-worked", "", "what did not work")
	c.Flags().StringVar(&impact, "impact", "", "the customer impact (of --customer's, or in general)")
	c.Flags().StringVar(&e.Customer, "customer", "", "write this affected customer's own impact (with --impact)")
	c.Flags().BoolVar(&e.Complete, "complete", false, "mark the review complete (every section written, action items owned and dated)")
	return c
}

func (a *app) actionCmd() *cobra.Command {
	c := group("action", "Review action items: add, done")
	var title, owner, due string
	add := &cobra.Command{
		Use:   "add REF --title T --owner USER --due YYYY-MM-DD",
		Short: "Add an action item to the review",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.AddActionItem(a.ctx, act, id, title, owner, due) })
		},
	}
	add.Flags().StringVar(&title, "title", "", "what is to be done (required)")
	add.Flags().StringVar(&owner, "owner", "", "who owns it (required)")
	add.Flags().StringVar(&due, "due", "", "due date, YYYY-MM-DD (required)")
	for _, f := range []string{"title", "owner", "due"} {
		add.MarkFlagRequired(f)
	}
	done := &cobra.Command{
		Use:   "done REF N",
		Short: "Mark action item N done",
		Args:  args("REF", "N"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			n, err := strconv.Atoi(argv[1])
			if err != nil || n <= 0 {
				return model.Errorf("%q is not an action item number; see sitrep show %s", argv[1], argv[0])
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			return a.incidentWrite(argv[0], func(id int64) (model.Event, error) { return st.ActionDone(a.ctx, act, id, n) })
		},
	}
	c.AddCommand(add, done)
	return c
}
