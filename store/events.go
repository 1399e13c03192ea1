package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"sitrep/model"
)

func loadEvents(ctx context.Context, q querier, where string, args ...any) ([]model.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, time, actor, source, action, target, incident_id, data
		FROM events WHERE `+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	defer rows.Close()
	var out []model.Event
	for rows.Next() {
		var e model.Event
		var t int64
		var inc sql.NullInt64
		var data string
		if err := rows.Scan(&e.Seq, &t, &e.Actor, &e.Source, &e.Action, &e.Target, &inc, &data); err != nil {
			return nil, fmt.Errorf("load events: %w", err)
		}
		e.Time, e.IncidentID = time.Unix(t, 0).UTC(), inc.Int64
		if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
			return nil, fmt.Errorf("event %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Timeline is an incident's events, oldest first.
func (s *Store) Timeline(ctx context.Context, id int64) ([]model.Event, error) {
	var evs []model.Event
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM incidents WHERE id = ?", id).Scan(&n); err != nil {
			return fmt.Errorf("find incident: %w", err)
		}
		if n == 0 {
			return incidentNotFound(id)
		}
		var err error
		evs, err = loadEvents(ctx, tx, "incident_id = ?", id)
		return err
	})
	return evs, err
}

// Audit is every event since a time (zero: all), oldest first.
func (s *Store) Audit(ctx context.Context, since time.Time) ([]model.Event, error) {
	return s.Events(ctx, EventQuery{Since: since})
}

// EventQuery selects events from the audit log; zero fields select all.
type EventQuery struct {
	Since  time.Time // at or after
	Actor  string
	Action string
}

// Events is the audit log filtered by q, oldest first. An action no event
// has is refused, naming those it does have: a mistyped action would
// otherwise look like a quiet log.
func (s *Store) Events(ctx context.Context, q EventQuery) ([]model.Event, error) {
	where, args := []string{"1"}, []any{}
	if !q.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, q.Since.Unix())
	}
	if q.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, q.Actor)
	}
	if q.Action != "" {
		var known []string
		rows, err := s.r.QueryContext(ctx, "SELECT DISTINCT action FROM events ORDER BY action")
		if err != nil {
			return nil, fmt.Errorf("load event actions: %w", err)
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load event actions: %w", err)
			}
			known = append(known, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load event actions: %w", err)
		}
		if !slices.Contains(known, q.Action) {
			return nil, model.Errorf("no event has action %q; the log holds %s", q.Action, strings.Join(known, ", "))
		}
		where, args = append(where, "action = ?"), append(args, q.Action)
	}
	return loadEvents(ctx, s.r, strings.Join(where, " AND "), args...)
}

// LastSeq is the sequence number of the newest event.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&n)
	return n, err
}
