package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sitrep/model"
)

// errNothingToPurge ends a purge that found nothing, writing nothing.
var errNothingToPurge = errors.New("nothing to purge")

// Purge hard-deletes the incidents the policy's retention has expired
// (model.PlanPurge decides which), with everything recorded about them:
// their rows in every table that refers to incidents and their events.
// One purge event remains, with refs and counts, not content. Freed pages
// are overwritten (secure_delete), so the content does not linger in the
// file. With dryRun nothing is written and the plan is returned. Event is
// zero when nothing was due.
func (s *Store) Purge(ctx context.Context, actor model.Actor, dryRun bool) (model.Purge, model.Event, error) {
	if err := model.Authorize(actor.Role, model.ActPurge); err != nil {
		return model.Purge{}, model.Event{}, err
	}
	if dryRun {
		var plan model.Purge
		err := s.readTx(ctx, func(tx *sql.Tx) error {
			var err error
			plan, err = planPurge(ctx, tx, s.now())
			return err
		})
		return plan, model.Event{}, err
	}
	var plan model.Purge
	ev, err := s.write(ctx, actor, model.ActPurge, func(w *wtx) (model.Event, error) {
		var err error
		if plan, err = planPurge(w.ctx, w.tx, w.now); err != nil {
			return model.Event{}, err
		}
		if len(plan.Purge) == 0 {
			return model.Event{}, errNothingToPurge
		}
		return w.purge(plan)
	})
	if errors.Is(err, errNothingToPurge) {
		return plan, model.Event{}, nil
	}
	if err == nil && !s.replicated {
		s.emptyWAL(ctx)
	}
	return plan, ev, err
}

// emptyWAL copies the WAL into the database and truncates it: after a
// purge it still holds the purged pages as they were. Best effort, and
// without waiting: a reader in a transaction (Litestream replicating from
// another process holds one for good) keeps the WAL for the next
// checkpoint, and writers are not held up meanwhile. When this process
// replicates, Litestream owns checkpoints and it is not tried.
func (s *Store) emptyWAL(ctx context.Context) {
	// The writer does not wait for locks (see begin): a checkpoint that
	// cannot have them gives up at once.
	s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
}

func planPurge(ctx context.Context, q querier, now time.Time) (model.Purge, error) {
	pol, _, err := readMeta(ctx, q)
	if err != nil {
		return model.Purge{}, err
	}
	closed, err := loadIncidents(ctx, q, loadFull, "i.status = 'closed'")
	if err != nil {
		return model.Purge{}, err
	}
	return model.PlanPurge(closed, pol, now)
}

// purge deletes the planned incidents inside the write.
func (w *wtx) purge(plan model.Purge) (model.Event, error) {
	ids := make([]int64, 0, len(plan.Purge))
	refs := make([]string, 0, len(plan.Purge))
	for _, inc := range plan.Purge {
		ids = append(ids, inc.ID)
		refs = append(refs, inc.Ref())
	}
	idList, _ := json.Marshal(ids)
	exec := func(q string, args ...any) (int64, error) {
		res, err := w.tx.ExecContext(w.ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("purge: %w", err)
		}
		return res.RowsAffected()
	}
	// Freed pages are zeroed for this connection's writes from here on;
	// set back once the purge is done.
	if _, err := exec("PRAGMA secure_delete = ON"); err != nil {
		return model.Event{}, err
	}
	defer w.tx.ExecContext(w.ctx, "PRAGMA secure_delete = OFF")
	// The append-only triggers let rows go only while this row exists,
	// and it never outlives the transaction.
	if _, err := exec("INSERT INTO purging (id) VALUES (1)"); err != nil {
		return model.Event{}, err
	}
	// Every table that refers to incidents, including tables added after
	// this was written.
	rows, err := w.tx.QueryContext(w.ctx, `SELECT m.name, f."from" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = 'incidents' ORDER BY m.name`)
	if err != nil {
		return model.Event{}, fmt.Errorf("purge: list tables: %w", err)
	}
	type ref struct{ table, col string }
	var tables []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.table, &r.col); err != nil {
			rows.Close()
			return model.Event{}, fmt.Errorf("purge: list tables: %w", err)
		}
		tables = append(tables, r)
	}
	rows.Close()
	var events int64
	for _, t := range tables {
		n, err := exec(fmt.Sprintf(`DELETE FROM %q WHERE %q IN (SELECT value FROM json_each(?))`, t.table, t.col), string(idList))
		if err != nil {
			return model.Event{}, err
		}
		if t.table == "events" {
			events = n
		}
	}
	if _, err := exec(`DELETE FROM incidents WHERE id IN (SELECT value FROM json_each(?))`, string(idList)); err != nil {
		return model.Event{}, err
	}
	if _, err := exec("DELETE FROM purging"); err != nil {
		return model.Event{}, err
	}
	pol, err := w.policy()
	if err != nil {
		return model.Event{}, err
	}
	return model.Event{Time: w.now, Action: model.EvPurge, Target: "incidents", Data: map[string]string{
		"refs":           strings.Join(refs, ", "),
		"incidents":      strconv.Itoa(len(ids)),
		"events":         strconv.FormatInt(events, 10),
		"held":           strconv.Itoa(len(plan.Held)),
		"retention_days": strconv.Itoa(pol.RetentionDays),
		"cutoff":         plan.Cutoff.UTC().Format(time.RFC3339),
	}}, nil
}
