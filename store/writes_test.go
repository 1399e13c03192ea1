package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// TestEveryWriteLeavesOneEvent walks every write method once and checks
// that each success appends exactly one event, the one it returned.
func TestEveryWriteLeavesOneEvent(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	var id, doomed int64
	backup := filepath.Join(t.TempDir(), "backup.db")

	steps := []struct {
		name     string
		action   model.Action
		incident bool // the event is about the incident under test
		do       func() (model.Event, error)
	}{
		{"AddUser", model.EvUserAdd, false, func() (model.Event, error) {
			return st.AddUser(ctx, owner, "alice", model.Admin, nil)
		}},
		{"AddUser with key", model.EvUserAdd, false, func() (model.Event, error) {
			return st.AddUser(ctx, owner, "bob", model.Member, []string{sshKey(1, "bob@laptop")})
		}},
		{"AddUserKey", model.EvUserKeyAdd, false, func() (model.Event, error) {
			return st.AddUserKey(ctx, owner, "bob", sshKey(2, "bob@desktop"))
		}},
		{"AddUser temp", model.EvUserAdd, false, func() (model.Event, error) {
			return st.AddUser(ctx, owner, "temp", model.Viewer, []string{sshKey(3, "")})
		}},
		{"RemoveUser", model.EvUserRemove, false, func() (model.Event, error) {
			return st.RemoveUser(ctx, owner, "temp", "")
		}},
		{"SetUserRole", model.EvUserRole, false, func() (model.Event, error) {
			return st.SetUserRole(ctx, owner, "bob", model.Viewer)
		}},
		{"SetUserRole back", model.EvUserRole, false, func() (model.Event, error) {
			return st.SetUserRole(ctx, owner, "bob", model.Member)
		}},
		{"RecordAccessReview", model.EvAccessReview, false, func() (model.Event, error) {
			return st.RecordAccessReview(ctx, owner, "quarterly")
		}},
		{"SetPolicy", model.EvPolicy, false, func() (model.Event, error) {
			_, err := st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
				p.Clocks = append(p.Clocks, model.RegulationSets()["nis2"]...)
				return "nis2 enabled", nil
			})
			return model.Event{}, err
		}},
		{"Declare", "declare", true, func() (model.Event, error) {
			inc, err := st.Declare(ctx, member, model.Declaration{Title: "Customer data exposed via API", Severity: model.P1,
				Source: "researcher-report", Availability: true, Customers: []string{"Acme", "Globex"}})
			if inc != nil {
				id = inc.ID
			}
			return model.Event{}, err
		}},
		{"Transition ack", "ack", true, func() (model.Event, error) { return st.Transition(ctx, member, id, model.Acknowledged, "") }},
		{"Assign", "assign", true, func() (model.Event, error) { return st.Assign(ctx, admin, id, "alice") }},
		{"SetSeverity", "severity", true, func() (model.Event, error) { return st.SetSeverity(ctx, admin, id, model.P0, "") }},
		{"SetBreach", "breach", true, func() (model.Event, error) {
			return st.SetBreach(ctx, admin, id, model.BreachFacts{Breach: ptr(model.BreachYes), Customer: "Acme", Subjects: ptr(int64(1200))})
		}},
		{"SetContact", "contact", true, func() (model.Event, error) {
			return st.SetContact(ctx, admin, id, "Jane Doe", "dpo@example.com")
		}},
		{"SetAware", "aware", true, func() (model.Event, error) {
			return st.SetAware(ctx, admin, id, clk.Now().Add(-30*time.Minute))
		}},
		{"Check", "check", true, func() (model.Event, error) {
			return st.Check(ctx, member, id, model.CheckChange{Key: "scope"})
		}},
		{"Check n/a", "check", true, func() (model.Event, error) {
			return st.Check(ctx, member, id, model.CheckChange{Key: "rollback", NA: true, Reason: "no deploy in a week"})
		}},
		{"AddChecklistItem", "checklist_add", true, func() (model.Event, error) {
			return st.AddChecklistItem(ctx, member, id, "notify-dpo", "Tell the DPO")
		}},
		{"Note", "note", true, func() (model.Event, error) { return st.Note(ctx, member, id, "API keys rotated") }},
		{"Notify", "notify", true, func() (model.Event, error) {
			return st.Notify(ctx, admin, id, store.NotifyInput{Customer: "Acme"})
		}},
		{"StatusUpdate", "update", true, func() (model.Event, error) {
			return st.StatusUpdate(ctx, admin, id, "Investigating elevated errors")
		}},
		{"PostUpdate public", "update", true, func() (model.Event, error) {
			return st.PostUpdate(ctx, admin, id, model.UpdateInput{Text: "We are investigating", Public: true, PublicTitle: "Degraded API"})
		}},
		{"AddToken", model.EvTokenAdd, false, func() (model.Event, error) {
			_, ev, err := st.AddToken(ctx, owner, "alertmanager")
			return ev, err
		}},
		{"RemoveToken", model.EvTokenRemove, false, func() (model.Event, error) { return st.RemoveToken(ctx, owner, "alertmanager") }},
		{"IntakeReport", "declare", false, func() (model.Event, error) {
			_, _, err := st.IntakeReport(ctx, member, model.Declaration{Title: "Reported leak", Severity: model.P2, Source: "customer-report", Reporter: "a@b.c"}, "<m@x>")
			return model.Event{}, err
		}},
		{"IntakeAlerts", "declare", false, func() (model.Event, error) {
			_, err := st.IntakeAlerts(ctx, member, model.AlertPayload{Version: "4", GroupKey: "g", Status: "firing",
				Alerts: []model.Alert{{Status: "firing", Fingerprint: "f", Labels: map[string]string{"alertname": "A"}}}})
			return model.Event{}, err
		}},
		{"Report", "report", true, func() (model.Event, error) {
			return st.Report(ctx, admin, id, "nis2-warning", time.Time{})
		}},
		{"Transition contain", "contain", true, func() (model.Event, error) { return st.Transition(ctx, admin, id, model.Contained, "") }},
		{"Transition resolve", "resolve", true, func() (model.Event, error) { return st.Transition(ctx, admin, id, model.Resolved, "") }},
		{"Reopen", "reopen", true, func() (model.Event, error) { return st.Reopen(ctx, admin, id) }},
		{"Transition resolve again", "resolve", true, func() (model.Event, error) { return st.Transition(ctx, admin, id, model.Resolved, "") }},
		{"WriteReview", "review", true, func() (model.Event, error) {
			return st.WriteReview(ctx, member, id, model.ReviewEdit{RootCause: ptr("leaked key"), Worked: ptr("alerting"),
				NotWorked: ptr("key inventory"), Impact: ptr("two customers")})
		}},
		{"AddActionItem", "action_add", true, func() (model.Event, error) {
			return st.AddActionItem(ctx, member, id, "Inventory keys", "alice", "2026-04-01")
		}},
		{"ActionDone", "action_done", true, func() (model.Event, error) { return st.ActionDone(ctx, member, id, 1) }},
		{"WriteReview complete", "review_complete", true, func() (model.Event, error) {
			return st.WriteReview(ctx, admin, id, model.ReviewEdit{Complete: true})
		}},
		{"Restored", "restored", true, func() (model.Event, error) {
			return st.Restored(ctx, admin, id, time.Time{}, clk.Now().Add(-2*time.Hour))
		}},
		{"Postmortem", "postmortem", true, func() (model.Event, error) {
			return st.Postmortem(ctx, admin, id, nil, true, time.Time{})
		}},
		{"Edit", "edit", true, func() (model.Event, error) {
			return st.Edit(ctx, admin, id, model.Edit{Title: ptr("Customer data exposed via the API"), DataLoss: ptr(true)})
		}},
		// The override event comes first, then the close.
		{"Transition close by override", "close", true, func() (model.Event, error) {
			return st.Transition(ctx, admin, id, model.Closed, "notices owed are tracked on the board")
		}},
		{"Declare second", "declare", false, func() (model.Event, error) {
			inc, err := st.Declare(ctx, owner, model.Declaration{Title: "Duplicate of INC-1", Severity: model.P3})
			if inc != nil {
				doomed = inc.ID
			}
			return model.Event{}, err
		}},
		{"Delete", "delete", false, func() (model.Event, error) { return st.Delete(ctx, admin, doomed, "duplicate") }},
		{"Backup", model.EvBackup, false, func() (model.Event, error) { return st.Backup(ctx, owner, backup) }},
	}
	for _, s := range steps {
		clk.Advance(time.Minute)
		before := eventCount(t, st)
		got, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		evs := auditAll(t, st)
		if strings.HasSuffix(s.name, "by override") {
			before++
			if o := evs[len(evs)-2]; o.Action != model.EvOverride || o.Data["reason"] == "" || o.Data["gates"] == "" {
				t.Errorf("%s: the event before the close is %+v; want an override with its gates and reason", s.name, o)
			}
		}
		if len(evs) != before+1 {
			t.Fatalf("%s: %d events before, %d after; want exactly one more", s.name, before, len(evs))
		}
		last := evs[len(evs)-1]
		if last.Action != s.action {
			t.Errorf("%s: appended a %q event, want %q", s.name, last.Action, s.action)
		}
		if !last.Time.Equal(clk.Now()) {
			t.Errorf("%s: event time %v, want the clock's %v", s.name, last.Time, clk.Now())
		}
		if got.Seq != 0 && (got.Seq != last.Seq || got.Action != last.Action) {
			t.Errorf("%s: returned event seq %d %q, stored seq %d %q", s.name, got.Seq, got.Action, last.Seq, last.Action)
		}
		if s.incident && (last.IncidentID != id || last.Target != model.FormatRef(id)) {
			t.Errorf("%s: event is about %q (id %d), want %s", s.name, last.Target, last.IncidentID, model.FormatRef(id))
		}
		if last.Actor == "" || last.Source == "" {
			t.Errorf("%s: event lacks actor or source: %+v", s.name, last)
		}
		if txt := last.Text(nil); txt == "" || strings.HasPrefix(txt, string(last.Action)+" ") {
			t.Errorf("%s: event %q has no sentence of its own: %q", s.name, last.Action, txt)
		}
	}
	// Every incident write bumped the version once; declare set it to 1.
	// The override event is part of the close's write.
	inc := mustIncident(t, st, id)
	tl := must(st.Timeline(ctx, id))(t)
	if inc.Version != int64(len(tl))-1 {
		t.Errorf("version %d after %d timeline events; want equal", inc.Version, len(tl))
	}
}

// refusal is a write that must be refused without touching the database.
type refusal struct {
	name string
	kind string // role, invalid, notfound, transition, gate
	do   func() error
}

// TestRefusedWritesChangeNothing checks that every kind of refused write
// leaves no event and no changed row anywhere in the file.
func TestRefusedWritesChangeNothing(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	db := rawDB(t, st.Path())
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}

	// open: a fresh P2. ack: acknowledged, ack item done, commander alice.
	// p1: a resolved P1 with an incomplete review. breach: customers
	// Acme and Globex, Acme notified. closed: a closed P3.
	// contained: a contained P2.
	open := declare(t, st, model.Declaration{Title: "Open one"})
	ack := declare(t, st, model.Declaration{Title: "Acked one", Severity: model.P1})
	must(st.Transition(ctx, member, ack.ID, model.Acknowledged, ""))(t)
	must(st.Assign(ctx, admin, ack.ID, "alice"))(t)
	must(st.AddActionItem(ctx, member, ack.ID, "Fix it", "bob", "2026-04-01"))(t)
	p1 := declare(t, st, model.Declaration{Title: "Resolved P1", Severity: model.P1})
	must(st.Assign(ctx, admin, p1.ID, "bob"))(t)
	must(st.Transition(ctx, admin, p1.ID, model.Resolved, ""))(t)
	must(st.WriteReview(ctx, member, p1.ID, model.ReviewEdit{RootCause: ptr("unknown yet")}))(t)
	breach := declare(t, st, model.Declaration{Title: "Breach", Breach: model.BreachYes, Customers: []string{"Acme", "Globex"}})
	noContact := declare(t, st, model.Declaration{Title: "No contact", Breach: model.BreachYes, Customers: []string{"Acme"}})
	must(st.SetContact(ctx, admin, breach.ID, "Jane Doe", "dpo@example.com"))(t)
	must(st.Notify(ctx, admin, breach.ID, store.NotifyInput{Customer: "Acme"}))(t)
	closed := declare(t, st, model.Declaration{Title: "Closed P3", Severity: model.P3, Breach: model.BreachNo})
	must(st.Transition(ctx, admin, closed.ID, model.Closed, ""))(t)
	contained := declare(t, st, model.Declaration{Title: "Contained", Severity: model.P2})
	must(st.Transition(ctx, admin, contained.ID, model.Contained, ""))(t)
	sshOwner := model.Actor{Name: "alice", Role: model.Owner, Source: "ssh:192.0.2.9:40000"}

	cases := []refusal{
		// wrong role
		{"viewer note", "role", func() error { return e(st.Note(ctx, viewer, open.ID, "hello")) }},
		{"viewer declare", "role", func() error {
			_, err := st.Declare(ctx, viewer, model.Declaration{Title: "x", Severity: model.P3})
			return err
		}},
		{"member assign", "role", func() error { return e(st.Assign(ctx, member, open.ID, "bob")) }},
		{"member resolve", "role", func() error { return e(st.Transition(ctx, member, open.ID, model.Resolved, "")) }},
		{"member complete review", "role", func() error {
			return e(st.WriteReview(ctx, member, p1.ID, model.ReviewEdit{Worked: ptr("x"), Complete: true}))
		}},
		{"admin add user", "role", func() error { return e(st.AddUser(ctx, admin, "zed", model.Member, nil)) }},
		{"admin backup", "role", func() error { return e(st.Backup(ctx, admin, filepath.Join(dir, "b1.db"))) }},
		{"admin policy", "role", func() error {
			_, err := st.SetPolicy(ctx, admin, func(p *model.Policy) (string, error) { p.ReviewDays = 7; return "7 days", nil })
			return err
		}},
		{"no role", "role", func() error { return e(st.Note(ctx, model.Actor{Name: "x", Source: "local:x@y"}, open.ID, "hi")) }},
		// validation
		{"declare empty title", "invalid", func() error {
			_, err := st.Declare(ctx, member, model.Declaration{Title: "  ", Severity: model.P3})
			return err
		}},
		{"declare no severity", "invalid", func() error {
			_, err := st.Declare(ctx, member, model.Declaration{Title: "x"})
			return err
		}},
		{"declare future detection", "invalid", func() error {
			_, err := st.Declare(ctx, member, model.Declaration{Title: "x", Severity: model.P3, DetectedAt: clk.Now().Add(time.Hour)})
			return err
		}},
		{"note empty", "invalid", func() error { return e(st.Note(ctx, member, open.ID, " \n ")) }},
		{"note control character", "invalid", func() error { return e(st.Note(ctx, member, open.ID, "red \x1b[31m")) }},
		{"note too long", "invalid", func() error { return e(st.Note(ctx, member, open.ID, strings.Repeat("x", model.MaxNote+1))) }},
		{"check unknown key", "invalid", func() error { return e(st.Check(ctx, member, open.ID, model.CheckChange{Key: "nope"})) }},
		{"check n/a without reason", "invalid", func() error {
			return e(st.Check(ctx, member, open.ID, model.CheckChange{Key: "rollback", NA: true}))
		}},
		{"check already done", "invalid", func() error { return e(st.Check(ctx, member, ack.ID, model.CheckChange{Key: "ack"})) }},
		{"check undo todo", "invalid", func() error {
			return e(st.Check(ctx, member, open.ID, model.CheckChange{Key: "scope", Undo: true}))
		}},
		{"checklist bad key", "invalid", func() error { return e(st.AddChecklistItem(ctx, member, open.ID, "Bad Key", "x")) }},
		{"checklist duplicate key", "invalid", func() error { return e(st.AddChecklistItem(ctx, member, open.ID, "scope", "x")) }},
		{"action bad date", "invalid", func() error { return e(st.AddActionItem(ctx, member, open.ID, "x", "bob", "next week")) }},
		{"action no owner", "invalid", func() error { return e(st.AddActionItem(ctx, member, open.ID, "x", "", "2026-04-01")) }},
		{"action done unknown", "invalid", func() error { return e(st.ActionDone(ctx, member, ack.ID, 99)) }},
		{"aware in future", "invalid", func() error { return e(st.SetAware(ctx, admin, open.ID, clk.Now().Add(time.Hour))) }},
		{"aware unchanged", "invalid", func() error { return e(st.SetAware(ctx, admin, open.ID, open.AwareAt)) }},
		{"severity unchanged", "invalid", func() error { return e(st.SetSeverity(ctx, admin, open.ID, model.P2, "")) }},
		{"severity unknown", "invalid", func() error { return e(st.SetSeverity(ctx, admin, open.ID, "P9", "")) }},
		{"breach nothing", "invalid", func() error { return e(st.SetBreach(ctx, admin, open.ID, model.BreachFacts{})) }},
		{"breach negative", "invalid", func() error {
			return e(st.SetBreach(ctx, admin, open.ID, model.BreachFacts{Subjects: ptr(int64(-1))}))
		}},
		{"breach unchanged", "invalid", func() error {
			return e(st.SetBreach(ctx, admin, breach.ID, model.BreachFacts{Breach: ptr(model.BreachYes), Customers: []string{"acme"}}))
		}},
		{"notify in future", "invalid", func() error {
			return e(st.Notify(ctx, admin, breach.ID, store.NotifyInput{Customer: "Globex", SentAt: clk.Now().Add(time.Hour)}))
		}},
		{"notify before detection", "invalid", func() error {
			return e(st.Notify(ctx, admin, breach.ID, store.NotifyInput{Customer: "Globex", SentAt: breach.DetectedAt.Add(-time.Hour)}))
		}},
		{"notify stranger", "invalid", func() error { return e(st.Notify(ctx, admin, breach.ID, store.NotifyInput{Customer: "Initech"})) }},
		{"notify follow-up first", "invalid", func() error {
			return e(st.Notify(ctx, admin, breach.ID, store.NotifyInput{Customer: "Globex", FollowUp: true}))
		}},
		{"notify initial twice", "invalid", func() error { return e(st.Notify(ctx, admin, breach.ID, store.NotifyInput{Customer: "ACME"})) }},
		{"status update empty", "invalid", func() error { return e(st.StatusUpdate(ctx, admin, open.ID, "")) }},
		{"public update without a title", "invalid", func() error {
			return e(st.PostUpdate(ctx, admin, open.ID, model.UpdateInput{Text: "x", Public: true}))
		}},
		{"token by a member", "role", func() error { _, _, err := st.AddToken(ctx, member, "t"); return err }},
		{"token remove unknown", "invalid", func() error { return e(st.RemoveToken(ctx, owner, "nobody")) }},
		{"intake by a viewer", "role", func() error {
			_, _, err := st.IntakeReport(ctx, viewer, model.Declaration{Title: "x", Severity: model.P2, Source: "other"}, "k")
			return err
		}},
		{"report without clocks", "invalid", func() error { return e(st.Report(ctx, admin, open.ID, "nis2-warning", time.Time{})) }},
		{"delete without reason", "invalid", func() error { return e(st.Delete(ctx, admin, open.ID, " ")) }},
		{"review nothing", "invalid", func() error { return e(st.WriteReview(ctx, member, open.ID, model.ReviewEdit{})) }},
		{"review unchanged", "invalid", func() error {
			return e(st.WriteReview(ctx, member, p1.ID, model.ReviewEdit{RootCause: ptr("unknown yet")}))
		}},
		{"review complete while incomplete", "invalid", func() error {
			return e(st.WriteReview(ctx, admin, p1.ID, model.ReviewEdit{Worked: ptr("paging"), Complete: true}))
		}},
		{"assign viewer", "invalid", func() error { return e(st.Assign(ctx, admin, open.ID, "vera")) }},
		{"assign same commander", "invalid", func() error { return e(st.Assign(ctx, admin, ack.ID, "Alice")) }},
		{"assign on closed", "invalid", func() error { return e(st.Assign(ctx, admin, closed.ID, "alice")) }},
		{"severity on closed", "invalid", func() error { return e(st.SetSeverity(ctx, admin, closed.ID, model.P1, "")) }},
		{"add user bad name", "invalid", func() error { return e(st.AddUser(ctx, owner, "a b", model.Member, nil)) }},
		{"add user twice", "invalid", func() error { return e(st.AddUser(ctx, owner, "ALICE", model.Member, nil)) }},
		{"add user bad role", "invalid", func() error { return e(st.AddUser(ctx, owner, "zed", "boss", nil)) }},
		{"add user bad key", "invalid", func() error { return e(st.AddUser(ctx, owner, "zed", model.Member, []string{"ssh-ed25519 AAAA"})) }},
		{"add user same key twice", "invalid", func() error {
			return e(st.AddUser(ctx, owner, "zed", model.Member, []string{sshKey(9, "a"), sshKey(9, "b")}))
		}},
		{"add key private", "invalid", func() error {
			return e(st.AddUserKey(ctx, owner, "bob", "-----BEGIN OPENSSH PRIVATE KEY-----"))
		}},
		{"remove self over ssh", "invalid", func() error { return e(st.RemoveUser(ctx, sshOwner, "alice", "")) }},
		{"policy invalid", "invalid", func() error {
			_, err := st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) { p.ReviewDays = 0; return "0 days", nil })
			return err
		}},
		{"notify without a contact", "invalid", func() error { return e(st.Notify(ctx, admin, noContact.ID, store.NotifyInput{Customer: "Acme"})) }},
		{"notify several customers, none named", "invalid", func() error { return e(st.Notify(ctx, admin, breach.ID, store.NotifyInput{})) }},
		{"notify empty text", "invalid", func() error {
			return e(st.Notify(ctx, admin, breach.ID, store.NotifyInput{Customer: "Globex", Text: ptr(" ")}))
		}},
		{"breach numbers, several customers, none named", "invalid", func() error {
			return e(st.SetBreach(ctx, admin, breach.ID, model.BreachFacts{Subjects: ptr(int64(5))}))
		}},
		{"contact without details", "invalid", func() error { return e(st.SetContact(ctx, admin, breach.ID, "Jane", "")) }},
		{"contact by a member", "role", func() error { return e(st.SetContact(ctx, member, breach.ID, "Jane", "x")) }},
		{"policy lengthens the GDPR clock", "invalid", func() error {
			_, err := st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) { p.Clocks[0].Hours = 96; return "96 h", nil })
			return err
		}},
		{"policy narrows the GDPR clock", "invalid", func() error {
			_, err := st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) { p.Clocks[0].Applies = "P0"; return "P0", nil })
			return err
		}},
		{"policy removes the GDPR clock", "invalid", func() error {
			_, err := st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) { p.Clocks = nil; return "none", nil })
			return err
		}},
		{"policy change refused", "invalid", func() error {
			_, err := st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
				p.ContactDetails = "changed but refused"
				return "", model.Errorf("no such regulation")
			})
			return err
		}},
		{"backup over existing file", "invalid", func() error { return e(st.Backup(ctx, owner, existing)) }},
		{"backup over the database", "invalid", func() error { return e(st.Backup(ctx, owner, st.Path())) }},
		{"backup into missing dir", "invalid", func() error { return e(st.Backup(ctx, owner, filepath.Join(dir, "no", "b.db"))) }},
		// not found
		{"note missing incident", "notfound", func() error { return e(st.Note(ctx, member, 999, "hello")) }},
		{"transition missing incident", "notfound", func() error { return e(st.Transition(ctx, admin, 999, model.Resolved, "")) }},
		{"delete missing incident", "notfound", func() error { return e(st.Delete(ctx, admin, 999, "gone")) }},
		{"assign unknown user", "notfound", func() error { return e(st.Assign(ctx, admin, open.ID, "nobody")) }},
		{"remove unknown user", "notfound", func() error { return e(st.RemoveUser(ctx, owner, "nobody", "")) }},
		{"key for unknown user", "notfound", func() error { return e(st.AddUserKey(ctx, owner, "nobody", sshKey(7, ""))) }},
		// illegal transitions
		{"ack twice", "transition", func() error { return e(st.Transition(ctx, member, ack.ID, model.Acknowledged, "")) }},
		{"contain after resolve", "transition", func() error { return e(st.Transition(ctx, admin, p1.ID, model.Contained, "")) }},
		{"ack a resolved incident", "transition", func() error { return e(st.Transition(ctx, admin, p1.ID, model.Acknowledged, "")) }},
		{"resolve a closed incident", "transition", func() error { return e(st.Transition(ctx, admin, closed.ID, model.Resolved, "")) }},
		{"close a closed incident", "transition", func() error { return e(st.Transition(ctx, admin, closed.ID, model.Closed, "")) }},
		{"back to open", "transition", func() error { return e(st.Transition(ctx, admin, ack.ID, model.Open, "")) }},
		{"reopen contained", "transition", func() error { return e(st.Reopen(ctx, admin, contained.ID)) }},
		{"reopen acknowledged", "transition", func() error { return e(st.Reopen(ctx, admin, ack.ID)) }},
		{"reopen closed", "transition", func() error { return e(st.Reopen(ctx, admin, closed.ID)) }},
		// close gate
		{"close P1 without review", "gate", func() error { return e(st.Transition(ctx, admin, p1.ID, model.Closed, "")) }},
		{"close acknowledged P1 without review", "gate", func() error { return e(st.Transition(ctx, admin, ack.ID, model.Closed, "")) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkRefused(t, st, clk, db, c, open.ID, ack.ID, p1.ID, breach.ID, closed.ID, contained.ID)
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("a refused backup overwrote %s", existing)
	}
	for _, p := range []string{filepath.Join(dir, "b1.db"), filepath.Join(dir, "no", "b.db")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a refused backup left %s behind", p)
		}
	}

	t.Run("reopen open", func(t *testing.T) {
		checkRefused(t, st, clk, db, refusal{"reopen open", "transition", func() error { return e(st.Reopen(ctx, admin, open.ID)) }}, open.ID)
	})
}

func e(_ model.Event, err error) error { return err }

func checkRefused(t *testing.T, st *store.Store, clk *testClock, raw *sql.DB, c refusal, ids ...int64) {
	t.Helper()
	ctx := context.Background()
	clk.Advance(time.Minute) // a write that slipped through would stamp a new time
	before := dump(t, raw)
	count, last := eventCount(t, st), must(st.LastSeq(ctx))(t)
	versions := incidentsByID(t, st, ids)
	err := c.do()
	switch c.kind {
	case "notfound":
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v; want an error wrapping store.ErrNotFound", err)
		}
		if err != nil && !strings.Contains(err.Error(), "no") {
			t.Errorf("not-found error %q does not say what is missing", err)
		}
	default:
		me := userError(t, err)
		if c.kind == "role" && !strings.Contains(me.Error(), "cannot") && !strings.Contains(me.Error(), "no role") {
			t.Errorf("role refusal %q does not say who cannot", me)
		}
		if c.kind == "gate" && !strings.Contains(me.Error(), "review") {
			t.Errorf("close refusal %q does not mention the review", me)
		}
	}
	if n := eventCount(t, st); n != count {
		t.Errorf("events %d → %d; a refused write must leave none", count, n)
	}
	if s := must(st.LastSeq(ctx))(t); s != last {
		t.Errorf("last seq %d → %d", last, s)
	}
	after := incidentsByID(t, st, ids)
	for id, was := range versions {
		now := after[id]
		if now.Version != was.Version || !now.UpdatedAt.Equal(was.UpdatedAt) {
			t.Errorf("%s changed: version %d→%d, updated %v→%v", now.Ref(), was.Version, now.Version, was.UpdatedAt, now.UpdatedAt)
		}
	}
	if after := dump(t, raw); after != before {
		t.Errorf("the database changed:\n--- before\n%s\n--- after\n%s", before, after)
	}
}

// incidentsByID loads the listed incidents (closed ones too) in one go.
func incidentsByID(t *testing.T, st *store.Store, ids []int64) map[int64]*model.Incident {
	t.Helper()
	out := map[int64]*model.Incident{}
	if len(ids) == 0 {
		return out
	}
	for _, inc := range must(st.Incidents(context.Background(), true))(t) {
		out[inc.ID] = inc
	}
	for _, id := range ids {
		if out[id] == nil {
			t.Fatalf("%s is missing", model.FormatRef(id))
		}
	}
	return out
}
