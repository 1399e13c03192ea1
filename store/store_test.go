package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sitrep/model"
	"sitrep/store"
)

// schemaVersion is the number of embedded migrations.
const schemaVersion = 4

func userVersion(t *testing.T, path string) int {
	t.Helper()
	var v int
	if err := rawDB(t, path).QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenMigrates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "sitrep.db") // directories are created
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Path() != path {
		t.Errorf("Path() = %q; want %q", st.Path(), path)
	}
	if v := userVersion(t, path); v != schemaVersion {
		t.Errorf("user_version %d; want %d", v, schemaVersion)
	}
	var mode string
	if err := rawDB(t, path).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v); want wal", mode, err)
	}
	inc, err := st.Declare(ctx, owner, model.Declaration{Title: "Survives a restart", Severity: model.P2})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	if got := mustIncident(t, st, inc.ID); got.Title != "Survives a restart" || got.Version != 1 {
		t.Errorf("after reopening: %+v", got)
	}
	if n := eventCount(t, st); n != 1 {
		t.Errorf("%d events after reopening; want 1", n)
	}
	if v := userVersion(t, path); v != schemaVersion {
		t.Errorf("user_version %d after reopening", v)
	}
	var metas int
	if err := rawDB(t, path).QueryRow("SELECT count(*) FROM meta").Scan(&metas); err != nil || metas != 3 {
		t.Errorf("meta holds %d rows (%v); want 3, written once", metas, err)
	}
}

func TestOpenTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sitrep.db")
	a, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("second open of the same file: %v", err)
	}
	defer b.Close()
	inc := must(a.Declare(ctx, owner, model.Declaration{Title: "From a", Severity: model.P3}))(t)
	must(b.Note(ctx, member, inc.ID, "from b"))(t)
	if got := mustIncident(t, a, inc.ID); got.Version != 2 {
		t.Errorf("a reads version %d; want 2", got.Version)
	}
}

// TestOpenConcurrentlyOnNewFile opens a file that does not exist yet from
// four goroutines at once, many times over: every open must succeed.
func TestOpenConcurrentlyOnNewFile(t *testing.T) {
	ctx := context.Background()
	rounds := 40
	if raceEnabled {
		rounds = 10
	}
	for round := range rounds {
		path := filepath.Join(t.TempDir(), "new.db")
		var wg sync.WaitGroup
		stores := make([]*store.Store, 4)
		errs := make([]error, len(stores))
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stores[i], errs[i] = store.Open(ctx, path)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: open %d: %v", round, i, err)
			}
		}
		for i, st := range stores {
			if _, err := st.Declare(ctx, owner, model.Declaration{Title: "x", Severity: model.P3}); err != nil {
				t.Errorf("round %d: write through handle %d: %v", round, i, err)
			}
		}
		if v := userVersion(t, path); v != schemaVersion {
			t.Errorf("round %d: user_version %d", round, v)
		}
		if n := eventCount(t, stores[0]); n != len(stores) {
			t.Errorf("round %d: %d events; want %d", round, n, len(stores))
		}
		for _, st := range stores {
			st.Close()
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := store.Open(ctx, dir); userError(t, err) == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("opening a directory: %v", err)
	}

	// A database from a newer sitrep is refused, not downgraded.
	path := filepath.Join(dir, "newer.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := store.Open(ctx, path); userError(t, err) == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("opening a newer schema: %v", err)
	}
}

func TestOpenUnusualPath(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "with space#and?odd%20chars")
	path := filepath.Join(dir, "my db#1?.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	declare(t, st, model.Declaration{})
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "my db#1?.db") {
			t.Errorf("stray file %q beside the database", e.Name())
		}
	}
	backup := filepath.Join(dir, "back up#2.db")
	must(st.Backup(ctx, owner, backup))(t)
	if _, err := os.Stat(backup); err != nil {
		t.Fatalf("the backup is not at the path given: %v", err)
	}
	cp, err := store.Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if n := eventCount(t, cp); n != 1 {
		t.Errorf("the backup holds %d events; want 1", n)
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	st, _ := openStore(t)
	declare(t, st, model.Declaration{})
	db, err := sql.Open("sqlite", st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"UPDATE events SET actor = 'mallory'", "DELETE FROM events"} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v; want refused", q, err)
		}
	}
	if n := eventCount(t, st); n != 1 {
		t.Errorf("%d events", n)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/srv/data")
	if p, err := store.DefaultPath(); err != nil || p != "/srv/data/sitrep/sitrep.db" {
		t.Errorf("DefaultPath() = %q, %v", p, err)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/x")
	if p, err := store.DefaultPath(); err != nil || p != "/home/x/.local/share/sitrep/sitrep.db" {
		t.Errorf("DefaultPath() with a relative XDG_DATA_HOME = %q, %v", p, err)
	}
}

func TestClock(t *testing.T) {
	clk := model.FixedClock(t0)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"), store.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Clock().Now().Equal(t0) {
		t.Errorf("Clock() = %v", st.Clock().Now())
	}
	inc := declare(t, st, model.Declaration{})
	if !inc.CreatedAt.Equal(t0) || !lastEvent(t, st).Time.Equal(t0) {
		t.Errorf("stamped %v / %v; want the store's clock %v", inc.CreatedAt, lastEvent(t, st).Time, t0)
	}
}

// TestNewFileIsPrivate: a database created by sitrep is readable by its
// owner only, and so are its WAL files.
func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "private.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	must(st.Declare(context.Background(), owner, model.Declaration{Title: "x", Severity: model.P3}))(t)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v; want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// A file that is not a database, or a damaged one, is refused in one
// sentence that says how to restore from a backup.
func TestMalformedDatabaseSaysHowToRestore(t *testing.T) {
	for _, tc := range []struct{ name, content string }{
		{"not a database", strings.Repeat("this is not an SQLite file\n", 200)},
		{"damaged", "SQLite format 3\x00" + strings.Repeat("\xff", 8192)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sitrep.db")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(context.Background(), path)
			if err == nil {
				st.Close()
				t.Fatal("a malformed file opened as a database")
			}
			var me *model.Error
			if !errors.As(err, &me) || !strings.Contains(err.Error(), "latest backup") || strings.Contains(err.Error(), "\n") {
				t.Errorf("opening a malformed file: %q; want one sentence saying how to restore", err)
			}
		})
	}
}
