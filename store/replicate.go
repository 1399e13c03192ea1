package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3" // s3:// replicas

	"sitrep/model"
)

// WithReplication opens the store for a process that replicates it with
// Litestream: its writes never checkpoint the WAL themselves (SQLite's
// automatic checkpoint is off), so Litestream, which must read every frame
// before it is checkpointed away, owns checkpoints.
func WithReplication() Option { return func(s *Store) { s.replicated = true } }

// Replication streams every committed change of the database to a replica
// with Litestream, from which any moment since the oldest snapshot kept
// (24 hours by Litestream's default) can be restored.
type Replication struct {
	ls   *litestream.Store
	db   *litestream.DB
	path string
	url  string
}

// checkReplicaURL checks a replica URL: file:///absolute/path or
// s3://bucket/path (credentials from the environment, as the AWS tools
// read them).
func checkReplicaURL(raw string) error {
	shown := model.SanitizeLine(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "file" && u.Scheme != "s3") {
		return model.Errorf("%s is not a replica URL sitrep knows; give file:///path/to/dir or s3://bucket/path", shown)
	}
	if u.Scheme == "file" && (u.Host != "" || !filepath.IsAbs(u.Path) || u.Path == "/") {
		return model.Errorf("%s: a file replica needs an absolute directory, as in file:///var/backups/sitrep", shown)
	}
	if u.Scheme == "s3" && u.Host == "" {
		return model.Errorf("%s: an s3 replica needs a bucket, as in s3://bucket/sitrep", shown)
	}
	return nil
}

// replicaClient opens the replica at raw.
func replicaClient(raw string) (litestream.ReplicaClient, error) {
	if err := checkReplicaURL(raw); err != nil {
		return nil, err
	}
	c, err := litestream.NewReplicaClientFromURL(raw)
	if err != nil {
		return nil, model.Errorf("cannot use the replica %s: %v", model.SanitizeLine(raw), err)
	}
	return c, nil
}

// Replicate starts Litestream replicating the database to the replica at
// rawURL until Close. The store should have been opened WithReplication.
func (s *Store) Replicate(ctx context.Context, rawURL string, log *slog.Logger) (*Replication, error) {
	client, err := replicaClient(rawURL)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := litestream.NewDB(s.path)
	r := litestream.NewReplicaWithClient(db, client)
	if fc, ok := client.(*file.ReplicaClient); ok {
		fc.Replica = r
	}
	db.Replica = r
	ls := litestream.NewStore([]*litestream.DB{db}, litestream.DefaultCompactionLevels)
	ls.Logger = log.With("subsystem", "litestream")
	db.SetLogger(ls.Logger)
	if err := ls.Open(ctx); err != nil {
		return nil, model.Errorf("cannot replicate to %s: %v", model.SanitizeLine(rawURL), err)
	}
	rep := &Replication{ls: ls, db: db, path: s.path, url: rawURL}
	// The first sync snapshots the database to the replica now, rather
	// than at Litestream's first monitor tick: from here on the replica
	// holds every change, however soon the server stops.
	if err := rep.Sync(ctx); err != nil {
		ls.Close(context.WithoutCancel(ctx))
		return nil, model.Errorf("cannot replicate to %s: %v", model.SanitizeLine(rawURL), err)
	}
	return rep, nil
}

// Sync pushes every change committed so far to the replica and waits
// until the replica holds it.
func (r *Replication) Sync(ctx context.Context) error {
	if _, err := r.ls.SyncDB(ctx, r.path, true); err != nil {
		return fmt.Errorf("sync replica %s: %w", model.SanitizeLine(r.url), err)
	}
	return nil
}

// Close pushes what is left to the replica and stops replicating.
func (r *Replication) Close(ctx context.Context) error {
	return r.ls.Close(ctx)
}

// RestoreReplica writes the database as the replica at rawURL held it at
// time at (zero: its latest state) as a new database at to, and records
// the restore in it. Like Restore, it never writes over a file: Litestream
// restores into a private directory beside to, and the result is linked
// into place only once it is whole and checked.
func RestoreReplica(ctx context.Context, actor model.Actor, rawURL string, at time.Time, to string, log *slog.Logger, opts ...Option) (BackupInfo, error) {
	var info BackupInfo
	if err := model.Authorize(actor.Role, model.ActBackup); err != nil {
		return info, err
	}
	client, err := replicaClient(rawURL)
	if err != nil {
		return info, err
	}
	abs, err := newDatabasePath(to)
	if err != nil {
		return info, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".restore-")
	if err != nil {
		return info, model.Errorf("cannot write in the directory of %s: %v", model.SanitizeLine(abs), errors.Unwrap(err))
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "sitrep.db")
	// A DB of its own gives the restore a logger that is not the
	// process's default.
	ldb := litestream.NewDB(out)
	ldb.SetLogger(log.With("subsystem", "litestream"))
	r := litestream.NewReplicaWithClient(ldb, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = out
	opt.Timestamp = at
	opt.IntegrityCheck = litestream.IntegrityCheckFull
	if err := r.Restore(ctx, opt); err != nil {
		shown := model.SanitizeLine(rawURL)
		switch {
		case errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) || strings.Contains(err.Error(), "no matching backup files"):
			if at.IsZero() {
				return info, model.Errorf("the replica %s holds nothing to restore", shown)
			}
			return info, model.Errorf("the replica %s holds nothing as early as %s; give a later --at", shown, at.UTC().Format(time.RFC3339))
		}
		return info, model.Errorf("cannot restore from the replica %s: %v", shown, err)
	}
	image, err := os.ReadFile(out)
	if err != nil {
		return info, fmt.Errorf("read the restored database: %w", err)
	}
	if err := checkImage(ctx, image, &info); err != nil {
		return info, model.Errorf("the database restored from %s fails its check: %v", model.SanitizeLine(rawURL), err)
	}
	if err := os.Link(out, abs); errors.Is(err, os.ErrExist) {
		return info, model.Errorf("%s appeared while restoring; nothing was written over it", model.SanitizeLine(abs))
	} else if err != nil {
		return info, fmt.Errorf("place %s: %w", model.SanitizeLine(abs), err)
	}
	data := map[string]string{"replica": model.SanitizeLine(rawURL)}
	if !at.IsZero() {
		data["at"] = at.UTC().Format(time.RFC3339Nano)
	}
	return info, recordRestore(ctx, actor, abs, data, opts...)
}

// Replicated is the last transaction the replica confirmed holding
// (Litestream's TXID; it grows with every replicated commit).
func (r *Replication) Replicated() uint64 { return uint64(r.db.Replica.Pos().TXID) }
