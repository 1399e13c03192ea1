package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"filippo.io/age"
	"github.com/spf13/pflag"

	"sitrep/model"
	"sitrep/store"
)

// serveBackups are serve's scheduled backups: --backup-dir, --backup-every,
// --backup-keep, and the recipients to encrypt them to.
type serveBackups struct {
	dir        string
	every      time.Duration
	keep       int
	to, files  []string
	recipients []age.Recipient // read by check
}

func (b *serveBackups) flags(f *pflag.FlagSet) {
	f.StringVar(&b.dir, "backup-dir", "", "take scheduled backups into this directory (created if missing)")
	f.DurationVar(&b.every, "backup-every", time.Hour, "with --backup-dir: time between backups (at least 1m)")
	f.IntVar(&b.keep, "backup-keep", 24, "with --backup-dir: scheduled backups kept; older ones are removed")
	f.StringArrayVar(&b.to, "encrypt-to", nil, "with --backup-dir: encrypt backups to this age recipient or SSH public key (repeatable)")
	f.StringArrayVar(&b.files, "encrypt-to-key-file", nil, "with --backup-dir: encrypt backups to every recipient in this file (repeatable)")
}

// check checks the flags and reads the recipients, before serve opens
// anything.
func (b *serveBackups) check() error {
	if b.dir == "" {
		if len(b.to)+len(b.files) > 0 {
			return usageError{model.Errorf("--encrypt-to applies to scheduled backups; give --backup-dir too")}
		}
		return nil
	}
	if b.every < store.MinBackupEvery {
		return usageError{model.Errorf("--backup-every %s is too often; give at least 1m", b.every)}
	}
	if b.keep < 1 {
		return usageError{model.Errorf("--backup-keep must keep at least 1 backup")}
	}
	var err error
	b.recipients, err = store.ParseRecipients(b.to, b.files)
	return err
}

// start starts the schedule checked by check; stop waits for a backup in
// progress to end.
func (b *serveBackups) start(ctx context.Context, st *store.Store, actor model.Actor, log *slog.Logger) (stop func(), err error) {
	if b.dir == "" {
		return func() {}, nil
	}
	to := b.recipients
	if err := model.Authorize(actor.Role, model.ActBackup); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return nil, model.Errorf("cannot create the backup directory %s: %v", model.SanitizeLine(b.dir), err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.RunBackups(ctx, store.BackupSchedule{Dir: b.dir, Every: b.every, Keep: b.keep, To: to, Actor: actor,
			Done: func(ev model.Event, err error) {
				if err != nil {
					log.Error("scheduled backup failed", "dir", b.dir, "err", err)
					return
				}
				log.Info("scheduled backup", "path", ev.Data["path"], "encrypted", ev.Data["encrypted"] != "", "pruned", ev.Data["pruned"])
			}})
	}()
	log.Info("scheduled backups", "dir", b.dir, "every", b.every.String(), "keep", b.keep, "recipients", len(to))
	return func() { cancel(); <-done }, nil
}

// replicate starts Litestream replicating the served database to url
// (nothing when empty); stop pushes what is left and stops it.
func replicate(ctx context.Context, st *store.Store, url string, log *slog.Logger) (stop func(), err error) {
	if url == "" {
		return func() {}, nil
	}
	rep, err := st.Replicate(ctx, url, log)
	if err != nil {
		return nil, err
	}
	log.Info("replicating", "replica", url)
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := rep.Close(sctx); err != nil {
			log.Error("the last changes may not have reached the replica", "replica", url, "err", err)
		}
	}, nil
}
