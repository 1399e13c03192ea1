package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sitrep/model"
	"sitrep/store"
)

// TestMigrationToNotices opens a database written at schema 2: the policy's
// single contact line becomes its contact details, a GDPR clock weakened
// by an earlier version is put back as the law has it (other clocks kept),
// a single customer's numbers become its own, and earlier notices read as
// notices without text.
func TestMigrationToNotices(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"0001_init.sql", "0002_exercise.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	old := `{"business_hours":{"time_zone":"Europe/Amsterdam","days":["mon","tue","wed","thu","fri"],"open":"09:00","close":"17:00","holidays":[]},
		"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,
		"clocks":[{"kind":"notify","label":"Art. 33","set":"gdpr","applies":"P0","from":"aware","hours":96,"met_by":"notified"},
			{"kind":"nis2-warning","label":"NIS2 early warning","set":"nis2","applies":"P1","from":"aware","hours":24,"met_by":"report"}],
		"contact":"Jane Doe, dpo@example.com","checklist":[]}`
	for _, q := range []string{
		`INSERT INTO meta (key, value) VALUES ('mode', 'live'), ('created_at', '0')`,
		`INSERT INTO incidents (title, severity, status, source, breach, customers, subjects_approx, records_approx, detected_at, aware_at, created_at, updated_at)
			VALUES ('one', 'P1', 'open', 'other', 'yes', '["Acme"]', 10, 20, 1, 1, 1, 1),
			('two', 'P2', 'open', 'other', 'yes', '["Acme","Globex"]', 5, NULL, 1, 1, 1, 1)`,
		`INSERT INTO notifications (incident_id, customer, channel, sent_at, follow_up, by) VALUES (1, 'Acme', 'email', 2, 0, 'alice')`,
		`PRAGMA user_version = 2`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO meta (key, value) VALUES ('policy', ?)`, old); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer st.Close()
	p := must(st.Policy(ctx))(t)
	c, _ := p.Clock(model.KindNotify)
	if p.ContactDetails != "Jane Doe, dpo@example.com" || p.ContactName != "" || p.FollowUpHours != 48 ||
		c.Hours != 72 || c.Applies != model.AppliesBreach || c.Label != "Art. 33" || len(p.Clocks) != 2 {
		t.Errorf("migrated policy %+v", p)
	}
	one := mustIncident(t, st, 1)
	if f := one.Facts("Acme"); f.Subjects == nil || *f.Subjects != 10 || *one.Records() != 20 || len(one.Notifications) != 1 || one.Notifications[0].SHA256 != "" {
		t.Errorf("incident one %+v", one)
	}
	if two := mustIncident(t, st, 2); two.Subjects() == nil || *two.Subjects() != 5 {
		t.Errorf("incident two keeps its overall numbers: %+v", two)
	}
}

// TestMigrationToAccess opens a database written at schema 3: its keys
// have no last use yet, its stored policy gets the access defaults
// (no security keys required, a review every 91 days), and the last
// access review is found (none).
func TestMigrationToAccess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"0001_init.sql", "0002_exercise.sql", "0003_notices.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	var fields map[string]any
	if err := json.Unmarshal(model.DefaultPolicy().JSON(), &fields); err != nil {
		t.Fatal(err)
	}
	delete(fields, "require_security_key")
	delete(fields, "access_review_days")
	oldJSON, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	old := string(oldJSON)
	for _, q := range []string{
		`INSERT INTO meta (key, value) VALUES ('mode', 'live'), ('created_at', '0')`,
		`INSERT INTO users (name, role, created_at, updated_at) VALUES ('alice', 'admin', 1, 1)`,
		`INSERT INTO user_keys (user_id, fingerprint, type, key, created_at) VALUES (1, 'SHA256:x', 'ssh-ed25519', 'ssh-ed25519 AAAA', 1)`,
		`PRAGMA user_version = 3`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO meta (key, value) VALUES ('policy', ?)`, old); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer st.Close()
	p := must(st.Policy(ctx))(t)
	if p.AccessReviewDays != 91 || len(p.RequireSecurityKey) != 0 {
		t.Errorf("migrated policy: review every %d days, security keys for %v", p.AccessReviewDays, p.RequireSecurityKey)
	}
	u := must(st.User(ctx, "alice"))(t)
	if len(u.Keys) != 1 || !u.Keys[0].LastUsedAt.IsZero() || u.Keys[0].AddedAt.Unix() != 1 {
		t.Errorf("migrated keys %+v", u.Keys)
	}
	if _, ok, err := st.LastAccessReview(ctx); ok || err != nil {
		t.Errorf("last access review on a migrated database: %v %v", ok, err)
	}
}
