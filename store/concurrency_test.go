package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// The helper process: TestTwoProcessesWrite runs this test binary twice
// with these variables set; each run is a writer process.
const (
	envHelperDB  = "SITREP_HELPER_DB"
	envHelperInc = "SITREP_HELPER_INCIDENT"
	envHelperTag = "SITREP_HELPER_TAG"
	envHelperN   = "SITREP_HELPER_N"

	helperGoroutines = 8
)

// helperWrites is how many notes each writer goroutine adds: fewer under
// the race detector, which slows modernc's transpiled SQLite about tenfold.
func helperWrites() int {
	if raceEnabled {
		return 20
	}
	return 40
}

// TestHelperWriter is not a test on its own: it is the writer process of
// TestTwoProcessesWrite and returns at once unless started by it. It
// opens the store, says so by closing the ready pipe it was given as fd 3,
// waits until its stdin closes (so both processes start together), then
// runs 8 goroutines each adding N notes to one incident.
// Any error goes to stderr and makes the process exit non-zero.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv(envHelperDB)
	if path == "" {
		return
	}
	id, _ := strconv.ParseInt(os.Getenv(envHelperInc), 10, 64)
	n, _ := strconv.Atoi(os.Getenv(envHelperN))
	tag := os.Getenv(envHelperTag)
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "helper %s: "+format+"\n", append([]any{tag}, args...)...)
		os.Exit(3)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		fail("open: %v", err)
	}
	if err := os.NewFile(3, "ready").Close(); err != nil {
		fail("close the ready pipe: %v", err)
	}
	io.Copy(io.Discard, os.Stdin) // the starting gun: the parent closes stdin

	actor := model.Actor{Name: "writer-" + tag, Role: model.Member, Source: "local:writer-" + tag + "@test"}
	var wg sync.WaitGroup
	errs := make(chan error, helperGoroutines*n)
	for g := range helperGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if _, err := st.Note(ctx, actor, id, fmt.Sprintf("%s-g%d-i%d", tag, g, i)); err != nil {
					errs <- fmt.Errorf("goroutine %d write %d: %w", g, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	failed := false
	for err := range errs {
		fmt.Fprintf(os.Stderr, "helper %s: %v\n", tag, err)
		failed = true
	}
	if err := st.Close(); err != nil {
		fail("close: %v", err)
	}
	if failed {
		os.Exit(3)
	}
	os.Exit(0) // skip the testing framework's own output
}

// TestTwoProcessesWrite has two OS processes × 8 goroutines each do
// read-then-write transactions (Note loads the incident and saves it with
// version+1) on one incident: none may fail with SQLITE_BUSY and none may
// be lost.
func TestTwoProcessesWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	ctx := context.Background()
	st, _ := openStore(t)
	inc := declare(t, st, model.Declaration{Title: "Contended"})

	type child struct {
		tag            string
		cmd            *exec.Cmd
		stdin          io.WriteCloser
		ready          *os.File
		stdout, stderr bytes.Buffer
	}
	var children []*child
	for _, tag := range []string{"p1", "p2"} {
		c := &child{tag: tag}
		c.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
		c.cmd.Env = append(os.Environ(), envHelperDB+"="+st.Path(), envHelperInc+"="+strconv.FormatInt(inc.ID, 10),
			envHelperTag+"="+tag, envHelperN+"="+strconv.Itoa(helperWrites()))
		c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
		var err error
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		ready, readyW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		c.cmd.ExtraFiles = []*os.File{readyW}
		if err := c.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", tag, err)
		}
		readyW.Close()
		c.ready = ready
		children = append(children, c)
	}
	// Both open the store before either writes: each closes its ready
	// pipe once open, and the read here ends then (EOF).
	for _, c := range children {
		c.ready.SetReadDeadline(time.Now().Add(2 * time.Minute))
		_, err := io.Copy(io.Discard, c.ready)
		c.ready.Close()
		if err != nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("writer %s did not open the store: %v\nstderr:\n%s", c.tag, err, c.stderr.String())
		}
	}
	start := time.Now()
	for _, c := range children {
		c.stdin.Close()
	}
	for _, c := range children {
		done := make(chan error, 1)
		go func() { done <- c.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil || c.stderr.Len() > 0 {
				t.Errorf("writer %s: %v\nstderr:\n%s\nstdout:\n%s", c.tag, err, c.stderr.String(), c.stdout.String())
			}
		case <-time.After(2 * time.Minute):
			c.cmd.Process.Kill()
			t.Fatalf("writer %s did not finish", c.tag)
		}
	}
	writes := 2 * helperGoroutines * helperWrites()
	t.Logf("%d writes from 2 processes in %v", writes, time.Since(start))

	got := mustIncident(t, st, inc.ID)
	if want := int64(1 + writes); got.Version != want {
		t.Errorf("version %d; want %d (1 + one per write): updates were lost", got.Version, want)
	}
	tl := must(st.Timeline(ctx, inc.ID))(t)
	if len(tl) != 1+writes {
		t.Errorf("timeline holds %d events; want %d", len(tl), 1+writes)
	}
	seen := map[string]int{}
	for i, ev := range tl {
		if i > 0 && ev.Seq != tl[i-1].Seq+1 {
			t.Errorf("event seq %d follows %d: not strictly increasing without gaps", ev.Seq, tl[i-1].Seq)
		}
		if ev.Action == "note" {
			seen[ev.Data["text"]]++
		}
	}
	for _, tag := range []string{"p1", "p2"} {
		for g := range helperGoroutines {
			for i := range helperWrites() {
				if k := fmt.Sprintf("%s-g%d-i%d", tag, g, i); seen[k] != 1 {
					t.Errorf("note %s recorded %d times; want once", k, seen[k])
				}
			}
		}
	}
	if all := auditAll(t, st); len(all) != len(tl) {
		t.Errorf("audit holds %d events, the timeline %d; nothing else was written", len(all), len(tl))
	}
}

// TestTwoHandlesWrite runs the same contention inside one process
// through two handles, which share nothing but the file.
func TestTwoHandlesWrite(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	other, err := store.Open(ctx, st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	inc := declare(t, st, model.Declaration{})
	per := 20
	if raceEnabled {
		per = 8
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*per)
	for g := range 8 {
		h := st
		if g%2 == 1 {
			h = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := h.Note(ctx, member, inc.ID, "n"); err != nil {
					errs <- err
				}
				if _, err := h.Incident(ctx, inc.ID); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := mustIncident(t, other, inc.ID); got.Version != int64(1+8*per) {
		t.Errorf("version %d; want %d", got.Version, 1+8*per)
	}
}

// TestOpenTakesNoWriteLock: opening a database already at the newest
// schema needs no write lock, so it never waits behind another process's
// writes (a process streaming writes once starved a second one's open
// past the busy timeout).
func TestOpenTakesNoWriteLock(t *testing.T) {
	st, _ := openStore(t)
	db, err := sql.Open("sqlite", "file:"+st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	// The write lock is held; an open that asked for it would wait the
	// whole busy timeout and fail. The bound is that timeout, not a speed.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	other, err := store.Open(ctx, st.Path())
	if err != nil {
		t.Fatalf("open while another connection holds the write lock: %v", err)
	}
	other.Close()
}

// TestWriteWaitsForTheWriteLock: a write waits while another process
// holds the write lock, and goes through once it is let go, rather than
// failing with "database is locked".
func TestWriteWaitsForTheWriteLock(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	inc := declare(t, st, model.Declaration{Title: "Locked out"})
	db, err := sql.Open("sqlite", "file:"+st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := st.Note(ctx, member, inc.ID, "after the lock")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the write returned while another connection held the write lock: %v", err)
	case <-time.After(300 * time.Millisecond): // holding the lock a while
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write once the lock was let go: %v", err)
		}
	case <-time.After(10 * time.Second): // a bound on a hang
		t.Fatal("the write was still waiting 10s after the lock was let go")
	}
}
