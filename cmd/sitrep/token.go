package main

import (
	"github.com/spf13/cobra"

	"sitrep/model"
)

// tokenJSON is one token in token list --json: never its secret, nor its
// hash.
type tokenJSON struct {
	Name       string  `json:"name"`
	CreatedAt  *string `json:"created_at"`
	CreatedBy  string  `json:"created_by"`
	LastUsedAt *string `json:"last_used_at"`
}

func (a *app) tokenCmd() *cobra.Command {
	c := group("token", "Bearer tokens for HTTP intake (owner): add, list, remove")
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Make a token; it is printed once and only its SHA-256 is kept",
		Example: `  sitrep token add alertmanager
  sitrep token add status-form`,
		Args: args("NAME"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			secret, ev, err := st.AddToken(a.ctx, act, argv[0])
			if err != nil {
				return err
			}
			if err := a.say(ev); err != nil {
				return err
			}
			a.printf("%s\n", secret)
			a.printf("Keep it now: sitrep keeps only its SHA-256 and cannot show it again. Send it as Authorization: Bearer TOKEN.\n")
			return nil
		},
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens: name, who made it and when, last use",
		Args:  args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			if err := model.Authorize(act.Role, model.ActTokens); err != nil {
				return err
			}
			toks, err := st.Tokens(a.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]tokenJSON, 0, len(toks))
				for _, t := range toks {
					out = append(out, tokenJSON{Name: t.Name, CreatedAt: model.JSONTime(t.CreatedAt), CreatedBy: t.CreatedBy, LastUsedAt: model.JSONTime(t.LastUsedAt)})
				}
				return a.printJSON(out)
			}
			if len(toks) == 0 {
				a.printf("No tokens yet; make one with sitrep token add NAME\n")
				return nil
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			tw := newTable(a.out, "NAME", "CREATED", "BY", "LAST USED")
			for _, t := range toks {
				used := "never"
				if !t.LastUsedAt.IsZero() {
					used = t.LastUsedAt.In(pol.Location()).Format(model.TimeFormat)
				}
				tw.row(t.Name, t.CreatedAt.In(pol.Location()).Format(model.TimeFormat), t.CreatedBy, used)
			}
			return tw.flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Revoke a token; the next request with it is refused",
		Args:  args("NAME"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			ev, err := st.RemoveToken(a.ctx, act, argv[0])
			if err != nil {
				return err
			}
			if err := a.say(ev); err != nil {
				return err
			}
			return nil
		},
	}
	c.AddCommand(add, list, remove)
	return c
}
