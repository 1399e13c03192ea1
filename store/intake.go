package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sitrep/model"
)

// AddToken makes a bearer token for HTTP intake and returns its secret,
// which is shown this once: only its SHA-256 is kept.
func (s *Store) AddToken(ctx context.Context, actor model.Actor, name string) (string, model.Event, error) {
	var secret string
	ev, err := s.write(ctx, actor, model.ActTokens, func(w *wtx) (model.Event, error) {
		name, err := model.CleanTokenName(name)
		if err != nil {
			return model.Event{}, err
		}
		var n int
		if err := w.tx.QueryRowContext(w.ctx, "SELECT count(*) FROM tokens WHERE name = ? COLLATE NOCASE AND removed_at IS NULL", name).Scan(&n); err != nil {
			return model.Event{}, fmt.Errorf("look up token: %w", err)
		}
		if n > 0 {
			return model.Event{}, model.Errorf("there is already a token %s; remove it first with sitrep token remove %s", name, name)
		}
		// A token acts under its name: it must not pass for a user.
		if err := w.tx.QueryRowContext(w.ctx, "SELECT count(*) FROM users WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL", name).Scan(&n); err != nil {
			return model.Event{}, fmt.Errorf("look up user: %w", err)
		}
		if n > 0 {
			return model.Event{}, model.Errorf("%s is a user's name; name the token for what sends with it, such as alertmanager", name)
		}
		random := make([]byte, 32)
		if _, err := rand.Read(random); err != nil {
			return model.Event{}, fmt.Errorf("make token: %w", err)
		}
		secret = model.TokenSecret(random)
		if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO tokens (name, sha256, created_at, created_by) VALUES (?, ?, ?, ?)",
			name, model.TokenHash(secret), w.now.Unix(), w.actor.Name); err != nil {
			return model.Event{}, fmt.Errorf("add token: %w", err)
		}
		return model.Event{Time: w.now, Action: model.EvTokenAdd, Target: "token:" + name, Data: map[string]string{"name": name}}, nil
	})
	if err != nil {
		return "", model.Event{}, err
	}
	return secret, ev, nil
}

// RemoveToken revokes a token: the next request with it is refused.
func (s *Store) RemoveToken(ctx context.Context, actor model.Actor, name string) (model.Event, error) {
	return s.write(ctx, actor, model.ActTokens, func(w *wtx) (model.Event, error) {
		name, err := model.CleanTokenName(name)
		if err != nil {
			return model.Event{}, err
		}
		var stored string
		err = w.tx.QueryRowContext(w.ctx, "SELECT name FROM tokens WHERE name = ? COLLATE NOCASE AND removed_at IS NULL", name).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			return model.Event{}, model.Errorf("there is no token %s; see sitrep token list", name)
		}
		if err != nil {
			return model.Event{}, fmt.Errorf("look up token: %w", err)
		}
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE tokens SET removed_at = ? WHERE name = ? AND removed_at IS NULL", w.now.Unix(), stored); err != nil {
			return model.Event{}, fmt.Errorf("remove token: %w", err)
		}
		return model.Event{Time: w.now, Action: model.EvTokenRemove, Target: "token:" + stored, Data: map[string]string{"name": stored}}, nil
	})
}

// Tokens lists the tokens in use (never their secrets).
func (s *Store) Tokens(ctx context.Context) ([]model.Token, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT name, sha256, created_at, created_by, last_used_at FROM tokens WHERE removed_at IS NULL ORDER BY name COLLATE NOCASE")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []model.Token
	for rows.Next() {
		var t model.Token
		var created, used sql.NullInt64
		if err := rows.Scan(&t.Name, &t.SHA256, &created, &t.CreatedBy, &used); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.CreatedAt, t.LastUsedAt = fromUnix(created), fromUnix(used)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ErrBadToken is a bearer token that is missing or no token's.
var ErrBadToken = errors.New("no such token")

// maxTokenLen bounds what is hashed: a real token is 50 characters.
const maxTokenLen = 200

// TokenBySecret finds the token a secret belongs to. Every stored hash is
// compared in constant time, so the answer's timing says nothing about
// how close a guess came. A token's last use is kept to the minute.
func (s *Store) TokenBySecret(ctx context.Context, secret string) (model.Token, error) {
	if secret == "" || len(secret) > maxTokenLen {
		return model.Token{}, ErrBadToken
	}
	hash := []byte(model.TokenHash(secret))
	toks, err := s.Tokens(ctx)
	if err != nil {
		return model.Token{}, err
	}
	found := -1
	for i, t := range toks {
		if subtle.ConstantTimeCompare(hash, []byte(t.SHA256)) == 1 {
			found = i
		}
	}
	if found < 0 {
		return model.Token{}, ErrBadToken
	}
	t := toks[found]
	if now := s.now(); now.Sub(t.LastUsedAt) >= time.Minute {
		// Not an event: use is audited by the writes the token makes.
		if err := s.noteTokenUse(ctx, t.SHA256, now); err != nil {
			return model.Token{}, fmt.Errorf("note token use: %w", err)
		}
		t.LastUsedAt = now
	}
	return t, nil
}

// RecordIntakeRefused notes an HTTP intake request refused for its token
// (action intake_refused). Like a refused key it is the server's record,
// not a user's action; the caller rate-limits it.
func (s *Store) RecordIntakeRefused(ctx context.Context, source, path, reason string) error {
	return s.recordAuth(ctx, model.Actor{Name: "-", Source: source}, model.EvIntakeRefused, "http:"+model.SanitizeLine(path),
		map[string]string{"path": model.SanitizeLine(path), "reason": reason}, 0, "")
}

// errUnchanged ends a write that found nothing to change: it is rolled
// back, and its caller answers as for a success.
var errUnchanged = errors.New("unchanged")

// Intake kinds of intake_keys.
const (
	intakeAlertmanager = "alertmanager"
	intakeEmail        = "email"
)

// IntakeAlerts applies one Alertmanager notification: a firing group with
// no active incident declares one; later notifications of the group add a
// note per new or resolved alert; a repeat writes nothing. It returns the
// group's incident, 0 when there is none (a resolved group never heard of
// firing).
func (s *Store) IntakeAlerts(ctx context.Context, actor model.Actor, p model.AlertPayload) (int64, error) {
	if err := model.Authorize(actor.Role, model.ActNote); err != nil {
		return 0, err
	}
	var id int64
	_, err := s.write(ctx, actor, model.ActDeclare, func(w *wtx) (model.Event, error) {
		var group string
		err := w.tx.QueryRowContext(w.ctx, `SELECT k.incident_id, k.state FROM intake_keys k JOIN incidents i ON i.id = k.incident_id
			WHERE k.kind = ? AND k.key = ? AND i.status != 'closed' AND i.deleted_at IS NULL ORDER BY k.incident_id DESC LIMIT 1`,
			intakeAlertmanager, p.GroupKey).Scan(&id, &group)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return model.Event{}, fmt.Errorf("look up alert group: %w", err)
		}
		known := map[string]string{}
		if id != 0 {
			rows, err := w.tx.QueryContext(w.ctx, "SELECT fingerprint, status FROM intake_alerts WHERE incident_id = ?", id)
			if err != nil {
				return model.Event{}, fmt.Errorf("load alerts: %w", err)
			}
			for rows.Next() {
				var fp, st string
				if err := rows.Scan(&fp, &st); err != nil {
					rows.Close()
					return model.Event{}, fmt.Errorf("load alerts: %w", err)
				}
				known[fp] = st
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return model.Event{}, fmt.Errorf("load alerts: %w", err)
			}
		}
		plan := model.PlanAlerts(p, id != 0, known, group, w.now)
		if plan.Empty() {
			return model.Event{}, errUnchanged
		}
		var last model.Event
		if plan.Declare != nil {
			if last, err = w.declare(*plan.Declare); err != nil {
				return model.Event{}, err
			}
			id = last.IncidentID
			if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO intake_keys (kind, key, incident_id, state) VALUES (?, ?, ?, ?)",
				intakeAlertmanager, p.GroupKey, id, plan.GroupState); err != nil {
				return model.Event{}, fmt.Errorf("record alert group: %w", err)
			}
		} else if plan.GroupState != "" {
			if _, err := w.tx.ExecContext(w.ctx, "UPDATE intake_keys SET state = ? WHERE kind = ? AND key = ? AND incident_id = ?",
				plan.GroupState, intakeAlertmanager, p.GroupKey, id); err != nil {
				return model.Event{}, fmt.Errorf("record alert group: %w", err)
			}
		}
		if err := w.recordAlerts(id, plan.Alerts); err != nil {
			return model.Event{}, err
		}
		if len(plan.Notes) == 0 {
			return last, nil
		}
		// Every note is its own event, and bumps the incident's version
		// as any write does; the last one is the write's.
		inc, err := w.load(id)
		if err != nil {
			return model.Event{}, err
		}
		for _, text := range plan.Notes {
			if last.Action != "" {
				if _, err := w.appendEvent(last); err != nil {
					return model.Event{}, err
				}
			}
			if err := w.save(inc); err != nil {
				return model.Event{}, err
			}
			text, err := model.CleanText("note", text, model.MultiLine, 1, model.MaxNote)
			if err != nil {
				return model.Event{}, err
			}
			last = w.event(inc, model.ActNote, map[string]string{"text": text})
		}
		return last, nil
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	return id, err
}

// recordAlerts keeps each alert's last status, by fingerprint.
func (w *wtx) recordAlerts(id int64, alerts map[string]string) error {
	if len(alerts) == 0 {
		return nil
	}
	stmt, err := w.tx.PrepareContext(w.ctx, `INSERT INTO intake_alerts (incident_id, fingerprint, status) VALUES (?, ?, ?)
		ON CONFLICT (incident_id, fingerprint) DO UPDATE SET status = excluded.status`)
	if err != nil {
		return fmt.Errorf("record alerts: %w", err)
	}
	defer stmt.Close()
	for fp, st := range alerts {
		if _, err := stmt.ExecContext(w.ctx, id, fp, st); err != nil {
			return fmt.Errorf("record alert: %w", err)
		}
	}
	return nil
}

// IntakeReport declares an incident reported from outside. With a key
// (an e-mail's Message-ID) it is idempotent: the same key again declares
// nothing and returns the incident it declared, with created false.
func (s *Store) IntakeReport(ctx context.Context, actor model.Actor, d model.Declaration, key string) (id int64, created bool, err error) {
	_, err = s.write(ctx, actor, model.ActDeclare, func(w *wtx) (model.Event, error) {
		if key != "" {
			err := w.tx.QueryRowContext(w.ctx, "SELECT incident_id FROM intake_keys WHERE kind = ? AND key = ? LIMIT 1", intakeEmail, key).Scan(&id)
			if err == nil {
				return model.Event{}, errUnchanged
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return model.Event{}, fmt.Errorf("look up message: %w", err)
			}
		}
		ev, err := w.declare(d)
		if err != nil {
			return model.Event{}, err
		}
		id = ev.IncidentID
		if key != "" {
			if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO intake_keys (kind, key, incident_id) VALUES (?, ?, ?)", intakeEmail, key, id); err != nil {
				return model.Event{}, fmt.Errorf("record message: %w", err)
			}
			ev.Data["message_id"] = key
		}
		return ev, nil
	})
	if errors.Is(err, errUnchanged) {
		return id, false, nil
	}
	return id, err == nil, err
}

// PublicStatus is the public status page at now: built by the model's
// projection from the incidents it may show, so nothing else is read out.
func (s *Store) PublicStatus(ctx context.Context) (model.PublicStatus, error) {
	now := s.Clock().Now()
	cutoff := now.Add(-model.PublicWindow).Unix()
	var incs []*model.Incident
	var mode string
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		if _, mode, err = readMeta(ctx, tx); err != nil {
			return err
		}
		incs, err = loadIncidents(ctx, tx, loadFull, `i.deleted_at IS NULL AND i.availability = 1 AND i.public_title != ''
			AND (i.resolved_at IS NULL OR i.resolved_at >= ?)
			AND EXISTS (SELECT 1 FROM status_updates u WHERE u.incident_id = i.id AND u.public = 1)`, cutoff)
		return err
	})
	if err != nil {
		return model.PublicStatus{}, err
	}
	return model.PublicView(incs, strings.EqualFold(mode, "exercise"), now), nil
}

func (s *Store) noteTokenUse(ctx context.Context, sha string, now time.Time) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE tokens SET last_used_at = ? WHERE sha256 = ?", now.Unix(), sha); err != nil {
		return err
	}
	return tx.Commit()
}
