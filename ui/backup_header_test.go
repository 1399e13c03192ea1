package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsoleBackupAge: owners see the last backup's age in the header,
// marked once it is older than the recovery point objective (1 h) or when
// there is none; other roles do not see it.
func TestConsoleBackupAge(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	assertContains(t, "owner, never backed up", h.screen(), "✖ no backup  Tue 24 Nov 15:00:00 CET")
	if s := newConsole(t, e, conAdmin, 100, 30).screen(); strings.Contains(s, "backup") {
		t.Errorf("an admin sees the backup age:\n%s", s)
	}

	if _, err := e.st.Backup(context.Background(), conOwner, filepath.Join(t.TempDir(), "b.db")); err != nil {
		t.Fatal(err)
	}
	h.refresh()
	s := h.screen()
	assertContains(t, "owner, just backed up", s, "backup 0m  Tue 24 Nov 15:00:00 CET")
	if strings.Contains(s, "✖ backup") {
		t.Errorf("a fresh backup is marked:\n%s", s)
	}

	later := conNow.Add(time.Hour + time.Minute)
	e.clk.Set(later)
	h.m.Update(tickMsg(later))
	assertContains(t, "owner, an hour later", h.screen(), "✖ backup 1h  Tue 24 Nov 16:01:00 CET")
}
