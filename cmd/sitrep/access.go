package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sitrep/model"
	sshd "sitrep/ssh"
	"sitrep/store"
)

// maxCAFile bounds a --trusted-user-ca file.
const maxCAFile = 1 << 20

// readTrustedCAs sets cfg's trusted user CAs from serve's
// --trusted-user-ca file, if one is given.
func readTrustedCAs(path string, cfg *sshd.Config) error {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return model.Errorf("there is no CA file %s; give the CA's public key file", model.SanitizeLine(path))
	case err != nil:
		return model.Errorf("cannot read the CA file %s; check its permissions", model.SanitizeLine(path))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	if err != nil {
		return model.Errorf("cannot read the CA file %s: %v", model.SanitizeLine(path), err)
	}
	if len(b) > maxCAFile {
		return model.Errorf("the CA file %s is over 1 MiB; give the CA's public keys only", model.SanitizeLine(path))
	}
	cas, err := model.ParseTrustedCAs(b)
	if err != nil {
		return err
	}
	cfg.TrustedUserCAs = cas
	return nil
}

// userReviewCmd is `user review`: who has access, what to look at, and
// when the next access review is due; --done records one.
func (a *app) userReviewCmd() *cobra.Command {
	var (
		asJSON, done bool
		note         string
	)
	c := &cobra.Command{
		Use:   "review [--json] [--done [--note T]]",
		Short: "Review who has access: roles, keys and their last use, flags; --done records the review (owner)",
		Example: `  sitrep user review
  sitrep user review --done --note "quarterly review: removed two leavers"`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("note") && !done {
				return usageError{model.Errorf("--note goes with --done, which records the review")}
			}
			if done {
				st, act, err := a.env()
				if err != nil {
					return err
				}
				ev, err := st.RecordAccessReview(a.ctx, act, note)
				if err != nil {
					return err
				}
				if err := a.say(ev); err != nil {
					return err
				}
				return a.printAccessDeadline(st)
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			users, err := st.Users(a.ctx)
			if err != nil {
				return err
			}
			now := st.Clock().Now()
			if asJSON {
				return a.printJSON(accessReviewJSON(users, now))
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			a.printAccessReview(users, pol, now)
			return a.printAccessDeadline(st)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of users")
	c.Flags().BoolVar(&done, "done", false, "record that the access review was done (owner)")
	c.Flags().StringVar(&note, "note", "", "what the review found or changed")
	return c
}

func (a *app) printAccessReview(users []model.User, pol model.Policy, now time.Time) {
	if len(users) == 0 {
		a.printf("No users yet; add one with sitrep user add NAME --role member --key-file KEY.pub\n")
		return
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.In(pol.Location()).Format(model.TimeFormat)
	}
	tw := newTable(a.out, "NAME", "ROLE", "LAST LOGIN", "FLAGS", "KEY", "TYPE", "ADDED", "LAST USED")
	for _, u := range users {
		flags := strings.Join(model.AccessFlags(u, now), ",")
		if flags == "" {
			flags = "-"
		}
		if len(u.Keys) == 0 {
			tw.row(u.Name, string(u.Role), when(u.LastLoginAt), flags, "(none: cannot log in with a key)", "", "", "")
			continue
		}
		for i, k := range u.Keys {
			used := when(k.LastUsedAt)
			if model.KeyStale(k, now) {
				used += " (stale)"
			}
			if i == 0 {
				tw.row(u.Name, string(u.Role), when(u.LastLoginAt), flags, k.Fingerprint, k.Type, when(k.AddedAt), used)
			} else {
				tw.row("", "", "", "", k.Fingerprint, k.Type, when(k.AddedAt), used)
			}
		}
	}
	tw.flush()
}

// printAccessDeadline says when the last access review was and when the
// next is due, overdue once passed.
func (a *app) printAccessDeadline(st *store.Store) error {
	pol, err := st.Policy(a.ctx)
	if err != nil {
		return err
	}
	users, err := st.Users(a.ctx)
	if err != nil {
		return err
	}
	last, ok, err := st.LastAccessReview(a.ctx)
	if err != nil {
		return err
	}
	if ok {
		a.printf("Last access review: %s by %s\n", last.Time.In(pol.Location()).Format(model.TimeFormat), last.Actor)
	} else {
		a.printf("No access review recorded yet.\n")
	}
	d, has := model.AccessReviewDeadline(pol, last.Time, users, st.Clock().Now())
	if !has {
		return nil
	}
	due := d.DueAt.In(pol.Location()).Format(model.TimeFormat)
	if d.State == model.Missed {
		a.printf("Access review OVERDUE: due %s (%s); record it with sitrep user review --done --note T\n", due, model.FormatCountdown(d))
		return nil
	}
	a.printf("Next access review due %s (in %s, every %d days)\n", due, model.FormatCountdown(d), pol.AccessReviewDays)
	return nil
}

type accessKeyJSON struct {
	Fingerprint string  `json:"fingerprint"`
	Type        string  `json:"type"`
	Comment     string  `json:"comment"`
	AddedAt     *string `json:"added_at"`
	LastUsedAt  *string `json:"last_used_at"`
	Stale       bool    `json:"stale"`
}

type accessUserJSON struct {
	Name      string          `json:"name"`
	Role      string          `json:"role"`
	Keys      []accessKeyJSON `json:"keys"`
	LastLogin *string         `json:"last_login"`
	Flags     []string        `json:"flags"`
}

func accessReviewJSON(users []model.User, now time.Time) []accessUserJSON {
	out := make([]accessUserJSON, 0, len(users))
	for _, u := range users {
		j := accessUserJSON{Name: u.Name, Role: string(u.Role), Keys: []accessKeyJSON{}, LastLogin: model.JSONTime(u.LastLoginAt), Flags: model.AccessFlags(u, now)}
		for _, k := range u.Keys {
			j.Keys = append(j.Keys, accessKeyJSON{k.Fingerprint, k.Type, k.Comment, model.JSONTime(k.AddedAt), model.JSONTime(k.LastUsedAt), model.KeyStale(k, now)})
		}
		out = append(out, j)
	}
	return out
}
