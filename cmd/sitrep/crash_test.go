package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/ssh/sshtest"
	"sitrep/store"
)

var crashLong = flag.Bool("long", false, "TestCrash: kill the server 500 times (on 10 databases) instead of 50")

const (
	crashRounds   = 50 // kills on one database
	crashLongRuns = 10 // databases with -long
	crashClients  = 4
	// crashSeed is mixed with the round number into each round's random
	// source: a round's kill delay is the same on every run.
	crashSeed = 0x5172e9
)

// busyText is what a write refused for a lock held elsewhere says.
var busyText = regexp.MustCompile(`(?i)database is locked|SQLITE_BUSY|\bbusy\b|\(5\)|\(517\)`)

// badServerLog is what a server's log must not hold: errors (writes
// that failed), panics, and reports of the race detector.
var badServerLog = regexp.MustCompile(`level=ERROR|panic|DATA RACE`)

// incRef is what declare prints.
var incRef = regexp.MustCompile(`^INC-[0-9]+\n$`)

// crashAck is a write a client was told succeeded: the database must
// hold it, whatever happened to the server afterwards.
type crashAck struct {
	kind  string // "declare" or "note"
	ref   string // the incident: printed by declare, given to note
	text  string // the title declared or the note's text
	by    string // who wrote it: a client or the second process
	round int
}

// ledger is every acknowledged write so far, and the writes that were
// under way when a server was killed (which may or may not have landed).
type ledger struct {
	mu       sync.Mutex
	acks     []crashAck
	inflight []crashAck
}

func (l *ledger) add(a crashAck) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acks = append(l.acks, a)
}

func (l *ledger) interrupted(a crashAck) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight = append(l.inflight, a)
}

func (l *ledger) interruptedAll() []crashAck {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]crashAck(nil), l.inflight...)
}

func (l *ledger) all() []crashAck {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]crashAck(nil), l.acks...)
}

// TestCrash starts the real sitrep serve on a database, has four SSH
// clients declare incidents and add notes while a second OS process (one
// sitrep note process after another) adds notes to the same file, and
// kills the server with SIGKILL after a random delay; then restarts it,
// crashRounds times. After every kill, a copy of the database as the
// killed server left it (the file and its WAL, no shared memory, so it
// must be recovered) passes PRAGMA integrity_check and holds every write
// acknowledged so far, each once with its event; the real file is left
// for the next server and second process to recover, and is checked the
// same way at the end. The second process must never fail, and never see
// the database locked. With -long it does this crashLongRuns times, each
// on a new database (so that checking stays cheap): 500 kills.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and SIGKILLs sitrep serve 50 times (about half a minute under -race); skipped with -short")
	}
	runs := 1
	if *crashLong {
		runs = crashLongRuns
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // kills any child still running
	var total crashStats
	start := time.Now()
	for i := range runs {
		st := crashOnDatabase(ctx, t, i*crashRounds, crashRounds)
		t.Logf("rounds %d-%d: %v", i*crashRounds, (i+1)*crashRounds-1, st)
		total.add(st)
	}
	if runs > 1 {
		t.Logf("all %d rounds in %v: %v", runs*crashRounds, time.Since(start).Round(time.Millisecond), total)
	}
}

// crashStats is what some rounds did.
type crashStats struct {
	kills, declares, notes int
	secondAcks, cliRuns    int
	cliTime                time.Duration
	inflight, landed       int
	took                   time.Duration
}

func (s *crashStats) add(o crashStats) {
	s.kills += o.kills
	s.declares += o.declares
	s.notes += o.notes
	s.secondAcks += o.secondAcks
	s.cliRuns += o.cliRuns
	s.cliTime += o.cliTime
	s.inflight += o.inflight
	s.landed += o.landed
	s.took += o.took
}

func (s crashStats) String() string {
	return fmt.Sprintf("%d kills in %v; %d acknowledged writes all present (%d declares, %d notes), %d of them by %d second-process runs averaging %v; "+
		"%d client writes were under way at a kill, %d of which landed unacknowledged",
		s.kills, s.took.Round(time.Millisecond), s.declares+s.notes, s.declares, s.notes, s.secondAcks, s.cliRuns,
		(s.cliTime / time.Duration(max(1, s.cliRuns))).Round(time.Millisecond), s.inflight, s.landed)
}

// crashOnDatabase sets up a new database and runs rounds first..first+n-1 on it.
func crashOnDatabase(ctx context.Context, t *testing.T, first, n int) crashStats {
	start := time.Now()
	dir := t.TempDir()
	db := filepath.Join(dir, "sitrep.db")
	hostKey := filepath.Join(dir, "ssh_host_ed25519_key")
	snap := filepath.Join(t.TempDir(), "snapshot.db")

	// The team: one member per client, added with the command line.
	signers := make([]gossh.Signer, crashClients)
	for i := range signers {
		var line string
		signers[i], line = sshtest.NewKey(t)
		pub := filepath.Join(dir, fmt.Sprintf("client%d.pub", i))
		if err := os.WriteFile(pub, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		crashExecute(t, "", "--db", db, "--as", "setup", "user", "add", fmt.Sprintf("client%d", i), "--role", "member", "--key-file", pub)
	}
	crashExecute(t, "INC-1\n", "--db", db, "--as", "setup", "declare", "--title", "crash-base", "--sev", "P3")

	var (
		l  ledger
		st crashStats
	)
	for r := first; r < first+n; r++ {
		res := crashRound(ctx, t, r, db, hostKey, signers, &l)
		st.kills++
		st.secondAcks += res.secondAcks
		st.cliRuns += res.cliRuns
		st.cliTime += res.cliTime
		if t.Failed() {
			t.Fatalf("round %d failed (seed %d/%#x); stopping", r, r, crashSeed)
		}
		// The database as the killed server left it, recovered by a
		// process that did not see the crash.
		if err := copyCrashedDB(db, snap); err != nil {
			t.Fatalf("round %d: copy the database: %v", r, err)
		}
		if n, _ := checkCrashDB(t, snap, l.all(), nil); n > 0 {
			t.Fatalf("round %d (seed %d/%#x): %d problems in the database the killed server left", r, r, crashSeed, n)
		}
	}
	acks, inflight := l.all(), l.interruptedAll()
	problems, landed := checkCrashDB(t, db, acks, inflight)
	if problems > 0 {
		t.Fatalf("%d problems in the database after round %d", problems, first+n-1)
	}
	for _, a := range acks {
		if a.kind == "declare" {
			st.declares++
		} else {
			st.notes++
		}
	}
	st.inflight, st.landed = len(inflight), landed
	st.took = time.Since(start)
	// Too few writes and the test proves nothing: a client that never
	// got through would otherwise pass.
	if len(acks) < n || st.secondAcks < n/2 {
		t.Errorf("only %d acknowledged writes (%d by the second process) in %d rounds: the test is not exercising the server", len(acks), st.secondAcks, n)
	}
	return st
}

// crashExecute runs a command line in this process, as main would, and
// checks that it succeeds (and prints want, unless want is empty).
func crashExecute(t *testing.T, want string, args ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := execute(context.Background(), config{in: strings.NewReader(""), out: &out, errOut: &errOut}, args); code != 0 {
		t.Fatalf("sitrep %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	if want != "" && out.String() != want {
		t.Fatalf("sitrep %s printed %q; want %q", strings.Join(args, " "), out.String(), want)
	}
}

// roundResult is what one round did besides its acknowledgements.
type roundResult struct {
	secondAcks int
	cliRuns    int
	cliTime    time.Duration
}

// crashRound is one round: the second process starts writing, the server
// starts on the database as the last round left it, the clients write,
// and after the round's delay the server is killed. Everything started
// here has ended when it returns.
func crashRound(ctx context.Context, t *testing.T, r int, db, hostKey string, signers []gossh.Signer, l *ledger) roundResult {
	rng := mrand.New(mrand.NewPCG(uint64(r), crashSeed))
	delay := time.Duration(30+rng.IntN(371)) * time.Millisecond

	var (
		wg      sync.WaitGroup
		stop    = make(chan struct{})
		killed  atomic.Bool
		res     roundResult
		resMu   sync.Mutex
		stopped bool
	)
	halt := func() {
		if !stopped {
			stopped = true
			close(stop)
		}
		wg.Wait()
	}
	defer halt()

	// The second process: one sitrep note after another on INC-1, the
	// incident the clients write to as well, each a new process. It is
	// not killed: every one of its writes must succeed, before, during
	// and after the server's crash.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			text := fmt.Sprintf("second-r%03d-%d", r, i)
			cr := runSitrepProc(ctx, t, time.Minute, "--db", db, "--as", "second", "note", "INC-1", text)
			resMu.Lock()
			res.cliRuns++
			res.cliTime += cr.took
			resMu.Unlock()
			if busyText.MatchString(cr.stderr) {
				t.Errorf("round %d: the second process saw the database locked: sitrep note INC-1 %s: exit %d, stderr %q", r, text, cr.code, cr.stderr)
			}
			if cr.err != nil || cr.code != 0 || cr.stderr != "" || cr.stdout != "noted on INC-1: "+text+"\n" {
				t.Errorf("round %d: the second process: sitrep note INC-1 %s: exit %d (%v), stdout %q, stderr %q", r, text, cr.code, cr.err, cr.stdout, cr.stderr)
				return
			}
			l.add(crashAck{kind: "note", ref: "INC-1", text: text, by: "second", round: r})
			resMu.Lock()
			res.secondAcks++
			resMu.Unlock()
		}
	}()

	srv, err := startServeProc(ctx, t, db, hostKey, time.Minute)
	if err != nil {
		halt()
		t.Fatalf("round %d: %v", r, err)
	}

	var clientAcks atomic.Int64
	for c := range signers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := crashClient(t, r, c, srv.addr, signers[c], stop, &killed, l)
			clientAcks.Add(int64(n))
		}()
	}

	time.Sleep(delay)
	killed.Store(true) // before the kill: a failure seen before this is not the kill's
	srv.kill()
	halt()

	if ws, ok := srv.state.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("round %d: the server ended by itself (%v) before it was killed; its log:\n%s", r, srv.state, srv.log.String())
	}
	log := srv.log.String()
	if busyText.MatchString(log) {
		t.Errorf("round %d: the server saw the database locked; its log:\n%s", r, log)
	}
	if badServerLog.MatchString(log) {
		t.Errorf("round %d: the server logged an error, a panic or a data race before it was killed; its log:\n%s", r, log)
	}
	t.Logf("round %d: seed (%d, %#x): killed after %v; %d writes acknowledged to clients, %d to the second process (%d runs)",
		r, r, crashSeed, delay, clientAcks.Load(), res.secondAcks, res.cliRuns)
	return res
}

// crashClient is one SSH client: one connection, one command after
// another until told to stop or the server dies. Every write whose exit
// status 0 (and, for declare, incident reference) arrived goes into the
// ledger. It returns how many did.
func crashClient(t *testing.T, r, c int, addr string, signer gossh.Signer, stop <-chan struct{}, killed *atomic.Bool, l *ledger) int {
	name := fmt.Sprintf("client%d", c)
	conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            name,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         30 * time.Second,
	})
	if err != nil {
		if !killed.Load() {
			t.Errorf("round %d: %s: dial %s before the kill: %v", r, name, addr, err)
		}
		return 0
	}
	defer conn.Close()
	acked := 0
	mine := "" // the last incident this client declared
	for i := 0; ; i++ {
		select {
		case <-stop:
			return acked
		default:
		}
		var cmd, want string
		var ack crashAck
		switch {
		case i%3 == 0:
			title := fmt.Sprintf("crash-r%03d-c%d-%d", r, c, i)
			cmd = "declare --title " + title + " --sev P3"
			ack = crashAck{kind: "declare", text: title, by: name, round: r}
		default:
			ref := "INC-1" // contended with the other clients and the second process
			if i%2 == 0 && mine != "" {
				ref = mine
			}
			text := fmt.Sprintf("crash-r%03d-c%d-n%d", r, c, i)
			cmd = "note " + ref + " " + text
			want = "noted on " + ref + ": " + text + "\n"
			ack = crashAck{kind: "note", ref: ref, text: text, by: name, round: r}
		}
		stdout, stderr, err := crashRun(conn, cmd)
		var exit *gossh.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exit):
			// A killed server sends no exit status: this one refused.
			t.Errorf("round %d: %s: %q: exit %d, stderr %q", r, name, cmd, exit.ExitStatus(), stderr)
			return acked
		default:
			if !killed.Load() {
				t.Errorf("round %d: %s: %q failed before the kill: %v (stderr %q)", r, name, cmd, err, stderr)
			}
			l.interrupted(ack)
			return acked
		}
		if ack.kind == "declare" {
			if !incRef.MatchString(stdout) {
				t.Errorf("round %d: %s: %q succeeded but printed %q, not an incident reference", r, name, cmd, stdout)
				return acked
			}
			ack.ref = strings.TrimSpace(stdout)
			mine = ack.ref
		} else if stdout != want {
			t.Errorf("round %d: %s: %q succeeded but printed %q; want %q", r, name, cmd, stdout, want)
			return acked
		}
		if stderr != "" {
			t.Errorf("round %d: %s: %q succeeded with stderr %q", r, name, cmd, stderr)
		}
		l.add(ack)
		acked++
	}
}

// crashRun runs one command in a new session on conn.
func crashRun(conn *gossh.Client, cmd string) (stdout, stderr string, err error) {
	sess, err := conn.NewSession()
	if err != nil {
		return "", "", fmt.Errorf("new session: %w", err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	err = sess.Run(cmd)
	return out.String(), errOut.String(), err
}

// copyCrashedDB copies the database file and its WAL as a killed server left
// them (nothing else has them open), without the shared-memory index, so
// that opening the copy recovers the WAL as a restart would.
func copyCrashedDB(db, dst string) error {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(db + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// checkCrashDB checks a database nothing else has open: PRAGMA
// integrity_check says exactly "ok", and every acknowledged write is
// there exactly once, with its event: a declared incident with its title
// and its declare event, a note as its note event on its incident. It
// reports each problem (up to a few dozen) and returns how many, and how
// many of the writes in maybe (unacknowledged) are there.
func checkCrashDB(t *testing.T, path string, acks, maybe []crashAck) (problems, landed int) {
	t.Helper()
	fail := func(format string, args ...any) {
		problems++
		if problems <= 30 {
			t.Errorf("%s: "+format, append([]any{filepath.Base(path)}, args...)...)
		}
	}
	ctx := context.Background()

	raw, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path}).String()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	rows, err := raw.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		raw.Close()
		t.Fatalf("integrity_check %s: %v", path, err)
	}
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	if err := errors.Join(rows.Err(), rows.Close(), raw.Close()); err != nil {
		t.Fatalf("integrity_check %s: %v", path, err)
	}
	if len(lines) != 1 || lines[0] != "ok" {
		fail("PRAGMA integrity_check: %q", lines)
	}

	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer st.Close()
	evs, err := st.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatalf("audit %s: %v", path, err)
	}
	incs, err := st.Incidents(ctx, true)
	if err != nil {
		t.Fatalf("incidents %s: %v", path, err)
	}
	titles := map[string]string{} // ref → title
	for _, inc := range incs {
		titles[inc.Ref()] = inc.Title
	}
	// Every write here is unique: its title or text says which.
	declared := map[string][]model.Event{} // title → declare events
	noted := map[string][]model.Event{}    // text → note events
	for _, e := range evs {
		switch e.Action {
		case model.ActDeclare:
			declared[e.Data["title"]] = append(declared[e.Data["title"]], e)
		case model.ActNote:
			noted[e.Data["text"]] = append(noted[e.Data["text"]], e)
		}
	}
	for k, es := range declared {
		if len(es) > 1 {
			fail("%d declare events for the title %q; each was written once", len(es), k)
		}
	}
	for k, es := range noted {
		if len(es) > 1 {
			fail("%d note events for %q; each was written once", len(es), k)
		}
	}
	for _, a := range acks {
		switch a.kind {
		case "declare":
			es := declared[a.text]
			if len(es) == 0 {
				fail("lost: %s's declare of %s %q in round %d was acknowledged, but there is no declare event for it", a.by, a.ref, a.text, a.round)
				continue
			}
			if es[0].Target != a.ref || es[0].IncidentID == 0 {
				fail("%s's declare %q in round %d was acknowledged as %s, but its event is for %s (incident %d)", a.by, a.text, a.round, a.ref, es[0].Target, es[0].IncidentID)
			}
			if got, ok := titles[a.ref]; !ok || got != a.text {
				fail("lost: %s's declare of %s %q in round %d was acknowledged, but %s is %q (exists: %v)", a.by, a.ref, a.text, a.round, a.ref, got, ok)
			}
		case "note":
			es := noted[a.text]
			if len(es) == 0 {
				fail("lost: %s's note %q on %s in round %d was acknowledged, but there is no note event for it", a.by, a.text, a.ref, a.round)
				continue
			}
			if es[0].Target != a.ref {
				fail("%s's note %q in round %d was acknowledged on %s, but its event is on %s", a.by, a.text, a.round, a.ref, es[0].Target)
			}
		}
	}
	for _, a := range maybe {
		if len(declared[a.text])+len(noted[a.text]) > 0 {
			landed++
		}
	}
	if problems > 30 {
		t.Errorf("%s: … and %d more problems", filepath.Base(path), problems-30)
	}
	return problems, landed
}
