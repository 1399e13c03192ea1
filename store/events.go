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
	return queryEvents(ctx, q, where+" ORDER BY seq", args...)
}

// queryEvents runs an events query; tail is its WHERE clause onwards.
func queryEvents(ctx context.Context, q querier, tail string, args ...any) ([]model.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, time, actor, source, action, target, incident_id, data
		FROM events WHERE `+tail, args...)
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

// Events is the audit log filtered by q, oldest first.
func (s *Store) Events(ctx context.Context, q EventQuery) ([]model.Event, error) {
	where, args, err := s.eventFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	return loadEvents(ctx, s.r, where, args...)
}

// eventFilter is q as a WHERE clause. An action no event has is refused,
// naming those the log does have: a mistyped action would otherwise look
// like a quiet log.
func (s *Store) eventFilter(ctx context.Context, q EventQuery) (string, []any, error) {
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
			return "", nil, fmt.Errorf("load event actions: %w", err)
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return "", nil, fmt.Errorf("load event actions: %w", err)
			}
			known = append(known, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", nil, fmt.Errorf("load event actions: %w", err)
		}
		if !slices.Contains(known, q.Action) {
			return "", nil, model.Errorf("no event has action %q; the log holds %s", q.Action, strings.Join(known, ", "))
		}
		where, args = append(where, "action = ?"), append(args, q.Action)
	}
	return strings.Join(where, " AND "), args, nil
}

// auditPage is how many events AuditPages reads at once.
const auditPage = 128

// AuditPages calls fn with every event q selects, oldest first, a page at
// a time. Each page is its own short read, so a slow reader of a long log
// holds neither the whole log in memory nor a read transaction open.
// Events written after the call began are left out.
func (s *Store) AuditPages(ctx context.Context, q EventQuery, fn func([]model.Event) error) error {
	where, args, err := s.eventFilter(ctx, q)
	if err != nil {
		return err
	}
	last, err := s.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	for after := int64(0); after < last; {
		page, err := queryEvents(ctx, s.r, "seq > ? AND seq <= ? AND "+where+" ORDER BY seq LIMIT ?",
			append(append([]any{after, last}, args...), auditPage)...)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		after = page[len(page)-1].Seq
	}
	return nil
}

// LastSeq is the sequence number of the newest event.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&n)
	return n, err
}
