package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

func TestBackup(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	addTeam(t, st)
	a := declare(t, st, model.Declaration{Severity: model.P1, Customers: []string{"Acme"}})
	declare(t, st, model.Declaration{Severity: model.P3})
	must(st.Note(ctx, member, a.ID, "before the backup"))(t)
	must(st.Assign(ctx, admin, a.ID, "alice"))(t)
	srcBefore := auditAll(t, st)

	path := filepath.Join(t.TempDir(), "copy.db")
	ev := must(st.Backup(ctx, owner, path))(t)
	if ev.Action != model.EvBackup || ev.Data["path"] != path || ev.Target != "database" {
		t.Errorf("backup event %+v", ev)
	}
	src := auditAll(t, st)
	if len(src) != len(srcBefore)+1 || src[len(src)-1].Action != model.EvBackup {
		t.Fatalf("source has %d events after the backup, %d before; want the backup event added", len(src), len(srcBefore))
	}

	// The copy holds everything: private like the database, whatever the
	// umask.
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode: %v %v, want -rw-------", fi.Mode(), err)
	}
	cp, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer cp.Close()
	got := auditAll(t, cp)
	if len(got) != len(srcBefore) {
		t.Errorf("backup holds %d events; want %d (all but the backup's own)", len(got), len(srcBefore))
	}
	for i := range min(len(got), len(srcBefore)) {
		if got[i].Seq != srcBefore[i].Seq || got[i].Action != srcBefore[i].Action {
			t.Errorf("backup event %d is %d %s; source has %d %s", i, got[i].Seq, got[i].Action, srcBefore[i].Seq, srcBefore[i].Action)
		}
	}
	srcList, cpList := must(st.Incidents(ctx, true))(t), must(cp.Incidents(ctx, true))(t)
	if len(cpList) != len(srcList) || len(cpList) != 2 {
		t.Errorf("backup holds %d incidents, source %d", len(cpList), len(srcList))
	}
	inc := mustIncident(t, cp, a.ID)
	if inc.Commander != "alice" || inc.Version != 3 || len(inc.Customers) != 1 || len(inc.Checklist) != 9 {
		t.Errorf("backed-up incident %+v", inc)
	}
	if users := must(cp.Users(ctx))(t); len(users) != 3 {
		t.Errorf("backup holds %d users", len(users))
	}

	// Refusals.
	if err := e(st.Backup(ctx, owner, path)); userError(t, err) == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	other := filepath.Join(t.TempDir(), "admin.db")
	if err := e(st.Backup(ctx, admin, other)); userError(t, err) == nil {
		t.Error("an admin took a backup")
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("a refused backup left a file: %v", err)
	}
	if err := e(st.Backup(ctx, owner, st.Path())); userError(t, err) == nil {
		t.Error("backed up onto the database itself")
	}
	if n := eventCount(t, st); n != len(src) {
		t.Errorf("refused backups left %d events", n-len(src))
	}
}

// TestBackupWhileWriting checks the copy is consistent while another
// goroutine keeps writing: each incident's version matches its events.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	inc := declare(t, st, model.Declaration{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := st.Note(ctx, member, inc.ID, "busy"); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	dir := t.TempDir()
	for i := range 3 {
		time.Sleep(30 * time.Millisecond) // let some writes land between backups
		path := filepath.Join(dir, "b"+string(rune('0'+i))+".db")
		must(st.Backup(ctx, owner, path))(t)
		cp, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		got := mustIncident(t, cp, inc.ID)
		tl := must(cp.Timeline(ctx, inc.ID))(t)
		if got.Version != int64(len(tl)) {
			t.Errorf("backup %d: version %d but %d events: not one consistent moment", i, got.Version, len(tl))
		}
		cp.Close()
	}
	close(stop)
	wg.Wait()
}

func TestSetPolicy(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	def := must(st.Policy(ctx))(t)
	if string(def.JSON()) != string(model.DefaultPolicy().JSON()) {
		t.Errorf("a new database's policy is not the default:\n%s", def.JSON())
	}
	if m := must(st.Mode(ctx))(t); m != "live" {
		t.Errorf("mode %q", m)
	}
	p := must(st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
		p.Clocks = append(p.Clocks, model.RegulationSets()["nis2"]...)
		p.ContactDetails = "dpo@example.com"
		return "nis2 enabled; contact", nil
	}))(t)
	if _, ok := p.Clock("nis2-final"); !ok {
		t.Error("returned policy lacks the NIS2 clocks")
	}
	stored := must(st.Policy(ctx))(t)
	if string(stored.JSON()) != string(p.JSON()) {
		t.Errorf("stored policy differs from the returned one")
	}
	if last := lastEvent(t, st); last.Action != model.EvPolicy || last.Data["changes"] != "nis2 enabled; contact" || last.Target != "policy" {
		t.Errorf("policy event %+v", last)
	}
	if b := must(st.LoadBoard(ctx))(t); b.Policy.ContactDetails != "dpo@example.com" {
		t.Errorf("board policy contact %q", b.Policy.ContactDetails)
	}
	// The policy is shared through the file: another handle sees it.
	other, err := store.Open(ctx, st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if q := must(other.Policy(ctx))(t); q.ContactDetails != "dpo@example.com" {
		t.Errorf("another handle reads contact %q", q.ContactDetails)
	}
	// New incidents take the policy's checklist template.
	must(st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
		p.Checklist = []model.ChecklistTmpl{{Key: "page-oncall", Item: "Page on-call"}, {Key: "ack", Item: "Acknowledge"}}
		return "checklist", nil
	}))(t)
	inc := declare(t, st, model.Declaration{})
	if len(inc.Checklist) != 2 || inc.Checklist[0].Key != "page-oncall" {
		t.Errorf("checklist %+v", inc.Checklist)
	}
	// Removing the built-in clock is refused.
	_, err = st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) { p.Clocks = nil; return "no clocks", nil })
	userError(t, err)
}

// backup refuses the database and its -wal, -shm and -journal files,
// also through a linked directory, and creates nothing; a path with
// control characters reaches the audit log sanitised.
func TestBackupRefusesDatabaseFiles(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(filepath.Dir(st.Path()), link); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		for _, p := range []string{st.Path() + suffix, filepath.Join(link, filepath.Base(st.Path())+suffix)} {
			_, statErr := os.Stat(p)
			_, err := st.Backup(ctx, owner, p)
			if me := userError(t, err); me == nil || !strings.Contains(me.Error(), "the backup cannot") {
				t.Errorf("backup %s: %v", p, err)
			}
			if _, after := os.Stat(p); os.IsNotExist(statErr) && !os.IsNotExist(after) {
				t.Errorf("a refused backup to %s created it", p)
			}
		}
	}
	hostile := filepath.Join(t.TempDir(), "copy\x1b]0;owned\x07.db")
	ev := must(st.Backup(ctx, owner, hostile))(t)
	if strings.ContainsAny(ev.Data["path"], "\x1b\x07") || strings.ContainsAny(ev.Text(nil), "\x1b\x07") {
		t.Errorf("the backup path went into the event unsanitised: %q", ev.Data["path"])
	}
}
