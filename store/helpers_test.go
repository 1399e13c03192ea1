package store_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// t0 is a Wednesday, 11:00 in Amsterdam: inside business hours.
var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	owner  = model.Actor{Name: "olivia", Role: model.Owner, Source: "local:olivia@test"}
	admin  = model.Actor{Name: "alice", Role: model.Admin, Source: "local:alice@test"}
	member = model.Actor{Name: "bob", Role: model.Member, Source: "ssh:192.0.2.7:50022"}
	viewer = model.Actor{Name: "vera", Role: model.Viewer, Source: "ssh:192.0.2.8:50023"}
)

// openStore opens a store on a new file with a clock the test controls.
func openStore(t testing.TB) (*store.Store, *testClock) {
	t.Helper()
	clk := newClock(t0)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "sitrep.db"), store.WithClock(clk))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, clk
}

// addTeam adds the users the actors stand for: alice (admin), bob (member)
// and vera (viewer), so they can be assigned.
func addTeam(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, u := range []struct {
		name string
		role model.Role
	}{{"alice", model.Admin}, {"bob", model.Member}, {"vera", model.Viewer}} {
		if _, err := st.AddUser(ctx, owner, u.name, u.role, nil); err != nil {
			t.Fatalf("add user %s: %v", u.name, err)
		}
	}
}

func declare(t testing.TB, st *store.Store, d model.Declaration) *model.Incident {
	t.Helper()
	if d.Title == "" {
		d.Title = "Database primary unreachable"
	}
	if d.Severity == "" {
		d.Severity = model.P2
	}
	inc, err := st.Declare(context.Background(), owner, d)
	if err != nil {
		t.Fatalf("declare: %v", err)
	}
	return inc
}

func mustIncident(t testing.TB, st *store.Store, id int64) *model.Incident {
	t.Helper()
	inc, err := st.Incident(context.Background(), id)
	if err != nil {
		t.Fatalf("load %s: %v", model.FormatRef(id), err)
	}
	return inc
}

// must(f())(t) fails the test if f returned an error, else yields its value.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func auditAll(t testing.TB, st *store.Store) []model.Event {
	t.Helper()
	evs, err := st.Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return evs
}

func eventCount(t testing.TB, st *store.Store) int { t.Helper(); return len(auditAll(t, st)) }

func lastEvent(t testing.TB, st *store.Store) model.Event {
	t.Helper()
	evs := auditAll(t, st)
	if len(evs) == 0 {
		t.Fatal("no events at all")
	}
	return evs[len(evs)-1]
}

// userError asserts err is a refusal meant for people: a *model.Error
// holding one sentence, not a wrapped database error.
func userError(t testing.TB, err error) *model.Error {
	t.Helper()
	if err == nil {
		t.Fatal("the write was accepted; want a refusal")
	}
	var me *model.Error
	if !errors.As(err, &me) {
		t.Fatalf("error %q (%T) is not a *model.Error", err, err)
	}
	msg := me.Error()
	if len(msg) < 10 || strings.ContainsAny(msg, "\n") {
		t.Fatalf("error %q does not read as one sentence", msg)
	}
	for _, bad := range []string{"sql", "constraint", "SQLITE"} {
		if strings.Contains(msg, bad) {
			t.Fatalf("error %q leaks database details", msg)
		}
	}
	return me
}

// rawDB opens the store's file for direct reads, as a second process would.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dump renders every row of every table and the schema version, so a
// test can tell whether anything at all changed.
func dump(t testing.TB, db *sql.DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	var uv int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&uv); err != nil {
		t.Fatalf("dump: %v", err)
	}
	fmt.Fprintf(&b, "user_version %d\n", uv)
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("dump: %v", err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	for _, tb := range tables {
		rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT * FROM %q ORDER BY rowid", tb))
		if err != nil {
			t.Fatalf("dump %s: %v", tb, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "table %s %v\n", tb, cols)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", tb, err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintf(&b, "  %v\n", vals)
		}
		rows.Close()
	}
	return b.String()
}

// sshKey returns a valid ed25519 public key in authorized_keys form,
// derived from seed so tests are repeatable.
func sshKey(seed byte, comment string) string {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	pub := ed25519.NewKeyFromSeed(s).Public().(ed25519.PublicKey)
	var wire []byte
	for _, part := range [][]byte{[]byte("ssh-ed25519"), pub} {
		wire = binary.BigEndian.AppendUint32(wire, uint32(len(part)))
		wire = append(wire, part...)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(wire) + " " + comment
}

func ptr[T any](v T) *T { return &v }

// completeReview writes every section, one action item and marks the
// review complete.
func completeReview(t testing.TB, st *store.Store, id int64) {
	t.Helper()
	ctx := context.Background()
	must(st.WriteReview(ctx, member, id, model.ReviewEdit{
		RootCause: ptr("expired certificate"), Worked: ptr("paging"),
		NotWorked: ptr("runbook was stale"), Impact: ptr("20 minutes of errors"),
	}))(t)
	must(st.AddActionItem(ctx, member, id, "Automate certificate renewal", "alice", "2026-04-01"))(t)
	must(st.WriteReview(ctx, admin, id, model.ReviewEdit{Complete: true}))(t)
}

// enableNIS2 adds the NIS2 clocks to the policy.
func enableNIS2(t testing.TB, st *store.Store) {
	t.Helper()
	must(st.SetPolicy(context.Background(), owner, func(p *model.Policy) (string, error) {
		p.Clocks = append(p.Clocks, model.RegulationSets()["nis2"]...)
		return "nis2 enabled", nil
	}))(t)
}
