package model

import (
	"testing"
	"time"
)

func TestBackupAge(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		last  time.Time
		want  string
		stale bool
	}{
		{time.Time{}, "no backup", true},
		{now, "backup 0m", false},
		{now.Add(time.Minute), "backup 0m", false}, // a clock a little behind
		{now.Add(-59*time.Minute - 59*time.Second), "backup 59m", false},
		{now.Add(-time.Hour), "backup 1h", false},
		{now.Add(-time.Hour - time.Second), "backup 1h", true},
		{now.Add(-47 * time.Hour), "backup 47h", true},
		{now.Add(-50 * time.Hour), "backup 2d", true},
	} {
		got, stale := BackupAge(tt.last, now, DefaultPolicy().RPO())
		if got != tt.want || stale != tt.stale {
			t.Errorf("BackupAge(%v) = %q, %v; want %q, %v", now.Sub(tt.last), got, stale, tt.want, tt.stale)
		}
	}
}

func TestBackupRestorePurgeEventText(t *testing.T) {
	for _, tt := range []struct {
		ev   Event
		want string
	}{
		{Event{Action: EvBackup, Data: map[string]string{"path": "/b/x.db"}}, "took a backup to /b/x.db"},
		{Event{Action: EvBackup, Data: map[string]string{"path": "/b/x.db.age", "encrypted": "age", "recipients": "2"}},
			"took a backup to /b/x.db.age, encrypted to 2 recipient(s)"},
		{Event{Action: EvBackup, Data: map[string]string{"path": "/b/s.db", "scheduled": "true", "pruned": "3"}},
			"took a scheduled backup to /b/s.db; removed the 3 oldest"},
		{Event{Action: EvRestore, Data: map[string]string{"from": "/b/x.db.age"}}, "restored this database from the backup /b/x.db.age"},
		{Event{Action: EvRestore, Data: map[string]string{"replica": "s3://b/p"}}, "restored this database from the replica s3://b/p"},
		{Event{Action: EvRestore, Data: map[string]string{"replica": "s3://b/p", "at": "2026-12-05T11:59:00Z"}},
			"restored this database from the replica s3://b/p as of 2026-12-05 11:59:00 UTC"},
		{Event{Action: EvPurge, Data: map[string]string{"incidents": "2", "events": "40", "refs": "INC-1, INC-2", "retention_days": "30", "held": "0"}},
			"purged 2 incident(s) closed over 30 days ago and their 40 event(s): INC-1, INC-2"},
	} {
		if got := tt.ev.Text(nil); got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.ev.Action, tt.ev.Data, got, tt.want)
		}
	}
}
