package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitrep/ssh/sshtest"
)

// The profiler shows memory contents: it listens on a loopback address
// only.
func TestPprofLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:6060", "localhost:0", "nonsense"} {
		if stop, err := servePprof(addr); err == nil {
			stop()
			t.Errorf("--pprof %s was accepted; only a loopback address may be", addr)
		} else if !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--pprof %s: %v; want the refusal to say loopback", addr, err)
		}
	}
	stop, err := servePprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop()
}

// Without --host-key, serve keeps its host key beside the database it
// serves, not beside the default one: two databases are two servers.
func TestServeHostKeyBesideTheDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "xdg"))
	db := filepath.Join(dir, "served", "live.db")
	ctx, cancel := context.WithCancel(context.Background())
	errOut := sshtest.NewBuffer()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, config{in: strings.NewReader(""), out: io.Discard, errOut: errOut},
			[]string{"--db", db, "serve", "--listen", "127.0.0.1:0"})
	}()
	serving := regexp.MustCompile(`msg="sitrep serving" .*host_key=(\S+)`)
	ok := errOut.WaitUntil(20*time.Second, func(log []byte) bool { return serving.Match(log) })
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, errOut.String())
	}
	if !ok {
		t.Fatalf("serve did not log that it serves: %s", errOut.String())
	}
	want := filepath.Join(dir, "served", "ssh_host_ed25519_key")
	if got := serving.FindStringSubmatch(errOut.String())[1]; got != want {
		t.Errorf("host key %s; want %s, beside the database", got, want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("no host key beside the database: %v", err)
	}
	for _, other := range []string{"home", "xdg"} {
		if _, err := os.Stat(filepath.Join(dir, other)); err == nil {
			t.Errorf("serve --db wrote under %s", other)
		}
	}
}
