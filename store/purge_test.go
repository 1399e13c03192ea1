package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// TestPurge: incidents closed longer ago than the retention go, with
// their rows and events, even their recorded notices; one purge event
// keeps refs and counts; an incident with an open deadline stays; the
// content is not left in the file; the append-only rule still holds.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	if _, _, err := st.Purge(ctx, owner, true); userError(t, err) == nil || !strings.Contains(err.Error(), "no retention") {
		t.Fatalf("purge without retention: %v", err)
	}
	must(st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
		p.RetentionDays = 30
		p.ContactName, p.ContactDetails = "Dana", "dpo@example.com"
		return "retention", nil
	}))(t)
	closeIt := func(inc *model.Incident) {
		must(st.Transition(ctx, admin, inc.ID, model.Acknowledged, ""))(t)
		must(st.Transition(ctx, admin, inc.ID, model.Resolved, ""))(t)
		// One with a clock still running is closed only by override.
		if _, err := st.Transition(ctx, admin, inc.ID, model.Closed, ""); err != nil {
			must(st.Transition(ctx, admin, inc.ID, model.Closed, "closed with its clock running, to test the purge"))(t)
		}
	}
	plain := declare(t, st, model.Declaration{Title: "Purge me: disk full", Severity: model.P3, Breach: model.BreachNo})
	must(st.Note(ctx, member, plain.ID, "Victim name Zebulon"))(t)
	notified := declare(t, st, model.Declaration{Title: "Purge me too: notified breach", Severity: model.P3, Breach: model.BreachYes, Customers: []string{"Acme"}})
	must(st.SetBreach(ctx, admin, notified.ID, model.BreachFacts{Subjects: ptr[int64](12), Records: ptr[int64](40),
		SubjectCategories: []string{"end users"}, Categories: []string{"email"}, Consequences: ptr("phishing risk"),
		Proposed: []string{"reset passwords"}, Mitigation: []string{"warn users"}}))(t)
	must(st.Notify(ctx, admin, notified.ID, store.NotifyInput{Customer: "Acme"}))(t) // nothing left to follow up
	owed := declare(t, st, model.Declaration{Title: "Keep me: notice owed", Severity: model.P3, Breach: model.BreachYes, Customers: []string{"Initech"}})
	for _, inc := range []*model.Incident{plain, notified, owed} {
		closeIt(inc)
	}
	clk.Advance(29 * 24 * time.Hour)
	recent := declare(t, st, model.Declaration{Title: "Keep me: closed recently", Severity: model.P3, Breach: model.BreachNo})
	closeIt(recent)
	clk.Advance(2 * 24 * time.Hour) // the first three closed 31 days ago

	before := dump(t, rawDB(t, st.Path()))
	plan, ev, err := st.Purge(ctx, owner, true)
	if err != nil || ev.Seq != 0 {
		t.Fatalf("dry run: %v %v", ev, err)
	}
	if got := refList(plan.Purge); got != "INC-1 INC-2" {
		t.Errorf("dry run would purge %s, want INC-1 INC-2", got)
	}
	if got := refList(plan.Held); got != "INC-3" {
		t.Errorf("dry run holds %s, want INC-3", got)
	}
	if dump(t, rawDB(t, st.Path())) != before {
		t.Error("a dry run changed the database")
	}
	if _, _, err := st.Purge(ctx, admin, false); userError(t, err) == nil {
		t.Errorf("an admin purged: %v", err)
	}

	_, ev, err = st.Purge(ctx, owner, false)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Action != model.EvPurge || ev.Data["refs"] != "INC-1, INC-2" || ev.Data["incidents"] != "2" || ev.Data["held"] != "1" || ev.Data["events"] == "0" {
		t.Errorf("purge event %v", ev.Data)
	}
	if want := "purged 2 incident(s) closed over 30 days ago and their " + ev.Data["events"] + " event(s): INC-1, INC-2; kept 1 with an open deadline"; ev.Text(nil) != want {
		t.Errorf("purge text %q, want %q", ev.Text(nil), want)
	}
	db := rawDB(t, st.Path())
	var incs, evs, notes, ownEvents int
	db.QueryRow("SELECT count(*) FROM incidents").Scan(&incs)
	db.QueryRow("SELECT count(*) FROM events WHERE incident_id IN (1, 2) OR data LIKE '%Purge me%' OR data LIKE '%Zebulon%'").Scan(&evs)
	db.QueryRow("SELECT count(*) FROM notifications").Scan(&notes)
	db.QueryRow("SELECT count(*) FROM events WHERE incident_id IN (3, 4)").Scan(&ownEvents)
	if incs != 2 || evs != 0 || notes != 0 || ownEvents == 0 {
		t.Errorf("after the purge: %d incidents, %d events of the purged, %d notices, %d events of the kept", incs, evs, notes, ownEvents)
	}
	if _, err := st.Declare(ctx, owner, model.Declaration{Title: "After", Severity: model.P3}); err != nil {
		t.Fatal(err)
	}
	var maxID int64
	db.QueryRow("SELECT max(id) FROM incidents").Scan(&maxID)
	if maxID != 5 {
		t.Errorf("the next incident is INC-%d; ids are never reused", maxID)
	}
	if _, ev, err := st.Purge(ctx, owner, false); err != nil || ev.Seq != 0 {
		t.Errorf("a second purge: %v %v", ev, err)
	}

	// Events stay append-only outside a purge.
	w, err := sql.Open("sqlite", st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec("DELETE FROM events WHERE seq = 1"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("deleting an event outside a purge: %v", err)
	}
	w.Close()

	// The content is gone from the file, not only from its tables.
	path := st.Path()
	st.Close()
	for _, suffix := range []string{"", "-wal"} {
		b, _ := os.ReadFile(path + suffix)
		for _, s := range []string{"Purge me", "Zebulon"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%q is still in the database%s file", s, suffix)
			}
		}
	}
}

func refList(l []*model.Incident) string {
	var out []string
	for _, i := range l {
		out = append(out, i.Ref())
	}
	return strings.Join(out, " ")
}
