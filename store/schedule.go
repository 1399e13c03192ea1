package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"filippo.io/age"

	"sitrep/model"
)

// scheduledName matches the files ScheduledBackup writes, and only those:
// pruning never touches anything else in the directory.
var scheduledName = regexp.MustCompile(`^sitrep-\d{8}T\d{6}Z\.db(\.age)?$`)

// ScheduledBackup takes one backup into dir, named by its time
// (sitrep-20261205T120000Z.db, .db.age when encrypted), then removes the
// oldest of the scheduled backups there beyond the newest keep, and records
// both in one event.
func (s *Store) ScheduledBackup(ctx context.Context, actor model.Actor, dir string, keep int, to []age.Recipient) (model.Event, error) {
	if err := model.Authorize(actor.Role, model.ActBackup); err != nil {
		return model.Event{}, err
	}
	if keep < 1 {
		return model.Event{}, model.Errorf("keep at least one backup")
	}
	name := "sitrep-" + s.clock.Now().UTC().Format("20060102T150405Z") + ".db"
	if len(to) > 0 {
		name += ".age"
	}
	data, err := s.backupTo(ctx, filepath.Join(dir, name), to)
	if err != nil {
		return model.Event{}, err
	}
	data["scheduled"] = "true"
	removed, err := pruneBackups(dir, keep)
	data["pruned"] = strconv.Itoa(removed)
	ev, werr := s.recordBackup(ctx, actor, data)
	if werr != nil {
		return ev, werr
	}
	return ev, err
}

// pruneBackups removes the oldest scheduled backups in dir beyond keep.
// Names sort by time.
func pruneBackups(dir string, keep int) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("list backups in %s: %w", model.SanitizeLine(dir), err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && scheduledName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	removed := 0
	for _, n := range names[:max(0, len(names)-keep)] {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return removed, fmt.Errorf("remove old backup %s: %w", model.SanitizeLine(n), err)
		}
		removed++
	}
	return removed, nil
}

// BackupSchedule is serve's backup schedule.
type BackupSchedule struct {
	Dir   string
	Every time.Duration
	Keep  int
	To    []age.Recipient
	Actor model.Actor
	// Done is told of each backup's outcome (nil: not told).
	Done func(model.Event, error)
}

// MinBackupEvery is the shortest interval serve takes backups at.
const MinBackupEvery = time.Minute

// RunBackups takes a backup now and then every sch.Every until ctx ends.
func (s *Store) RunBackups(ctx context.Context, sch BackupSchedule) {
	t := time.NewTicker(sch.Every)
	defer t.Stop()
	for {
		ev, err := s.ScheduledBackup(ctx, sch.Actor, sch.Dir, sch.Keep, sch.To)
		if sch.Done != nil && ctx.Err() == nil {
			sch.Done(ev, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
