package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/store"
)

// A viewer's `note REF -` is refused before standard input is read: a
// client that keeps its input open and silent (sleep 50 | ssh HOST note 1
// -) hears the refusal at once, not at the maximum session time.
func TestViewerNoteRefusedBeforeReadingStdin(t *testing.T) {
	t.Parallel()
	h := newSSHHarness(t, harnessUser{"alice", "admin"}, harnessUser{"vera", "viewer"})
	if r := harnessRun(t, h.dial("alice"), "declare --title 'Queue backlog' --sev P2", nil); r.code != 0 {
		t.Fatalf("declare: %+v", r)
	}
	for _, cmd := range []string{"note INC-1 -", "update INC-1 -"} {
		sess, err := h.dial("vera").NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		if _, err := sess.StdinPipe(); err != nil { // open, never written
			t.Fatal(err)
		}
		var errOut bytes.Buffer
		sess.Stderr = &errOut
		if err := sess.Start(cmd); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- sess.Wait() }()
		select {
		case err = <-done:
		case <-time.After(15 * time.Second):
			t.Fatalf("%s as a viewer, input open and silent: not refused within 15s", cmd)
		}
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != exitRefused || !strings.Contains(errOut.String(), "a viewer cannot") {
			t.Errorf("%s as a viewer: %v %q", cmd, err, errOut.String())
		}
	}
}

// fillEvents appends n note events of size bytes each, straight into the
// file (one transaction, no fsync per row), for tests of long output.
func fillEvents(t *testing.T, db string, n, size int) {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	text := strings.Repeat("long audit line ", size/16)
	data, _ := json.Marshal(map[string]string{"text": text})
	for i := range n {
		if _, err := tx.Exec("INSERT INTO events (time, actor, source, action, target, incident_id, data) VALUES (?, 'alice', 'local:alice@test', 'note', ?, NULL, ?)",
			time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).Unix()+int64(i), fmt.Sprintf("INC-%d", i%7+1), string(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// stuckWriter takes nothing: its first Write records what it was handed
// and blocks until the context ends, as a client that never reads.
type stuckWriter struct {
	ctx     context.Context
	mu      sync.Mutex
	first   int
	calls   int
	blocked chan struct{}
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.calls++
	if w.calls == 1 {
		w.first = len(p)
		close(w.blocked)
	}
	w.mu.Unlock()
	<-w.ctx.Done()
	return 0, w.ctx.Err()
}

// `audit --json` streams: a client that takes nothing is handed one
// piece, the command does not hold the whole log while it waits, and it
// ends, non-zero, when its time is up.
func TestAuditStreamsWithBackpressure(t *testing.T) {
	// Not parallel: the heap measured is the process's, and other tests'
	// work in flight once added 3.5 MB to it under a loaded race run.
	db := filepath.Join(t.TempDir(), "sitrep.db")
	const n, size = 2000, 2000 // about 4.5 MB of JSON
	fillEvents(t, db, n, size)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &stuckWriter{ctx: ctx, blocked: make(chan struct{})}
	var errOut bytes.Buffer
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code := make(chan int, 1)
	go func() {
		code <- execute(ctx, config{in: strings.NewReader(""), out: w, errOut: &errOut}, []string{"--db", db, "--as", "tester", "audit", "--json"})
	}()
	select {
	case <-w.blocked:
	case c := <-code:
		t.Fatalf("audit --json ended (%d) before writing anything: %s", c, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("audit --json wrote nothing within 30s")
	}
	var during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&during)
	if w.first > 2*spillAt {
		t.Errorf("the first write was %d bytes; output should stream in pieces of about %d", w.first, spillAt)
	}
	if grown := int64(during.HeapAlloc) - int64(before.HeapAlloc); grown > 2<<20 {
		t.Errorf("while blocked on its first write, audit --json held %d more bytes of heap; the log is %d events of %d bytes", grown, n, size)
	}
	cancel()
	select {
	case c := <-code:
		if c == exitOK {
			t.Errorf("audit --json cut off writing exited 0")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("audit --json did not end when its context did")
	}
}

// The streamed JSON is the same text as the encoder gives for the whole
// array, and text output is the same whether held or streamed.
func TestAuditStreamedOutputUnchanged(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "sitrep.db")
	fillEvents(t, db, 700, 300) // past one page and past spillAt
	run := func(args ...string) string {
		var out, errOut bytes.Buffer
		if c := execute(context.Background(), config{in: strings.NewReader(""), out: &out, errOut: &errOut}, append([]string{"--db", db, "--as", "tester"}, args...)); c != 0 {
			t.Fatalf("%v: exit %d %s", args, c, errOut.String())
		}
		return out.String()
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	all := make([]any, 0, len(evs))
	for _, e := range evs {
		all = append(all, e.ToJSON(nil))
	}
	if err := enc.Encode(all); err != nil {
		t.Fatal(err)
	}
	if got := run("audit", "--json"); got != want.String() {
		t.Errorf("audit --json streamed differs from the encoder's array: %d bytes, want %d", len(got), want.Len())
	}
	text := run("audit")
	if lines := strings.Count(text, "\n"); lines != len(evs) {
		t.Errorf("audit printed %d lines for %d events", lines, len(evs))
	}
	empty := filepath.Join(t.TempDir(), "empty.db")
	if got := run("--db", empty, "audit", "--json"); got != "[]\n" {
		t.Errorf("audit --json of an empty log: %q", got)
	}
}
