package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// BenchmarkDurableWrites measures durable read-then-write transactions:
// each Note loads the incident, saves it with version+1 and appends its
// event, committed with synchronous=FULL.
func BenchmarkDurableWrites(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	inc, err := st.Declare(ctx, owner, model.Declaration{Title: "Benchmark", Severity: model.P2})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Note(ctx, member, inc.ID, "benchmark note"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

const (
	boardIncidents = 1000
	boardEvents    = 100_000
)

var boardFixture struct {
	once sync.Once
	path string
	err  error
}

// boardFixturePath builds, once per benchmark process, a database with
// boardIncidents active incidents and boardEvents events under
// os.TempDir(), and returns its path.
func boardFixturePath(b *testing.B) string {
	b.Helper()
	boardFixture.once.Do(func() {
		name := fmt.Sprintf("sitrep-bench-board-%dx%d.db", boardIncidents, boardEvents)
		boardFixture.path = filepath.Join(os.TempDir(), name)
		start := time.Now()
		boardFixture.err = buildBoardFixture(boardFixture.path)
		b.Logf("built %s in %v", boardFixture.path, time.Since(start))
	})
	if boardFixture.err != nil {
		b.Fatalf("board fixture: %v", boardFixture.err)
	}
	return boardFixture.path
}

// buildBoardFixture lets store.Open create the schema, then bulk-inserts
// rows directly in one transaction: far faster than a write per event.
func buildBoardFixture(path string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	ctx := context.Background()
	base := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	now := base.Add(48 * time.Hour)
	st, err := store.Open(ctx, path, store.WithClock(model.FixedClock(now)))
	if err != nil {
		return err
	}
	defer st.Close()
	db, err := sql.Open("sqlite", st.Path()+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, q)
		return s
	}
	insInc := prep(`INSERT INTO incidents (id, title, summary, severity, status, source, breach, availability, commander,
		detected_at, aware_at, acknowledged_at, contained_at, resolved_at, created_at, updated_at, version,
		customers, checklist_done, checklist_total)
		VALUES (?, ?, '', ?, ?, 'monitoring', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	insCheck := prep("INSERT INTO checklist (incident_id, position, key, item, state, by, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
	insNotif := prep("INSERT INTO notifications (incident_id, customer, channel, sent_at, follow_up, by) VALUES (?, ?, 'email', ?, 0, 'alice')")
	insEvent := prep("INSERT INTO events (time, actor, source, action, target, incident_id, data) VALUES (?, 'alice', 'local:alice@bench', ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	sevs := []model.Severity{model.P0, model.P1, model.P2, model.P3}
	statuses := []model.Status{model.Open, model.Acknowledged, model.Contained, model.Resolved}
	breaches := []model.Breach{model.BreachUnknown, model.BreachYes, model.BreachNo}
	perIncident := boardEvents / boardIncidents
	tmpl := model.DefaultChecklist()
	unix := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Unix()
	}
	for i := 1; i <= boardIncidents; i++ {
		id := int64(i)
		ref := model.FormatRef(id)
		det := base.Add(time.Duration(i) * 2 * time.Minute)
		status := statuses[i%len(statuses)]
		var ack, cont, res time.Time
		if status != model.Open {
			ack = det.Add(20 * time.Minute)
		}
		if status == model.Contained || status == model.Resolved {
			cont = det.Add(time.Hour)
		}
		if status == model.Resolved {
			res = det.Add(3 * time.Hour)
		}
		var commander any
		if i%3 != 0 {
			commander = "alice"
		}
		breach := breaches[i%len(breaches)]
		if _, err := insInc.ExecContext(ctx, id, fmt.Sprintf("Incident %d: elevated error rate", i), sevs[i%len(sevs)], status,
			breach, i%2, commander, det.Unix(), det.Unix(), unix(ack), unix(cont), unix(res),
			det.Unix(), det.Unix(), perIncident,
			fmt.Sprintf(`["Customer %d-0","Customer %d-1"]`, i, i), i%len(tmpl), len(tmpl)); err != nil {
			return err
		}
		for pos, it := range tmpl {
			state, by, at := "todo", "", any(nil)
			if pos < i%len(tmpl) {
				state, by, at = "done", "alice", det.Add(time.Duration(pos)*time.Minute).Unix()
			}
			if _, err := insCheck.ExecContext(ctx, id, pos, it.Key, it.Item, state, by, at); err != nil {
				return err
			}
		}
		for pos := range 2 {
			name := fmt.Sprintf("Customer %d-%d", i, pos)
			if breach == model.BreachYes && pos == 0 {
				if _, err := insNotif.ExecContext(ctx, id, name, det.Add(time.Hour).Unix()); err != nil {
					return err
				}
			}
		}
		for n := range perIncident {
			action, data := "note", fmt.Sprintf(`{"text":"update %d on %s"}`, n, ref)
			if n == 0 {
				action, data = "declare", fmt.Sprintf(`{"title":"Incident %d","severity":"%s"}`, i, sevs[i%len(sevs)])
			}
			if _, err := insEvent.ExecContext(ctx, det.Add(time.Duration(n)*time.Second).Unix(), action, ref, id, data); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// BenchmarkLoadBoard measures loading the board snapshot: 1,000 active
// incidents with checklist progress, customers and notifications, in a
// database of 100,000 events.
func BenchmarkLoadBoard(b *testing.B) {
	ctx := context.Background()
	path := boardFixturePath(b)
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	board, err := st.LoadBoard(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if len(board.Incidents) != boardIncidents || board.Seq != boardEvents {
		b.Fatalf("fixture board: %d incidents, last seq %d; want %d and %d", len(board.Incidents), board.Seq, boardIncidents, boardEvents)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.LoadBoard(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
