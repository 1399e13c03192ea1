package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"sitrep/model"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// wtx is one write in progress: its transaction, its time and its actor.
type wtx struct {
	ctx   context.Context
	tx    *sql.Tx
	now   time.Time
	actor model.Actor
	// realTime: an exercise database's write stamped with real time.
	realTime bool
	// simChanged is the exercise clock this write set, taken by the store
	// once it commits.
	simChanged *model.SimClock
}

// write runs one user action: it checks that the actor may take act, then
// runs fn in an immediate transaction; fn changes state and returns the
// event describing it, which is appended in the same transaction. Either
// both land or neither. Subscribers are told after the commit.
func (s *Store) write(ctx context.Context, actor model.Actor, act model.Action, fn func(w *wtx) (model.Event, error)) (model.Event, error) {
	return s.writeAt(ctx, actor, act, time.Time{}, fn)
}

// writeAt is write with the time the change is stamped with given (an
// exercise inject carries its scheduled simulated time); zero means now.
func (s *Store) writeAt(ctx context.Context, actor model.Actor, act model.Action, at time.Time, fn func(w *wtx) (model.Event, error)) (model.Event, error) {
	// A user's session is authorised inside the transaction, against the
	// role the database holds now (see model.Actor.UserID).
	if actor.UserID == 0 {
		if err := model.Authorize(actor.Role, act); err != nil {
			return model.Event{}, err
		}
	}
	if actor.Name == "" || actor.Source == "" {
		return model.Event{}, errors.New("store: write without an actor name and source")
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return model.Event{}, fmt.Errorf("begin write: %w", err)
	}
	defer tx.Rollback()
	if actor.UserID != 0 {
		if actor.Role, err = currentRole(ctx, tx, actor.UserID); err != nil {
			return model.Event{}, err
		}
		if err := model.Authorize(actor.Role, act); err != nil {
			return model.Event{}, err
		}
	}
	w := &wtx{ctx: ctx, tx: tx, actor: actor}
	w.now, w.realTime = s.stamp(act.InGame())
	if !at.IsZero() {
		w.now = at.UTC().Truncate(time.Second)
	}
	ev, err := fn(w)
	if err != nil {
		return model.Event{}, err
	}
	if ev.Action == "" || ev.Target == "" {
		return model.Event{}, fmt.Errorf("store: %s wrote no event; refusing to commit a write the audit cannot see", act)
	}
	if ev.IncidentID != 0 {
		if err := w.refreshHeld(ev.IncidentID); err != nil {
			return model.Event{}, err
		}
	}
	if ev.Seq, err = w.appendEvent(ev); err != nil {
		return model.Event{}, err
	}
	if err := tx.Commit(); err != nil {
		return model.Event{}, fmt.Errorf("commit %s: %w", ev.Action, err)
	}
	if w.simChanged != nil {
		s.sim.Store(w.simChanged)
	}
	s.feed.Publish()
	return ev, nil
}

// writeWait is how long a write waits for other processes' writes to let
// it in.
const writeWait = 30 * time.Second

// begin starts an immediate transaction on the writer, waiting up to
// writeWait for the write lock another process holds.
//
// SQLite's own wait (busy_timeout) polls for the lock every 100ms once it
// has waited a quarter of a second. A process writing one transaction
// after another frees the lock for a few microseconds between them, so a
// second process polling that seldom can miss every gap for seconds: under
// load one starved past a 10s timeout while the other wrote 160 notes.
// Polling every millisecond or two wins a gap within a few tries. This
// is not a queue, but it makes starvation as unlikely as it can be short
// of one, and costs only the waiting writer.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	deadline := time.Now().Add(writeWait)
	for {
		tx, err := s.w.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) {
			return tx, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("another process kept %s locked with its writes for %s: %w", s.path, writeWait, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Millisecond + rand.N(time.Millisecond)):
		}
	}
}

// isBusy reports whether err is SQLite's "another connection holds the
// lock".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// stamp is the time a write is stamped with: on an exercise database the
// simulated time for what happens in the game, and real time, said so,
// for the rest.
func (s *Store) stamp(inGame bool) (now time.Time, real bool) {
	if inGame || !s.IsExercise() {
		return s.now(), false
	}
	return s.clock.Now().UTC().Truncate(time.Second), true
}

func (w *wtx) appendEvent(ev model.Event) (int64, error) {
	if ev.Time.IsZero() {
		ev.Time = w.now
	}
	if w.realTime {
		// On an exercise database: the time is real, not the game's.
		if ev.Data == nil {
			ev.Data = map[string]string{}
		}
		ev.Data[model.DataClock] = model.ClockReal
	}
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return 0, fmt.Errorf("encode event: %w", err)
	}
	var incident any
	if ev.IncidentID != 0 {
		incident = ev.IncidentID
	}
	res, err := w.tx.ExecContext(w.ctx, `INSERT INTO events (time, actor, source, action, target, incident_id, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, ev.Time.Unix(), w.actor.Name, w.actor.Source, ev.Action, ev.Target, incident, string(data))
	if err != nil {
		return 0, fmt.Errorf("append %s event: %w", ev.Action, err)
	}
	return res.LastInsertId()
}

// refreshHeld keeps an incident's held flag (closed, with a deadline still
// open) in step with everything the write changed, so the board can find
// the closed incidents it must still show without loading every closed one.
func (w *wtx) refreshHeld(id int64) error {
	inc, err := getIncident(w.ctx, w.tx, id)
	if errors.Is(err, ErrNotFound) {
		return nil // deleted: on no board
	}
	if err != nil {
		return err
	}
	pol, err := w.policy()
	if err != nil {
		return err
	}
	if _, err := w.tx.ExecContext(w.ctx, "UPDATE incidents SET held = ? WHERE id = ? AND held != ?", pol.Held(inc, w.now), id, pol.Held(inc, w.now)); err != nil {
		return fmt.Errorf("hold %s on the board: %w", inc.Ref(), err)
	}
	return nil
}

// refreshAllHeld recomputes the held flag of every closed incident: the
// policy decides which deadlines apply, so a policy change may hold or
// release any of them.
func (w *wtx) refreshAllHeld() error {
	pol, err := w.policy()
	if err != nil {
		return err
	}
	list, err := loadIncidents(w.ctx, w.tx, loadList, "i.deleted_at IS NULL AND i.status = 'closed'")
	if err != nil {
		return err
	}
	for _, inc := range list {
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE incidents SET held = ? WHERE id = ? AND held != ?", pol.Held(inc, w.now), inc.ID, pol.Held(inc, w.now)); err != nil {
			return fmt.Errorf("hold %s on the board: %w", inc.Ref(), err)
		}
	}
	return nil
}

// also appends an event besides the one the write returns (an override
// before the transition it allowed), in the same transaction.
func (w *wtx) also(ev model.Event) error {
	_, err := w.appendEvent(ev)
	return err
}

// event builds an event about an incident.
func (w *wtx) event(inc *model.Incident, action model.Action, data map[string]string) model.Event {
	if data == nil {
		data = map[string]string{}
	}
	return model.Event{Time: w.now, Actor: w.actor.Name, Source: w.actor.Source, Action: action,
		Target: inc.Ref(), IncidentID: inc.ID, Data: data}
}

// load reads an incident inside the write, for read-then-write changes.
func (w *wtx) load(id int64) (*model.Incident, error) {
	return getIncident(w.ctx, w.tx, id)
}

// loadOpen reads an incident that must not be closed: its handling
// (checklist, breach facts, clocks, review) is final once closed. Notes,
// follow-up notifications, regulatory reports and action items done stay
// possible after closing, since they come later by nature.
func (w *wtx) loadOpen(id int64, what string) (*model.Incident, error) {
	inc, err := w.load(id)
	if err == nil && inc.Status == model.Closed {
		return nil, model.Errorf("%s is closed, so its %s can no longer change", inc.Ref(), what)
	}
	return inc, err
}

// apply is one change to an incident, read and written back inside the
// write: change applies the model's rule to it and returns the event's
// data.
func (w *wtx) apply(id int64, act model.Action, change func(*model.Incident) (map[string]string, error)) (model.Event, error) {
	inc, err := w.load(id)
	if err != nil {
		return model.Event{}, err
	}
	data, err := change(inc)
	if err != nil {
		return model.Event{}, err
	}
	if err := w.save(inc); err != nil {
		return model.Event{}, err
	}
	return w.event(inc, act, data), nil
}

func (w *wtx) policy() (model.Policy, error) {
	p, _, err := readMeta(w.ctx, w.tx)
	return p, err
}

// save writes an incident's own fields back, bumping its version. The
// version check guards against a write that read a stale copy.
func (w *wtx) save(inc *model.Incident) error {
	cats, err := json.Marshal(nonNil(inc.DataCategories))
	if err != nil {
		return err
	}
	customers, err := json.Marshal(nonNil(inc.Customers))
	if err != nil {
		return err
	}
	lists := make([]string, 3)
	for k, l := range [][]string{inc.SubjectCategories, inc.MeasuresProposed, inc.Mitigation} {
		b, err := json.Marshal(nonNil(l))
		if err != nil {
			return err
		}
		lists[k] = string(b)
	}
	var commander any
	if inc.Commander != "" {
		commander = inc.Commander
	}

	res, err := w.tx.ExecContext(w.ctx, `UPDATE incidents SET title=?, summary=?, severity=?, status=?, source=?, breach=?,
		availability=?, customers=?, data_categories=?, subjects_approx=?, records_approx=?, consequences=?, commander=?,
		detected_at=?, aware_at=?, acknowledged_at=?, contained_at=?, resolved_at=?, closed_at=?,
		review_root_cause=?, review_worked=?, review_not_worked=?, review_impact=?, review_completed_at=?,
		review_completed_by=?, updated_at=?, deleted_at=?, version=?,
		subject_categories=?, measures_proposed=?, mitigation=?, contact_name=?, contact_details=?,
		data_loss=?, major_at=?, restored_at=?, recovery_point=? WHERE id=? AND version=?`,
		inc.Title, inc.Summary, inc.Severity, inc.Status, inc.Source, inc.Breach, inc.Availability, string(customers), string(cats),
		inc.SubjectsApprox, inc.RecordsApprox, inc.Consequences, commander,
		toUnix(inc.DetectedAt), toUnix(inc.AwareAt), toUnix(inc.AcknowledgedAt), toUnix(inc.ContainedAt),
		toUnix(inc.ResolvedAt), toUnix(inc.ClosedAt),
		inc.Review.RootCause, inc.Review.Worked, inc.Review.NotWorked, inc.Review.Impact, toUnix(inc.Review.CompletedAt),
		inc.Review.CompletedBy, w.now.Unix(), toUnix(inc.DeletedAt), inc.Version+1,
		lists[0], lists[1], lists[2], inc.ContactName, inc.ContactDetails,
		inc.DataLoss, toUnix(inc.MajorAt), toUnix(inc.RestoredAt), toUnix(inc.RecoveryPoint), inc.ID, inc.Version)
	if err != nil {
		return fmt.Errorf("save %s: %w", inc.Ref(), err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("save %s: it changed underneath this write; try again", inc.Ref())
	}
	// The customers' facts are few; writing them all back keeps them in
	// step with whatever the model changed.
	if _, err := w.tx.ExecContext(w.ctx, "DELETE FROM customer_facts WHERE incident_id = ?", inc.ID); err != nil {
		return fmt.Errorf("save customer facts of %s: %w", inc.Ref(), err)
	}
	for _, f := range inc.CustomerFacts {
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO customer_facts (incident_id, customer, subjects_approx, records_approx, impact) VALUES (?, ?, ?, ?, ?)",
			inc.ID, f.Customer, f.Subjects, f.Records, f.Impact); err != nil {
			return fmt.Errorf("save customer facts of %s: %w", inc.Ref(), err)
		}
	}
	inc.Version++
	inc.UpdatedAt = w.now
	return nil
}

// recount keeps the checklist counts on the incident row in step with
// its items; every write that changes the checklist calls it.
func (w *wtx) recount(inc *model.Incident) error {
	if _, err := w.tx.ExecContext(w.ctx, `UPDATE incidents SET
		checklist_done = (SELECT count(*) FROM checklist WHERE incident_id = ?1 AND state = 'done'),
		checklist_na = (SELECT count(*) FROM checklist WHERE incident_id = ?1 AND state = 'n/a'),
		checklist_total = (SELECT count(*) FROM checklist WHERE incident_id = ?1)
		WHERE id = ?1`, inc.ID); err != nil {
		return fmt.Errorf("count checklist of %s: %w", inc.Ref(), err)
	}
	return nil
}

// setItem records a checklist item's new state.
func (w *wtx) setItem(inc *model.Incident, key string, state model.ItemState, reason string) error {
	var at any
	by := ""
	if state != model.ItemTodo {
		at, by = w.now.Unix(), w.actor.Name
	}
	if _, err := w.tx.ExecContext(w.ctx, "UPDATE checklist SET state=?, reason=?, by=?, at=? WHERE incident_id=? AND key=?",
		state, reason, by, at, inc.ID, key); err != nil {
		return fmt.Errorf("update checklist of %s: %w", inc.Ref(), err)
	}
	return w.recount(inc)
}

// tickIfTodo marks an item done as a side effect of another action (the
// ack item on acknowledging, the commander item on assigning).
func (w *wtx) tickIfTodo(inc *model.Incident, key string) error {
	for _, it := range inc.Checklist {
		if it.Key == key && it.State == model.ItemTodo {
			return w.setItem(inc, key, model.ItemDone, "")
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
