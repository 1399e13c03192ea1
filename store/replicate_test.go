package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// after returns the current time once the clock has moved past it by
// more than Litestream's timestamp resolution (a millisecond), so that
// what is written next is stamped strictly after it.
func after() time.Time {
	t := time.Now()
	for !time.Now().After(t.Add(2 * time.Millisecond)) {
	}
	return t
}

func titles(t *testing.T, path string) []string {
	t.Helper()
	rows, err := rawDB(t, path).Query("SELECT title FROM incidents ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

// TestReplicaPointInTimeRestore is the point-in-time restore drill,
// against the real Litestream: a replica restored to a time between two
// writes holds exactly the first; restored to its latest, both.
func TestReplicaPointInTimeRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "live.db"), store.WithReplication())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	replica := "file://" + filepath.Join(dir, "replica")
	rep, err := st.Replicate(ctx, replica, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close(ctx)
	if err := rep.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	before := after()

	if _, err := st.Declare(ctx, owner, model.Declaration{Title: "First write", Severity: model.P2}); err != nil {
		t.Fatal(err)
	}
	if err := rep.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	between := after()
	if _, err := st.Declare(ctx, owner, model.Declaration{Title: "Second write", Severity: model.P2}); err != nil {
		t.Fatal(err)
	}
	if err := rep.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	restore := func(name string, at time.Time) string {
		t.Helper()
		to := filepath.Join(dir, name)
		if _, err := store.RestoreReplica(ctx, owner, replica, at, to, nil); err != nil {
			t.Fatalf("restore %s: %v", name, err)
		}
		return to
	}
	if got := titles(t, restore("at-before.db", before)); len(got) != 0 {
		t.Errorf("restored to before the first write: %v", got)
	}
	atBetween := restore("at-between.db", between)
	if got := titles(t, atBetween); !slices.Equal(got, []string{"First write"}) {
		t.Errorf("restored to between the writes: %v, want exactly the first", got)
	}
	if ev := lastEventOf(t, atBetween); ev.Action != model.EvRestore || ev.Data["at"] != between.UTC().Format(time.RFC3339Nano) ||
		!strings.Contains(ev.Text(nil), "restored this database from the replica "+replica+" as of ") {
		t.Errorf("restore recorded %q %v: %q", ev.Action, ev.Data, ev.Text(nil))
	}
	if got := titles(t, restore("latest.db", time.Time{})); !slices.Equal(got, []string{"First write", "Second write"}) {
		t.Errorf("restored to the latest: %v, want both writes", got)
	}

	// Never over a database; bad URLs and roles refused.
	_, err = store.RestoreReplica(ctx, owner, replica, time.Time{}, atBetween, nil)
	if userError(t, err) == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("restore over a database: %v", err)
	}
	for _, bad := range []string{"relative/dir", "file://relative", "http://example.com/x", "s3://"} {
		if _, err := store.RestoreReplica(ctx, owner, bad, time.Time{}, filepath.Join(dir, "bad.db"), nil); userError(t, err) == nil {
			t.Errorf("replica %q: %v", bad, err)
		}
	}
	if _, err := store.RestoreReplica(ctx, admin, replica, time.Time{}, filepath.Join(dir, "admin.db"), nil); userError(t, err) == nil {
		t.Errorf("an admin restored: %v", err)
	}
	early := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = store.RestoreReplica(ctx, owner, replica, early, filepath.Join(dir, "early.db"), nil)
	if userError(t, err) == nil || !strings.Contains(err.Error(), "holds nothing as early as") {
		t.Errorf("restore to before the replica: %v", err)
	}
}

// BenchmarkReplicationLag measures the recovery point while replicating
// to a file replica with Litestream's defaults: the time from a commit
// until the replica confirms holding it.
func BenchmarkReplicationLag(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "live.db"), store.WithReplication())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rep, err := st.Replicate(ctx, "file://"+filepath.Join(dir, "replica"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer rep.Close(ctx)
	inc, err := st.Declare(ctx, owner, model.Declaration{Title: "Lag", Severity: model.P3})
	if err != nil {
		b.Fatal(err)
	}
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		was := rep.Replicated()
		start := time.Now()
		if _, err := st.Note(ctx, owner, inc.ID, "lag probe"); err != nil {
			b.Fatal(err)
		}
		for rep.Replicated() == was {
			time.Sleep(time.Millisecond)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms-lag/op")
	b.ReportMetric(float64(worst.Milliseconds()), "ms-worst")
}

// BenchmarkRestoreReplica measures the recovery time from a file replica
// of 1,000 incidents and 100,000 events.
func BenchmarkRestoreReplica(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	src, err := os.ReadFile(boardFixturePath(b))
	if err != nil {
		b.Fatal(err)
	}
	live := filepath.Join(dir, "live.db")
	if err := os.WriteFile(live, src, 0o600); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, live, store.WithReplication())
	if err != nil {
		b.Fatal(err)
	}
	replica := "file://" + filepath.Join(dir, "replica")
	rep, err := st.Replicate(ctx, replica, nil)
	if err != nil {
		b.Fatal(err)
	}
	rep.Close(ctx)
	st.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		info, err := store.RestoreReplica(ctx, owner, replica, time.Time{}, filepath.Join(dir, fmt.Sprintf("r%d.db", i)), nil)
		if err != nil {
			b.Fatal(err)
		}
		if info.Incidents != 1000 || info.Events < 100_000 {
			b.Fatalf("restored %+v", info)
		}
	}
}
