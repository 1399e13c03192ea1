package main

import (
	"fmt"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"sitrep/model"
	"sitrep/store"
)

// backupCmd is backup PATH, with verify beneath it. Local only: a backup
// is a file on the server's disk.
func (a *app) backupCmd() *cobra.Command {
	var to, toFiles []string
	c := &cobra.Command{
		Use:   "backup PATH [--encrypt-to RECIPIENT]... [--encrypt-to-key-file FILE]...",
		Short: "Write a consistent copy of the database while it is in use, encrypted with age if asked (owner)",
		Long: `Write a consistent copy of the database while it is in use.

With --encrypt-to or --encrypt-to-key-file the copy is encrypted with age to
each recipient: an age recipient (age1...) or an SSH ed25519 or RSA public key
(an owner's key from ~/.ssh/id_ed25519.pub). The copy is made in memory and
encrypted as it is written, so its plain form never reaches a disk. Decrypt it
with sitrep backup verify or sitrep restore and the matching --identity.`,
		Example: `  sitrep backup /backups/sitrep-2026-12-05.db
  sitrep backup /backups/sitrep.db.age --encrypt-to-key-file ~/.ssh/id_ed25519.pub --encrypt-to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
  sitrep backup verify /backups/sitrep.db.age --identity ~/.ssh/id_ed25519`,
		Args: args("PATH"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			recips, err := store.ParseRecipients(to, toFiles)
			if err != nil {
				return err
			}
			st, act, err := a.env()
			if err != nil {
				return err
			}
			ev, err := st.Backup(a.ctx, act, argv[0], recips...)
			if err != nil {
				return err
			}
			if err := a.say(ev); err != nil {
				return err
			}
			return nil
		},
	}
	addEncryptFlags(c, &to, &toFiles)
	c.AddCommand(a.backupVerifyCmd())
	return c
}

// addEncryptFlags adds the recipients' flags (backup, and serve's
// scheduled backups).
func addEncryptFlags(c *cobra.Command, to, toFiles *[]string) {
	c.Flags().StringArrayVar(to, "encrypt-to", nil, "encrypt to this age recipient or SSH public key (repeatable)")
	c.Flags().StringArrayVar(toFiles, "encrypt-to-key-file", nil, "encrypt to every recipient or SSH public key in this file, one a line (repeatable)")
}

func (a *app) backupVerifyCmd() *cobra.Command {
	var identity string
	c := &cobra.Command{
		Use:   "verify PATH [--identity FILE]",
		Short: "Decrypt a backup, check its integrity and say what it holds",
		Args:  args("PATH"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			ids, err := identities(identity)
			if err != nil {
				return err
			}
			_, info, err := store.ReadBackup(a.ctx, argv[0], ids)
			if err != nil {
				return err
			}
			a.printf("%s\n", describeBackup(argv[0], info))
			return nil
		},
	}
	c.Flags().StringVar(&identity, "identity", "", "age identity file or SSH private key of a recipient (for an encrypted backup)")
	return c
}

// describeBackup says what a checked backup holds, in one line.
func describeBackup(path string, info store.BackupInfo) string {
	kind := "plain"
	if info.Encrypted {
		kind = "age-encrypted"
	}
	last := "no events"
	if !info.LastEvent.IsZero() {
		last = "last event " + info.LastEvent.Format(model.TimeFormat)
	}
	return fmt.Sprintf("%s: %s backup, integrity ok, schema %d: %d incidents, %d events, %s",
		model.SanitizeLine(path), kind, info.Schema, info.Incidents, info.Events, last)
}

func identities(file string) ([]age.Identity, error) {
	if file == "" {
		return nil, nil
	}
	return store.ParseIdentities(file)
}

// restoreCmd writes a backup, or a replica as of a time, as a new
// database. Local only.
func (a *app) restoreCmd() *cobra.Command {
	var to, identity, replica, at string
	c := &cobra.Command{
		Use:   "restore BACKUP --to NEWPATH [--identity FILE] | restore --from-replica URL [--at TIME] --to NEWPATH",
		Short: "Restore a backup, or a replica as of a time, as a new database, never over an existing one (owner)",
		Long: `Restore a backup as a new database at NEWPATH. The backup is decrypted (with
--identity when it is encrypted) and checked before anything is written.

With --from-replica, restore from the Litestream replica that serve --replicate
writes, as it was at --at TIME (default: its latest state): the database then
holds exactly the changes that had reached the replica by that time.

NEWPATH must not exist. The restore is recorded in the new database's audit.
Serve it with sitrep --db NEWPATH serve, or move it into place while sitrep
is stopped.`,
		Example: `  sitrep restore /backups/sitrep.db.age --identity ~/.ssh/id_ed25519 --to /srv/sitrep/restored.db
  sitrep restore --from-replica file:///var/backups/sitrep --at 2026-12-05T11:59:00Z --to /srv/sitrep/before-the-mistake.db
  sitrep restore --from-replica s3://bucket/sitrep --at -30m --to /srv/sitrep/restored.db`,
		Args: func(cmd *cobra.Command, got []string) error {
			if replica != "" {
				return args()(cmd, got)
			}
			return args("BACKUP")(cmd, got)
		},
		RunE: func(cmd *cobra.Command, argv []string) error {
			if to == "" {
				return usageError{model.Errorf("give --to NEWPATH, the new database to write")}
			}
			if replica == "" && at != "" {
				return usageError{model.Errorf("--at is for --from-replica; a backup holds one moment")}
			}
			if replica != "" && identity != "" {
				return usageError{model.Errorf("--identity is for encrypted backups, not replicas")}
			}
			act, err := a.actor()
			if err != nil {
				return err
			}
			if replica != "" {
				var when time.Time
				if at != "" {
					if when, err = model.ParseTime(at, time.Now()); err != nil {
						return err
					}
				}
				info, err := store.RestoreReplica(a.ctx, act, replica, when, to, nil)
				if err != nil {
					return err
				}
				as := "its latest state"
				if !when.IsZero() {
					as = when.In(info.LastEvent.Location()).Format(model.TimeFormat)
				}
				a.printf("restored the replica %s as of %s to %s: %d incidents, %d events\n",
					model.SanitizeLine(replica), as, model.SanitizeLine(to), info.Incidents, info.Events)
				return nil
			}
			ids, err := identities(identity)
			if err != nil {
				return err
			}
			info, err := store.Restore(a.ctx, act, argv[0], to, ids)
			if err != nil {
				return err
			}
			a.printf("%s\nrestored to %s\n", describeBackup(argv[0], info), model.SanitizeLine(to))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&to, "to", "", "the new database file to write (must not exist)")
	f.StringVar(&identity, "identity", "", "age identity file or SSH private key of a recipient (for an encrypted backup)")
	f.StringVar(&replica, "from-replica", "", "restore from this Litestream replica (file:///dir or s3://bucket/path) instead of a backup")
	f.StringVar(&at, "at", "", "with --from-replica: the time to restore to (RFC 3339, -30m, a date; default its latest)")
	return c
}
