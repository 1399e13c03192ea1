package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// revokeWait bounds how long a revocation may take to reach a session in
// these tests. It is generous for a loaded machine; the time taken is
// logged, not asserted.
const revokeWait = 10 * time.Second

// TestRevocationReachesOpenSessions removes and demotes users with
// `sitrep user remove` and `sitrep user role` run as processes of their
// own, as an owner would on the server, while the users are connected to
// `sitrep serve`: the removed user's console, wallboard and running
// command end, saying why; the demoted admin's open console switches to
// member and refuses an admin's action.
func TestRevocationReachesOpenSessions(t *testing.T) {
	t.Parallel()
	h := newSSHHarness(t, harnessUser{"olivia", "owner"}, harnessUser{"alice", "admin"}, harnessUser{"bob", "member"})
	h.local("declare", "--title", "payments slow", "--sev", "P2")
	const w, ht = 100, 30

	bob := h.dial("bob")
	console := openHarnessPTY(t, bob, w, ht, "")
	console.expectScreen(t, w, ht, revokeWait, "SITREP", "payments slow")
	wall := openHarnessPTY(t, bob, w, ht, "wall")
	wall.expectScreen(t, w, ht, revokeWait, "payments slow")
	// A command blocked on standard input the client never sends.
	note, err := bob.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer note.Close()
	noteIn, err := note.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer noteIn.Close()
	var noteErr bytes.Buffer
	note.Stderr = &noteErr
	if err := note.Start("note INC-1 -"); err != nil {
		t.Fatal(err)
	}
	noteDone := make(chan error, 1)
	go func() { noteDone <- note.Wait() }()

	alice := openHarnessPTY(t, h.dial("alice"), w, ht, "")
	alice.expectScreen(t, w, ht, revokeWait, "SITREP", "payments slow")

	// Another process removes bob.
	start := time.Now()
	if r := runSitrepProc(context.Background(), t, time.Minute, "--db", h.db, "--as", "olivia", "user", "remove", "bob"); r.code != 0 {
		t.Fatalf("user remove bob: exit %d %v: %s", r.code, r.err, r.stderr)
	}
	removed := time.Now()
	for name, p := range map[string]*harnessPTY{"console": console, "wallboard": wall} {
		select {
		case <-p.ended:
			t.Logf("bob's %s ended %v after user remove returned (%v after it started)", name, time.Since(removed).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		case <-time.After(revokeWait):
			t.Fatalf("bob's %s still open %v after his removal; it shows:\n%s", name, revokeWait, p.screen(w, ht))
		}
		if !strings.Contains(p.out.String(), "an owner removed your user from sitrep, so this session has ended") {
			t.Errorf("bob's %s did not say why it ended; output ends %q", name, tailString(p.out.String(), 300))
		}
	}
	select {
	case err := <-noteDone:
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() == 0 {
			t.Errorf("bob's note command ended with %v; want a non-zero exit status", err)
		}
		if !strings.Contains(noteErr.String(), "an owner removed your user") {
			t.Errorf("bob's note command did not say why it ended: %q", noteErr.String())
		}
		t.Logf("bob's command ended %v after user remove returned", time.Since(removed).Round(time.Millisecond))
	case <-time.After(revokeWait):
		t.Fatalf("bob's command blocked on stdin still runs %v after his removal", revokeWait)
	}

	// Another process demotes alice; her open console follows.
	if r := runSitrepProc(context.Background(), t, time.Minute, "--db", h.db, "--as", "olivia", "user", "role", "alice", "member"); r.code != 0 {
		t.Fatalf("user role alice member: exit %d %v: %s", r.code, r.err, r.stderr)
	}
	demoted := time.Now()
	alice.expectScreen(t, w, ht, revokeWait, "An owner changed your role to member")
	t.Logf("alice's console switched role %v after user role returned", time.Since(demoted).Round(time.Millisecond))
	alice.send(t, "c") // contain: an admin's action
	alice.expectScreen(t, w, ht, revokeWait, "A member cannot mark incidents contained; only admins and owners can")
	if out := h.local("show", "INC-1", "--json"); !strings.Contains(out, `"status": "open"`) {
		t.Errorf("the demoted admin's console changed the incident:\n%s", out)
	}
	// Both changes are in the audit log.
	audit := h.local("audit", "--action", "user_role")
	if !strings.Contains(audit, "changed the role of user alice from admin to member") {
		t.Errorf("audit of the role change: %q", audit)
	}
}
