package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
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
	if since.IsZero() {
		return loadEvents(ctx, s.r, "1")
	}
	return loadEvents(ctx, s.r, "time >= ?", since.Unix())
}

// auditPage is how many events AuditPages reads at once.
const auditPage = 128

// AuditPages calls fn with every event since a time (zero: all), oldest
// first, a page at a time. Each page is its own short read, so a slow
// reader of a long log holds neither the whole log in memory nor a read
// transaction open. Events written after the call began are left out.
func (s *Store) AuditPages(ctx context.Context, since time.Time, fn func([]model.Event) error) error {
	last, err := s.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	for after := int64(0); after < last; {
		page, err := queryEvents(ctx, s.r, "seq > ? AND seq <= ? AND time >= ? ORDER BY seq LIMIT ?", after, last, sinceUnix(since), auditPage)
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

func sinceUnix(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.Unix()
}

// LastSeq is the sequence number of the newest event.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&n)
	return n, err
}
