package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sitrep/model"
)

// Edit corrects an incident's facts (model.ApplyEdit); the event holds
// each field before and after.
func (s *Store) Edit(ctx context.Context, actor model.Actor, id int64, e model.Edit) (model.Event, error) {
	return s.write(ctx, actor, model.ActEdit, func(w *wtx) (model.Event, error) {
		return w.apply(id, model.ActEdit, func(inc *model.Incident) (map[string]string, error) {
			return model.ApplyEdit(inc, e, w.now)
		})
	})
}

// Postmortem records an availability incident's post-mortem sent to
// customers, or published, at at (zero: now), in one write.
func (s *Store) Postmortem(ctx context.Context, actor model.Actor, id int64, customers []string, published bool, at time.Time) (model.Event, error) {
	return s.write(ctx, actor, model.ActPostmortem, func(w *wtx) (model.Event, error) {
		at, err := w.pastTime(at, "the post-mortem")
		if err != nil {
			return model.Event{}, err
		}
		return w.apply(id, model.ActPostmortem, func(inc *model.Incident) (map[string]string, error) {
			pms, data, err := model.PlanPostmortem(inc, customers, published, at)
			if err != nil {
				return nil, err
			}
			for _, pm := range pms {
				if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO postmortems (incident_id, customer, published, at, by) VALUES (?, ?, ?, ?, ?)",
					id, pm.Customer, pm.Published, pm.At.Unix(), w.actor.Name); err != nil {
					return nil, fmt.Errorf("record post-mortem: %w", err)
				}
			}
			return data, nil
		})
	})
}

// Restored records service restored at at (zero: now), with the point in
// time data was recovered to (zero: not given).
func (s *Store) Restored(ctx context.Context, actor model.Actor, id int64, at, recoveryPoint time.Time) (model.Event, error) {
	return s.write(ctx, actor, model.ActRestored, func(w *wtx) (model.Event, error) {
		at, err := w.pastTime(at, "the restore")
		if err != nil {
			return model.Event{}, err
		}
		return w.apply(id, model.ActRestored, func(inc *model.Incident) (map[string]string, error) {
			return model.ApplyRestored(inc, at, recoveryPoint.UTC().Truncate(time.Second))
		})
	})
}

// Classify classifies an incident major under DORA at at (zero: now),
// which starts its DORA clocks.
func (s *Store) Classify(ctx context.Context, actor model.Actor, id int64, at time.Time) (model.Event, error) {
	return s.write(ctx, actor, model.ActClassify, func(w *wtx) (model.Event, error) {
		at, err := w.pastTime(at, "the classification")
		if err != nil {
			return model.Event{}, err
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		return w.apply(id, model.ActClassify, func(inc *model.Incident) (map[string]string, error) {
			return model.ApplyClassify(inc, pol, at)
		})
	})
}

// pastTime is a time a user gave for something that happened: now when
// zero, whole seconds, never in the future.
func (w *wtx) pastTime(at time.Time, what string) (time.Time, error) {
	if at.IsZero() {
		return w.now, nil
	}
	at = at.UTC().Truncate(time.Second)
	if at.After(w.now) {
		return time.Time{}, model.Errorf("%s cannot have happened in the future (%s)", what, fmtTime(at))
	}
	return at, nil
}

// ActionItems lists review action items across the incidents that are not
// deleted, by due date; open leaves out the done ones.
func (s *Store) ActionItems(ctx context.Context, open bool) ([]model.ActionRow, error) {
	return actionItems(ctx, s.r, open)
}

func actionItems(ctx context.Context, qr querier, open bool) ([]model.ActionRow, error) {
	q := `SELECT a.incident_id, a.n, a.title, a.owner, a.due, a.done_at, a.done_by FROM action_items a
		JOIN incidents i ON i.id = a.incident_id WHERE i.deleted_at IS NULL`
	if open {
		q += " AND a.done_at IS NULL"
	}
	rows, err := qr.QueryContext(ctx, q+" ORDER BY a.due, a.incident_id, a.n")
	if err != nil {
		return nil, fmt.Errorf("list action items: %w", err)
	}
	defer rows.Close()
	var out []model.ActionRow
	for rows.Next() {
		var r model.ActionRow
		var id int64
		var done sql.NullInt64
		if err := rows.Scan(&id, &r.N, &r.Title, &r.Owner, &r.Due, &done, &r.DoneBy); err != nil {
			return nil, fmt.Errorf("list action items: %w", err)
		}
		r.Ref, r.DoneAt = model.FormatRef(id), fromUnix(done)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list action items: %w", err)
	}
	return out, nil
}
