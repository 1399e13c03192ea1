package main

import (
	"fmt"

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
			a.printf("%s\n", ev.Text())
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
	var to, identity string
	c := &cobra.Command{
		Use:   "restore BACKUP --to NEWPATH [--identity FILE]",
		Short: "Restore a backup as a new database, never over an existing one (owner)",
		Long: `Restore a backup as a new database at NEWPATH. The backup is decrypted (with
--identity when it is encrypted) and checked before anything is written;
NEWPATH must not exist. The restore is recorded in the new database's audit.
Serve it with sitrep --db NEWPATH serve, or move it into place while sitrep
is stopped.`,
		Example: `  sitrep restore /backups/sitrep.db.age --identity ~/.ssh/id_ed25519 --to /srv/sitrep/restored.db`,
		Args:    args("BACKUP"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if to == "" {
				return usageError{model.Errorf("give --to NEWPATH, the new database to write")}
			}
			ids, err := identities(identity)
			if err != nil {
				return err
			}
			act, err := a.actor()
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
	return c
}
