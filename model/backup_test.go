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
		got, stale := BackupAge(tt.last, now, BackupRPO)
		if got != tt.want || stale != tt.stale {
			t.Errorf("BackupAge(%v) = %q, %v; want %q, %v", now.Sub(tt.last), got, stale, tt.want, tt.stale)
		}
	}
}
