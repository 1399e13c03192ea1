package main

// Fuzz tests for command lines that arrive over SSH. An exec request
// carries one string; the server splits it into arguments with
// sshd.SplitCommand (refusing a line it cannot read) and hands them to
// remoteExec. FuzzExecArgs splits its input the same way and runs it as a
// viewer and as an owner on one database, checking what the SSH user can
// see and do, not only that nothing panics.
//
// The seeds run with every go test; fuzz for longer with
//
//	go test -run='^$' -fuzz='^FuzzExecArgs$' -fuzztime=60s -fuzzminimizetime=2s ./cmd/sitrep
//
// (with the default minimizing time of a minute, shrinking an input grown
// from the long seeds can stall the run for most of it).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sitrep/model"
	sshd "sitrep/ssh"
	"sitrep/store"
)

// execSeeds are exec payloads as an SSH user could send them: every kind
// of command, quoting edge cases, terminal escapes in text, and attempts
// at what must not work over SSH (serve, backup, --db, --as, files on the
// server). The database has INC-1 (P1, breach unknown, customer Acme) and
// INC-2 (P3), and the users olivia (owner), bob (member) and vera (viewer).
var execSeeds = []string{
	// Reading.
	"list", "list --json", "list --all --json", "show 1", "show INC-1 --json", "show 'INC-1'", "show inc-2",
	"show 0", "show -1", "show 9223372036854775808", "timeline 1", "timeline 1 --json", "audit", "audit --json",
	"audit --since -2h", "audit --since now", "audit --since 2026-05-04T00:00:00Z", "audit --since 0001-01-01T00:00:00Z",
	"audit --since -2562047h47m16.854775807s", "audit --since=+2h", "draft 1", "draft 2", "export 1", "export 1 --format json",
	"export 1 --format md", "export 1 --format html", "user list", "user list --json", "policy show", "policy show --json",
	"exercise status", "exercise status --json", "exercise report", "--help", "-h", "help", "help list", "list --help",
	"user", "user frobnicate", "policy", "action", "wall --cycle 0s", "wall x", "wall --cycle 1s",
	// Working an incident.
	"note 1 'Contained at the edge; rotating keys'", `note 1 "quoted \"text\" inside"`, "note 1 -", "note 1 two words",
	"ack 1", "ack 1", "contain 1", "assign 1 olivia", "assign 1 nobody", "sev 1 P0", "sev 1 p4",
	"breach 1 yes --subjects 10 --records 200 --category contact", "breach 1 maybe", "breach 1 no --subjects -1",
	"breach 1 yes --subjects 99999999999999999999", "aware 1 -2h", "aware 1 now", "aware 1 -0s",
	"aware 1 0001-01-01T00:00:00Z", "aware 1 1969-12-31T23:59:59Z", "aware 1 2026-05-04T08:00:00+23:60", "aware 1 -2562047h",
	"aware 1 -9223372036854775808ns", "aware 1 +2h", "aware 1 9999-12-31T23:59:59Z", "aware 1 -- -2h", "aware 1",
	"check 1 contain", "check 1 contain --undo", "check 1 nosuchkey", "check 1 notify --na 'not a breach'",
	"notify 1 --customer Acme", "notify 1 --customer Acme --at -1h --channel email", "notify 1 --customer Nobody",
	"declare --title 'Ransomware on file server' --sev P1 --aware -30m --detected -1h --customer Acme --customer acme",
	"declare --title x --sev P1 --aware 0001-01-01T00:00:00Z", "declare --title x --sev P1 --detected -2562047h",
	"declare --title '' --sev P1", "declare --sev P1", "declare --title x", "declare --title x --sev P9",
	"action add 1 --title 'Rotate keys' --owner olivia --due 2026-05-10", "action add 1 --title x --owner olivia --due 0000-01-01",
	"action add 1 --title x --owner olivia --due 2026-02-30", "action done 1 1", "action done 1 x", "action done 1 99999999999999999999",
	"review 1 --root-cause 'expired cert' --worked 'paging'", "review 1 --complete", "resolve 2", "close 2", "reopen 2",
	"delete 2", "delete 2 --reason 'declared twice'",
	// Administration.
	"policy set", "policy set --hours 09:00-17:00", "policy set --hours 9-5", "policy set --hours 17:00-09:00",
	"policy set --days mon-fri", "policy set --days fri-mon", "policy set --days mon,,tue", "policy set --timezone Europe/Atlantis",
	"policy set --timezone Local", "policy set --add-holiday 2026-12-25", "policy set --add-holiday 0000-01-01",
	"policy set --ack-inside 0", "policy set --review-days -1", "policy set --enable nis2", "policy set --disable gdpr",
	"policy set --contact 'Jane Doe, security@example.com'", "user add eve --role member", "user add eve --role root",
	"user add 'eve smith' --role member", "user add eve --role member --key 'ssh-ed25519 AAAA'", "user remove eve",
	"user key add vera 'not a key'", "exercise start --speed 0", "exercise speed 601", "exercise speed x",
	"exercise speed 99999999999999999999", "exercise next", "exercise pause", "exercise resume",
	// Local-only: must be refused over SSH, never listen or write a file.
	"serve", "serve --listen :2222", "serve --listen 127.0.0.1:0 --host-key hk", "serve --pprof 127.0.0.1:0", "-- serve",
	"help serve", "backup x.db", "backup /tmp/sitrep-fuzz-backup.db", "backup", "--db=/etc/x list", "--db /etc/x list",
	"--db=x.db list", "list --db=/etc/x", "list --db x.db", "--as root list", "--as=root note 1 hi", "note 1 --as=root hi",
	"list --as root", "-- --db=/etc/x", "note 1 -- --db=/etc/x", "note 1 -- --as root", "--db", "--as", "--db=",
	"exercise new scenario.yaml", "exercise new /etc/passwd --db x.db", "--db x.db exercise new s.yaml",
	"user add eve --role owner --key-file /etc/passwd", "user add eve --role owner --key-file k.pub",
	"policy set --file /etc/passwd", "policy set --file p.json", "completion bash", "__complete list ''",
	"__complete --db ''", "__completeNoDesc note 1 ''", "list --pprof 127.0.0.1:6060",
	// Quoting and splitting edge cases.
	`note 1 "unterminated`, `note 1 'unterminated`, `note 1 trailing\`, `note 1 ""`, `note 1 ''`, `note 1 a\ b`,
	`note 1 'it'"'"'s'`, `note 1 "a\"b"`, `note 1 'a\"b'`, `'note' '1' 'x'`, `"note"1 x`, "  list  ", "\tlist\n",
	"list;rm -rf /", "list && echo hi", "list $(id)", "list `id`", "list | cat", "list > /tmp/sitrep-fuzz-x",
	"list\u00a0--json", "list\u2003--json", "list\u0085--json", "list\x00--json", "list --json=true", "list --json=maybe",
	"show 1 1", "show", "", "   ", "wall", "'wall'", "wall ''",
	// Terminal escapes and controls in text an SSH user can store.
	"note 1 \x1b]52;c;aGk=\x07", "note 1 '\x1b]0;pwned\x07title'", "note 1 '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\'",
	"note 1 before\x1b[2Jafter", "note 1 'safe text\rEVIL'", "note 1 a\u009b2Jb", "note 1 'a\u009d0;t\u009cb'",
	"note 1 invoice\u202efdp.exe", "note 1 a\u2066b\u2069c", "note 1 nul\x00byte", "note 1 bad\xff\xfebytes", "note 1 Zo\xc3",
	"declare --title '\x1b]0;pwned\x07' --sev P3", "declare --title 'ok\u202e' --sev P3", "declare --title $'\\x1b[2J' --sev P3",
	"user add '\x1b[2J' --role viewer", "user add 'ev\u202ee' --role viewer", "show '\x1b[2J'", "sev 1 '\x1b]52;c;aGk=\x07'",
	"check 1 '\x1b[31mred'", "aware 1 '\x1b]0;t\x07'", "audit --since '\u009b2J'", "list --\x1b[2J", "\x1b[2J",
	"\x1b]52;c;aGk=\x07 list", "policy set --timezone '\x1b]0;t\x07'", "policy set --days '\u202emon'",
	"notify 1 --customer '\x1b[2J' --channel '\x1b]0;t\x07'",
	// Long values.
	"declare --sev P3 --title " + strings.Repeat("t", 201), "declare --sev P3 --title " + strings.Repeat("t", 5000),
	"user add " + strings.Repeat("n", 5000) + " --role viewer", "show " + strings.Repeat("9", 5000),
	"note 1 " + strings.Repeat(strings.Repeat("x", 999)+" ", 100), "note 1 " + strings.Repeat("\x1b[2J", 5000),
	// One long word, within the 32 KiB a command line may be.
	"note 1 " + strings.Repeat("y", 20_000),
	"aware 1 -" + strings.Repeat("9", 5000) + "h", strings.Repeat("list ", 2000),
}

// execNow is the database's clock: Monday 4 May 2026, 10:00 in Amsterdam.
var execNow = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

func FuzzExecArgs(f *testing.F) {
	for _, s := range execSeeds {
		f.Add(s)
	}
	env := newExecEnv(f)
	f.Fuzz(func(t *testing.T, payload string) {
		if len(payload) > 256<<10 {
			return // more than an SSH packet holds (golang.org/x/crypto/ssh)
		}
		args, err := sshd.SplitCommand(payload)
		if err != nil {
			return // refused by the server before any command runs
		}
		// The server opens the console (or says it needs a terminal) for
		// these; they never reach Exec (see ssh/session.go handle).
		if len(args) == 0 || len(args) == 1 && args[0] == "wall" {
			return
		}
		remoteRoot := (&app{ctx: context.Background(), cfg: config{actor: &execOwner}}).rootCmd()
		completion := completionRequest(remoteRoot, args)
		paths := absPaths(args)
		ctx := context.Background()
		before, err := env.st.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := env.run(t, execViewer, args)
		checkExec(t, payload, args, "viewer", code, out, errOut)
		if completion && code != exitUsage {
			t.Fatalf("%q asks for shell completion, which is refused over SSH; it exited %d", payload, code)
		}
		env.checkServerStderr(t, payload)
		after, err := env.st.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("%q as a viewer (exit %d) wrote %d events; a viewer writes nothing", payload, code, after-before)
		}
		code, out, errOut = env.run(t, execOwner, args)
		checkExec(t, payload, args, "owner", code, out, errOut)
		env.checkNoFiles(t, payload, paths)
		env.checkServerStderr(t, payload)
	})
}

// checkServerStderr fails if a command line wrote to the server process's
// own standard error (its log, or the operator's terminal).
func (e *execEnv) checkServerStderr(t *testing.T, payload string) {
	t.Helper()
	fi, err := e.stderr.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 0 {
		b, _ := os.ReadFile(e.stderr.Name())
		t.Fatalf("%q over SSH wrote to the server's stderr: %.2000q", payload, b)
	}
}

var (
	execViewer = model.Actor{Name: "vera", Role: model.Viewer, Source: "192.0.2.8:50023"}
	execOwner  = model.Actor{Name: "olivia", Role: model.Owner, Source: "192.0.2.7:50022"}
)

// execEnv is one fuzz target's database and the directories nothing
// over SSH may write to.
type execEnv struct {
	st                *store.Store
	exec              func(ctx context.Context, actor model.Actor, args []string, in io.Reader, out, errOut io.Writer) int
	stderr            *os.File // os.Stderr while a command runs
	dbDir, work, home string
}

// newExecEnv opens the database once for the fuzz target, adds the users
// and two incidents with the local command line, and makes two empty
// directories: the working directory while commands run, and the one HOME,
// XDG_DATA_HOME and SITREP_DB point into.
func newExecEnv(f *testing.F) *execEnv {
	f.Helper()
	dir := f.TempDir()
	e := &execEnv{dbDir: filepath.Join(dir, "db"), work: filepath.Join(dir, "work"), home: filepath.Join(dir, "home")}
	for _, d := range []string{e.dbDir, e.work, e.home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			f.Fatal(err)
		}
	}
	f.Setenv("HOME", e.home)
	f.Setenv("XDG_DATA_HOME", filepath.Join(e.home, "xdg"))
	f.Setenv("SITREP_DB", filepath.Join(e.home, "env.db"))
	f.Setenv("USER", "mallory")
	// While a command runs, what the process writes to os.Stderr lands in
	// this file (see run).
	errFile, err := os.Create(filepath.Join(dir, "server-stderr"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { errFile.Close() })
	e.stderr = errFile
	st, err := store.Open(context.Background(), filepath.Join(e.dbDir, "sitrep.db"), store.WithClock(model.FixedClock(execNow)))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	e.st = st
	for _, args := range [][]string{
		{"user", "add", "olivia", "--role", "owner"},
		{"user", "add", "bob", "--role", "member"},
		{"user", "add", "vera", "--role", "viewer"},
		{"declare", "--title", "Anomalous reads on tenant DB", "--sev", "P1", "--breach", "unknown", "--customer", "Acme", "--detected", "-3h", "--aware", "-2h"},
		{"declare", "--title", "Phishing mail reported", "--sev", "P3"},
	} {
		var out, errOut bytes.Buffer
		cfg := config{store: st, in: strings.NewReader(""), out: &out, errOut: &errOut}
		if code := execute(context.Background(), cfg, append([]string{"--as", "olivia"}, args...)); code != 0 {
			f.Fatalf("setup %q: exit %d: %s", args, code, errOut.String())
		}
	}
	e.exec = remoteExec(st)
	return e
}

// run runs one command line for actor with an empty standard input and a
// deadline: none should come near it.
func (e *execEnv) run(t *testing.T, actor model.Actor, args []string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	start := time.Now()
	// The working directory (where a relative path would land) and
	// os.Stderr change only while the command runs: f.Fuzz reads the seed
	// corpus from testdata, and the fuzzing coordinator logs to os.Stderr.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(e.work); err != nil {
		t.Fatal(err)
	}
	realStderr := os.Stderr
	os.Stderr = e.stderr
	code := e.exec(ctx, actor, slices.Clone(args), strings.NewReader(""), &out, &errOut)
	os.Stderr = realStderr
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%q as %s ran into its deadline after %v", args, actor.Role, time.Since(start))
	}
	return code, out.String(), errOut.String()
}

// checkExec checks one run: a known exit status; output that cannot act on
// a terminal; a refusal as one "sitrep: " line on stderr and nothing on
// stdout, a success silent on stderr; and what only a local user may do
// refused.
func checkExec(t *testing.T, payload string, args []string, who string, code int, out, errOut string) {
	t.Helper()
	fail := func(format string, a ...any) {
		t.Helper()
		t.Fatalf("%q (args %q) as %s: exit %d: %s\nstdout: %.2000q\nstderr: %.2000q", payload, args, who, code, fmt.Sprintf(format, a...), out, errOut)
	}
	if code != exitOK && code != exitRefused && code != exitUsage {
		fail("exit status not 0, 1 or 2")
	}
	if r, ok := unsafeText(out, true); !ok {
		fail("stdout holds %U", r)
	}
	if r, ok := unsafeText(errOut, true); !ok {
		fail("stderr holds %U", r)
	}
	if code != exitOK {
		if out != "" {
			fail("a refusal printed to stdout")
		}
		if !strings.HasPrefix(errOut, "sitrep: ") || !strings.HasSuffix(errOut, "\n") || strings.Count(errOut, "\n") != 1 {
			fail("a refusal is not one line on stderr starting \"sitrep: \"")
		}
		if strings.Contains(errOut, "\t") {
			fail("a refusal holds a tab")
		}
	} else if errOut != "" {
		fail("a success printed to stderr")
	}
	first := args[0]
	switch {
	case first == "serve" || first == "backup" || first == "restore":
		if code != exitUsage {
			fail("%s is not refused as a usage error over SSH", first)
		}
	case first == "--db" || first == "--as" || strings.HasPrefix(first, "--db=") || strings.HasPrefix(first, "--as="):
		if code != exitUsage || !strings.Contains(errOut, "unknown flag") {
			fail("%s is not an unknown flag over SSH", first)
		}
	}
}

// unsafeText finds the first rune that could act on a terminal or reorder
// text: invalid UTF-8, ESC and the other C0 controls but newline and tab,
// DEL, C1 controls (U+0080–U+009F) and bidi controls.
func unsafeText(s string, multiLine bool) (rune, bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return r, false
			}
		}
		switch {
		case multiLine && (r == '\n' || r == '\t'):
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			return r, false
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return r, false
		}
	}
	return 0, true
}

// absPaths lists the absolute paths in args (whole, or after "=") that do
// not exist yet: none may exist after the command.
func absPaths(args []string) []string {
	var out []string
	for _, a := range args {
		for _, p := range []string{a, a[strings.IndexByte(a, '=')+1:]} {
			if len(p) > 1 && len(p) < 1024 && filepath.IsAbs(p) && !strings.ContainsRune(p, 0) {
				if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// checkNoFiles fails if a command wrote a file: in the working directory,
// in HOME (where the default database and host key live), beside the
// database, or at an absolute path it named.
func (e *execEnv) checkNoFiles(t *testing.T, payload string, paths []string) {
	t.Helper()
	for _, d := range []string{e.work, e.home} {
		if names := dirNames(t, d); len(names) > 0 {
			t.Fatalf("%q over SSH wrote %q in %s", payload, names, d)
		}
	}
	for _, n := range dirNames(t, e.dbDir) {
		if n != "sitrep.db" && n != "sitrep.db-wal" && n != "sitrep.db-shm" {
			t.Fatalf("%q over SSH wrote %s beside the database", payload, n)
		}
	}
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			t.Fatalf("%q over SSH created %s", payload, p)
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}

// TestRemoteCommandsExcludeLocalOnly: the command tree built for an SSH
// session has no serve, backup or restore command and no --db or --as flag
// anywhere, so neither can take effect whatever the arguments.
func TestRemoteCommandsExcludeLocalOnly(t *testing.T) {
	a := &app{ctx: context.Background(), cfg: config{actor: &execOwner}}
	root := a.rootCmd()
	seen := 0
	cmds := root.Commands()
	for len(cmds) > 0 {
		c := cmds[0]
		cmds = append(cmds[1:], c.Commands()...)
		seen++
		if c.Name() == "serve" || c.Name() == "backup" || c.Name() == "restore" {
			t.Errorf("%s exists over SSH", c.CommandPath())
		}
		for _, name := range []string{"db", "as"} {
			if c.Flags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil || c.PersistentFlags().Lookup(name) != nil {
				t.Errorf("%s has --%s over SSH", c.CommandPath(), name)
			}
		}
	}
	if root.PersistentFlags().Lookup("db") != nil || root.PersistentFlags().Lookup("as") != nil {
		t.Error("the SSH root command has --db or --as")
	}
	if seen < 20 {
		t.Fatalf("only %d commands over SSH", seen)
	}
	// The local tree has them: the test would notice if they moved.
	local := (&app{ctx: context.Background()}).rootCmd()
	if c, _, err := local.Find([]string{"backup"}); err != nil || c.Name() != "backup" {
		t.Errorf("the local command line has no backup: %v", err)
	}
	if local.PersistentFlags().Lookup("db") == nil || local.PersistentFlags().Lookup("as") == nil {
		t.Error("the local command line has no --db or --as")
	}
}

// FuzzParseDays fuzzes policy set --days: a refusal is one sentence; an
// accepted list names only days, a range runs forward without gaps, and
// the policy takes the result.
func FuzzParseDays(f *testing.F) {
	for _, s := range []string{
		"mon-fri", "MON-FRI", " mon - fri ", "mon-mon", "fri-mon", "sun-sat", "mon-", "-fri", "-", "--", "mon-fri-sat",
		"mon,tue,wed", "mon, tue ,wed", "mon,,tue", "mon,", ",", "", " ", "mon,mon", "monday", "lun", "Mon\x1b[2J",
		"mon\u202e", "mon\x00", "\xff", "mon\r", "ｍｏｎ", "mon,tue-wed", strings.Repeat("mon,", 5000) + "mon",
		strings.Repeat("x", 100_000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		days, err := parseDays(v)
		if err != nil {
			var me *model.Error
			if !errors.As(err, &me) {
				t.Fatalf("parseDays(%q): %T is not a model.Error: %v", v, err, err)
			}
			if r, ok := unsafeText(err.Error(), false); !ok || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("parseDays(%q): refusal holds %U: %q", v, r, err)
			}
			if days != nil {
				t.Fatalf("parseDays(%q) refused but returned %q", v, days)
			}
			return
		}
		if len(days) == 0 {
			t.Fatalf("parseDays(%q) accepted no days", v)
		}
		for _, d := range days {
			if !slices.Contains(dayOrder, d) {
				t.Fatalf("parseDays(%q) = %q holds %q", v, days, d)
			}
		}
		if strings.Contains(v, "-") {
			i := slices.Index(dayOrder, days[0])
			if !slices.Equal(days, dayOrder[i:i+len(days)]) {
				t.Fatalf("parseDays(%q) = %q: not a forward run of days", v, days)
			}
		}
		p := model.DefaultPolicy()
		p.BusinessHours.Days = slices.Clone(days)
		if err := p.Validate(); err != nil {
			t.Fatalf("parseDays(%q) = %q, which the policy refuses: %v", v, days, err)
		}
	})
}
