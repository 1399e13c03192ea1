package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"sitrep/model"
)

// WriteReview writes review sections and, with Complete, marks the review
// complete once nothing is missing. Members write; admins complete.
func (s *Store) WriteReview(ctx context.Context, actor model.Actor, id int64, e model.ReviewEdit) (model.Event, error) {
	act := model.ActReviewWrite
	if e.Complete {
		act = model.ActReviewDone
	}
	return s.write(ctx, actor, act, func(w *wtx) (model.Event, error) {
		if err := e.Validate(); err != nil {
			return model.Event{}, err
		}
		inc, err := w.loadOpen(id, "review")
		if err != nil {
			return model.Event{}, err
		}
		if e.Customer != "" {
			if e.Impact == nil || e.RootCause != nil || e.Worked != nil || e.NotWorked != nil || e.Complete {
				return model.Event{}, model.Errorf("--customer names whose impact --impact is; give --impact alone with it")
			}
			data, err := model.ApplyCustomerImpact(inc, e.Customer, *e.Impact)
			if err != nil {
				return model.Event{}, err
			}
			if err := w.save(inc); err != nil {
				return model.Event{}, err
			}
			return w.event(inc, model.ActReviewWrite, data), nil
		}
		var sections []string
		data := map[string]string{}
		for _, f := range []struct {
			key, name string
			v         *string
			cur       string
		}{{"root_cause", "root cause", e.RootCause, inc.Review.RootCause}, {"worked", "what worked", e.Worked, inc.Review.Worked},
			{"not_worked", "what did not work", e.NotWorked, inc.Review.NotWorked}, {"impact", "customer impact", e.Impact, inc.Review.Impact}} {
			if f.v != nil && *f.v != f.cur {
				sections = append(sections, f.name)
				data[f.key] = *f.v
			}
		}
		e.Apply(&inc.Review)
		if len(sections) > 0 && inc.Review.Changed(w.actor.Role) {
			data["completion_cleared"] = "true"
		}
		if e.Complete {
			if inc.Review.Complete() && len(sections) == 0 {
				return model.Event{}, model.Errorf("the review of %s is already complete", inc.Ref())
			}
			if missing := inc.Review.Missing(); len(missing) > 0 {
				return model.Event{}, model.Errorf("the review of %s is not complete yet; it still needs %s", inc.Ref(), strings.Join(missing, ", "))
			}
			if !inc.Review.Complete() {
				inc.Review.CompletedAt, inc.Review.CompletedBy = w.now, w.actor.Name
				data["complete"] = "true"
			}
		} else if len(sections) == 0 {
			return model.Event{}, model.Errorf("the review of %s already says that; nothing changed", inc.Ref())
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		data["sections"] = strings.Join(sections, ", ")
		action := model.ActReviewWrite
		if len(sections) == 0 {
			action = model.ActReviewDone
		}
		return w.event(inc, action, data), nil
	})
}

// AddActionItem adds a review action item with an owner and a due date.
func (s *Store) AddActionItem(ctx context.Context, actor model.Actor, id int64, title, owner, due string) (model.Event, error) {
	return s.write(ctx, actor, model.ActActionItem, func(w *wtx) (model.Event, error) {
		inc, err := w.loadOpen(id, "review action items")
		if err != nil {
			return model.Event{}, err
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		title, due, err := model.CheckActionItem(title, due, w.now, pol.Location())
		if err != nil {
			return model.Event{}, err
		}
		if _, err := model.CleanText("action item owner", owner, model.SingleLine, 1, model.MaxName); err != nil {
			return model.Event{}, err
		}
		u, err := getUser(w.ctx, w.tx, owner)
		if err != nil {
			return model.Event{}, model.Errorf("the owner of an action item must be a user; %v", err)
		}
		owner = u.Name
		n := 1
		for _, a := range inc.Review.Actions {
			n = max(n, a.N+1)
		}
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO action_items (incident_id, n, title, owner, due) VALUES (?, ?, ?, ?, ?)",
			id, n, title, owner, due); err != nil {
			return model.Event{}, fmt.Errorf("add action item: %w", err)
		}
		data := map[string]string{"n": strconv.Itoa(n), "title": title, "owner": owner, "due": due}
		if inc.Review.Changed(w.actor.Role) {
			data["completion_cleared"] = "true"
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.EvActionAdd, data), nil
	})
}

// ActionDone marks review action item n done.
func (s *Store) ActionDone(ctx context.Context, actor model.Actor, id int64, n int) (model.Event, error) {
	return s.write(ctx, actor, model.ActActionItem, func(w *wtx) (model.Event, error) {
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		var item *model.ActionItem
		for i := range inc.Review.Actions {
			if inc.Review.Actions[i].N == n {
				item = &inc.Review.Actions[i]
			}
		}
		switch {
		case item == nil:
			return model.Event{}, model.Errorf("%s has no action item %d; see sitrep show %s", inc.Ref(), n, inc.Ref())
		case !item.DoneAt.IsZero():
			return model.Event{}, model.Errorf("action item %d of %s is already done", n, inc.Ref())
		}
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE action_items SET done_at=?, done_by=? WHERE incident_id=? AND n=?",
			w.now.Unix(), w.actor.Name, id, n); err != nil {
			return model.Event{}, fmt.Errorf("mark action item done: %w", err)
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.EvActionDone, map[string]string{"n": strconv.Itoa(n), "title": item.Title}), nil
	})
}

// SharePIR records that an affected customer was given its portion of the
// post-incident review, and returns that portion. The names of users and
// of everyone who acted on the incident are kept out of it.
func (s *Store) SharePIR(ctx context.Context, actor model.Actor, id int64, customer string) (string, model.Event, error) {
	var text string
	ev, err := s.write(ctx, actor, model.ActSharePIR, func(w *wtx) (model.Event, error) {
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		rows, err := w.tx.QueryContext(w.ctx, `SELECT name FROM users UNION SELECT actor FROM events WHERE incident_id = ? AND actor != 'exercise'
			UNION SELECT owner FROM action_items WHERE incident_id = ?`, id, id)
		if err != nil {
			return model.Event{}, fmt.Errorf("share review of %s: %w", inc.Ref(), err)
		}
		var hide []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return model.Event{}, fmt.Errorf("share review of %s: %w", inc.Ref(), err)
			}
			hide = append(hide, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return model.Event{}, fmt.Errorf("share review of %s: %w", inc.Ref(), err)
		}
		if inc.Commander != "" {
			hide = append(hide, inc.Commander)
		}
		if text, err = model.CustomerPortion(inc, pol, customer, hide, w.now); err != nil {
			return model.Event{}, err
		}
		name, _ := inc.ResolveCustomer(customer)
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActSharePIR, map[string]string{"customer": name}), nil
	})
	return text, ev, err
}
