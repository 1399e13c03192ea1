package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitrep/ssh/sshtest"
)

// Running the test binary as the real sitrep: testscript.Main (TestMain)
// runs execute when the binary's os.Args[0] has the base name "sitrep",
// so a child started from os.Executable with Args[0] "sitrep" is the
// command line, with no copy or link of the binary needed.

// sitrepBinary is the test binary, to be run as sitrep.
func sitrepBinary(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("find the test binary: %v", err)
	}
	return exe
}

// procEnv is the environment of a sitrep child process: the test's own,
// with the race detector's one-second sleep at exit turned off (other
// race options kept).
func procEnv() []string {
	env := os.Environ()
	g := os.Getenv("GORACE")
	if !strings.Contains(g, "atexit_sleep_ms") {
		env = append(env, "GORACE="+strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
	return env
}

// sitrepProc is the test binary as "sitrep args...". The context kills it
// (SIGKILL) when done.
func sitrepProc(ctx context.Context, t testing.TB, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, sitrepBinary(t))
	cmd.Args = append([]string{"sitrep"}, args...)
	cmd.Env = procEnv()
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// procResult is how one sitrep process ended.
type procResult struct {
	stdout, stderr string
	code           int   // exit status; -1 when it did not exit normally
	err            error // why it did not run or exit normally
	took           time.Duration
}

// runSitrepProc runs one sitrep command line as its own process and waits
// for it, for at most timeout.
func runSitrepProc(ctx context.Context, t testing.TB, timeout time.Duration, args ...string) procResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := sitrepProc(ctx, t, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := procResult{stdout: out.String(), stderr: errOut.String(), code: -1, took: time.Since(start)}
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		r.code = cmd.ProcessState.ExitCode()
	}
	if r.code < 0 {
		r.err = fmt.Errorf("sitrep %s: %v (context: %v)", strings.Join(args, " "), err, ctx.Err())
	}
	return r
}

// serveProc is a "sitrep serve" child process.
type serveProc struct {
	cmd    *exec.Cmd
	log    *sshtest.Buffer // its stderr
	addr   string
	waited chan struct{} // closed once Wait has returned
	state  *os.ProcessState
}

var serveProcAddr = regexp.MustCompile(`msg="sitrep serving" addr=(127\.0\.0\.1:[0-9]+)`)

// startServeProc starts "sitrep --db DB serve" on 127.0.0.1:0 with the given
// host key and waits until it logs its address. The test's cleanup kills
// it if it is still running.
func startServeProc(ctx context.Context, t testing.TB, db, hostKey string, timeout time.Duration) (*serveProc, error) {
	s := &serveProc{log: sshtest.NewBuffer(), waited: make(chan struct{})}
	s.cmd = sitrepProc(ctx, t, "--db", db, "serve", "--listen", "127.0.0.1:0", "--host-key", hostKey)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sitrep serve: %w", err)
	}
	go func() {
		s.cmd.Wait()
		s.state = s.cmd.ProcessState
		close(s.waited)
	}()
	t.Cleanup(func() { s.kill() })
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		out, changed := s.log.Snapshot()
		if m := serveProcAddr.FindSubmatch(out); m != nil {
			s.addr = string(m[1])
			return s, nil
		}
		select {
		case <-changed:
		case <-s.waited:
			return nil, fmt.Errorf("sitrep serve exited (%v) before listening; its log:\n%s", s.state, s.log.String())
		case <-deadline.C:
			s.kill()
			return nil, fmt.Errorf("sitrep serve did not listen within %v; its log:\n%s", timeout, s.log.String())
		}
	}
}

// kill sends SIGKILL (if it still runs) and waits for the process.
func (s *serveProc) kill() {
	select {
	case <-s.waited:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.waited
}
