package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"
)

// TestMain lets the test binary act as the sitrep command inside scripts:
// testscript copies it onto $PATH as "sitrep" and runs execute, exactly
// as main does (without signal handling).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sitrep": func() {
			os.Exit(execute(context.Background(), config{in: os.Stdin, out: os.Stdout, errOut: os.Stderr}, os.Args[1:]))
		},
	})
}

// TestCLI runs the end-to-end command line scripts in testdata/cli. Each
// script gets a fresh $WORK with its own database ($SITREP_DB), a fixed
// local user (tester) and a home and XDG data directory inside $WORK.
func TestCLI(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                filepath.Join("..", "..", "testdata", "cli"),
		RequireUniqueNames: true,
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			env.Setenv("SITREP_DB", filepath.Join(work, "sitrep.db"))
			env.Setenv("USER", "tester")
			env.Setenv("HOME", work)
			env.Setenv("XDG_DATA_HOME", filepath.Join(work, "xdg"))
			// Under -race every sitrep run would otherwise sleep a second
			// at exit; keep any other race options given.
			if g := env.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
				env.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
			}
			// Text testscript cannot write literally: control characters
			// and titles at and just over the 200-character limit.
			env.Setenv("ESC", "\x1b")
			env.Setenv("CSI", "\u009b")
			env.Setenv("RLO", "\u202e")
			env.Setenv("TITLE200", strings.Repeat("t", 200))
			env.Setenv("TITLE201", strings.Repeat("t", 201))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sshkey":  cmdSSHKey,
			"refused": cmdRefused,
		},
	})
}

// cmdSSHKey implements "sshkey NAME...": for each NAME it writes NAME (an
// OpenSSH private key) and NAME.pub (its public key, comment NAME@test) in
// the current directory, and sets $KEY_NAME to the public key line for
// commands that take a key as an argument. Keys are derived from the name,
// so they are the same on every run, and no ssh-keygen is needed.
func cmdSSHKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sshkey")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: sshkey NAME...")
	}
	for _, name := range args {
		seed := sha256.Sum256([]byte("sitrep testscript key " + name))
		priv := ed25519.NewKeyFromSeed(seed[:])
		pub, err := ssh.NewPublicKey(priv.Public())
		ts.Check(err)
		line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + name + "@test\n"
		ts.Check(os.WriteFile(ts.MkAbs(name+".pub"), []byte(line), 0o644))
		ts.Setenv("KEY_"+name, strings.TrimSpace(line))
		block, err := ssh.MarshalPrivateKey(priv, name+"@test")
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(name), pem.EncodeToMemory(block), 0o600))
	}
}

var refusalLine = regexp.MustCompile(`^sitrep: [^\x00-\x1f\x7f]+\n$`)

// cmdRefused implements "refused [PATTERN]", to follow a "! sitrep ..."
// line: the refusal printed nothing on stdout and exactly one line on
// stderr, starting "sitrep: ", free of control characters and matching
// PATTERN (a multi-line regular expression, as for stderr) when given.
func cmdRefused(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! refused")
	}
	if len(args) > 1 {
		ts.Fatalf("usage: refused [PATTERN]")
	}
	stdout, stderr := ts.ReadFile("stdout"), ts.ReadFile("stderr")
	if stdout != "" {
		ts.Fatalf("a refusal printed to stdout:\n%s", stdout)
	}
	if !refusalLine.MatchString(stderr) {
		ts.Fatalf("a refusal should be one line on stderr starting \"sitrep: \"; got %q", stderr)
	}
	if len(args) == 1 {
		re, err := regexp.Compile(`(?m)` + args[0])
		if err != nil {
			ts.Fatalf("bad pattern: %v", err)
		}
		if !re.MatchString(stderr) {
			ts.Fatalf("the refusal %q does not match %q", stderr, args[0])
		}
	}
}
