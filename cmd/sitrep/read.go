package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sitrep/model"
	"sitrep/store"
)

func (a *app) draftCmd() *cobra.Command {
	var req model.DraftRequest
	c := &cobra.Command{
		Use:   "draft REF [--customer C] [--follow-up]",
		Short: "Print one controller's notice (Markdown), unknowns listed to follow",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			inc, pol, now, err := a.incident(argv[0])
			if err != nil {
				return err
			}
			d, err := model.MakeDraft(inc, pol, req, now)
			if err != nil {
				return err
			}
			a.banner()
			a.printf("%s", d.Text)
			return nil
		},
	}
	c.Flags().StringVar(&req.Customer, "customer", "", "the customer (controller) the notice is for; needed when there are several")
	c.Flags().BoolVar(&req.FollowUp, "follow-up", false, "a follow-up to the customer's last notice (the default once one is recorded)")
	return c
}

func (a *app) noticeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "notice REF N",
		Short: "Print the N-th notice recorded for an incident exactly as it was sent",
		Args:  args("REF", "N"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			id, err := ref(argv[0])
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(argv[1])
			if err != nil || n <= 0 {
				return model.Errorf("%q is not a notice number; see the notifications in sitrep show %s", argv[1], argv[0])
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			no, err := st.Notice(a.ctx, id, n)
			if err != nil {
				return err
			}
			// Byte for byte as sent: no banner, no sanitising, no newline added.
			a.printf("%s", no.Text)
			return nil
		},
	}
}

func (a *app) timelineCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "timeline REF",
		Short: "Print an incident's timeline",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			id, err := ref(argv[0])
			if err != nil {
				return err
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			evs, err := st.Timeline(a.ctx, id)
			if err != nil {
				return err
			}
			return a.printEvents(evs, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return c
}

func (a *app) auditCmd() *cobra.Command {
	var (
		asJSON bool
		since  string
		q      store.EventQuery
	)
	c := &cobra.Command{
		Use:   "audit [--since TIME] [--actor NAME] [--action ACTION]",
		Short: "Print the audit log: every write, who, when, from where",
		Example: `  sitrep audit --since 2026-12-05
  sitrep audit --actor alice --action login --json`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if q.Action != "" && !actionName.MatchString(q.Action) {
				return usageError{model.Errorf("--action takes an event action such as note, login or user_add")}
			}
			if since != "" {
				now, err := a.now()
				if err != nil {
					return err
				}
				if q.Since, err = model.ParseTime(since, now); err != nil {
					return err
				}
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			p, err := a.eventPrinter(asJSON)
			if err != nil {
				return err
			}
			if err := st.AuditPages(a.ctx, q, p.print); err != nil {
				return err
			}
			return p.end()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	c.Flags().StringVar(&since, "since", "", "only events at or after this time: RFC 3339, a date, or -24h")
	c.Flags().StringVar(&q.Actor, "actor", "", "only events by this user (or exercise)")
	c.Flags().StringVar(&q.Action, "action", "", "only events of this action (note, login, user_add, ...)")
	return c
}

// actionName is what an event action looks like.
var actionName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (a *app) printEvents(evs []model.Event, asJSON bool) error {
	p, err := a.eventPrinter(asJSON)
	if err != nil {
		return err
	}
	if err := p.print(evs); err != nil {
		return err
	}
	return p.end()
}

// events prints events as they come, a page at a time: text lines, or a
// JSON array written element by element, the same text as the encoder
// gives for the whole array.
type events struct {
	a      *app
	asJSON bool
	loc    *time.Location
	// exercise: each time says whether it is the game's or real.
	exercise bool
	n        int
	el       bytes.Buffer
}

func (a *app) eventPrinter(asJSON bool) (*events, error) {
	p := &events{a: a, asJSON: asJSON}
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	pol, err := st.Policy(a.ctx)
	if err != nil {
		return nil, err
	}
	p.loc = pol.Location()
	p.exercise = st.IsExercise()
	if asJSON {
		return p, nil
	}
	a.banner()
	return p, nil
}

func (p *events) print(evs []model.Event) error {
	for _, e := range evs {
		if p.asJSON {
			p.el.Reset()
			enc := json.NewEncoder(&p.el)
			enc.SetIndent("  ", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(e.ToJSON(p.loc)); err != nil {
				return err
			}
			sep := ",\n  "
			if p.n == 0 {
				sep = "[\n  "
			}
			p.a.printf("%s%s", sep, bytes.TrimSuffix(p.el.Bytes(), []byte("\n")))
		} else {
			text := model.SanitizeLines(e.Text(p.loc))
			at := e.Time.In(p.loc).Format(model.TimeFormat)
			if p.exercise {
				at += map[bool]string{true: " game", false: " real"}[e.GameTime()]
			}
			p.a.printf("%6d  %s  %s (%s)  %s\n", e.Seq, at, e.Actor, e.Source, text[0])
			for _, l := range text[1:] {
				p.a.printf("%8s%s\n", "", l) // under the sequence number's column, indented
			}
		}
		p.n++
		if p.a.out.err != nil {
			return model.Errorf("cannot write the output: %v", p.a.out.err)
		}
	}
	return nil
}

func (p *events) end() error {
	if p.asJSON {
		if p.n == 0 {
			p.a.printf("[]\n")
		} else {
			p.a.printf("\n]\n")
		}
	}
	return nil
}

// exportJSON is the incident file in JSON: the incident and its timeline.
type exportJSON struct {
	model.IncidentJSON
	Exercise bool              `json:"exercise"` // from an exercise database: not a real incident
	Timeline []model.EventJSON `json:"timeline"`
}

func (a *app) exportCmd() *cobra.Command {
	var format, forCustomer string
	c := &cobra.Command{
		Use:   "export REF [--format md|json] [--for CUSTOMER]",
		Short: "Export the incident file, or with --for one customer's portion of the review (recorded)",
		Args:  args("REF"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if format != "md" && format != "json" {
				return usageError{model.Errorf("--format %q is not known; use md or json", format)}
			}
			if cmd.Flags().Changed("for") {
				if format != "md" {
					return usageError{model.Errorf("--for prints Markdown for the customer; leave out --format json")}
				}
				id, err := ref(argv[0])
				if err != nil {
					return err
				}
				st, act, err := a.env()
				if err != nil {
					return err
				}
				if strings.TrimSpace(forCustomer) == "" {
					return usageError{model.Errorf("--for needs the customer's name")}
				}
				text, _, err := st.SharePIR(a.ctx, act, id, forCustomer)
				if err != nil {
					return err
				}
				a.banner()
				a.printf("%s", text)
				return nil
			}
			inc, pol, now, err := a.incident(argv[0])
			if err != nil {
				return err
			}
			evs, err := a.st.Timeline(a.ctx, inc.ID)
			if err != nil {
				return err
			}
			if format == "json" {
				out := exportJSON{IncidentJSON: inc.ToJSON(pol, now, true), Exercise: a.st.IsExercise(), Timeline: []model.EventJSON{}}
				for _, e := range evs {
					out.Timeline = append(out.Timeline, e.ToJSON(pol.Location()))
				}
				return a.printJSON(out)
			}
			a.banner()
			a.printf("%s", model.ExportMarkdown(inc, pol, evs, now))
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "md", "md or json")
	c.Flags().StringVar(&forCustomer, "for", "", "one affected customer's portion of the review, as the reference promises on request")
	return c
}
