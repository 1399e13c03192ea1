package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sitrep/model"
)

// Declare records a new incident with the policy's checklist and returns it.
func (s *Store) Declare(ctx context.Context, actor model.Actor, d model.Declaration) (*model.Incident, error) {
	ev, err := s.write(ctx, actor, model.ActDeclare, func(w *wtx) (model.Event, error) { return w.declare(d) })
	if err != nil {
		return nil, err
	}
	return s.Incident(ctx, ev.IncidentID)
}

func (w *wtx) declare(d model.Declaration) (model.Event, error) {
	if err := d.Validate(w.now); err != nil {
		return model.Event{}, err
	}
	pol, err := w.policy()
	if err != nil {
		return model.Event{}, err
	}
	det, aware := d.DetectedAt.UTC().Truncate(time.Second), d.AwareAt.UTC().Truncate(time.Second)
	customers, err := json.Marshal(d.Customers)
	if err != nil {
		return model.Event{}, err
	}
	res, err := w.tx.ExecContext(w.ctx, `INSERT INTO incidents (title, summary, severity, status, source, breach,
		availability, customers, detected_at, aware_at, created_at, updated_at, reporter) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.Title, d.Summary, d.Severity, d.Source, d.Breach, d.Availability, string(customers), det.Unix(), aware.Unix(), w.now.Unix(), w.now.Unix(), d.Reporter)
	if err != nil {
		return model.Event{}, fmt.Errorf("declare: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return model.Event{}, fmt.Errorf("declare: %w", err)
	}
	inc := &model.Incident{ID: id}
	for i, it := range pol.Checklist {
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO checklist (incident_id, position, key, item, state) VALUES (?, ?, ?, ?, 'todo')",
			id, i, it.Key, it.Item); err != nil {
			return model.Event{}, fmt.Errorf("declare: checklist: %w", err)
		}
	}
	if err := w.recount(inc); err != nil {
		return model.Event{}, err
	}
	data := map[string]string{
		"title": d.Title, "severity": string(d.Severity), "source": string(d.Source), "breach": string(d.Breach),
		"customers": strings.Join(d.Customers, ", "), "detected_at": fmtTime(det), "aware_at": fmtTime(aware),
	}
	if d.Reporter != "" {
		data["reporter"] = d.Reporter
	}
	return w.event(inc, model.ActDeclare, data), nil
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Transition moves an incident forward to status to (ack, contain,
// resolve, close), as model.Advance decides. override, when not empty, is
// the reason for passing the lifecycle gates; it is recorded in an
// override event before the transition's own.
func (s *Store) Transition(ctx context.Context, actor model.Actor, id int64, to model.Status, override string) (model.Event, error) {
	act, ok := model.TransitionAction(to)
	if !ok {
		return model.Event{}, model.Errorf("an incident cannot be moved to %q", to)
	}
	return s.write(ctx, actor, act, func(w *wtx) (model.Event, error) {
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		step, err := model.Advance(inc, to, pol, w.now, override)
		if err != nil {
			return model.Event{}, err
		}
		return w.step(inc, act, step)
	})
}

// step persists a lifecycle step: the incident, the checklist items it
// ticks, the override event if any, and returns the step's own event.
func (w *wtx) step(inc *model.Incident, act model.Action, step model.Step) (model.Event, error) {
	for _, key := range step.Tick {
		if err := w.tickIfTodo(inc, key); err != nil {
			return model.Event{}, err
		}
	}
	if err := w.save(inc); err != nil {
		return model.Event{}, err
	}
	if step.Override != nil {
		if err := w.also(w.event(inc, model.EvOverride, step.Override)); err != nil {
			return model.Event{}, err
		}
	}
	return w.event(inc, act, step.Data), nil
}

// Reopen moves a resolved incident back to acknowledged.
func (s *Store) Reopen(ctx context.Context, actor model.Actor, id int64) (model.Event, error) {
	return s.write(ctx, actor, model.ActReopen, func(w *wtx) (model.Event, error) {
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		step, err := model.Reopen(inc)
		if err != nil {
			return model.Event{}, err
		}
		return w.step(inc, model.ActReopen, step)
	})
}

// Assign makes a user the incident commander; a change of commander is a
// handover.
func (s *Store) Assign(ctx context.Context, actor model.Actor, id int64, name string) (model.Event, error) {
	return s.write(ctx, actor, model.ActAssign, func(w *wtx) (model.Event, error) {
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		if !inc.Status.Active() {
			return model.Event{}, model.Errorf("%s is closed; a closed incident needs no commander", inc.Ref())
		}
		u, err := getUser(w.ctx, w.tx, name)
		if err != nil {
			return model.Event{}, err
		}
		if u.Role == model.Viewer {
			return model.Event{}, model.Errorf("%s is a viewer and cannot command an incident; give them a member role or more first", u.Name)
		}
		if strings.EqualFold(inc.Commander, u.Name) {
			return model.Event{}, model.Errorf("%s already commands %s", u.Name, inc.Ref())
		}
		from := inc.Commander
		inc.Commander = u.Name
		if err := w.tickIfTodo(inc, model.CheckAssignCommander); err != nil {
			return model.Event{}, err
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActAssign, map[string]string{"from": from, "to": u.Name}), nil
	})
}

// SetSeverity changes an incident's severity, with the reason for the
// timeline (optional).
func (s *Store) SetSeverity(ctx context.Context, actor model.Actor, id int64, sev model.Severity, reason string) (model.Event, error) {
	return s.write(ctx, actor, model.ActSeverity, func(w *wtx) (model.Event, error) {
		sev, err := model.ParseSeverity(string(sev))
		if err != nil {
			return model.Event{}, err
		}
		if reason, err = model.CleanText("reason", reason, model.SingleLine, 0, model.MaxReason); err != nil {
			return model.Event{}, err
		}
		return w.apply(id, model.ActSeverity, func(inc *model.Incident) (map[string]string, error) {
			if inc.Severity == sev {
				return nil, model.Errorf("%s is already %s", inc.Ref(), sev)
			}
			if !inc.Status.Active() {
				return nil, model.Errorf("%s is closed and its severity can no longer change", inc.Ref())
			}
			from := inc.Severity
			inc.Severity = sev
			data := map[string]string{"from": string(from), "to": string(sev)}
			if reason != "" {
				data["reason"] = reason
			}
			return data, nil
		})
	})
}

// SetBreach records what is known about a breach. When the notify clock
// stops or starts applying, the event says so.
func (s *Store) SetBreach(ctx context.Context, actor model.Actor, id int64, f model.BreachFacts) (model.Event, error) {
	return s.write(ctx, actor, model.ActBreach, func(w *wtx) (model.Event, error) { return w.setBreach(id, f) })
}

func (w *wtx) setBreach(id int64, f model.BreachFacts) (model.Event, error) {
	pol, err := w.policy()
	if err != nil {
		return model.Event{}, err
	}
	return w.apply(id, model.ActBreach, func(inc *model.Incident) (map[string]string, error) {
		// A closed incident's facts are final, unless a deadline still
		// holds it on the board: then they may still settle that clock.
		if inc.Status == model.Closed && !pol.Held(inc, w.now) {
			return nil, model.Errorf("%s is closed, so its breach facts can no longer change", inc.Ref())
		}
		return model.ApplyBreach(inc, f, pol, w.now)
	})
}

// SetContact sets an incident's own point of contact for notices.
func (s *Store) SetContact(ctx context.Context, actor model.Actor, id int64, name, details string) (model.Event, error) {
	return s.write(ctx, actor, model.ActContact, func(w *wtx) (model.Event, error) {
		return w.apply(id, model.ActContact, func(inc *model.Incident) (map[string]string, error) {
			return model.ApplyContact(inc, name, details)
		})
	})
}

// SetAware moves the awareness timestamp, which moves the regulatory clocks.
func (s *Store) SetAware(ctx context.Context, actor model.Actor, id int64, at time.Time) (model.Event, error) {
	return s.write(ctx, actor, model.ActAware, func(w *wtx) (model.Event, error) {
		at = at.UTC().Truncate(time.Second)
		if at.After(w.now) {
			return model.Event{}, model.Errorf("%s is in the future; awareness is a time that has passed", fmtTime(at))
		}
		inc, err := w.loadOpen(id, "awareness time")
		if err != nil {
			return model.Event{}, err
		}
		if at.Equal(inc.AwareAt) {
			return model.Event{}, model.Errorf("%s already has awareness at %s", inc.Ref(), fmtTime(at))
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		from := inc.AwareAt
		inc.AwareAt = at
		data := map[string]string{"from": fmtTime(from), "to": fmtTime(at)}
		if d, ok := model.Find(pol.Deadlines(inc, w.now), model.KindNotify); ok && d.State != model.NA {
			data["notify_due"] = fmtTime(d.DueAt)
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActAware, data), nil
	})
}

// Check works a checklist item: done, n/a with a reason, or back to todo.
func (s *Store) Check(ctx context.Context, actor model.Actor, id int64, c model.CheckChange) (model.Event, error) {
	return s.write(ctx, actor, model.ActCheck, func(w *wtx) (model.Event, error) {
		inc, err := w.loadOpen(id, "checklist")
		if err != nil {
			return model.Event{}, err
		}
		var item *model.ChecklistItem
		keys := make([]string, 0, len(inc.Checklist))
		for i := range inc.Checklist {
			keys = append(keys, inc.Checklist[i].Key)
			if inc.Checklist[i].Key == c.Key {
				item = &inc.Checklist[i]
			}
		}
		if item == nil {
			return model.Event{}, model.Errorf("%s has no checklist item %q; its keys are %s", inc.Ref(), c.Key, strings.Join(keys, ", "))
		}
		state, err := c.Apply(inc.Ref(), *item)
		if err != nil {
			return model.Event{}, err
		}
		if err := w.setItem(inc, c.Key, state, c.Reason); err != nil {
			return model.Event{}, err
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActCheck, map[string]string{"key": c.Key, "item": item.Item, "state": string(state), "reason": c.Reason, "was": string(item.State)}), nil
	})
}

// AddChecklistItem adds an item to one incident's checklist.
func (s *Store) AddChecklistItem(ctx context.Context, actor model.Actor, id int64, key, item string) (model.Event, error) {
	return s.write(ctx, actor, model.ActChecklistAdd, func(w *wtx) (model.Event, error) {
		if err := model.ValidChecklistKey(key); err != nil {
			return model.Event{}, err
		}
		item, err := model.CleanText("checklist item", item, model.SingleLine, 1, model.MaxTitle)
		if err != nil {
			return model.Event{}, err
		}
		inc, err := w.loadOpen(id, "checklist")
		if err != nil {
			return model.Event{}, err
		}
		for _, it := range inc.Checklist {
			if it.Key == key {
				return model.Event{}, model.Errorf("%s already has a checklist item %q", inc.Ref(), key)
			}
		}
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO checklist (incident_id, position, key, item, state) VALUES (?, ?, ?, ?, 'todo')",
			id, len(inc.Checklist), key, item); err != nil {
			return model.Event{}, fmt.Errorf("add checklist item: %w", err)
		}
		if err := w.recount(inc); err != nil {
			return model.Event{}, err
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActChecklistAdd, map[string]string{"key": key, "item": item}), nil
	})
}

// Note adds a free-text note to the timeline.
func (s *Store) Note(ctx context.Context, actor model.Actor, id int64, text string) (model.Event, error) {
	return s.write(ctx, actor, model.ActNote, func(w *wtx) (model.Event, error) { return w.note(id, text) })
}

func (w *wtx) note(id int64, text string) (model.Event, error) {
	text, err := model.CleanText("note", text, model.MultiLine, 1, model.MaxNote)
	if err != nil {
		return model.Event{}, err
	}
	return w.apply(id, model.ActNote, func(*model.Incident) (map[string]string, error) {
		return map[string]string{"text": text}, nil
	})
}

// NotifyInput records a controller notice that was sent.
type NotifyInput = model.NoticeInput

// Notify records a controller notice sent to one customer, with its exact
// text, in one transaction with its event. The notice never changes after.
func (s *Store) Notify(ctx context.Context, actor model.Actor, id int64, in NotifyInput) (model.Event, error) {
	return s.write(ctx, actor, model.ActNotify, func(w *wtx) (model.Event, error) {
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		n, data, err := model.PlanNotice(inc, pol, in, w.actor.Name, w.now)
		if err != nil {
			return model.Event{}, err
		}
		unknowns, err := json.Marshal(nonNil(n.Unknowns))
		if err != nil {
			return model.Event{}, err
		}
		facts, err := json.Marshal(n.Facts)
		if err != nil {
			return model.Event{}, err
		}
		res, err := w.tx.ExecContext(w.ctx, `INSERT INTO notifications (incident_id, customer, channel, sent_at, follow_up, by,
			text, sha256, recipient, unknowns, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, n.Customer, n.Channel, n.SentAt.Unix(), n.FollowUp, n.By, n.Text, n.SHA256, n.To, string(unknowns), string(facts))
		if err != nil {
			return model.Event{}, fmt.Errorf("record notification: %w", err)
		}
		nid, err := res.LastInsertId()
		if err != nil {
			return model.Event{}, fmt.Errorf("record notification: %w", err)
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		data["n"] = strconv.Itoa(len(inc.Notifications) + 1)
		data["id"] = strconv.FormatInt(nid, 10)
		return w.event(inc, model.ActNotify, data), nil
	})
}

// Notice is the incident's n-th notice (from 1) with its exact text.
func (s *Store) Notice(ctx context.Context, id int64, n int) (model.Notification, error) {
	inc, err := s.Incident(ctx, id)
	if err != nil {
		return model.Notification{}, err
	}
	if n < 1 || n > len(inc.Notifications) {
		if len(inc.Notifications) == 0 {
			return model.Notification{}, model.Errorf("%s has no notices recorded yet", inc.Ref())
		}
		return model.Notification{}, model.Errorf("%s has notices 1 to %d; there is no notice %d", inc.Ref(), len(inc.Notifications), n)
	}
	no := inc.Notifications[n-1]
	if err := s.r.QueryRowContext(ctx, "SELECT text FROM notifications WHERE id = ?", no.ID).Scan(&no.Text); err != nil {
		return model.Notification{}, fmt.Errorf("read notice %d of %s: %w", n, inc.Ref(), err)
	}
	return no, nil
}

// StatusUpdate records a status update sent on the status channel.
func (s *Store) StatusUpdate(ctx context.Context, actor model.Actor, id int64, text string) (model.Event, error) {
	return s.PostUpdate(ctx, actor, id, model.UpdateInput{Text: text})
}

// PostUpdate records a status update; a public one also goes on the
// public status page, under the incident's public title.
func (s *Store) PostUpdate(ctx context.Context, actor model.Actor, id int64, in model.UpdateInput) (model.Event, error) {
	return s.write(ctx, actor, model.ActStatusUpdate, func(w *wtx) (model.Event, error) {
		inc, err := w.loadOpen(id, "status updates")
		if err != nil {
			return model.Event{}, err
		}
		text, title, data, err := model.PlanStatusUpdate(inc, in)
		if err != nil {
			return model.Event{}, err
		}
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO status_updates (incident_id, text, at, by, public) VALUES (?, ?, ?, ?, ?)",
			id, text, w.now.Unix(), w.actor.Name, in.Public); err != nil {
			return model.Event{}, fmt.Errorf("record status update: %w", err)
		}
		if title != inc.PublicTitle {
			if _, err := w.tx.ExecContext(w.ctx, "UPDATE incidents SET public_title = ? WHERE id = ?", title, id); err != nil {
				return model.Event{}, fmt.Errorf("set public title: %w", err)
			}
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActStatusUpdate, data), nil
	})
}

// Report records that the report a regulatory clock asks for was submitted.
func (s *Store) Report(ctx context.Context, actor model.Actor, id int64, kind string, at time.Time) (model.Event, error) {
	return s.write(ctx, actor, model.ActReport, func(w *wtx) (model.Event, error) {
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		c, ok := pol.Clock(kind)
		if !ok || c.MetBy != model.MetByReport {
			var kinds []string
			for _, c := range pol.Clocks {
				if c.MetBy == model.MetByReport {
					kinds = append(kinds, c.Kind)
				}
			}
			if len(kinds) == 0 {
				return model.Event{}, model.Errorf("no clock in the policy is met by a report; enable one with sitrep policy set --enable nis2")
			}
			return model.Event{}, model.Errorf("%q is not a report the policy asks for; use one of %s", kind, strings.Join(kinds, ", "))
		}
		if at.IsZero() {
			at = w.now
		}
		at = at.UTC().Truncate(time.Second)
		if at.After(w.now) {
			return model.Event{}, model.Errorf("the report cannot have been submitted in the future (%s)", fmtTime(at))
		}
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		if at.Before(inc.DetectedAt) {
			return model.Event{}, model.Errorf("the report time %s is before %s was detected", fmtTime(at), inc.Ref())
		}
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO reports (incident_id, kind, at, by) VALUES (?, ?, ?, ?)",
			id, kind, at.Unix(), w.actor.Name); err != nil {
			return model.Event{}, fmt.Errorf("record report: %w", err)
		}
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActReport, map[string]string{"kind": kind, "label": c.Label, "at": fmtTime(at)}), nil
	})
}

// Delete soft-deletes an incident: it leaves every list, and its rows and
// events stay for the audit.
func (s *Store) Delete(ctx context.Context, actor model.Actor, id int64, reason string) (model.Event, error) {
	return s.write(ctx, actor, model.ActDelete, func(w *wtx) (model.Event, error) {
		reason, err := model.CleanText("reason", reason, model.SingleLine, 1, model.MaxReason)
		if err != nil {
			return model.Event{}, model.Errorf("deleting an incident needs a reason (--reason) for the audit")
		}
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		inc.DeletedAt = w.now
		if err := w.save(inc); err != nil {
			return model.Event{}, err
		}
		return w.event(inc, model.ActDelete, map[string]string{"reason": reason, "title": inc.Title}), nil
	})
}
