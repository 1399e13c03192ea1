package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"sitrep/model"
)

// Backup writes a consistent copy of the database to path with VACUUM
// INTO, while others keep writing, and records that it did.
func (s *Store) Backup(ctx context.Context, actor model.Actor, path string) (model.Event, error) {
	if err := model.Authorize(actor.Role, model.ActBackup); err != nil {
		return model.Event{}, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return model.Event{}, fmt.Errorf("resolve backup path: %w", err)
	}
	shown := model.SanitizeLine(abs)
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return model.Event{}, model.Errorf("the directory %s does not exist; create it first", model.SanitizeLine(filepath.Dir(abs)))
	}
	// Compared with links resolved: a backup written onto the database's
	// journal, WAL or shared-memory file locks every process out.
	target := resolved(abs)
	live := resolved(s.path)
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if target == live+suffix {
			if suffix == "" {
				return model.Event{}, model.Errorf("the backup cannot overwrite the database itself; give another path")
			}
			return model.Event{}, model.Errorf("the backup cannot be written onto the database's %s file; give another path", suffix)
		}
	}
	// The copy holds everything the database does, so it is created
	// private, like the database, before SQLite fills it (VACUUM INTO
	// takes an empty file); O_EXCL also means no backup is overwritten.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return model.Event{}, model.Errorf("%s already exists; give a new file name so no backup is overwritten", shown)
	} else if err != nil {
		return model.Event{}, model.Errorf("cannot use %s: %v", shown, err)
	}
	f.Close()
	// VACUUM INTO reads in one transaction, so the copy is consistent, and
	// writes only the new file; the readers are query_only, which refuses
	// it, so it gets a connection of its own.
	db, err := sql.Open("sqlite", s.dsn+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return model.Event{}, fmt.Errorf("backup: %w", err)
	}
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", abs)
	db.Close()
	if err != nil {
		os.Remove(abs)
		return model.Event{}, fmt.Errorf("backup to %s: %w", shown, err)
	}
	return s.write(ctx, actor, model.ActBackup, func(w *wtx) (model.Event, error) {
		return model.Event{Time: w.now, Action: model.EvBackup, Target: "database", Data: map[string]string{"path": shown}}, nil
	})
}

// resolved is path with its directory's symbolic links resolved (the
// file itself need not exist).
func resolved(path string) string {
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return filepath.Clean(path)
	}
	return filepath.Join(dir, filepath.Base(path))
}

// SetPolicy changes the policy: change edits a copy and says what it
// changed; the result is validated before it is stored.
func (s *Store) SetPolicy(ctx context.Context, actor model.Actor, change func(p *model.Policy) (string, error)) (model.Policy, error) {
	var out model.Policy
	_, err := s.write(ctx, actor, model.ActPolicy, func(w *wtx) (model.Event, error) {
		p, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		desc, err := change(&p)
		if err != nil {
			return model.Event{}, err
		}
		if err := p.Validate(); err != nil {
			return model.Event{}, err
		}
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE meta SET value = ? WHERE key = 'policy'", string(p.JSON())); err != nil {
			return model.Event{}, fmt.Errorf("save policy: %w", err)
		}
		if err := w.refreshAllHeld(); err != nil {
			return model.Event{}, err
		}
		out = p
		return model.Event{Time: w.now, Action: model.EvPolicy, Target: "policy", Data: map[string]string{"changes": desc}}, nil
	})
	return out, err
}
