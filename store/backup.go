package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"filippo.io/age"

	"sitrep/model"
)

// ageMagic starts every age file (binary, not armoured); sqliteMagic every
// SQLite database.
const (
	ageMagic    = "age-encryption.org/v1\n"
	sqliteMagic = "SQLite format 3\x00"
)

// maxImage bounds the database a backup may hold when it is read back
// (verify, restore): the whole image is held in memory.
const maxImage = 8 << 30

// Backup writes a consistent copy of the database to path while others
// keep writing, and records that it did. With recipients the copy is
// encrypted to them with age, and its plain form never reaches a disk: the
// database is vacuumed into an in-memory database (SQLite's memdb), whose
// bytes are encrypted as they are written.
func (s *Store) Backup(ctx context.Context, actor model.Actor, path string, to ...age.Recipient) (model.Event, error) {
	if err := model.Authorize(actor.Role, model.ActBackup); err != nil {
		return model.Event{}, err
	}
	data, err := s.backupTo(ctx, path, to)
	if err != nil {
		return model.Event{}, err
	}
	return s.recordBackup(ctx, actor, data)
}

// backupTo writes the copy (encrypted to recipients when there are any)
// and returns the facts of its event.
func (s *Store) backupTo(ctx context.Context, path string, to []age.Recipient) (map[string]string, error) {
	abs, err := s.backupTarget(path)
	if err != nil {
		return nil, err
	}
	shown := model.SanitizeLine(abs)
	// The copy holds everything the database does, so it is created
	// private, like the database, before anything fills it; O_EXCL also
	// means no backup is overwritten.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, model.Errorf("%s already exists; give a new file name so no backup is overwritten", shown)
	} else if err != nil {
		return nil, model.Errorf("cannot use %s: %v", shown, err)
	}
	data := map[string]string{"path": shown}
	if len(to) == 0 {
		f.Close()
		// VACUUM INTO reads in one transaction, so the copy is
		// consistent, and writes only the new file (it takes an empty one).
		err = s.vacuumInto(ctx, abs)
	} else {
		err = s.encryptedCopy(ctx, f, to)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		data["encrypted"] = "age"
		data["recipients"] = strconv.Itoa(len(to))
	}
	if err != nil {
		os.Remove(abs)
		return nil, fmt.Errorf("backup to %s: %w", shown, err)
	}
	return data, nil
}

// recordBackup appends a backup's event and keeps its time where the
// board finds it without searching the events.
func (s *Store) recordBackup(ctx context.Context, actor model.Actor, data map[string]string) (model.Event, error) {
	return s.write(ctx, actor, model.ActBackup, func(w *wtx) (model.Event, error) {
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO meta (key, value) VALUES ('last_backup', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(w.now.Unix(), 10)); err != nil {
			return model.Event{}, fmt.Errorf("record backup: %w", err)
		}
		return model.Event{Time: w.now, Action: model.EvBackup, Target: "database", Data: data}, nil
	})
}

// backupTarget checks that path may receive a backup: its directory
// exists, and it is neither the database nor one of its files.
func (s *Store) backupTarget(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolve backup path: %w", err)
	}
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return "", model.Errorf("the directory %s does not exist; create it first", model.SanitizeLine(filepath.Dir(abs)))
	}
	// Compared with links resolved: a backup written onto the database's
	// journal, WAL or shared-memory file locks every process out.
	target := resolved(abs)
	live := resolved(s.path)
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if target == live+suffix {
			if suffix == "" {
				return "", model.Errorf("the backup cannot overwrite the database itself; give another path")
			}
			return "", model.Errorf("the backup cannot be written onto the database's %s file; give another path", suffix)
		}
	}
	return abs, nil
}

// vacuumInto runs VACUUM INTO target on a connection of its own: the
// readers are query_only, which refuses it. Temporary structures stay in
// memory, so an encrypted backup leaves nothing plain in a temp file.
func (s *Store) vacuumInto(ctx context.Context, target string) error {
	db, err := sql.Open("sqlite", s.dsn+"?_pragma=busy_timeout(10000)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", target)
	return err
}

// encryptedCopy vacuums the database into a private in-memory database,
// serialises it and writes it encrypted to f. The memdb name is random:
// memdb databases whose names start with "/" are shared by the process,
// and a server may take two backups at once.
func (s *Store) encryptedCopy(ctx context.Context, f *os.File, to []age.Recipient) error {
	name := "file:/sitrep-backup-" + rand.Text() + "?vfs=memdb"
	mem, err := sql.Open("sqlite", name)
	if err != nil {
		return err
	}
	defer mem.Close()
	mem.SetMaxOpenConns(1)
	conn, err := mem.Conn(ctx) // keeps the memdb alive until the copy is read
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := s.vacuumInto(ctx, name); err != nil {
		return err
	}
	image, err := serialize(ctx, conn)
	if err != nil {
		return err
	}
	enc, err := age.Encrypt(f, to...)
	if err != nil {
		return fmt.Errorf("encrypt: %w", err)
	}
	if _, err := enc.Write(image); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return f.Sync()
}

// serialize returns the bytes of conn's main database.
func serialize(ctx context.Context, conn *sql.Conn) ([]byte, error) {
	var image []byte
	err := conn.Raw(func(dc any) error {
		sz, ok := dc.(interface{ Serialize() ([]byte, error) })
		if !ok {
			return errors.New("the SQLite driver cannot serialise a database")
		}
		var err error
		image, err = sz.Serialize()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("serialise the copy: %w", err)
	}
	return image, nil
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
