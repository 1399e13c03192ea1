package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"sitrep/model"
)

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
	case string(head) == ageMagic:
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
	case bytes.HasPrefix(head, []byte(sqliteMagic)):
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
	if !bytes.HasPrefix(image, []byte(sqliteMagic)) {
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
