package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sitrep/model"
	"sitrep/store"
)

// config is where a command line runs: locally (store and actor nil: from
// --db and --as) or for an SSH session (both fixed by the server).
type config struct {
	store       *store.Store
	actor       *model.Actor
	in          io.Reader
	out, errOut io.Writer
}

// app is one command line's run: its flags, store and buffered output.
type app struct {
	ctx    context.Context
	cfg    config
	dbFlag string
	asFlag string
	// storeOpts are the options the database is opened with (serve
	// --replicate hands checkpoints to Litestream).
	storeOpts []store.Option
	st        *store.Store
	opened    bool
	out       *output // sanitised; held until it is large or the command succeeds
}

// usageError marks a mistake in how a command was called.
type usageError struct{ error }

// Exit codes.
const (
	exitOK      = 0
	exitRefused = 1 // the command was understood and refused or failed
	exitUsage   = 2
)

// execute runs one command line and returns its exit status. Output is
// written only when the command succeeds, unless it is long (then it
// streams, see output); an error is one sentence on errOut.
func execute(ctx context.Context, cfg config, args []string) int {
	a := &app{ctx: ctx, cfg: cfg, out: &output{w: cfg.out}}
	root := a.rootCmd()
	if a.remote() && completionRequest(root, args) {
		// Cobra's hidden completion command writes its diagnostics,
		// with the client's words in them, to the server's own stderr.
		fmt.Fprintln(cfg.errOut, "sitrep: shell completion is not served over SSH; see sitrep --help")
		return exitUsage
	}
	root.SetArgs(args)
	root.SetIn(cfg.in)
	root.SetOut(a.out)
	root.SetErr(cfg.errOut)
	cmd, err := root.ExecuteContextC(ctx)
	err = cobraUsage(cmd, err)
	if err == nil {
		// Text output carries what users typed: output strips anything
		// that could act on a terminal. JSON is already escaped.
		if werr := a.out.flush(true); werr != nil {
			err = model.Errorf("cannot write the output: %v", werr)
		}
	}
	if a.opened {
		if cerr := a.st.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		msg := err.Error()
		var me *model.Error
		if !errors.As(err, &me) {
			msg = strings.TrimSuffix(msg, ".")
		}
		fmt.Fprintf(cfg.errOut, "sitrep: %s\n", model.SanitizeLine(msg))
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitRefused
	}
	return exitOK
}

// completionRequest reports whether cobra would run its hidden shell
// completion command (__complete or __completeNoDesc) for args: it adds
// that command to the tree only when it is called, wherever flags put it.
func completionRequest(root *cobra.Command, args []string) bool {
	probe := &cobra.Command{Use: cobra.ShellCompRequestCmd, Aliases: []string{cobra.ShellCompNoDescRequestCmd},
		Hidden: true, DisableFlagParsing: true, Run: func(*cobra.Command, []string) {}}
	root.AddCommand(probe)
	defer root.RemoveCommand(probe)
	c, _, err := root.Find(args)
	return err == nil && c == probe
}

// cobraUsage turns cobra's own complaints (unknown command, missing
// required flag, bad flag value) into usage errors that say where to look.
func cobraUsage(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	var ue usageError
	var me *model.Error
	if errors.As(err, &ue) || errors.As(err, &me) {
		return err
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "required flag", "unknown flag", "unknown shorthand", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(msg, p) {
			path := "sitrep"
			if cmd != nil {
				path = cmd.CommandPath()
			}
			return usageError{model.Errorf("%s; see %s --help", msg, path)}
		}
	}
	return err
}

// group is a command that only holds subcommands: alone it prints its
// help; with an unknown subcommand it says so.
func group(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, argv []string) error {
			if len(argv) > 0 {
				return usageError{model.Errorf("unknown command %q for %q; see %s --help", argv[0], cmd.CommandPath(), cmd.CommandPath())}
			}
			return cmd.Help()
		},
	}
}

func (a *app) remote() bool { return a.cfg.actor != nil }

// say prints an event's sentence, its times in the policy's zone.
func (a *app) say(ev model.Event) error {
	st, err := a.store()
	if err != nil {
		return err
	}
	pol, err := st.Policy(a.ctx)
	if err != nil {
		return err
	}
	a.printf("%s\n", ev.Text(pol.Location()))
	return nil
}

// store opens the database on first use.
func (a *app) store() (*store.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	if a.cfg.store != nil {
		a.st = a.cfg.store
		return a.st, nil
	}
	path := a.dbFlag
	if path == "" {
		path = os.Getenv("SITREP_DB")
	}
	if path == "" {
		var err error
		if path, err = store.DefaultPath(); err != nil {
			return nil, err
		}
	}
	st, err := store.Open(a.ctx, path, a.storeOpts...)
	if err != nil {
		return nil, err
	}
	a.st, a.opened = st, true
	// On an exercise, whichever process looks first fires the injects the
	// simulated clock has passed; a failure here is for exercise status to
	// report, not a reason to refuse reading.
	_, _ = st.FireDue(a.ctx)
	return st, nil
}

// actor is who this command line acts as: the SSH session's user, or the
// local user with owner rights (whoever can write the file could change it
// anyway), recorded with their host.
func (a *app) actor() (model.Actor, error) {
	if a.cfg.actor != nil {
		return *a.cfg.actor, nil
	}
	name := a.asFlag
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		return model.Actor{}, model.Errorf("cannot tell who you are; give --as NAME")
	}
	name, err := model.CleanUserName(name)
	if err != nil {
		return model.Actor{}, err
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return model.Actor{Name: name, Role: model.Owner, Source: "local:" + name + "@" + model.SanitizeLine(host)}, nil
}

// env opens the store and names the actor: what every command needs.
func (a *app) env() (*store.Store, model.Actor, error) {
	st, err := a.store()
	if err != nil {
		return nil, model.Actor{}, err
	}
	act, err := a.actor()
	return st, act, err
}

func (a *app) printf(format string, args ...any) { fmt.Fprintf(a.out, format, args...) }

// banner marks text output from an exercise database, so nothing printed
// from one can be taken for a real incident.
func (a *app) banner() {
	if a.st != nil && a.st.IsExercise() {
		a.printf("EXERCISE · simulated time %s\n\n", a.st.Clock().Now().UTC().Format(time.RFC3339))
	}
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// args checks positional arguments and says what was expected.
func args(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, got []string) error {
		switch {
		case len(got) == len(names):
		case len(names) == 0:
			return usageError{model.Errorf("%s takes no arguments (got %q); see %s --help", cmd.CommandPath(), strings.Join(got, " "), cmd.CommandPath())}
		case len(got) > len(names):
			return usageError{model.Errorf("%s takes %s, but got %d arguments; quote text that holds spaces; see %s --help", cmd.CommandPath(), strings.Join(names, " "), len(got), cmd.CommandPath())}
		default:
			return usageError{model.Errorf("%s needs %s; see %s --help", cmd.CommandPath(), strings.Join(names, " "), cmd.CommandPath())}
		}
		return nil
	}
}

// ref parses an incident reference argument.
func ref(v string) (int64, error) { return model.ParseRef(v) }

// incident loads the incident an argument names, with the policy and the
// time to show it at: what every reading of one incident needs.
func (a *app) incident(arg string) (*model.Incident, model.Policy, time.Time, error) {
	id, err := ref(arg)
	if err != nil {
		return nil, model.Policy{}, time.Time{}, err
	}
	st, err := a.store()
	if err != nil {
		return nil, model.Policy{}, time.Time{}, err
	}
	inc, err := st.Incident(a.ctx, id)
	if err != nil {
		return nil, model.Policy{}, time.Time{}, err
	}
	pol, err := st.Policy(a.ctx)
	if err != nil {
		return nil, model.Policy{}, time.Time{}, err
	}
	return inc, pol, st.Clock().Now(), nil
}
