package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sitrep/model"
)

// querier is what reads need: a *sql.DB, *sql.Tx or *sql.Conn.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func fromUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(n.Int64, 0).UTC()
}

func toUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// incidentCols are the columns scanIncident reads.
const incidentCols = `id, title, summary, severity, status, source, breach, availability, customers,
	checklist_done, checklist_na, checklist_total, data_categories,
	subjects_approx, records_approx, consequences, commander, detected_at, aware_at, acknowledged_at,
	contained_at, resolved_at, closed_at, review_root_cause, review_worked, review_not_worked, review_impact,
	review_completed_at, review_completed_by, created_at, updated_at, deleted_at, version,
	subject_categories, measures_proposed, mitigation, contact_name, contact_details, reporter, public_title,
	data_loss, major_at, restored_at, recovery_point, ` + commanderGone + `
`

// boardCols are what the board shows and its deadlines need, and no more:
// the driver's cost is per column fetched, and the board is loaded after
// every change.
const boardCols = `id, title, severity, status, source, breach, availability, customers, checklist_done, checklist_na,
	checklist_total, commander, detected_at, aware_at, acknowledged_at, resolved_at, review_completed_at, version,
	closed_at, data_loss, major_at, restored_at, ` + commanderGone

// commanderGone is whether the commander no longer may command: removed,
// or made a viewer. The board shows NO IC for them.
const commanderGone = `(i.commander IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u
	WHERE u.name = i.commander COLLATE NOCASE AND u.deleted_at IS NULL AND u.role != 'viewer'))`

func scanBoardRow(sc interface{ Scan(...any) error }) (*model.Incident, error) {
	var (
		i                                    model.Incident
		customers, sev, status, brch, source string
		commander                            sql.NullString
		det, aware, ack, res, rc             sql.NullInt64
		clo, major, restored                 sql.NullInt64
	)
	err := sc.Scan(&i.ID, &i.Title, &sev, &status, &source, &brch, &i.Availability, &customers, &i.Progress.Done, &i.Progress.NA,
		&i.Progress.Total, &commander, &det, &aware, &ack, &res, &rc, &i.Version,
		&clo, &i.DataLoss, &major, &restored, &i.CommanderGone)
	if err != nil {
		return nil, err
	}
	i.Severity, i.Status, i.Source, i.Breach = model.Severity(sev), model.Status(status), model.Source(source), model.Breach(brch)
	if i.Customers, err = decodeNames(customers); err != nil {
		return nil, fmt.Errorf("customers of %s: %w", i.Ref(), err)
	}
	i.Commander = commander.String
	i.DetectedAt, i.AwareAt, i.AcknowledgedAt, i.ResolvedAt = fromUnix(det), fromUnix(aware), fromUnix(ack), fromUnix(res)
	i.Review.CompletedAt = fromUnix(rc)
	i.ClosedAt, i.MajorAt, i.RestoredAt = fromUnix(clo), fromUnix(major), fromUnix(restored)
	return &i, nil
}

// decodeNames reads a JSON array of names. Most hold no escapes, and for
// those the quotes can only be delimiters, so splitting is exact and
// several times cheaper than encoding/json on the board's hot path.
func decodeNames(s string) ([]string, error) {
	if s == "[]" {
		return nil, nil
	}
	if strings.HasPrefix(s, `["`) && strings.HasSuffix(s, `"]`) && !strings.Contains(s, `\`) {
		return strings.Split(s[2:len(s)-2], `","`), nil
	}
	var out []string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}

func scanIncident(sc interface{ Scan(...any) error }) (*model.Incident, error) {
	var (
		i                                   model.Incident
		cats, customers                     string
		subjCats, proposed, mitigation      string
		subj, recs                          sql.NullInt64
		commander                           sql.NullString
		det, aware, ack, cont, res, clo, rc sql.NullInt64
		created, updated, deleted           sql.NullInt64
		sev, status, source, breach         string
		major, restored, recovery           sql.NullInt64
	)
	err := sc.Scan(&i.ID, &i.Title, &i.Summary, &sev, &status, &source, &breach, &i.Availability, &customers,
		&i.Progress.Done, &i.Progress.NA, &i.Progress.Total, &cats,
		&subj, &recs, &i.Consequences, &commander, &det, &aware, &ack, &cont, &res, &clo,
		&i.Review.RootCause, &i.Review.Worked, &i.Review.NotWorked, &i.Review.Impact, &rc, &i.Review.CompletedBy,
		&created, &updated, &deleted, &i.Version,
		&subjCats, &proposed, &mitigation, &i.ContactName, &i.ContactDetails, &i.Reporter, &i.PublicTitle,
		&i.DataLoss, &major, &restored, &recovery, &i.CommanderGone)
	if err != nil {
		return nil, err
	}
	for _, l := range []struct {
		what string
		src  string
		dst  *[]string
	}{{"subject categories", subjCats, &i.SubjectCategories}, {"proposed measures", proposed, &i.MeasuresProposed}, {"mitigation", mitigation, &i.Mitigation}} {
		if err := json.Unmarshal([]byte(l.src), l.dst); err != nil {
			return nil, fmt.Errorf("%s of %s: %w", l.what, i.Ref(), err)
		}
	}
	i.Severity, i.Status, i.Source, i.Breach = model.Severity(sev), model.Status(status), model.Source(source), model.Breach(breach)
	if err := json.Unmarshal([]byte(cats), &i.DataCategories); err != nil {
		return nil, fmt.Errorf("data categories of %s: %w", i.Ref(), err)
	}
	if i.Customers, err = decodeNames(customers); err != nil {
		return nil, fmt.Errorf("customers of %s: %w", i.Ref(), err)
	}
	if subj.Valid {
		i.SubjectsApprox = &subj.Int64
	}
	if recs.Valid {
		i.RecordsApprox = &recs.Int64
	}
	i.Commander = commander.String
	i.DetectedAt, i.AwareAt = fromUnix(det), fromUnix(aware)
	i.AcknowledgedAt, i.ContainedAt, i.ResolvedAt, i.ClosedAt = fromUnix(ack), fromUnix(cont), fromUnix(res), fromUnix(clo)
	i.Review.CompletedAt = fromUnix(rc)
	i.CreatedAt, i.UpdatedAt, i.DeletedAt = fromUnix(created), fromUnix(updated), fromUnix(deleted)
	i.MajorAt, i.RestoredAt, i.RecoveryPoint = fromUnix(major), fromUnix(restored), fromUnix(recovery)
	return &i, nil
}

// loadMode says how much of an incident to load.
type loadMode int

const (
	loadBoard loadMode = iota // what the board shows and deadlines need
	loadList                  // every field of the row, no collections
	loadFull                  // everything: checklist, updates, action items too
)

// loadIncidents loads the incidents matching where (a condition on table
// incidents aliased i), with the notifications and reports deadlines need,
// and as much more as mode says. One query per collection, not per
// incident.
func loadIncidents(ctx context.Context, q querier, mode loadMode, where string, args ...any) ([]*model.Incident, error) {
	cols, scan := incidentCols, scanIncident
	if mode == loadBoard {
		cols, scan = boardCols, scanBoardRow
	}
	rows, err := q.QueryContext(ctx, "SELECT "+cols+" FROM incidents i WHERE "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("load incidents: %w", err)
	}
	var list []*model.Incident
	byID := map[int64]*model.Incident{}
	for rows.Next() {
		inc, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("load incidents: %w", err)
		}
		list = append(list, inc)
		byID[inc.ID] = inc
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load incidents: %w", err)
	}
	if len(list) == 0 {
		return list, nil
	}
	sub := "(SELECT id FROM incidents i WHERE " + where + ")"
	// Each collection: scan incident_id first, then the rest.
	type loader struct {
		what, query string
		scan        func(rows *sql.Rows) error
	}
	loaders := []loader{
		{"notifications", "SELECT incident_id, id, customer, channel, sent_at, follow_up, by, sha256, recipient, unknowns, facts FROM notifications WHERE incident_id IN " + sub + " ORDER BY incident_id, id",
			func(rows *sql.Rows) error {
				var id int64
				var n model.Notification
				var sent sql.NullInt64
				var unknowns, facts string
				if err := rows.Scan(&id, &n.ID, &n.Customer, &n.Channel, &sent, &n.FollowUp, &n.By, &n.SHA256, &n.To, &unknowns, &facts); err != nil {
					return err
				}
				n.SentAt = fromUnix(sent)
				if err := json.Unmarshal([]byte(unknowns), &n.Unknowns); err != nil {
					return fmt.Errorf("unknowns of notice %d: %w", n.ID, err)
				}
				if mode != loadBoard {
					if err := json.Unmarshal([]byte(facts), &n.Facts); err != nil {
						return fmt.Errorf("facts of notice %d: %w", n.ID, err)
					}
				}
				if inc := byID[id]; inc != nil {
					inc.Notifications = append(inc.Notifications, n)
				}
				return nil
			}},
		{"reports", "SELECT incident_id, kind, at, by FROM reports WHERE incident_id IN " + sub + " ORDER BY incident_id, at, id",
			func(rows *sql.Rows) error {
				var id int64
				var r model.Report
				var at sql.NullInt64
				if err := rows.Scan(&id, &r.Kind, &at, &r.By); err != nil {
					return err
				}
				r.At = fromUnix(at)
				if inc := byID[id]; inc != nil {
					inc.Reports = append(inc.Reports, r)
				}
				return nil
			}},
	}
	// The status-update cadence and the post-mortem are deadlines, so the
	// board needs them too.
	loaders = append(loaders,
		loader{"status updates", "SELECT incident_id, text, at, by, public FROM status_updates WHERE incident_id IN " + sub + " ORDER BY incident_id, at, id",
			func(rows *sql.Rows) error {
				var id int64
				var u model.StatusUpdate
				var at sql.NullInt64
				if err := rows.Scan(&id, &u.Text, &at, &u.By, &u.Public); err != nil {
					return err
				}
				u.At = fromUnix(at)
				if inc := byID[id]; inc != nil {
					inc.Updates = append(inc.Updates, u)
				}
				return nil
			}},
		loader{"post-mortems", "SELECT incident_id, customer, published, at, by FROM postmortems WHERE incident_id IN " + sub + " ORDER BY incident_id, at, id",
			func(rows *sql.Rows) error {
				var id int64
				var pm model.Postmortem
				var at sql.NullInt64
				if err := rows.Scan(&id, &pm.Customer, &pm.Published, &at, &pm.By); err != nil {
					return err
				}
				pm.At = fromUnix(at)
				if inc := byID[id]; inc != nil {
					inc.Postmortems = append(inc.Postmortems, pm)
				}
				return nil
			}})
	if mode != loadBoard {
		loaders = append(loaders, loader{"customer facts", "SELECT incident_id, customer, subjects_approx, records_approx, impact FROM customer_facts WHERE incident_id IN " + sub + " ORDER BY incident_id, rowid",
			func(rows *sql.Rows) error {
				var id int64
				var f model.CustomerFacts
				var subj, recs sql.NullInt64
				if err := rows.Scan(&id, &f.Customer, &subj, &recs, &f.Impact); err != nil {
					return err
				}
				if subj.Valid {
					f.Subjects = &subj.Int64
				}
				if recs.Valid {
					f.Records = &recs.Int64
				}
				if inc := byID[id]; inc != nil {
					inc.CustomerFacts = append(inc.CustomerFacts, f)
				}
				return nil
			}})
	}
	if mode == loadFull {
		loaders = append(loaders,
			loader{"checklist", "SELECT incident_id, key, item, state, reason, by, at FROM checklist WHERE incident_id IN " + sub + " ORDER BY incident_id, position",
				func(rows *sql.Rows) error {
					var id int64
					var it model.ChecklistItem
					var at sql.NullInt64
					var state string
					if err := rows.Scan(&id, &it.Key, &it.Item, &state, &it.Reason, &it.By, &at); err != nil {
						return err
					}
					it.State, it.At = model.ItemState(state), fromUnix(at)
					if inc := byID[id]; inc != nil {
						inc.Checklist = append(inc.Checklist, it)
					}
					return nil
				}},
			loader{"action items", "SELECT incident_id, n, title, owner, due, done_at, done_by FROM action_items WHERE incident_id IN " + sub + " ORDER BY incident_id, n",
				func(rows *sql.Rows) error {
					var id int64
					var a model.ActionItem
					var done sql.NullInt64
					if err := rows.Scan(&id, &a.N, &a.Title, &a.Owner, &a.Due, &done, &a.DoneBy); err != nil {
						return err
					}
					a.DoneAt = fromUnix(done)
					if inc := byID[id]; inc != nil {
						inc.Review.Actions = append(inc.Review.Actions, a)
					}
					return nil
				}},
		)
	}
	for _, l := range loaders {
		rows, err := q.QueryContext(ctx, l.query, args...)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", l.what, err)
		}
		for rows.Next() {
			if err := l.scan(rows); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load %s: %w", l.what, err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load %s: %w", l.what, err)
		}
	}
	return list, nil
}

// readTx runs fn in one read transaction, so that what it loads is one
// consistent picture. It never spans more than one load.
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// ErrNotFound is returned (wrapped in a sentence) for a missing incident.
var ErrNotFound = errors.New("not found")

type notFound struct{ msg string }

func (e notFound) Error() string { return e.msg }
func (e notFound) Unwrap() error { return ErrNotFound }

func incidentNotFound(id int64) error {
	return notFound{fmt.Sprintf("there is no incident %s; see sitrep list --all", model.FormatRef(id))}
}

// getIncident loads one incident in full; deleted incidents are not found.
func getIncident(ctx context.Context, q querier, id int64) (*model.Incident, error) {
	list, err := loadIncidents(ctx, q, loadFull, "i.id = ? AND i.deleted_at IS NULL", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, incidentNotFound(id)
	}
	return list[0], nil
}

// Incident loads one incident with everything recorded about it.
func (s *Store) Incident(ctx context.Context, id int64) (*model.Incident, error) {
	var inc *model.Incident
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		inc, err = getIncident(ctx, tx, id)
		return err
	})
	return inc, err
}

// Incidents lists incidents that are not deleted: the active ones and the
// closed ones a deadline holds on the board, or with all every one.
// Checklists are counted, not loaded.
func (s *Store) Incidents(ctx context.Context, all bool) ([]*model.Incident, error) {
	where := boardWhere
	if all {
		where = "i.deleted_at IS NULL"
	}
	var list []*model.Incident
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		if list, err = loadIncidents(ctx, tx, loadList, where); err != nil || all {
			return err
		}
		pol, _, err := readMeta(ctx, tx)
		list = dropSettled(list, pol, s.clock.Now())
		return err
	})
	return list, err
}

// boardWhere selects what the board shows: the active incidents and the
// closed ones held by an open deadline.
const boardWhere = "i.deleted_at IS NULL AND (i.status != 'closed' OR i.held = 1)"

// dropSettled leaves out closed incidents flagged held whose deadlines are
// all settled after all (flagged before the flag was kept; see migration 4).
func dropSettled(list []*model.Incident, p model.Policy, now time.Time) []*model.Incident {
	out := list[:0]
	for _, inc := range list {
		if inc.Status != model.Closed || p.Held(inc, now) {
			out = append(out, inc)
		}
	}
	return out
}

// Board is what the board shows: the active incidents and the policy to
// compute their deadlines with, loaded in one read transaction. It is
// immutable once loaded, so one snapshot can serve every session.
type Board struct {
	Incidents []*model.Incident
	Policy    model.Policy
	Mode      string // live or exercise
	Seq       int64  // the last event included
	LoadedAt  time.Time
	// LastAccessReview is when the last access review was recorded
	// (zero: never), for the access-review deadline owners see.
	LastAccessReview time.Time
	// LastBackup is when the last backup was taken (zero: never).
	LastBackup time.Time
	// OpenActions are the review action items not done, across incidents
	// (admins see the overdue ones flagged).
	OpenActions []model.ActionRow
}

// LoadBoard loads the board snapshot.
func (s *Store) LoadBoard(ctx context.Context) (*Board, error) {
	b := &Board{LoadedAt: s.clock.Now()}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		if b.Policy, b.Mode, err = readMeta(ctx, tx); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&b.Seq); err != nil {
			return fmt.Errorf("read last event: %w", err)
		}
		if ev, ok, err := lastAccessReview(ctx, tx); err != nil {
			return err
		} else if ok {
			b.LastAccessReview = ev.Time
		}
		var last sql.NullInt64
		err = tx.QueryRowContext(ctx, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_backup'").Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read last backup: %w", err)
		}
		b.LastBackup = fromUnix(last)
		if b.Incidents, err = loadIncidents(ctx, tx, loadBoard, boardWhere); err != nil {
			return err
		}
		b.Incidents = dropSettled(b.Incidents, b.Policy, b.LoadedAt)
		b.OpenActions, err = actionItems(ctx, tx, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func readMeta(ctx context.Context, q querier) (model.Policy, string, error) {
	rows, err := q.QueryContext(ctx, "SELECT key, value FROM meta WHERE key IN ('policy', 'mode')")
	if err != nil {
		return model.Policy{}, "", fmt.Errorf("read policy: %w", err)
	}
	defer rows.Close()
	var pol, mode string
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return model.Policy{}, "", fmt.Errorf("read policy: %w", err)
		}
		switch k {
		case "policy":
			pol = v
		case "mode":
			mode = v
		}
	}
	if err := rows.Err(); err != nil {
		return model.Policy{}, "", fmt.Errorf("read policy: %w", err)
	}
	p, err := model.ParsePolicy([]byte(pol))
	if err != nil {
		return model.Policy{}, "", fmt.Errorf("the stored policy is damaged: %w", err)
	}
	return p, mode, nil
}

// Policy is the policy stored in the database.
func (s *Store) Policy(ctx context.Context) (model.Policy, error) {
	p, _, err := readMeta(ctx, s.r)
	return p, err
}

// Mode is "live" or "exercise".
func (s *Store) Mode(ctx context.Context) (string, error) {
	_, m, err := readMeta(ctx, s.r)
	return m, err
}
