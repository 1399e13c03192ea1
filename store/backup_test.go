package store_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/store"
)

// seedIncidents writes a little of everything a database holds.
func seedIncidents(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	addTeam(t, st)
	inc := declare(t, st, model.Declaration{Title: "Customer export leaked to wrong tenant", Severity: model.P1, Customers: []string{"Acme Corp"}})
	must(st.Note(ctx, member, inc.ID, "Bucket policy reverted at 10:02"))(t)
	declare(t, st, model.Declaration{Title: "Login latency", Severity: model.P3})
}

// TestEncryptedBackupRestoreDrill is the restore drill: an encrypted
// backup, verified, restored as a new database, holds exactly what the
// source held, and nothing of it is readable in the backup file.
func TestEncryptedBackupRestoreDrill(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	seedIncidents(t, st)

	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	recips, err := store.ParseRecipients([]string{x.Recipient().String(), string(ssh.MarshalAuthorizedKey(sshPub))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sshID, err := agessh.NewEd25519Identity(priv)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "sitrep.db.age")
	ev := must(st.Backup(ctx, owner, path, recips...))(t)
	if ev.Data["encrypted"] != "age" || ev.Data["recipients"] != "2" || !strings.Contains(ev.Text(nil), "encrypted to 2") {
		t.Errorf("backup event %v: %q", ev.Data, ev.Text(nil))
	}
	// The event that records the backup comes after the copy: the source
	// as the backup saw it is everything but that event.
	want := dumpWithout(t, rawDB(t, st.Path()), ev.Seq)

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"SQLite format 3", "Acme Corp", "wrong tenant", "Bucket policy"} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("the encrypted backup shows %q in the clear", plain)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 1 {
		t.Errorf("files beside the backup: %v", left)
	}

	t.Run("verify needs an identity", func(t *testing.T) {
		_, _, err := store.ReadBackup(ctx, path, nil)
		if userError(t, err) == nil || !strings.Contains(err.Error(), "--identity") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("verify refuses another identity", func(t *testing.T) {
		other, _ := age.GenerateX25519Identity()
		_, _, err := store.ReadBackup(ctx, path, []age.Identity{other})
		if userError(t, err) == nil || !strings.Contains(err.Error(), "not encrypted to") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("an altered byte is found", func(t *testing.T) {
		bad := bytes.Clone(raw)
		bad[len(bad)-40] ^= 1
		p := filepath.Join(t.TempDir(), "bad.age")
		os.WriteFile(p, bad, 0o600)
		_, _, err := store.ReadBackup(ctx, p, []age.Identity{x})
		if userError(t, err) == nil || !strings.Contains(err.Error(), "altered") {
			t.Errorf("got %v", err)
		}
	})
	for name, id := range map[string]age.Identity{"age": x, "ssh": sshID} {
		t.Run("restore with the "+name+" identity", func(t *testing.T) {
			_, info, err := store.ReadBackup(ctx, path, []age.Identity{id})
			if err != nil {
				t.Fatal(err)
			}
			if !info.Encrypted || info.Incidents != 2 || info.Events != int(ev.Seq)-1 || info.LastEvent.IsZero() {
				t.Errorf("verify: %+v, want 2 incidents and %d events", info, ev.Seq-1)
			}
			to := filepath.Join(t.TempDir(), "restored.db")
			if _, err := store.Restore(ctx, owner, path, to, []age.Identity{id}); err != nil {
				t.Fatal(err)
			}
			restored := rawDB(t, to)
			last := lastEventOf(t, to)
			if last.Action != model.EvRestore || !strings.Contains(last.Text(nil), path) {
				t.Errorf("restore recorded %q %q", last.Action, last.Text(nil))
			}
			if got := dumpWithout(t, restored, last.Seq); got != want {
				t.Errorf("restored database differs from the source:\n%s\nwant\n%s", got, want)
			}
			if fi, _ := os.Stat(to); fi.Mode().Perm() != 0o600 {
				t.Errorf("restored mode %v, want 0600", fi.Mode().Perm())
			}
			// Never over an existing database.
			before, _ := os.ReadFile(to)
			_, err = store.Restore(ctx, owner, path, to, []age.Identity{id})
			if userError(t, err) == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("restore over a database: %v", err)
			}
			if after, _ := os.ReadFile(to); !bytes.Equal(before, after) {
				t.Error("a refused restore changed the database")
			}
		})
	}
}

// TestPlainBackupVerifyRestore: a plain backup verifies and restores too,
// and restore is an owner's.
func TestPlainBackupVerifyRestore(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	seedIncidents(t, st)
	path := filepath.Join(t.TempDir(), "plain.db")
	ev := must(st.Backup(ctx, owner, path))(t)
	_, info, err := store.ReadBackup(ctx, path, nil)
	if err != nil || info.Encrypted || info.Incidents != 2 || info.Events != int(ev.Seq)-1 {
		t.Fatalf("verify: %+v %v", info, err)
	}
	to := filepath.Join(t.TempDir(), "r.db")
	if _, err := store.Restore(ctx, admin, path, to, nil); userError(t, err) == nil {
		t.Errorf("an admin restored: %v", err)
	}
	if _, err := os.Stat(to); err == nil {
		t.Error("a refused restore left a file")
	}
	if _, err := store.Restore(ctx, owner, path, to, nil); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte("hello"), 0o600)
	if _, _, err := store.ReadBackup(ctx, notDB, nil); userError(t, err) == nil {
		t.Errorf("a text file verified: %v", err)
	}
}

func TestParseRecipients(t *testing.T) {
	x, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	file := filepath.Join(dir, "owners.pub")
	os.WriteFile(file, []byte("# the owners\n"+sshKey(3, "olivia@laptop")+"\n\n"+x.Recipient().String()+"\n"), 0o600)
	rs, err := store.ParseRecipients([]string{sshKey(1, "a")}, []string{file})
	if err != nil || len(rs) != 3 {
		t.Fatalf("got %d recipients, %v", len(rs), err)
	}
	for _, bad := range []string{"", "age1nope", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "AGE-SECRET-KEY-1QQQ", "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIA== x"} {
		_, err := store.ParseRecipients([]string{bad}, nil)
		if userError(t, err) == nil {
			t.Errorf("%q accepted: %v", bad, err)
		} else if strings.Contains(err.Error(), "QQQ") {
			t.Errorf("error repeats a secret key: %v", err)
		}
	}
	if _, err := store.ParseRecipients(nil, []string{filepath.Join(dir, "missing")}); userError(t, err) == nil {
		t.Errorf("missing file: %v", err)
	}
	if _, err := store.ParseIdentities(file); userError(t, err) == nil {
		t.Errorf("a recipients file read as identities: %v", err)
	}
}

// dumpWithout is dump less the event with sequence seq (and the time of
// the last backup, written with a backup's event).
func dumpWithout(t *testing.T, db *sql.DB, seq int64) string {
	t.Helper()
	var b strings.Builder
	table := ""
	for _, line := range strings.SplitAfter(dump(t, db), "\n") {
		if name, ok := strings.CutPrefix(line, "table "); ok {
			table, _, _ = strings.Cut(name, " ")
		}
		if table == "events" && strings.HasPrefix(line, fmt.Sprintf("  [%d ", seq)) {
			continue
		}
		// When the last backup was taken is written with its event.
		if table == "meta" && strings.HasPrefix(line, "  [last_backup ") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// lastEventOf reads the newest event of the database at path.
func lastEventOf(t *testing.T, path string) model.Event {
	t.Helper()
	var ev model.Event
	var data string
	err := rawDB(t, path).QueryRow("SELECT seq, action, data FROM events ORDER BY seq DESC LIMIT 1").Scan(&ev.Seq, &ev.Action, &data)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(data), &ev.Data); err != nil {
		t.Fatal(err)
	}
	return ev
}

// BenchmarkBackup measures a backup of 1,000 incidents and 100,000
// events: plain (VACUUM INTO a file) and encrypted (VACUUM INTO memory,
// then age), and reading the encrypted one back (verify).
func BenchmarkBackup(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, boardFixturePath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	x, _ := age.GenerateX25519Identity()
	dir := b.TempDir()
	n := 0
	for _, tc := range []struct {
		name string
		to   []age.Recipient
	}{{"plain", nil}, {"age", []age.Recipient{x.Recipient()}}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n++
				if _, err := st.Backup(ctx, owner, filepath.Join(dir, fmt.Sprintf("b%d", n)), tc.to...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("verify-age", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := store.ReadBackup(ctx, filepath.Join(dir, fmt.Sprintf("b%d", n)), []age.Identity{x}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
