package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"sitrep/ssh/sshtest"
)

// serve --backup-dir takes a backup when it starts (then on schedule),
// encrypted to the recipients given, and records it.
func TestServeScheduledBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	backups := filepath.Join(dir, "backups")
	key := filepath.Join(dir, "owner.pub")
	os.WriteFile(key, []byte(sshKeyLine(t)+"\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	errOut := sshtest.NewBuffer()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, config{in: strings.NewReader(""), out: io.Discard, errOut: errOut},
			[]string{"--db", db, "--as", "olivia", "serve", "--listen", "127.0.0.1:0",
				"--backup-dir", backups, "--backup-every", "1h", "--backup-keep", "3", "--encrypt-to-key-file", key})
	}()
	taken := regexp.MustCompile(`msg="scheduled backup" path=(\S+) encrypted=true`)
	ok := errOut.WaitUntil(20*time.Second, func(log []byte) bool { return taken.Match(log) })
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, errOut.String())
	}
	if !ok {
		t.Fatalf("serve took no backup: %s", errOut.String())
	}
	path := taken.FindStringSubmatch(errOut.String())[1]
	if filepath.Dir(path) != backups || !strings.HasSuffix(path, ".db.age") {
		t.Errorf("backup at %s", path)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) {
		t.Errorf("the scheduled backup is not age-encrypted: %v", err)
	}
	var out bytes.Buffer
	if code := execute(context.Background(), config{in: strings.NewReader(""), out: &out, errOut: io.Discard},
		[]string{"--db", db, "audit", "--action", "backup"}); code != 0 || !strings.Contains(out.String(), "took a scheduled backup to "+path+", encrypted to 1 recipient(s)") {
		t.Errorf("audit (%d): %s", code, out.String())
	}
}

func TestServeBackupFlagsRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--backup-dir", "b", "--backup-every", "10s"}, "at least 1m"},
		{[]string{"--backup-dir", "b", "--backup-keep", "0"}, "at least 1 backup"},
		{[]string{"--encrypt-to", "age1x"}, "give --backup-dir too"},
		{[]string{"--backup-dir", "b", "--encrypt-to", "ssh-dss AAAA"}, "neither an age recipient"},
	} {
		dir := t.TempDir()
		var errOut bytes.Buffer
		args := append([]string{"--db", filepath.Join(dir, "x.db"), "serve", "--listen", "127.0.0.1:0"}, tc.args...)
		code := execute(context.Background(), config{in: strings.NewReader(""), out: io.Discard, errOut: &errOut}, args)
		if code == 0 || !strings.Contains(errOut.String(), tc.want) || strings.Contains(errOut.String(), "sitrep serving") {
			t.Errorf("serve %v: exit %d, %q; want a refusal saying %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// sshKeyLine is a new ed25519 public key in authorized_keys form.
func sshKeyLine(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

// serve --replicate streams the database to a Litestream replica; what
// was written while it ran is restored from it after it stops.
func TestServeReplicateAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	replica := "file://" + filepath.Join(dir, "replica")
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := execute(context.Background(), config{in: strings.NewReader(""), out: &out, errOut: &errOut}, args)
		return code, out.String(), errOut.String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	errOut := sshtest.NewBuffer()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, config{in: strings.NewReader(""), out: io.Discard, errOut: errOut},
			[]string{"--db", db, "serve", "--listen", "127.0.0.1:0", "--replicate", replica})
	}()
	if !errOut.WaitUntil(20*time.Second, func(log []byte) bool { return bytes.Contains(log, []byte("sitrep serving")) }) {
		cancel()
		<-done
		t.Fatalf("serve did not start: %s", errOut.String())
	}
	if code, out, e := run("--db", db, "declare", "--title", "Replicated while serving", "--sev", "P2"); code != 0 {
		t.Fatalf("declare: %s %s", out, e)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errOut.String())
	}
	to := filepath.Join(dir, "restored.db")
	code, out, e := run("restore", "--from-replica", replica, "--to", to)
	if code != 0 || !strings.Contains(out, "as of its latest state to "+to+": 1 incidents") {
		t.Fatalf("restore (%d): %s %s", code, out, e)
	}
	if code, out, _ := run("--db", to, "list"); code != 0 || !strings.Contains(out, "Replicated while serving") {
		t.Errorf("restored list: %s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"restore", "--from-replica", replica, "--to", to}, "already exists"},
		{[]string{"restore", "--from-replica", replica}, "give --to NEWPATH"},
		{[]string{"restore", "x.db", "--at", "-1h", "--to", filepath.Join(dir, "n.db")}, "--at is for --from-replica"},
		{[]string{"restore", "--from-replica", replica, "--at", "2020-01-01", "--to", filepath.Join(dir, "n.db")}, "holds nothing as early as"},
		{[]string{"restore", "--from-replica", "ftp://x/y", "--to", filepath.Join(dir, "n.db")}, "not a replica URL"},
		{[]string{"--db", db, "serve", "--listen", "127.0.0.1:0", "--replicate", "file://relative"}, "absolute directory"},
	} {
		code, out, e := run(tc.args...)
		if code == 0 || !strings.Contains(e, tc.want) {
			t.Errorf("%v: exit %d, %s %q; want a refusal saying %q", tc.args, code, out, e, tc.want)
		}
	}
}
