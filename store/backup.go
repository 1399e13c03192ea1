package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"filippo.io/age"

	"sitrep/model"
)

// ageMagic starts every age file (binary, not armoured); sqliteMagic every
// SQLite database.
var (
	ageMagic    = []byte("age-encryption.org/v1\n")
	sqliteMagic = []byte("SQLite format 3\x00")
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

// BackupInfo is what a backup holds, checked.
type BackupInfo struct {
	Encrypted bool
	Schema    int // the schema version it was written with
	Incidents int
	Events    int
	LastEvent time.Time // zero when it has no event
}

// ReadBackup reads the backup at path, decrypting it with identities when
// it is encrypted, and checks it: SQLite's integrity check passes and it is
// a sitrep database this version can open. It returns the database's bytes
// and what they hold. Nothing is written.
func ReadBackup(ctx context.Context, path string, identities []age.Identity) ([]byte, BackupInfo, error) {
	shown := model.SanitizeLine(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, BackupInfo{}, model.Errorf("cannot read the backup %s: %v", shown, errors.Unwrap(err))
	}
	defer f.Close()
	head := make([]byte, len(ageMagic))
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, BackupInfo{}, fmt.Errorf("read %s: %w", shown, err)
	}
	var info BackupInfo
	var src io.Reader = f
	switch {
	case bytes.Equal(head, ageMagic):
		info.Encrypted = true
		if len(identities) == 0 {
			return nil, info, model.Errorf("%s is encrypted; give --identity FILE (the age identity or SSH private key of one of its recipients)", shown)
		}
		src, err = age.Decrypt(f, identities...)
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, info, model.Errorf("%s was not encrypted to the identity given; give the identity of one of its recipients", shown)
		} else if err != nil {
			return nil, info, model.Errorf("%s cannot be decrypted: %v", shown, err)
		}
	case bytes.HasPrefix(head, sqliteMagic):
	default:
		return nil, info, model.Errorf("%s is neither a sitrep backup nor an age-encrypted one", shown)
	}
	image, err := io.ReadAll(io.LimitReader(src, maxImage+1))
	if err != nil {
		// age authenticates every chunk: a changed byte fails here.
		return nil, info, model.Errorf("%s is damaged or was altered: %v", shown, err)
	}
	if len(image) > maxImage {
		return nil, info, model.Errorf("%s holds more than %d GiB; sitrep reads backups into memory and stops there", shown, maxImage>>30)
	}
	if !bytes.HasPrefix(image, sqliteMagic) {
		return nil, info, model.Errorf("%s does not hold a SQLite database", shown)
	}
	if err := checkImage(ctx, image, &info); err != nil {
		return nil, info, model.Errorf("%s fails its check: %v", shown, err)
	}
	return image, info, nil
}

// checkImage loads a database image into memory and checks it.
func checkImage(ctx context.Context, image []byte, info *BackupInfo) error {
	// A copy taken of a WAL database says so in its header (bytes 18
	// and 19); an in-memory database has no WAL, so it is read as a
	// rollback-journal one. The image itself is left as it is.
	buf := bytes.Clone(image)
	if len(buf) > 19 && buf[18] == 2 && buf[19] == 2 {
		buf[18], buf[19] = 1, 1
	}
	mem, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return err
	}
	defer mem.Close()
	conn, err := mem.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		ds, ok := dc.(interface{ Deserialize([]byte) error })
		if !ok {
			return errors.New("the SQLite driver cannot load a database image")
		}
		return ds.Deserialize(buf)
	})
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	var ok string
	if err := conn.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&ok); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if ok != "ok" {
		return fmt.Errorf("integrity check: %s", model.SanitizeLine(ok))
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&info.Schema); err != nil {
		return err
	}
	known, err := migrationCount()
	if err != nil {
		return err
	}
	if info.Schema < 1 {
		return errors.New("it is not a sitrep database")
	}
	if info.Schema > known {
		return fmt.Errorf("it was written by a newer sitrep (schema %d, this one knows %d); upgrade sitrep", info.Schema, known)
	}
	var last sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM incidents), count(*), max(time) FROM events").
		Scan(&info.Incidents, &info.Events, &last); err != nil {
		return fmt.Errorf("it is not a sitrep database: %w", err)
	}
	if last.Valid {
		info.LastEvent = time.Unix(last.Int64, 0).UTC()
		// Shown in the backup's own policy zone, as its events are.
		if pol, _, err := readMeta(ctx, conn); err == nil {
			info.LastEvent = info.LastEvent.In(pol.Location())
		}
	}
	return nil
}

// Restore writes the backup at from, checked as ReadBackup does, as a new
// database at to, and records the restore in it. It never writes over an
// existing file: the database at to appears whole or not at all.
func Restore(ctx context.Context, actor model.Actor, from, to string, identities []age.Identity, opts ...Option) (BackupInfo, error) {
	if err := model.Authorize(actor.Role, model.ActBackup); err != nil {
		return BackupInfo{}, err
	}
	image, info, err := ReadBackup(ctx, from, identities)
	if err != nil {
		return info, err
	}
	abs, err := newDatabasePath(to)
	if err != nil {
		return info, err
	}
	if err := placeFile(abs, func(f *os.File) error {
		_, err := f.Write(image)
		return err
	}); err != nil {
		return info, err
	}
	src, _ := filepath.Abs(from)
	return info, recordRestore(ctx, actor, abs, map[string]string{"from": model.SanitizeLine(src)}, opts...)
}

// newDatabasePath checks that path can become a new database: nothing is
// there (nor its WAL or journal) and its directory exists.
func newDatabasePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	shown := model.SanitizeLine(abs)
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if _, err := os.Lstat(abs + suffix); err == nil {
			return "", model.Errorf("%s already exists; restore never writes over a database, so give a new path", model.SanitizeLine(abs+suffix))
		}
	}
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return "", model.Errorf("the directory of %s does not exist; create it first", shown)
	}
	return abs, nil
}

// placeFile writes a new private file at abs through fill: into a
// temporary file beside it, synced, then linked into place, which fails
// if something appeared there meanwhile. A failure leaves nothing.
func placeFile(abs string, fill func(f *os.File) error) error {
	shown := model.SanitizeLine(abs)
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".restore-*")
	if err != nil {
		return model.Errorf("cannot write in the directory of %s: %v", shown, errors.Unwrap(err))
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		err = fill(tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", shown, err)
	}
	if err := os.Link(tmp.Name(), abs); errors.Is(err, os.ErrExist) {
		return model.Errorf("%s appeared while restoring; nothing was written over it", shown)
	} else if err != nil {
		return fmt.Errorf("place %s: %w", shown, err)
	}
	if d, err := os.Open(filepath.Dir(abs)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// recordRestore opens the restored database (bringing its schema up to
// date) and appends the restore event to its audit.
func recordRestore(ctx context.Context, actor model.Actor, path string, data map[string]string, opts ...Option) error {
	st, err := Open(ctx, path, opts...)
	if err != nil {
		return fmt.Errorf("open the restored database: %w", err)
	}
	_, err = st.write(ctx, actor, model.ActBackup, func(w *wtx) (model.Event, error) {
		return model.Event{Time: w.now, Action: model.EvRestore, Target: "database", Data: data}, nil
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

// migrationCount is the schema version this sitrep writes.
func migrationCount() (int, error) {
	files, err := migrationFiles()
	return len(files), err
}
