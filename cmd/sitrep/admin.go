package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"sitrep/model"
)

func (a *app) userCmd() *cobra.Command {
	c := group("user", "Users and their SSH keys (owner)")
	var (
		role    string
		keys    []string
		keyFile string
		asJSON  bool
	)
	add := &cobra.Command{
		Use:   "add NAME --role R [--key KEY | --key-file F]",
		Short: "Add a user with a role: viewer, member, admin or owner",
		Example: `  sitrep user add alice --role admin --key-file ~/.ssh/id_ed25519.pub
  sitrep user add wallboard --role viewer --key "ssh-ed25519 AAAA... wall"`,
		Args: args("NAME"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			r, err := model.ParseRole(role)
			if err != nil {
				return err
			}
			if keyFile != "" {
				if a.remote() {
					return model.Errorf("--key-file reads a file on the server; over SSH give --key with the key's text")
				}
				fk, err := readKeyFile(keyFile)
				if err != nil {
					return err
				}
				keys = append(keys, fk...)
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			ev, err := st.AddUser(a.ctx, act, argv[0], r, keys)
			if err != nil {
				return err
			}
			return a.say(ev)
		},
	}
	add.Flags().StringVar(&role, "role", "", "viewer, member, admin or owner (required)")
	add.Flags().StringArrayVar(&keys, "key", nil, "an SSH public key, as in a .pub file (repeat)")
	add.Flags().StringVar(&keyFile, "key-file", "", "a file of SSH public keys, one per line")
	add.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "List users, roles, key fingerprints and last login",
		Args:  args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store()
			if err != nil {
				return err
			}
			users, err := st.Users(a.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(usersJSON(users))
			}
			pol, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			if len(users) == 0 {
				a.printf("No users yet; add one with sitrep user add NAME --role member --key-file KEY.pub\n")
				return nil
			}
			tw := newTable(a.out, "NAME", "ROLE", "LAST LOGIN", "KEYS")
			for _, u := range users {
				login := "never"
				if !u.LastLoginAt.IsZero() {
					login = u.LastLoginAt.In(pol.Location()).Format(model.TimeFormat)
				}
				fps := make([]string, 0, len(u.Keys))
				for _, k := range u.Keys {
					fps = append(fps, k.Fingerprint)
				}
				if len(fps) == 0 {
					fps = []string{"(none: cannot log in over SSH)"}
				}
				tw.row(u.Name, string(u.Role), login, strings.Join(fps, " "))
			}
			return tw.flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")

	var handoverTo string
	remove := &cobra.Command{
		Use:   "remove NAME [--handover-to USER]",
		Short: "Remove a user; their keys stop working and their open sessions end at once",
		Long: `Remove a user; their keys stop working at once. A user who commands an
active incident is removed only with --handover-to naming the new
commander, who takes over each of those incidents (recorded).`,
		Args: args("NAME"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			ev, err := st.RemoveUser(a.ctx, act, argv[0], handoverTo)
			if err != nil {
				return err
			}
			return a.say(ev)
		},
	}
	roleCmd := &cobra.Command{
		Use:     "role NAME ROLE",
		Short:   "Give a user another role; their open sessions follow at once",
		Example: `  sitrep user role alice member`,
		Args:    args("NAME", "ROLE"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			r, err := model.ParseRole(argv[1])
			if err != nil {
				return err
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			ev, err := st.SetUserRole(a.ctx, act, argv[0], r)
			if err != nil {
				return err
			}
			if err := a.say(ev); err != nil {
				return err
			}
			return nil
		},
	}
	remove.Flags().StringVar(&handoverTo, "handover-to", "", "the user who takes over the incidents NAME commands")
	key := group("key", "Manage a user's keys")
	keyAdd := &cobra.Command{
		Use:   "add NAME KEY",
		Short: "Add an SSH public key to a user",
		Args:  args("NAME", "KEY"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			st, act, err := a.env()
			if err != nil {
				return err
			}
			ev, err := st.AddUserKey(a.ctx, act, argv[0], argv[1])
			if err != nil {
				return err
			}
			return a.say(ev)
		},
	}
	key.AddCommand(keyAdd)
	c.AddCommand(add, list, remove, roleCmd, key, a.userReviewCmd())
	return c
}

func readKeyFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, model.Errorf("there is no key file %s", path)
	case err != nil:
		return nil, model.Errorf("cannot read the key file %s; check its permissions", path)
	}
	var keys []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			keys = append(keys, line)
		}
	}
	if len(keys) == 0 {
		return nil, model.Errorf("the key file %s holds no key", path)
	}
	return keys, nil
}

type userJSON struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Keys      []keyJSON `json:"keys"`
	CreatedAt *string   `json:"created_at"`
	LastLogin *string   `json:"last_login"`
}

type keyJSON struct {
	Fingerprint string `json:"fingerprint"`
	Type        string `json:"type"`
	Comment     string `json:"comment"`
}

func usersJSON(users []model.User) []userJSON {
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		j := userJSON{Name: u.Name, Role: string(u.Role), Keys: []keyJSON{}, CreatedAt: model.JSONTime(u.CreatedAt), LastLogin: model.JSONTime(u.LastLoginAt)}
		for _, k := range u.Keys {
			j.Keys = append(j.Keys, keyJSON{k.Fingerprint, k.Type, k.Comment})
		}
		out = append(out, j)
	}
	return out
}

func (a *app) policyCmd() *cobra.Command {
	c := group("policy", "Business hours, regulatory clocks, contact (show; set: owner)")
	var asJSON bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the policy deadlines are computed from",
		Args:  args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store()
			if err != nil {
				return err
			}
			p, err := st.Policy(a.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				a.printf("%s\n", p.JSON())
				return nil
			}
			a.printf("%s", p.Summary())
			return nil
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print the policy as JSON (what policy set --file takes)")

	var (
		tz, days, hours, file       string
		contactName, contactDetails string
		followUpHours               int
		retentionDays               int
		holidays, addHol, rmHol     []string
		enable, disable             []string
		ackIn, ackOut, reviewDays   int
		skRoles                     string
		accessReviewDays            int
		postmortemDays, rto, rpo    int
		cadence                     string
	)
	set := &cobra.Command{
		Use:   "set [flags]",
		Short: "Change the policy; only the flags given change",
		Example: `  sitrep policy set --timezone Europe/Amsterdam --days mon-fri --hours 09:00-17:00
  sitrep policy set --add-holiday 2026-12-25 --add-holiday 2026-12-26
  sitrep policy set --enable dora --rto-hours 2 --status-update-minutes P0=15,P1=30
  sitrep policy set --enable nis2 --contact-name "Jane Doe" --contact-details "security@example.com, +31 20 123 4567"
  sitrep policy show --json > p.json; $EDITOR p.json; sitrep policy set --file p.json`,
		Args: args(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The global flags (--db, --as) say where and who, not what
			// to change.
			fl := cmd.Flags()
			changes := 0
			fl.Visit(func(f *pflag.Flag) {
				if cmd.LocalFlags().Lookup(f.Name) != nil {
					changes++
				}
			})
			if changes == 0 {
				return usageError{model.Errorf("give at least one change; see sitrep policy set --help")}
			}
			var fromFile *model.Policy
			if file != "" {
				if changes > 1 {
					return usageError{model.Errorf("--file replaces the whole policy; give it alone")}
				}
				if a.remote() {
					return model.Errorf("--file reads a file on the server; run it locally")
				}
				b, err := os.ReadFile(file)
				if err != nil {
					return model.Errorf("cannot read %s: %v", file, err)
				}
				p, err := model.ParsePolicy(b)
				if err != nil {
					return err
				}
				fromFile = &p
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			p, err := st.SetPolicy(a.ctx, act, func(p *model.Policy) (string, error) {
				if fromFile != nil {
					*p = *fromFile
					return "replaced from " + file, nil
				}
				var ch []string
				bh := &p.BusinessHours
				if fl.Changed("timezone") {
					bh.TimeZone = tz
					ch = append(ch, "time zone "+tz)
				}
				if fl.Changed("days") {
					d, err := parseDays(days)
					if err != nil {
						return "", err
					}
					bh.Days = d
					ch = append(ch, "days "+strings.Join(d, ","))
				}
				if fl.Changed("hours") {
					open, closing, ok := strings.Cut(hours, "-")
					if !ok {
						return "", model.Errorf("--hours %q is not a range; write it as 09:00-17:00", hours)
					}
					bh.Open, bh.Close = strings.TrimSpace(open), strings.TrimSpace(closing)
					ch = append(ch, "hours "+hours)
				}
				if fl.Changed("holidays") {
					bh.Holidays = slices.Clone(holidays)
					ch = append(ch, "holidays "+strings.Join(holidays, ","))
				}
				for _, h := range addHol {
					bh.Holidays = append(bh.Holidays, h)
					ch = append(ch, "holiday "+h+" added")
				}
				for _, h := range rmHol {
					i := slices.Index(bh.Holidays, h)
					if i < 0 {
						return "", model.Errorf("%s is not a holiday in the policy", h)
					}
					bh.Holidays = slices.Delete(bh.Holidays, i, i+1)
					ch = append(ch, "holiday "+h+" removed")
				}
				if fl.Changed("ack-inside") {
					p.AckInside = model.Minutes(ackIn)
					ch = append(ch, fmt.Sprintf("ack inside business hours %d min", ackIn))
				}
				if fl.Changed("ack-outside") {
					p.AckOutside = model.Minutes(ackOut)
					ch = append(ch, fmt.Sprintf("ack outside business hours %d min", ackOut))
				}
				if fl.Changed("review-days") {
					p.ReviewDays = reviewDays
					ch = append(ch, fmt.Sprintf("review within %d days", reviewDays))
				}
				if fl.Changed("contact-name") {
					p.ContactName = contactName
					ch = append(ch, "contact name")
				}
				if fl.Changed("contact-details") {
					p.ContactDetails = contactDetails
					ch = append(ch, "contact details")
				}
				if fl.Changed("follow-up-hours") {
					if followUpHours <= 0 {
						return "", model.Errorf("--follow-up-hours must be a positive number of hours")
					}
					p.FollowUpHours = followUpHours
					ch = append(ch, fmt.Sprintf("follow-up within %d h", followUpHours))
				}
				if fl.Changed("require-security-key") {
					roles, err := model.ParseRoles(skRoles)
					if err != nil {
						return "", err
					}
					p.RequireSecurityKey = roles
					ch = append(ch, "security keys required for "+skRoles)
				}
				if fl.Changed("access-review-days") {
					if accessReviewDays <= 0 {
						return "", model.Errorf("--access-review-days must be a positive number of days")
					}
					p.AccessReviewDays = accessReviewDays
					ch = append(ch, fmt.Sprintf("access review every %d days", accessReviewDays))
				}
				if fl.Changed("retention-days") {
					p.RetentionDays = retentionDays
					if retentionDays == 0 {
						ch = append(ch, "no retention")
					} else {
						ch = append(ch, fmt.Sprintf("retention %d days after closing", retentionDays))
					}
				}
				for _, d := range []struct {
					flag, what string
					v          int
					dst        *int
				}{{"postmortem-days", "post-mortem within %d days", postmortemDays, &p.PostmortemDays},
					{"rto-hours", "restore within %d h (RTO)", rto, &p.RTOHours},
					{"rpo-hours", "lose at most %d h of data (RPO)", rpo, &p.RPOHours}} {
					if fl.Changed(d.flag) {
						if d.v <= 0 {
							return "", model.Errorf("--%s must be a positive number", d.flag)
						}
						*d.dst = d.v
						ch = append(ch, fmt.Sprintf(d.what, d.v))
					}
				}
				if fl.Changed("status-update-minutes") {
					m, err := model.ParseCadence(cadence)
					if err != nil {
						return "", err
					}
					p.StatusUpdateMinutes = m
					ch = append(ch, "status updates "+cadence)
				}
				sets := model.RegulationSets()
				for _, name := range enable {
					clocks, ok := sets[name]
					if !ok {
						return "", model.Errorf("%q is not a regulation sitrep knows; use nis2 or dora, or --file for your own clocks", name)
					}
					for _, c := range clocks {
						if _, dup := p.Clock(c.Kind); dup {
							return "", model.Errorf("%s is already enabled", name)
						}
					}
					p.Clocks = append(p.Clocks, clocks...)
					ch = append(ch, name+" enabled")
				}
				for _, name := range disable {
					if name == "gdpr" {
						return "", model.Errorf("the GDPR Art. 33 clock is built in and cannot be disabled")
					}
					n := len(p.Clocks)
					p.Clocks = slices.DeleteFunc(p.Clocks, func(c model.RegClock) bool { return c.Set == name })
					if len(p.Clocks) == n {
						return "", model.Errorf("%s is not enabled", name)
					}
					ch = append(ch, name+" disabled")
				}
				return strings.Join(ch, "; "), nil
			})
			if err != nil {
				return err
			}
			a.printf("%s", p.Summary())
			users, err := st.Users(a.ctx)
			if err != nil {
				return err
			}
			for _, u := range p.LockedOut(users) {
				a.printf("%s (%s) has no security key, so cannot sign in over SSH until one is added: sitrep user key add %s KEY\n", u.Name, u.Role, u.Name)
			}
			return nil
		},
	}
	f := set.Flags()
	f.StringVar(&tz, "timezone", "", "IANA time zone of business hours, e.g. Europe/Amsterdam")
	f.StringVar(&days, "days", "", "business days: mon-fri, or a list such as mon,tue,wed")
	f.StringVar(&hours, "hours", "", "business hours, e.g. 09:00-17:00 (opening inside, closing outside)")
	f.StringSliceVar(&holidays, "holidays", nil, "replace the holiday list (YYYY-MM-DD, comma-separated)")
	f.StringArrayVar(&addHol, "add-holiday", nil, "add a holiday date (repeat)")
	f.StringArrayVar(&rmHol, "remove-holiday", nil, "remove a holiday date (repeat)")
	f.IntVar(&ackIn, "ack-inside", 0, "minutes to acknowledge inside business hours")
	f.IntVar(&ackOut, "ack-outside", 0, "minutes to acknowledge outside business hours")
	f.IntVar(&reviewDays, "review-days", 0, "days after resolution the P0/P1 review is due")
	f.StringVar(&contactName, "contact-name", "", "point of contact named in notices: a person's name")
	f.StringVar(&contactDetails, "contact-details", "", "how controllers reach the point of contact: address, phone")
	f.IntVar(&followUpHours, "follow-up-hours", 0, "hours after a notice that left fields unknown that the follow-up is due (default 48)")
	f.StringVar(&skRoles, "require-security-key", "", "roles that may sign in only with a FIDO2 security key, e.g. admin,owner (none: no role)")
	f.IntVar(&accessReviewDays, "access-review-days", 0, "days between access reviews (default 91)")
	f.IntVar(&retentionDays, "retention-days", 0, "days after closing that sitrep purge removes an incident (0: keep for ever)")
	f.IntVar(&postmortemDays, "postmortem-days", 0, "days after resolution an availability incident's post-mortem is due (default 14)")
	f.IntVar(&rto, "rto-hours", 0, "recovery time objective: hours from detection to restore service (default 4)")
	f.IntVar(&rpo, "rpo-hours", 0, "recovery point objective: hours of data that may be lost (default 1)")
	f.StringVar(&cadence, "status-update-minutes", "", "status-update interval per severity of availability incidents, e.g. P0=30,P1=60 (none: no cadence)")
	f.StringArrayVar(&enable, "enable", nil, "enable a regulation's clocks: nis2, dora")
	f.StringArrayVar(&disable, "disable", nil, "disable a regulation's clocks: nis2, dora")
	f.StringVar(&file, "file", "", "replace the whole policy with this JSON file (see policy show --json)")
	c.AddCommand(show, set)
	return c
}

var dayOrder = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// parseDays reads mon-fri or mon,tue,wed.
func parseDays(v string) ([]string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if from, to, ok := strings.Cut(v, "-"); ok {
		i, j := slices.Index(dayOrder, from), slices.Index(dayOrder, to)
		if i < 0 || j < 0 || i > j {
			return nil, model.Errorf("--days %q is not a range of days such as mon-fri", v)
		}
		return slices.Clone(dayOrder[i : j+1]), nil
	}
	var out []string
	for _, d := range strings.Split(v, ",") {
		d = strings.TrimSpace(d)
		if !slices.Contains(dayOrder, d) {
			return nil, model.Errorf("%q is not a day; use mon, tue, wed, thu, fri, sat or sun", d)
		}
		out = append(out, d)
	}
	return out, nil
}
