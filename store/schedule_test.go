package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"filippo.io/age"

	"sitrep/model"
	"sitrep/store"
)

// TestScheduledBackups: each scheduled backup is named by its time, the
// oldest beyond keep are removed (nothing else in the directory is), each
// is audited, and the board knows when the last one was taken.
func TestScheduledBackups(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	seedIncidents(t, st)
	if b := must(st.LoadBoard(ctx))(t); !b.LastBackup.IsZero() {
		t.Fatalf("last backup %v before any", b.LastBackup)
	}
	dir := t.TempDir()
	other := filepath.Join(dir, "sitrep-notes.txt")
	os.WriteFile(other, []byte("keep me"), 0o600)
	x, _ := age.GenerateX25519Identity()
	var evs []model.Event
	for i := range 3 {
		var to []age.Recipient
		if i == 2 {
			to = []age.Recipient{x.Recipient()}
		}
		evs = append(evs, must(st.ScheduledBackup(ctx, owner, dir, 2, to))(t))
		clk.Advance(time.Hour)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"sitrep-20260304T110000Z.db", "sitrep-20260304T120000Z.db.age", "sitrep-notes.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v", names, want)
	}
	if got := evs[2].Text(nil); got != "took a scheduled backup to "+filepath.Join(dir, want[1])+", encrypted to 1 recipient(s); removed the 1 oldest" {
		t.Errorf("event text %q", got)
	}
	if evs[0].Data["pruned"] != "0" || evs[0].Data["scheduled"] != "true" {
		t.Errorf("first event %v", evs[0].Data)
	}
	if _, info, err := store.ReadBackup(ctx, filepath.Join(dir, want[1]), []age.Identity{x}); err != nil || info.Incidents != 2 {
		t.Errorf("the encrypted scheduled backup: %+v %v", info, err)
	}
	if b := must(st.LoadBoard(ctx))(t); !b.LastBackup.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("last backup %v, want %v", b.LastBackup, t0.Add(2*time.Hour))
	}
	if _, err := st.ScheduledBackup(ctx, admin, dir, 2, nil); userError(t, err) == nil {
		t.Errorf("an admin took a scheduled backup: %v", err)
	}
}
