package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

func checklistItem(t *testing.T, inc *model.Incident, key string) model.ChecklistItem {
	t.Helper()
	for _, it := range inc.Checklist {
		if it.Key == key {
			return it
		}
	}
	t.Fatalf("%s has no checklist item %q", inc.Ref(), key)
	return model.ChecklistItem{}
}

func TestDeclare(t *testing.T) {
	ctx := context.Background()
	clk := newClock(t0.Add(1234567 * time.Microsecond)) // sub-second: stored times are whole seconds
	st, err := store.Open(ctx, t.TempDir()+"/d.db", store.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := clk.Now().Truncate(time.Second)
	inc, err := st.Declare(ctx, member, model.Declaration{Title: "  Login page down  ", Severity: model.P1,
		Customers: []string{"Acme", "acme", "Globex"}, Availability: true})
	if err != nil {
		t.Fatal(err)
	}
	if inc.ID != 1 || inc.Ref() != "INC-1" || inc.Title != "Login page down" || inc.Status != model.Open ||
		inc.Source != "other" || inc.Breach != model.BreachUnknown || !inc.Availability || inc.Version != 1 || inc.Commander != "" {
		t.Errorf("declared %+v", inc)
	}
	if !slices.Equal(inc.Customers, []string{"Acme", "Globex"}) {
		t.Errorf("customers %q; want Acme, Globex (duplicates dropped, order kept)", inc.Customers)
	}
	for name, got := range map[string]time.Time{"detected": inc.DetectedAt, "aware": inc.AwareAt, "created": inc.CreatedAt, "updated": inc.UpdatedAt} {
		if !got.Equal(now) {
			t.Errorf("%s at %v; want %v", name, got, now)
		}
	}
	var keys []string
	for _, it := range inc.Checklist {
		keys = append(keys, it.Key)
		if it.State != model.ItemTodo || it.By != "" || !it.At.IsZero() {
			t.Errorf("new item %+v is not plain todo", it)
		}
	}
	var want []string
	for _, it := range model.DefaultChecklist() {
		want = append(want, it.Key)
	}
	if !slices.Equal(keys, want) {
		t.Errorf("checklist keys %q; want %q", keys, want)
	}
	tl := must(st.Timeline(ctx, inc.ID))(t)
	if len(tl) != 1 || tl[0].Action != "declare" || tl[0].Actor != "bob" || tl[0].Source != member.Source ||
		tl[0].Data["title"] != "Login page down" || tl[0].Data["severity"] != "P1" || !tl[0].Time.Equal(now) {
		t.Errorf("timeline %+v", tl)
	}
	// Ids are never reused, even after deletion.
	must(st.Delete(ctx, admin, inc.ID, "test"))(t)
	if next := declare(t, st, model.Declaration{}); next.ID != 2 {
		t.Errorf("next incident is %s; want INC-2", next.Ref())
	}
}

func TestAckTicksChecklist(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	inc := declare(t, st, model.Declaration{})
	clk.Advance(10 * time.Minute)
	ev := must(st.Transition(ctx, member, inc.ID, model.Acknowledged, ""))(t)
	if ev.Data["from"] != "open" || ev.Data["to"] != "acknowledged" {
		t.Errorf("ack event data %v", ev.Data)
	}
	got := mustIncident(t, st, inc.ID)
	if got.Status != model.Acknowledged || !got.AcknowledgedAt.Equal(clk.Now()) {
		t.Errorf("status %s acknowledged at %v", got.Status, got.AcknowledgedAt)
	}
	it := checklistItem(t, got, model.CheckAck)
	if it.State != model.ItemDone || it.By != "bob" || !it.At.Equal(clk.Now()) {
		t.Errorf("ack item %+v; want done by bob now", it)
	}
	if got.Progress.Done != 1 || got.Progress.Total != 9 {
		t.Errorf("progress %+v", got.Progress)
	}
	pol := must(st.Policy(ctx))(t)
	if d, _ := model.Find(pol.Deadlines(got, clk.Now()), model.KindAck); d.State != model.Met {
		t.Errorf("ack deadline %s after acknowledging; want met", d.State)
	}

	// An ack item someone already marked n/a stays as they left it.
	other := declare(t, st, model.Declaration{})
	must(st.Check(ctx, member, other.ID, model.CheckChange{Key: "ack", NA: true, Reason: "paged by phone"}))(t)
	must(st.Transition(ctx, admin, other.ID, model.Acknowledged, ""))(t)
	if it := checklistItem(t, mustIncident(t, st, other.ID), "ack"); it.State != model.ItemNA || it.Reason != "paged by phone" {
		t.Errorf("ack item %+v; want the n/a left alone", it)
	}
}

func TestAssign(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	inc := declare(t, st, model.Declaration{Severity: model.P1})
	if !inc.NoIC() {
		t.Fatal("a new P1 should have no IC")
	}
	clk.Advance(time.Minute)
	ev := must(st.Assign(ctx, admin, inc.ID, "ALICE"))(t)
	if ev.Data["from"] != "" || ev.Data["to"] != "alice" {
		t.Errorf("assign data %v; want from empty to alice (name as recorded)", ev.Data)
	}
	got := mustIncident(t, st, inc.ID)
	if got.Commander != "alice" || got.NoIC() {
		t.Errorf("commander %q", got.Commander)
	}
	if it := checklistItem(t, got, model.CheckAssignCommander); it.State != model.ItemDone || it.By != "alice" || !it.At.Equal(clk.Now()) {
		t.Errorf("assign-commander item %+v; want done", it)
	}

	clk.Advance(time.Minute)
	ev = must(st.Assign(ctx, owner, inc.ID, "bob"))(t) // handover to a member
	if ev.Data["from"] != "alice" || ev.Data["to"] != "bob" {
		t.Errorf("handover data %v; want from alice to bob", ev.Data)
	}
	if !strings.Contains(ev.Text(nil), "handed") {
		t.Errorf("handover reads %q", ev.Text(nil))
	}
	tl := must(st.Timeline(ctx, inc.ID))(t)
	if last := tl[len(tl)-1]; last.Data["from"] != "alice" || last.Data["to"] != "bob" {
		t.Errorf("stored handover %v", last.Data)
	}
	if got := mustIncident(t, st, inc.ID); got.Commander != "bob" {
		t.Errorf("commander %q after handover", got.Commander)
	}

	if err := e(st.Assign(ctx, admin, inc.ID, "vera")); userError(t, err) == nil || !strings.Contains(err.Error(), "viewer") {
		t.Errorf("assigning a viewer: %v", err)
	}
	if err := e(st.Assign(ctx, admin, inc.ID, "nobody")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("assigning an unknown user: %v", err)
	}
	must(st.RemoveUser(ctx, owner, "alice", ""))(t)
	if err := e(st.Assign(ctx, admin, inc.ID, "alice")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("assigning a removed user: %v", err)
	}
}

func TestSkipToResolved(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	inc := declare(t, st, model.Declaration{Severity: model.P3, Breach: model.BreachNo})
	clk.Advance(5 * time.Minute)
	ev := must(st.Transition(ctx, admin, inc.ID, model.Resolved, ""))(t)
	if ev.Action != "resolve" || ev.Data["from"] != "open" || ev.Data["to"] != "resolved" {
		t.Errorf("event %+v", ev)
	}
	got := mustIncident(t, st, inc.ID)
	if got.Status != model.Resolved || !got.AcknowledgedAt.Equal(clk.Now()) || !got.ResolvedAt.Equal(clk.Now()) || !got.ContainedAt.IsZero() {
		t.Errorf("status %s ack %v contained %v resolved %v", got.Status, got.AcknowledgedAt, got.ContainedAt, got.ResolvedAt)
	}
	if it := checklistItem(t, got, "ack"); it.State != model.ItemDone {
		t.Errorf("ack item %s after skipping to resolved", it.State)
	}
	// A P3 needs no review to close.
	clk.Advance(time.Minute)
	must(st.Transition(ctx, admin, inc.ID, model.Closed, ""))(t)
	if got := mustIncident(t, st, inc.ID); got.Status != model.Closed || !got.ClosedAt.Equal(clk.Now()) {
		t.Errorf("status %s closed at %v", got.Status, got.ClosedAt)
	}
	// Later statuses keep the times already set.
	inc2 := declare(t, st, model.Declaration{})
	must(st.Transition(ctx, member, inc2.ID, model.Acknowledged, ""))(t)
	ackAt := clk.Now()
	clk.Advance(time.Hour)
	must(st.Transition(ctx, admin, inc2.ID, model.Contained, ""))(t)
	if got := mustIncident(t, st, inc2.ID); !got.AcknowledgedAt.Equal(ackAt) || !got.ContainedAt.Equal(clk.Now()) {
		t.Errorf("ack %v contained %v", got.AcknowledgedAt, got.ContainedAt)
	}
}

func TestCloseGateAndReopen(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	inc := declare(t, st, model.Declaration{Severity: model.P1, Breach: model.BreachNo})
	must(st.Assign(ctx, admin, inc.ID, "alice"))(t)
	must(st.Transition(ctx, admin, inc.ID, model.Resolved, ""))(t)
	firstResolved := clk.Now()

	// Reopen only from resolved, and it clears ResolvedAt.
	clk.Advance(time.Hour)
	ev := must(st.Reopen(ctx, admin, inc.ID))(t)
	if ev.Action != "reopen" || ev.Data["resolved_at"] != firstResolved.Format(time.RFC3339) {
		t.Errorf("reopen event %+v", ev)
	}
	got := mustIncident(t, st, inc.ID)
	if got.Status != model.Acknowledged || !got.ResolvedAt.IsZero() {
		t.Errorf("after reopen: %s, resolved at %v", got.Status, got.ResolvedAt)
	}
	pol := must(st.Policy(ctx))(t)
	if _, ok := model.Find(pol.Deadlines(got, clk.Now()), model.KindReview); ok {
		t.Error("a re-opened incident still shows a review deadline")
	}
	if err := e(st.Reopen(ctx, admin, inc.ID)); userError(t, err) == nil {
		t.Error("re-opened twice")
	}
	clk.Advance(time.Hour)
	must(st.Transition(ctx, admin, inc.ID, model.Resolved, ""))(t)
	if got := mustIncident(t, st, inc.ID); !got.ResolvedAt.Equal(clk.Now()) {
		t.Errorf("resolved again at %v; want %v", got.ResolvedAt, clk.Now())
	}

	// Close of a P1 waits for a complete review.
	err := e(st.Transition(ctx, admin, inc.ID, model.Closed, ""))
	if me := userError(t, err); !strings.Contains(me.Error(), "review") {
		t.Errorf("close refusal %q", me)
	}
	must(st.WriteReview(ctx, member, inc.ID, model.ReviewEdit{RootCause: ptr("bad deploy"), Worked: ptr("rollback")}))(t)
	err = e(st.WriteReview(ctx, admin, inc.ID, model.ReviewEdit{Complete: true}))
	if me := userError(t, err); !strings.Contains(me.Error(), "what did not work") || !strings.Contains(me.Error(), "action item") {
		t.Errorf("incomplete review refusal %q; want it to list what is missing", me)
	}
	if err := e(st.Transition(ctx, admin, inc.ID, model.Closed, "")); err == nil {
		t.Fatal("closed with half a review")
	}
	must(st.WriteReview(ctx, member, inc.ID, model.ReviewEdit{NotWorked: ptr("canary"), Impact: ptr("5% errors")}))(t)
	if err := e(st.WriteReview(ctx, admin, inc.ID, model.ReviewEdit{Complete: true})); err == nil {
		t.Fatal("review completed without an action item")
	}
	must(st.AddActionItem(ctx, member, inc.ID, "Add canary stage", "bob", "2026-04-15"))(t)
	clk.Advance(time.Minute)
	ev = must(st.WriteReview(ctx, admin, inc.ID, model.ReviewEdit{Complete: true}))(t)
	if ev.Action != "review_complete" || ev.Data["complete"] != "true" {
		t.Errorf("complete event %+v", ev)
	}
	got = mustIncident(t, st, inc.ID)
	if !got.Review.Complete() || got.Review.CompletedBy != "alice" || !got.Review.CompletedAt.Equal(clk.Now()) {
		t.Errorf("review %+v", got.Review)
	}
	if d, _ := model.Find(pol.Deadlines(got, clk.Now()), model.KindReview); d.State != model.Met {
		t.Errorf("review deadline %s; want met", d.State)
	}
	if err := e(st.WriteReview(ctx, admin, inc.ID, model.ReviewEdit{Complete: true})); userError(t, err) == nil {
		t.Error("completed twice")
	}
	clk.Advance(time.Minute)
	must(st.Transition(ctx, admin, inc.ID, model.Closed, ""))(t)
	got = mustIncident(t, st, inc.ID)
	if got.Status != model.Closed || !got.ClosedAt.Equal(clk.Now()) {
		t.Errorf("status %s closed at %v", got.Status, got.ClosedAt)
	}

	// Closed is final.
	for _, to := range []model.Status{model.Acknowledged, model.Contained, model.Resolved, model.Closed} {
		if err := e(st.Transition(ctx, admin, inc.ID, to, "")); userError(t, err) == nil {
			t.Errorf("a closed incident moved to %s", to)
		}
	}
	if err := e(st.Reopen(ctx, admin, inc.ID)); userError(t, err) == nil {
		t.Error("a closed incident was re-opened")
	}
	// Closed incidents leave the active list and the board, not the full list.
	if list := must(st.Incidents(ctx, false))(t); len(list) != 0 {
		t.Errorf("active list holds %d incidents", len(list))
	}
	if list := must(st.Incidents(ctx, true))(t); len(list) != 1 || list[0].Status != model.Closed {
		t.Errorf("full list %v", list)
	}
}

func TestNotify(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	inc := declare(t, st, model.Declaration{Breach: model.BreachYes, Customers: []string{"Acme", "Globex"}})
	pol := must(st.Policy(ctx))(t)
	notifyDeadline := func() model.Deadline {
		t.Helper()
		d, ok := model.Find(pol.Deadlines(mustIncident(t, st, inc.ID), clk.Now()), model.KindNotify)
		if !ok {
			t.Fatal("no notify deadline")
		}
		return d
	}
	if d := notifyDeadline(); d.State != model.Pending || !d.DueAt.Equal(inc.AwareAt.Add(72*time.Hour)) {
		t.Fatalf("notify deadline %+v; want pending, due aware+72h", d)
	}

	if err := e(st.Notify(ctx, admin, inc.ID, store.NotifyInput{Customer: "Initech"})); userError(t, err) == nil ||
		!strings.Contains(err.Error(), "not an affected customer") {
		t.Errorf("stranger: %v", err)
	}
	if err := e(st.Notify(ctx, admin, inc.ID, store.NotifyInput{Customer: "Acme", FollowUp: true})); userError(t, err) == nil ||
		!strings.Contains(err.Error(), "initial") {
		t.Errorf("follow-up first: %v", err)
	}
	if err := e(st.Notify(ctx, admin, inc.ID, store.NotifyInput{Customer: "Acme"})); userError(t, err) == nil ||
		!strings.Contains(err.Error(), "no point of contact") {
		t.Errorf("without a contact: %v", err)
	}
	must(st.SetContact(ctx, admin, inc.ID, "Jane Doe", "dpo@example.com"))(t)
	clk.Advance(time.Hour)
	ev := must(st.Notify(ctx, admin, inc.ID, store.NotifyInput{Customer: "acme", Channel: "phone", To: "dpo@acme.example"}))(t)
	if ev.Data["customer"] != "Acme" || ev.Data["channel"] != "phone" || ev.Data["follow_up"] != "false" {
		t.Errorf("notify data %v; want the customer as recorded", ev.Data)
	}
	if err := e(st.Notify(ctx, admin, inc.ID, store.NotifyInput{Customer: "ACME"})); userError(t, err) == nil ||
		!strings.Contains(err.Error(), "already recorded") {
		t.Errorf("duplicate initial: %v", err)
	}
	if d := notifyDeadline(); d.State != model.Pending {
		t.Errorf("notify %s with Globex still to tell; want pending", d.State)
	}
	must(st.Notify(ctx, admin, inc.ID, store.NotifyInput{Customer: "Acme", FollowUp: true}))(t)
	clk.Advance(time.Hour)
	sent := clk.Now().Add(-10 * time.Minute)
	must(st.Notify(ctx, admin, inc.ID, store.NotifyInput{Customer: "Globex", SentAt: sent}))(t)
	d := notifyDeadline()
	if d.State != model.Met || !d.MetAt.Equal(sent) {
		t.Errorf("notify deadline %+v; want met at %v, the last initial notification", d, sent)
	}
	got := mustIncident(t, st, inc.ID)
	if len(got.Notifications) != 3 || got.Notifications[0].Channel != "phone" || got.Notifications[2].By != "alice" {
		t.Errorf("notifications %+v", got.Notifications)
	}

	// The notice is kept exactly, and never changes.
	first := must(st.Notice(ctx, inc.ID, 1))(t)
	sum := sha256.Sum256([]byte(first.Text))
	if first.Customer != "Acme" || first.To != "dpo@acme.example" || first.SHA256 != hex.EncodeToString(sum[:]) ||
		!strings.Contains(first.Text, "**To:** Acme\n") || strings.Contains(first.Text, "Globex") {
		t.Errorf("notice 1: %+v", first)
	}
	if _, err := st.Notice(ctx, inc.ID, 4); err == nil {
		t.Error("notice 4 of 3 found")
	}
	db, err := sql.Open("sqlite", st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"UPDATE notifications SET text = 'forged'", "DELETE FROM notifications"} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "never changes") {
			t.Errorf("%s: %v; want refused", q, err)
		}
	}

	// With no customers listed, one notification to anyone meets it.
	anon := declare(t, st, model.Declaration{Breach: model.BreachYes})
	must(st.SetContact(ctx, admin, anon.ID, "Jane Doe", "dpo@example.com"))(t)
	must(st.Notify(ctx, admin, anon.ID, store.NotifyInput{Customer: "Supervisory authority"}))(t)
	if d, _ := model.Find(pol.Deadlines(mustIncident(t, st, anon.ID), clk.Now()), model.KindNotify); d.State != model.Met {
		t.Errorf("notify %s after notifying someone with no customers listed", d.State)
	}
}

func TestBreachAndAwareness(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	inc := declare(t, st, model.Declaration{})
	pol := must(st.Policy(ctx))(t)

	clk.Advance(time.Hour)
	ev := must(st.SetBreach(ctx, admin, inc.ID, model.BreachFacts{Breach: ptr(model.BreachNo)}))(t)
	if ev.Data["notify"] != "n/a" || ev.Data["breach"] != "no" || ev.Data["breach_was"] != "unknown" {
		t.Errorf("breach no event data %v; want notify=n/a", ev.Data)
	}
	tl := must(st.Timeline(ctx, inc.ID))(t)
	if tl[len(tl)-1].Data["notify"] != "n/a" {
		t.Errorf("stored event data %v", tl[len(tl)-1].Data)
	}
	got := mustIncident(t, st, inc.ID)
	if d, _ := model.Find(pol.Deadlines(got, clk.Now()), model.KindNotify); d.State != model.NA {
		t.Errorf("notify %s after breach no; want n/a", d.State)
	}

	ev = must(st.SetBreach(ctx, admin, inc.ID, model.BreachFacts{Breach: ptr(model.BreachYes), Records: ptr(int64(5000)),
		Categories: []string{"email addresses"}, Customers: []string{"Acme"}, Consequences: ptr("phishing")}))(t)
	if !strings.HasPrefix(ev.Data["notify"], "due ") || ev.Data["records_approx"] != "5000" ||
		ev.Data["customers_added"] != "Acme" || ev.Data["categories_added"] != "email addresses" {
		t.Errorf("breach yes event data %v", ev.Data)
	}
	got = mustIncident(t, st, inc.ID)
	if got.Breach != model.BreachYes || *got.Records() != 5000 || *got.Facts("Acme").Records != 5000 || got.Subjects() != nil ||
		!slices.Equal(got.Customers, []string{"Acme"}) || !slices.Equal(got.DataCategories, []string{"email addresses"}) ||
		got.Consequences != "phishing" {
		t.Errorf("breach facts %+v", got)
	}

	// Moving awareness moves the notify clock.
	clk.Advance(time.Hour)
	aware := clk.Now().Add(-3 * time.Hour)
	ev = must(st.SetAware(ctx, admin, inc.ID, aware))(t)
	if ev.Data["notify_due"] != aware.Add(72*time.Hour).Format(time.RFC3339) {
		t.Errorf("aware event data %v", ev.Data)
	}
	got = mustIncident(t, st, inc.ID)
	if d, _ := model.Find(pol.Deadlines(got, clk.Now()), model.KindNotify); !got.AwareAt.Equal(aware) || !d.DueAt.Equal(aware.Add(72*time.Hour)) {
		t.Errorf("aware %v, notify due %v", got.AwareAt, d.DueAt)
	}
}

func TestChecklist(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	inc := declare(t, st, model.Declaration{})
	must(st.Check(ctx, member, inc.ID, model.CheckChange{Key: "rollback", NA: true, Reason: "  nothing deployed  "}))(t)
	must(st.Check(ctx, member, inc.ID, model.CheckChange{Key: "scope"}))(t)
	must(st.AddChecklistItem(ctx, member, inc.ID, "call-legal", "Call legal"))(t)
	got := mustIncident(t, st, inc.ID)
	if it := checklistItem(t, got, "rollback"); it.State != model.ItemNA || it.Reason != "nothing deployed" || it.By != "bob" {
		t.Errorf("n/a item %+v", it)
	}
	if last := got.Checklist[len(got.Checklist)-1]; last.Key != "call-legal" || last.State != model.ItemTodo {
		t.Errorf("added item %+v; want it last, to do", last)
	}
	if got.Progress != (model.Progress{Done: 1, NA: 1, Total: 10}) {
		t.Errorf("progress %+v", got.Progress)
	}
	clk.Advance(time.Minute)
	ev := must(st.Check(ctx, member, inc.ID, model.CheckChange{Key: "scope", Undo: true}))(t)
	if ev.Data["state"] != "todo" || ev.Data["was"] != "done" {
		t.Errorf("undo data %v", ev.Data)
	}
	if it := checklistItem(t, mustIncident(t, st, inc.ID), "scope"); it.State != model.ItemTodo || it.By != "" || !it.At.IsZero() {
		t.Errorf("undone item %+v", it)
	}
	// The list view counts instead of loading.
	list := must(st.Incidents(ctx, false))(t)
	if len(list) != 1 || list[0].Checklist != nil || list[0].Progress != (model.Progress{NA: 1, Total: 10}) {
		t.Errorf("list entry progress %+v checklist %v", list[0].Progress, list[0].Checklist)
	}
}

func TestReviewActions(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	addTeam(t, st)
	inc := declare(t, st, model.Declaration{Severity: model.P1})
	must(st.AddActionItem(ctx, member, inc.ID, "First", "alice", "2026-04-01"))(t)
	ev := must(st.AddActionItem(ctx, member, inc.ID, "Second", "bob", "2026-04-02"))(t)
	if ev.Data["n"] != "2" {
		t.Errorf("second action item numbered %s", ev.Data["n"])
	}
	must(st.ActionDone(ctx, member, inc.ID, 2))(t)
	if err := e(st.ActionDone(ctx, member, inc.ID, 2)); userError(t, err) == nil {
		t.Error("an action item was done twice")
	}
	acts := mustIncident(t, st, inc.ID).Review.Actions
	if len(acts) != 2 || acts[0].N != 1 || !acts[0].DoneAt.IsZero() || acts[1].DoneBy != "bob" || acts[1].Due != "2026-04-02" {
		t.Errorf("actions %+v", acts)
	}
}

func TestStatusUpdatesAndReports(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	inc := declare(t, st, model.Declaration{Severity: model.P1, Availability: true})
	must(st.StatusUpdate(ctx, admin, inc.ID, "Degraded; investigating"))(t)
	if u := mustIncident(t, st, inc.ID).Updates; len(u) != 1 || u[0].Text != "Degraded; investigating" || u[0].By != "alice" {
		t.Errorf("updates %+v", u)
	}
	enableNIS2(t, st)
	if err := e(st.Report(ctx, admin, inc.ID, "notify", time.Time{})); userError(t, err) == nil ||
		!strings.Contains(err.Error(), "nis2-warning") {
		t.Errorf("reporting on a clock met by notifications: %v", err)
	}
	clk.Advance(time.Minute)
	at := clk.Now().Add(-30 * time.Second).Truncate(time.Second)
	must(st.Report(ctx, admin, inc.ID, "nis2-warning", at))(t)
	got := mustIncident(t, st, inc.ID)
	pol := must(st.Policy(ctx))(t)
	if d, _ := model.Find(pol.Deadlines(got, clk.Now()), "nis2-warning"); d.State != model.Met || !d.MetAt.Equal(at) {
		t.Errorf("nis2-warning deadline %+v", d)
	}
}

func TestDeleteHidesButAudits(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	keep := declare(t, st, model.Declaration{Title: "Keep"})
	gone := declare(t, st, model.Declaration{Title: "Gone"})
	must(st.Note(ctx, member, gone.ID, "about to go"))(t)
	clk.Advance(time.Minute)
	ev := must(st.Delete(ctx, admin, gone.ID, "declared twice"))(t)
	if ev.Data["reason"] != "declared twice" || ev.Data["title"] != "Gone" {
		t.Errorf("delete data %v", ev.Data)
	}
	for _, all := range []bool{false, true} {
		list := must(st.Incidents(ctx, all))(t)
		if len(list) != 1 || list[0].ID != keep.ID {
			t.Errorf("Incidents(all=%v) = %d incidents; want only %s", all, len(list), keep.Ref())
		}
	}
	board := must(st.LoadBoard(ctx))(t)
	if len(board.Incidents) != 1 || board.Incidents[0].ID != keep.ID {
		t.Errorf("board holds %d incidents", len(board.Incidents))
	}
	if _, err := st.Incident(ctx, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Incident of a deleted one: %v", err)
	}
	if err := e(st.Note(ctx, member, gone.ID, "still here?")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("note on a deleted incident: %v", err)
	}
	var actions []string
	for _, ev := range auditAll(t, st) {
		if ev.IncidentID == gone.ID {
			actions = append(actions, string(ev.Action))
		}
	}
	if !slices.Equal(actions, []string{"declare", "note", "delete"}) {
		t.Errorf("audit of the deleted incident: %q", actions)
	}
	if since := must(st.Audit(ctx, clk.Now()))(t); len(since) != 1 || since[0].Action != "delete" {
		t.Errorf("Audit since the delete: %+v", since)
	}
}

func TestLoadBoard(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	a := declare(t, st, model.Declaration{Severity: model.P1, Customers: []string{"Acme"}})
	b := declare(t, st, model.Declaration{Severity: model.P3})
	c := declare(t, st, model.Declaration{Severity: model.P3, Breach: model.BreachNo})
	must(st.Check(ctx, member, a.ID, model.CheckChange{Key: "scope"}))(t)
	must(st.SetContact(ctx, admin, a.ID, "Jane Doe", "dpo@example.com"))(t)
	must(st.Notify(ctx, admin, a.ID, store.NotifyInput{Customer: "Acme"}))(t)
	must(st.Transition(ctx, admin, c.ID, model.Closed, ""))(t)
	board := must(st.LoadBoard(ctx))(t)
	if board.Mode != "live" || board.Seq != must(st.LastSeq(ctx))(t) || !board.LoadedAt.Equal(clk.Now()) {
		t.Errorf("board mode %q seq %d loaded %v", board.Mode, board.Seq, board.LoadedAt)
	}
	if len(board.Policy.Clocks) != 1 || board.Policy.Clocks[0].Kind != model.KindNotify {
		t.Errorf("board policy clocks %+v", board.Policy.Clocks)
	}
	if len(board.Incidents) != 2 || board.Incidents[0].ID != a.ID || board.Incidents[1].ID != b.ID {
		t.Fatalf("board incidents %v", board.Incidents)
	}
	got := board.Incidents[0]
	if got.Progress.Done != 1 || got.Progress.Total != 9 || got.Checklist != nil ||
		len(got.Customers) != 1 || len(got.Notifications) != 1 {
		t.Errorf("board entry %+v", got)
	}
}

func TestTimelineNotFound(t *testing.T) {
	st, _ := openStore(t)
	if _, err := st.Timeline(context.Background(), 42); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "INC-42") {
		t.Errorf("timeline of a missing incident: %v", err)
	}
}

// Values a caller passes in another case are either accepted as the
// canonical value or refused with a sentence, never a database error.
func TestUncanonicalValues(t *testing.T) {
	ctx := context.Background()
	t.Run("SetSeverity lower case", func(t *testing.T) {
		st, _ := openStore(t)
		inc := declare(t, st, model.Declaration{})
		_, err := st.SetSeverity(ctx, admin, inc.ID, "p1", "")
		if err != nil {
			userError(t, err)
		} else if got := mustIncident(t, st, inc.ID); got.Severity != model.P1 {
			t.Errorf("severity stored as %q", got.Severity)
		}
	})
	t.Run("AddUser capitalised role", func(t *testing.T) {
		st, _ := openStore(t)
		_, err := st.AddUser(ctx, owner, "carol", "Admin", nil)
		if err != nil {
			userError(t, err)
		} else if u := must(st.User(ctx, "carol"))(t); u.Role != model.Admin {
			t.Errorf("role stored as %q", u.Role)
		}
	})
	t.Run("Declare lower case severity and breach", func(t *testing.T) {
		st, _ := openStore(t)
		inc, err := st.Declare(ctx, member, model.Declaration{Title: "x", Severity: "p1", Breach: "YES", Source: "Monitoring"})
		if err != nil {
			userError(t, err)
		} else if inc.Severity != model.P1 || inc.Breach != model.BreachYes || inc.Source != "monitoring" {
			t.Errorf("declared %s %s %s", inc.Severity, inc.Breach, inc.Source)
		}
	})
}

// A report, like a notification, was submitted in the past and after the
// incident was detected.
func TestReportTimes(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	enableNIS2(t, st)
	inc := declare(t, st, model.Declaration{Severity: model.P1})
	db := rawDB(t, st.Path())
	for _, at := range []time.Time{clk.Now().Add(24 * time.Hour), inc.DetectedAt.Add(-24 * time.Hour)} {
		checkRefused(t, st, clk, db, refusal{name: "report at " + at.String(), kind: "invalid", do: func() error {
			return e(st.Report(ctx, admin, inc.ID, "nis2-warning", at))
		}}, inc.ID)
	}
}
