package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

func onBoard(t *testing.T, st *store.Store, id int64) *model.Incident {
	t.Helper()
	for _, inc := range must(st.LoadBoard(context.Background()))(t).Incidents {
		if inc.ID == id {
			return inc
		}
	}
	return nil
}

// A commander made a viewer no longer commands: NO IC on the board and
// the commander gate shuts again.
func TestCommanderDemotedIsNoIC(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	inc := declare(t, st, model.Declaration{Severity: model.P1, Breach: model.BreachNo})
	must(st.Assign(ctx, admin, inc.ID, "bob"))(t)
	if b := onBoard(t, st, inc.ID); b == nil || b.NoIC() {
		t.Fatalf("bob commands: board %+v", b)
	}
	// No role change command yet: change the row, as one would.
	w, err := sql.Open("sqlite", st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec("UPDATE users SET role = 'viewer' WHERE name = 'bob'"); err != nil {
		t.Fatal(err)
	}
	b := onBoard(t, st, inc.ID)
	if b == nil || !b.NoIC() || b.Commander != "bob" {
		t.Fatalf("after demotion: %+v", b)
	}
	if full := mustIncident(t, st, inc.ID); full.HasCommander() {
		t.Error("a viewer still commands in the full incident")
	}
	checkRefused(t, st, clk, rawDB(t, st.Path()), refusal{name: "contain under a viewer", kind: "invalid", do: func() error {
		return e(st.Transition(ctx, admin, inc.ID, model.Contained, ""))
	}}, inc.ID)
	must(st.Assign(ctx, admin, inc.ID, "alice"))(t)
	must(st.Transition(ctx, admin, inc.ID, model.Contained, ""))(t)
}

// Removing a commander: refused without a successor, writing nothing;
// with one, each incident is handed over in the same write.
func TestRemoveCommanderHandsOver(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	a := declare(t, st, model.Declaration{Severity: model.P1})
	b := declare(t, st, model.Declaration{Severity: model.P3, Breach: model.BreachNo})
	closed := declare(t, st, model.Declaration{Severity: model.P3, Breach: model.BreachNo})
	for _, id := range []int64{a.ID, b.ID, closed.ID} {
		must(st.Assign(ctx, admin, id, "bob"))(t)
	}
	must(st.Transition(ctx, admin, closed.ID, model.Closed, ""))(t)
	raw := rawDB(t, st.Path())
	checkRefused(t, st, clk, raw, refusal{name: "remove a commander", kind: "invalid", do: func() error {
		err := e(st.RemoveUser(ctx, owner, "bob", ""))
		if err == nil || !strings.Contains(err.Error(), "bob commands INC-1, INC-2; name who takes over with --handover-to USER") {
			t.Errorf("refusal %v", err)
		}
		return err
	}}, a.ID, b.ID)
	checkRefused(t, st, clk, raw, refusal{name: "hand over to a viewer", kind: "invalid", do: func() error {
		return e(st.RemoveUser(ctx, owner, "bob", "vera"))
	}}, a.ID, b.ID)
	before := eventCount(t, st)
	ev := must(st.RemoveUser(ctx, owner, "bob", "alice"))(t)
	if ev.Data["handover_to"] != "alice" || ev.Data["incidents"] != "INC-1, INC-2" {
		t.Errorf("remove event %+v", ev)
	}
	evs := auditAll(t, st)
	if len(evs) != before+3 {
		t.Fatalf("%d events for the removal; want two handovers and the removal", len(evs)-before)
	}
	for _, h := range evs[before : before+2] {
		if h.Action != model.ActAssign || h.Data["from"] != "bob" || h.Data["to"] != "alice" || h.Data["reason"] != "handover: bob removed" {
			t.Errorf("handover event %+v", h)
		}
	}
	for _, id := range []int64{a.ID, b.ID} {
		if got := mustIncident(t, st, id); got.Commander != "alice" || !got.HasCommander() {
			t.Errorf("%s commander %q", got.Ref(), got.Commander)
		}
	}
	if got := mustIncident(t, st, closed.ID); got.Commander != "bob" {
		t.Errorf("the closed incident's commander changed to %q", got.Commander)
	}
}

// A closed incident stays on the board while a deadline is open, leaves
// once it is met, and a policy change holds or releases it.
func TestHeldOnTheBoard(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	must(st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
		p.ContactName, p.ContactDetails = "Jane Doe", "dpo@example.com"
		return "contact", nil
	}))(t)
	inc := declare(t, st, model.Declaration{Severity: model.P2, Customers: []string{"Acme"}})
	ev := must(st.Transition(ctx, admin, inc.ID, model.Closed, "called Acme already"))(t)
	if ev.Data["override"] != "called Acme already" {
		t.Errorf("close event %+v", ev)
	}
	b := onBoard(t, st, inc.ID)
	if b == nil || b.Status != model.Closed {
		t.Fatal("the closed incident with the GDPR clock pending left the board")
	}
	if list := must(st.Incidents(ctx, false))(t); len(list) != 1 {
		t.Errorf("list without --all has %d incidents", len(list))
	}
	clk.Advance(time.Hour)
	must(st.SetBreach(ctx, admin, inc.ID, model.BreachFacts{Breach: ptr(model.BreachNo)}))(t)
	if onBoard(t, st, inc.ID) != nil {
		t.Fatal("held once its clock stopped applying")
	}
	if list := must(st.Incidents(ctx, false))(t); len(list) != 0 {
		t.Errorf("list without --all still has %d incidents", len(list))
	}

	// A closed availability incident owes its post-mortem: held until it
	// is published.
	av := declare(t, st, model.Declaration{Severity: model.P3, Breach: model.BreachNo, Availability: true})
	must(st.Restored(ctx, admin, av.ID, time.Time{}, time.Time{}))(t)
	must(st.Transition(ctx, admin, av.ID, model.Closed, "post-mortem comes with the quarterly report"))(t)
	if onBoard(t, st, av.ID) == nil {
		t.Fatal("a closed availability incident without its post-mortem left the board")
	}
	must(st.Postmortem(ctx, admin, av.ID, nil, true, time.Time{}))(t)
	if onBoard(t, st, av.ID) != nil {
		t.Fatal("held after its post-mortem was published")
	}

	// Enabling DORA on a classified incident holds it again: the policy
	// change recomputes the closed incidents.
	p1 := declare(t, st, model.Declaration{Severity: model.P3, Breach: model.BreachNo})
	must(st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
		p.Clocks = append(p.Clocks, model.RegulationSets()["dora"]...)
		return "dora", nil
	}))(t)
	must(st.Classify(ctx, admin, p1.ID, time.Time{}))(t)
	must(st.Transition(ctx, admin, p1.ID, model.Closed, "reported by phone"))(t)
	if onBoard(t, st, p1.ID) == nil {
		t.Fatal("a closed incident with its DORA initial report owed left the board")
	}
	must(st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
		p.Clocks = p.Clocks[:1]
		return "dora disabled", nil
	}))(t)
	if onBoard(t, st, p1.ID) != nil {
		t.Fatal("held after the policy dropped its only open clock")
	}
}

// The new facts survive a reload: data loss, classification, restore and
// recovery point, post-mortems.
func TestLifecycleFactsPersist(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	enable := func(p *model.Policy) (string, error) {
		p.Clocks = append(p.Clocks, model.RegulationSets()["dora"]...)
		return "dora", nil
	}
	must(st.SetPolicy(ctx, owner, enable))(t)
	inc := declare(t, st, model.Declaration{Severity: model.P1, Breach: model.BreachNo, Availability: true, Customers: []string{"Acme", "Globex"}})
	det := inc.DetectedAt
	clk.Advance(time.Hour)
	must(st.Edit(ctx, admin, inc.ID, model.Edit{DataLoss: ptr(true), DetectedAt: ptr(det.Add(-10 * time.Minute))}))(t)
	must(st.Classify(ctx, admin, inc.ID, det.Add(20*time.Minute)))(t)
	must(st.Restored(ctx, admin, inc.ID, det.Add(30*time.Minute), det.Add(-2*time.Hour)))(t)
	must(st.Transition(ctx, admin, inc.ID, model.Resolved, "no commander on shift"))(t)
	must(st.Postmortem(ctx, admin, inc.ID, []string{"acme", "Globex"}, false, time.Time{}))(t)
	got := mustIncident(t, st, inc.ID)
	if !got.DataLoss || !got.MajorAt.Equal(det.Add(20*time.Minute)) || !got.RestoredAt.Equal(det.Add(30*time.Minute)) ||
		!got.RecoveryPoint.Equal(det.Add(-2*time.Hour)) || !got.DetectedAt.Equal(det.Add(-10*time.Minute)) {
		t.Errorf("facts after reload: %+v", got)
	}
	if len(got.Postmortems) != 2 || got.Postmortems[0].Customer != "Acme" || got.Postmortems[1].By != "alice" {
		t.Errorf("post-mortems %+v", got.Postmortems)
	}
	pol := must(st.Policy(ctx))(t)
	if w, ok := got.LossWindow(); !ok || w != 110*time.Minute {
		t.Errorf("loss window %v", w)
	}
	if d, _ := model.Find(pol.Deadlines(got, clk.Now()), model.KindPostmortem); d.State != model.Met {
		t.Errorf("post-mortem %s", d.State)
	}
	if d, _ := model.Find(pol.Deadlines(got, clk.Now()), "dora-initial"); !d.DueAt.Equal(det.Add(20*time.Minute + 4*time.Hour)) {
		t.Errorf("dora-initial due %v", d.DueAt)
	}
	// Refusals write nothing.
	raw := rawDB(t, st.Path())
	for _, r := range []refusal{
		{name: "restored twice", kind: "invalid", do: func() error { return e(st.Restored(ctx, admin, inc.ID, time.Time{}, time.Time{})) }},
		{name: "post-mortem twice", kind: "invalid", do: func() error { return e(st.Postmortem(ctx, admin, inc.ID, []string{"Acme"}, false, time.Time{})) }},
		{name: "classified twice", kind: "invalid", do: func() error { return e(st.Classify(ctx, admin, inc.ID, time.Time{})) }},
		{name: "edit to the future", kind: "invalid", do: func() error {
			return e(st.Edit(ctx, admin, inc.ID, model.Edit{DetectedAt: ptr(clk.Now().Add(time.Hour))}))
		}},
		{name: "member edit", kind: "role", do: func() error { return e(st.Edit(ctx, member, inc.ID, model.Edit{Title: ptr("x")})) }},
		{name: "future post-mortem", kind: "invalid", do: func() error {
			return e(st.Postmortem(ctx, admin, inc.ID, nil, true, clk.Now().Add(time.Hour)))
		}},
	} {
		t.Run(r.name, func(t *testing.T) { checkRefused(t, st, clk, raw, r, inc.ID) })
	}
}
