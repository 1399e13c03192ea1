package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"sitrep/model"
)

// checklistItem finds an item by key.
func checklistItem(t testing.TB, inc *model.Incident, key string) model.ChecklistItem {
	t.Helper()
	for _, it := range inc.Checklist {
		if it.Key == key {
			return it
		}
	}
	t.Fatalf("%s has no checklist item %s", inc.Ref(), key)
	return model.ChecklistItem{}
}

// moveTo puts the cursor of the open tab on row n.
func (h *conHarness) moveTo(n int) {
	h.press("g")
	for range n {
		h.press("j")
	}
}

func TestConsoleAck(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.selectIncident(incWebhooks)
	h.press("a")
	d := h.wrote()
	if d.id != e.id[incWebhooks] {
		t.Errorf("acknowledged incident %d, want the selected one %d", d.id, e.id[incWebhooks])
	}
	inc := e.incident(t, incWebhooks)
	if inc.Status != model.Acknowledged || !inc.AcknowledgedAt.Equal(conNow) {
		t.Errorf("after a: %s acknowledged at %v, want acknowledged at %v", inc.Status, inc.AcknowledgedAt, conNow)
	}
	if it := checklistItem(t, inc, "ack"); it.State != model.ItemDone || it.By != "olivia" {
		t.Errorf("ack item: %s by %q, want done by olivia", it.State, it.By)
	}
	evs, err := e.st.Timeline(context.Background(), inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Action != "ack" || last.Actor != "olivia" || last.Source != "local:olivia@test" {
		t.Errorf("last event %s by %s from %s, want ack by olivia from local:olivia@test", last.Action, last.Actor, last.Source)
	}
	assertContains(t, "footer", h.screen(), "Acknowledged INC-6.")
	h.refresh()
	assertRow(t, "the board", h.screen(), "INC-6 ", "P2 Payment webhooks delayed for", "acknowledged")

	// Acknowledging again is refused with the store's sentence.
	h.press("a")
	if d := h.done(); d.err == nil {
		t.Fatalf("acknowledging twice was not refused")
	}
	if !h.m.flashErr || h.m.flash == "" {
		t.Errorf("refusal not shown: flash %q", h.m.flash)
	}
}

func TestConsoleChecklistToggle(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incWebhooks, tabChecklist)
	h.press("j") // scope
	assertContains(t, "checklist", h.screen(), "▶ [ ] Determine initial scope")
	h.press("space")
	h.wrote()
	inc := e.incident(t, incWebhooks)
	if it := checklistItem(t, inc, "scope"); it.State != model.ItemDone || it.By != "olivia" || !it.At.Equal(conNow) {
		t.Fatalf("after space: scope %s by %q at %v, want done by olivia at %v", it.State, it.By, it.At, conNow)
	}
	h.refresh()
	assertContains(t, "checklist", h.screen(), "▶ [x] Determine initial scope", "1 of 9 settled")

	h.press("space")
	h.wrote()
	if it := checklistItem(t, e.incident(t, incWebhooks), "scope"); it.State != model.ItemTodo {
		t.Fatalf("space again: scope %s, want todo", it.State)
	}
	h.refresh()
	assertContains(t, "checklist", h.screen(), "▶ [ ] Determine initial scope", "0 of 9 settled")
}

func TestConsoleChecklistNA(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incWebhooks, tabChecklist)
	h.moveTo(6) // rollback
	before := e.seq(t)

	// An empty reason: the model's sentence shows in the form, nothing is written.
	h.press("x")
	if h.m.form == nil {
		t.Fatal("x did not open the n/a form")
	}
	assertContains(t, "n/a form", h.screen(), "Not applicable: Roll back recent deployments", "Why it does not apply to INC-6")
	h.press("enter")
	h.flush(50 * time.Millisecond)
	if h.m.form == nil {
		t.Fatal("enter with an empty reason closed the form")
	}
	_, want := model.CleanText("reason", "", model.SingleLine, 1, model.MaxReason)
	assertContains(t, "n/a form", h.screen(), want.Error())
	if e.seq(t) != before {
		t.Fatal("an empty reason was written")
	}

	h.typeText("No deployment since Friday")
	h.press("enter")
	h.wrote()
	if h.m.form != nil {
		t.Error("the form stayed open after the write")
	}
	it := checklistItem(t, e.incident(t, incWebhooks), "rollback")
	if it.State != model.ItemNA || it.Reason != "No deployment since Friday" || it.By != "olivia" {
		t.Fatalf("rollback: %s %q by %q, want n/a with the reason, by olivia", it.State, it.Reason, it.By)
	}
	h.refresh()
	assertContains(t, "checklist", h.screen(), "[-] Roll back recent deployments", "No deployment since Friday")

	// x on an n/a item takes it back.
	h.press("x")
	h.wrote()
	if it := checklistItem(t, e.incident(t, incWebhooks), "rollback"); it.State != model.ItemTodo {
		t.Errorf("x on an n/a item: %s, want todo", it.State)
	}
}

func TestConsoleDeclare(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.press("n")
	f := h.m.form
	if f == nil || f.focus != 0 || f.fields[0].key != "title" || !f.fields[0].in.Focused() {
		t.Fatal("n did not open the declare form with the title focused")
	}
	assertContains(t, "declare form", h.screen(), "Declare an incident", "› Title")

	// enter on an empty title stays on it with the model's sentence.
	h.press("enter")
	if f.focus != 0 {
		t.Fatalf("enter on an empty title moved to field %d", f.focus)
	}
	_, want := model.CleanText("title", "", model.SingleLine, 1, model.MaxTitle)
	assertContains(t, "declare form", h.screen(), want.Error())

	h.typeText("Login page returns 500 for SSO users")
	for i := range len(f.fields) - 1 {
		h.press("enter")
		if f.focus != i+1 {
			t.Fatalf("enter %d: focus on field %d, want %d", i+1, f.focus, i+1)
		}
	}
	assertContains(t, "declare form", h.screen(), "enter save")
	h.press("enter")
	d := h.wrote()
	if !d.declared || d.id == 0 {
		t.Fatalf("declare answered %+v", d)
	}
	inc, err := e.st.Incident(context.Background(), d.id)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Login page returns 500 for SSO users" || inc.Severity != model.P2 || inc.Breach != model.BreachUnknown ||
		inc.Source != "other" || len(inc.Customers) != 0 || inc.Availability || inc.Status != model.Open {
		t.Errorf("declared %+v; want the defaults P2, unknown, other, no customers, no availability, open", inc)
	}
	if !inc.DetectedAt.Equal(conNow) || !inc.AwareAt.Equal(conNow) {
		t.Errorf("detected %v aware %v, want now (%v)", inc.DetectedAt, inc.AwareAt, conNow)
	}
	assertContains(t, "footer", h.screen(), "Declared INC-7.")

	// The new incident is selected once it arrives.
	h.refresh()
	if sel := h.m.selected(); sel == nil || sel.ID != d.id {
		t.Errorf("after declaring, the selection is %v, want the new incident", sel)
	}
}

func TestConsoleDeclareChoices(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.press("n")
	h.typeText("Ransom note on the build server")
	h.press("enter", "up", "up") // severity: P2 → P0
	assertContains(t, "severity picker", h.screen(), "P0 critical")
	h.press("enter", "j") // breach: unknown → yes
	h.press("enter", "k") // source: other → sub-processor
	h.press("enter")
	h.typeText("Acme Corp, Initech")
	h.press("enter", "space") // availability: no → yes
	h.press("enter")
	d := h.wrote()
	inc, err := e.st.Incident(context.Background(), d.id)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Severity != model.P0 || inc.Breach != model.BreachYes || inc.Source != "sub-processor" ||
		strings.Join(inc.Customers, "|") != "Acme Corp|Initech" || !inc.Availability {
		t.Errorf("declared %s %s %s %v %v; want P0 yes sub-processor [Acme Corp Initech] true",
			inc.Severity, inc.Breach, inc.Source, inc.Customers, inc.Availability)
	}
}

// TestConsoleFormsCancel opens every form and leaves it with esc: nothing
// is written and the console says so.
func TestConsoleFormsCancel(t *testing.T) {
	e := newConEnv(t)
	tests := []struct {
		name string
		inc  string // "" on the board
		tab  int
		keys []string
	}{
		{"declare", "", 0, []string{"n"}},
		{"assign from the board", "", 0, []string{"j", "i"}},
		{"severity from the board", "", 0, []string{"s"}},
		{"note from the board", "", 0, []string{"m"}},
		{"n/a", incWebhooks, tabChecklist, []string{"j", "x"}},
		{"assign", incStuffing, tabChecklist, []string{"i"}},
		{"severity", incStuffing, tabTimeline, []string{"s"}},
		{"note", incStuffing, tabTimeline, []string{"m"}},
		{"notify", incExport, tabNotification, []string{"N"}},
		{"status update", incWebhooks, tabNotification, []string{"u"}},
		{"review section", incExport, tabReview, []string{"enter"}},
		{"action item", incExport, tabReview, []string{"+"}},
		{"breach", incStuffing, tabDetails, []string{"b"}},
		{"awareness", incStuffing, tabDetails, []string{"w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newConsole(t, e, conOwner, 100, 30)
			if tt.inc != "" {
				h.open(tt.inc, tt.tab)
			}
			before := e.seq(t)
			h.press(tt.keys...)
			if h.m.form == nil {
				t.Fatalf("%v opened no form (flash %q)", tt.keys, h.m.flash)
			}
			h.typeText("abc")
			typed := h.m.form.typed() // a picker takes no letters
			want := "Cancelled; nothing was written."
			h.press("esc")
			if typed {
				// Typing is not thrown away on one key: esc asks, n goes back.
				if h.m.form == nil || !h.m.form.discarding {
					t.Fatal("esc threw the typed text away without asking")
				}
				assertContains(t, "form", h.screen(), "Discard what you typed?")
				h.press("n")
				if h.m.form == nil || h.m.form.discarding || !h.m.form.typed() {
					t.Fatal("n should go back to the form with the text kept")
				}
				h.press("esc", "esc")
				want = "Discarded; nothing was written."
			}
			h.flush(50 * time.Millisecond)
			if h.m.form != nil {
				t.Fatal("esc left the form open")
			}
			if got := e.seq(t); got != before {
				t.Fatalf("cancelling wrote %d events", got-before)
			}
			if h.m.flash != want {
				t.Errorf("flash %q, want %q", h.m.flash, want)
			}
		})
	}
}

func TestConsoleAssign(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.selectIncident(incStuffing)
	h.press("i")
	if h.m.form == nil {
		t.Fatalf("i opened no picker: %q", h.m.flash)
	}
	s := h.screen()
	assertContains(t, "commander picker", s, "Incident commander of INC-1", "alice", "bob", "carol", "olivia")
	assertNotContains(t, "commander picker", s, "vera")
	var names []string
	for _, c := range h.m.form.fields[0].choices {
		names = append(names, c.value)
	}
	if strings.Join(names, ",") != "alice,bob,carol,olivia" {
		t.Errorf("picker offers %v, want the non-viewers alice, bob, carol, olivia", names)
	}
	for h.m.form.fields[0].value() != "carol" {
		h.press("down")
	}
	h.press("enter")
	h.wrote()
	if inc := e.incident(t, incStuffing); inc.Commander != "carol" {
		t.Errorf("commander %q, want carol", inc.Commander)
	}
	h.refresh()
	assertNotContains(t, "board", h.screen(), "NO IC")

	// The picker starts on the current commander.
	h.press("i")
	if v := h.m.form.fields[0].value(); v != "carol" {
		t.Errorf("the picker starts on %q, want the commander carol", v)
	}
}

func TestConsoleSeverity(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incWebhooks, tabDetails)
	h.press("s")
	if v := h.m.form.fields[0].value(); v != "P2" {
		t.Fatalf("the severity picker starts on %s, want the current P2", v)
	}
	s := h.screen()
	assertContains(t, "severity picker", s, "Severity of INC-6", "P0 critical", "P1 high", "P2 moderate", "P3 low")
	// The selected severity's definition from the reference is shown.
	assertContains(t, "severity picker", strings.Join(strings.Fields(s), " "), strings.Fields(model.P2.Info().Definition)[0])
	h.press("up")
	h.press("enter")
	// A reason is asked for, then the change is confirmed.
	before := e.seq(t)
	h.press("enter")
	assertContains(t, "severity form", h.screen(), "Reason")
	if h.m.form == nil || h.m.form.confirming != "" {
		t.Fatal("a severity change without a reason went to confirmation")
	}
	h.typeText("Card data may be in the delayed payloads")
	h.press("enter")
	assertContains(t, "confirmation", strings.Join(strings.Fields(h.screen()), " "),
		"Change the severity of INC-6 from P2 to P1?", "A P1 needs an incident", "asked for one next.")
	h.press("esc")
	if e.seq(t) != before {
		t.Fatal("going back from the confirmation wrote")
	}
	h.press("enter", "enter")
	h.wrote()
	if inc := e.incident(t, incWebhooks); inc.Severity != model.P1 {
		t.Errorf("severity %s, want P1", inc.Severity)
	}
	// Raised to P1 without a commander: the console asks for one.
	if h.m.form == nil || !strings.HasPrefix(h.m.form.title, "Incident commander of INC-6") {
		t.Fatalf("no commander prompt after raising to P1: %+v", h.m.form)
	}
	h.press("enter")
	h.wrote()
	if inc := e.incident(t, incWebhooks); !inc.HasCommander() {
		t.Error("no commander after the prompt")
	}
	h.refresh()
	assertContains(t, "incident view", h.screen(), "P1 high")
	tl := e.timeline(t, incWebhooks)
	if last := tl[len(tl)-2]; last.Action != model.ActSeverity || last.Data["reason"] != "Card data may be in the delayed payloads" {
		t.Errorf("the severity event %+v does not hold the reason", last)
	}
}

func TestConsoleNote(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incStuffing, tabTimeline)
	h.press("m")
	h.typeText("Blocked the ASN at the edge.")
	h.press("ctrl+j")
	h.typeText("Rate limit raised to 50/min.")
	if v := h.m.form.fields[0].value(); v != "Blocked the ASN at the edge.\nRate limit raised to 50/min." {
		t.Fatalf("note text %q: ctrl+j should insert a newline", v)
	}
	h.press("enter")
	h.wrote()
	evs, err := e.st.Timeline(context.Background(), e.id[incStuffing])
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Action != "note" || last.Data["text"] != "Blocked the ASN at the edge.\nRate limit raised to 50/min." {
		t.Fatalf("last event %s %q, want the two-line note", last.Action, last.Data["text"])
	}
	h.refresh()
	h.press("G")
	// The note keeps its two lines.
	scr := h.screen()
	assertContains(t, "timeline", scr, "noted on INC-1: Blocked the ASN at the edge.", "\n    Rate limit raised to 50/min.")
	if strings.Contains(scr, "edge. Rate limit") {
		t.Errorf("the note's lines were joined:\n%s", scr)
	}
}

func TestConsoleContainConfirm(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.selectIncident(incStuffing)
	before := e.seq(t)
	// A P1 without a commander: the confirmation names the gate and asks
	// for the reason to pass it.
	h.press("c")
	if h.m.form == nil {
		t.Fatal("c asked nothing")
	}
	assertContains(t, "held back", strings.Join(strings.Fields(h.screen()), " "), "Mark contained INC-1 — held back",
		"INC-1 cannot be contained yet:", "✖ P1 INC-1 without a commander", "Override reason")
	h.press("esc")
	h.flush(50 * time.Millisecond)
	if h.m.form != nil || e.seq(t) != before {
		t.Fatal("esc did not cancel without writing")
	}
	_, err := e.st.Assign(context.Background(), conOwner, e.id[incStuffing], "carol")
	e.must(t, "assign", err)
	h.refresh()

	h.press("c")
	if h.m.ask == nil {
		t.Fatal("c asked nothing")
	}
	assertContains(t, "confirmation", h.screen(), "Mark contained INC-1? It is acknowledged now.", "y yes")
	h.press("n")
	h.flush(50 * time.Millisecond)
	if h.m.ask != nil || e.seq(t) != before+1 {
		t.Fatal("n did not cancel the confirmation without writing")
	}
	assertContains(t, "footer", h.screen(), "Cancelled; nothing was written.")

	h.press("c", "y")
	h.wrote()
	if inc := e.incident(t, incStuffing); inc.Status != model.Contained || !inc.ContainedAt.Equal(conNow) {
		t.Errorf("after c y: %s contained at %v, want contained now", inc.Status, inc.ContainedAt)
	}
}

// Closing with blockers: the confirmation lists every gate, the open
// checklist items and the customers never notified, and an override with
// a reason closes it, recorded.
func TestConsoleCloseOverride(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incStuffing, tabChecklist)
	h.press("C")
	if h.m.form == nil {
		t.Fatal("C asked nothing")
	}
	s := strings.Join(strings.Fields(h.screen()), " ")
	assertContains(t, "close blockers", s, "Close INC-1 — held back", "INC-1 cannot be closed yet:",
		"✖ P1 INC-1 without a commander", "✖ personal-data breach still unknown", "✖ post-incident review not complete",
		"✖ GDPR Art. 33 controller notification pending, due", "· Checklist items still open: scope,")
	h.press("enter")
	assertContains(t, "empty reason", h.screen(), "override reason")
	before := e.seq(t)
	h.typeText("Duplicate of INC-3; its clocks run there")
	h.press("enter")
	h.wrote()
	inc := e.incident(t, incStuffing)
	if inc.Status != model.Closed {
		t.Fatalf("status %s after the override", inc.Status)
	}
	tl := e.timeline(t, incStuffing)
	o, c := tl[len(tl)-2], tl[len(tl)-1]
	if e.seq(t) != before+2 || o.Action != model.EvOverride || o.Data["gates"] != "commander, breach, review, notify" ||
		o.Data["reason"] != "Duplicate of INC-3; its clocks run there" || c.Action != model.ActClose {
		t.Errorf("override %+v, close %+v", o, c)
	}

	// A customer never notified is named.
	h.press("esc")
	h.refresh()
	h.open(incExport, tabChecklist)
	h.press("C")
	assertContains(t, "export blockers", strings.Join(strings.Fields(h.screen()), " "), "Close INC-2 — held back", "· Not notified: Globex.")
}
func TestConsoleNotify(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incExport, tabNotification)
	assertContains(t, "notification tab", h.screen(), "Globex", "not sent")
	h.press("N")
	f := h.m.form
	if f == nil {
		t.Fatalf("N opened no form: %q", h.m.flash)
	}
	// It starts on the first customer not yet notified.
	if v := f.fields[0].value(); v != "Globex" {
		t.Fatalf("the form starts on %q, want Globex (Acme Corp is already notified)", v)
	}
	assertContains(t, "notify form", boxText(h.screen()), "Record a notification sent for INC-2",
		"Acme Corp ● Globex no notification recorded yet Channel: email Sent to (address): Kind: initial notification Sent at: now")
	for range f.fields {
		h.press("enter")
	}
	h.wrote()
	inc := e.incident(t, incExport)
	var got []string
	for _, n := range inc.Notifications {
		got = append(got, n.Customer+"/"+n.Channel+"/"+n.By)
		if n.Customer == "Globex" && (n.FollowUp || !n.SentAt.Equal(conNow)) {
			t.Errorf("Globex notification follow-up %v sent %v, want an initial one sent now", n.FollowUp, n.SentAt)
		}
	}
	if strings.Join(got, ",") != "Acme Corp/email/olivia,Globex/email/olivia" {
		t.Errorf("notifications %v, want Acme Corp and Globex", got)
	}
	if d, _ := model.Find(model.DefaultPolicy().Deadlines(inc, conNow), model.KindNotify); d.State != model.Met {
		t.Errorf("notify deadline %s, want met once every customer is notified", d.State)
	}
	h.refresh()
	assertContains(t, "notification tab", h.screen(), "notify ✓ met")
	assertNotContains(t, "notification tab", h.screen(), "not sent")

	// After picking Acme Corp's draft with ], N records Acme Corp's follow-up.
	h.press("]", "]")
	h.press("N")
	if f := h.m.form; f == nil || f.fields[0].value() != "Acme Corp" {
		t.Fatalf("after picking Acme Corp the form starts on %v", f)
	}
}

func TestConsoleReview(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 40)
	h.open(incExport, tabReview)

	// enter edits the selected section.
	h.press("j") // What worked
	h.press("enter")
	if h.m.form == nil || h.m.form.title != "What worked — review of INC-2" {
		t.Fatalf("enter on What worked opened %+v", h.m.form)
	}
	h.typeText("The customer reported it within the hour.")
	h.press("enter")
	h.wrote()
	if r := e.incident(t, incExport).Review; r.Worked != "The customer reported it within the hour." {
		t.Fatalf("worked %q", r.Worked)
	}
	h.refresh()
	assertContains(t, "review tab", h.screen(), "The customer reported it within the hour.")

	// enter on a section with text starts from it.
	h.moveTo(0)
	h.press("enter")
	if v := h.m.form.fields[0].value(); !strings.HasPrefix(v, "The export job took the tenant") {
		t.Errorf("editing the root cause starts from %q, want its text", v)
	}
	h.press("esc")

	// + adds an action item, owned by the actor and due in 14 days by default.
	h.press("+")
	if f := h.m.form; f == nil || f.fields[1].value() != "olivia" || f.fields[2].value() != "2026-12-08" {
		t.Fatalf("action item form defaults %v", h.m.form.values())
	}
	h.typeText("Alert on exports to a second tenant")
	h.press("enter", "enter", "enter")
	h.wrote()
	r := e.incident(t, incExport).Review
	if len(r.Actions) != 2 || r.Actions[1].Title != "Alert on exports to a second tenant" || r.Actions[1].Owner != "olivia" {
		t.Fatalf("action items %+v", r.Actions)
	}
	h.refresh()

	// space on an action item marks it done.
	h.moveTo(5)
	assertContains(t, "review tab", h.screen(), "▶ [ ] 2. Alert on exports to a second tenant")
	h.press("space")
	h.wrote()
	if a := e.incident(t, incExport).Review.Actions[1]; a.DoneAt.IsZero() || a.DoneBy != "olivia" {
		t.Fatalf("action 2 done %v by %q", a.DoneAt, a.DoneBy)
	}
	h.refresh()
	assertContains(t, "review tab", h.screen(), "▶ [x] 2. Alert on exports to a second tenant")

	// y while sections are empty: the store's refusal is shown.
	before := e.seq(t)
	h.press("y")
	if h.m.ask == nil {
		t.Fatal("y asked nothing")
	}
	assertContains(t, "confirmation", h.screen(), "Mark the review of INC-2 complete?")
	h.press("y")
	d := h.done()
	if d.err == nil || e.seq(t) != before {
		t.Fatal("an incomplete review was marked complete")
	}
	want := "the review of INC-2 is not complete yet; it still needs what did not work, customer impact"
	if d.err.Error() != want || h.m.flash != asSentence(want) || !h.m.flashErr {
		t.Errorf("refusal %q shown as %q, want %q", d.err, h.m.flash, asSentence(want))
	}
	if footer := lastLine(h.screen()); !strings.HasPrefix(asSentence(want), strings.TrimRight(strings.TrimSuffix(strings.TrimSpace(footer), "…"), " ")) {
		t.Errorf("footer %q does not show the refusal", footer)
	}

	// Fill the rest and complete it: y, then enter confirms.
	for _, row := range []int{2, 3} {
		h.moveTo(row)
		h.press("enter")
		h.typeText("Section " + string(rune('0'+row)))
		h.press("enter")
		h.wrote()
		h.refresh()
	}
	h.press("y", "enter")
	h.wrote()
	if r := e.incident(t, incExport).Review; !r.Complete() || r.CompletedBy != "olivia" {
		t.Fatalf("review complete %v by %q", r.Complete(), r.CompletedBy)
	}
	h.refresh()
	assertContains(t, "review tab", h.screen(), "Post-incident review: complete")
}

func lastLine(s string) string { return s[strings.LastIndex(s, "\n")+1:] }

// boxText is the text inside the dialog box drawn over a screen, its
// lines joined with single spaces.
func boxText(screen string) string {
	var parts []string
	for _, l := range strings.Split(screen, "\n") {
		i, j := strings.Index(l, "│"), strings.LastIndex(l, "│")
		if i >= 0 && j > i {
			parts = append(parts, strings.TrimSpace(l[i+len("│"):j]))
		}
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

func TestConsoleBreachNo(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incStuffing, tabDetails)
	before := e.seq(t)
	h.press("b")
	f := h.m.form
	if f == nil || f.fields[0].value() != "unknown" {
		t.Fatalf("b: form %v", f)
	}
	for f.fields[0].value() != "no" {
		h.press("down")
	}
	for range len(f.fields) {
		h.press("enter")
	}
	if f.confirming == "" {
		t.Fatalf("no confirmation after the last field; form error %q", f.err)
	}
	s := boxText(h.screen())
	assertContains(t, "breach confirmation", s, "Set the breach of INC-1 to no?",
		"The GDPR Art. 33 controller notification deadline (due 2026-11-24 19:00:00 CET) stops applying.")
	if e.seq(t) != before {
		t.Fatal("written before the confirmation")
	}
	h.press("enter")
	h.wrote()
	inc := e.incident(t, incStuffing)
	if inc.Breach != model.BreachNo {
		t.Fatalf("breach %s, want no", inc.Breach)
	}
	if d, _ := model.Find(model.DefaultPolicy().Deadlines(inc, conNow), model.KindNotify); d.State != model.NA {
		t.Errorf("notify deadline %s, want n/a", d.State)
	}
}

func TestConsoleBreachConfirmBack(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incStuffing, tabDetails)
	before := e.seq(t)
	h.press("b", "down", "down")
	for range len(h.m.form.fields) {
		h.press("enter")
	}
	h.press("esc") // back from the confirmation to the form
	if h.m.form == nil || h.m.form.confirming != "" {
		t.Fatal("esc on the confirmation should go back to the form")
	}
	h.press("esc") // asks: the picks were changed
	if h.m.form == nil || !h.m.form.discarding {
		t.Fatal("esc on a changed form should ask before discarding")
	}
	h.press("y")
	h.flush(50 * time.Millisecond)
	if h.m.form != nil || e.seq(t) != before {
		t.Fatal("esc, esc, y should cancel without writing")
	}
}

func TestConsoleAware(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incStuffing, tabDetails)
	h.press("w")
	f := h.m.form
	if f == nil {
		t.Fatalf("w opened no form: %q", h.m.flash)
	}
	if v := f.fields[0].value(); v != "2026-11-21T19:00:00+01:00" {
		t.Fatalf("the form starts at %q, want the current awareness time", v)
	}
	h.press("ctrl+u")
	h.typeText("2026-11-21T13:00:00+01:00")
	h.press("enter")
	if f.confirming == "" {
		t.Fatalf("no confirmation; form error %q, field error %q", f.err, f.fields[0].err)
	}
	s := boxText(h.screen())
	assertContains(t, "awareness confirmation", s,
		"Move the awareness of INC-1 from 2026-11-21 19:00:00 CET to 2026-11-21 13:00:00 CET?",
		"The GDPR Art. 33 controller notification deadline moves from 2026-11-24 19:00:00 CET to 2026-11-24 13:00:00 CET.")
	h.press("enter")
	h.wrote()
	if inc := e.incident(t, incStuffing); !inc.AwareAt.Equal(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("aware at %v, want 2026-11-21 12:00 UTC", inc.AwareAt)
	}
	h.refresh()
	assertContains(t, "incident view", h.screen(), "notify (provisional) ✖ OVERDUE +02:00:00")
}

// A relative awareness time is read once, when the confirmation is shown:
// the time confirmed is the time stored, however long the commander took
// to say yes. A date is midnight in the policy's zone.
func TestConsoleAwareStoresTheConfirmedTime(t *testing.T) {
	for _, tt := range []struct {
		typed   string
		want    time.Time
		confirm string
	}{
		{"-2h", conNow.Add(-2 * time.Hour), "to 2026-11-24 13:00:00 CET?"},
		{"2026-11-21", time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC), "to 2026-11-21 00:00:00 CET?"},
	} {
		t.Run(tt.typed, func(t *testing.T) {
			e := newConEnv(t)
			h := newConsole(t, e, conOwner, 100, 30)
			h.open(incStuffing, tabDetails)
			h.press("w")
			f := h.m.form
			if f == nil {
				t.Fatalf("w opened no form: %q", h.m.flash)
			}
			h.press("ctrl+u")
			h.typeText(tt.typed)
			h.press("enter")
			if f.confirming == "" {
				t.Fatalf("no confirmation; form error %q, field error %q", f.err, f.fields[0].err)
			}
			assertContains(t, "awareness confirmation", boxText(h.screen()), tt.confirm)
			e.clk.Set(conNow.Add(10 * time.Minute)) // the commander reads before saying yes
			h.press("enter")
			h.wrote()
			if inc := e.incident(t, incStuffing); !inc.AwareAt.Equal(tt.want) {
				t.Errorf("aware at %v, want %v as confirmed", inc.AwareAt.UTC(), tt.want.UTC())
			}
		})
	}
}

// TestConsoleTimelineFollowsTail: a timeline shown to its end follows new
// events as they arrive; one scrolled up stays where it is and says how
// much is below.
func TestConsoleTimelineFollowsTail(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 80, 24)
	h.open(incExport, tabTimeline)
	assertContains(t, "timeline at the top", h.screen(), "more lines below")

	h.press("G")
	assertNotContains(t, "timeline at its end", h.screen(), "more lines below")
	ctx := context.Background()
	id := e.id[incExport]
	if _, err := e.st.Note(ctx, conMember, id, "first note after G"); err != nil {
		t.Fatal(err)
	}
	h.refresh()
	scr := h.screen()
	assertContains(t, "timeline following its end", scr, "noted on INC-2: first note after G")
	assertNotContains(t, "timeline following its end", scr, "more lines below")

	h.press("k")
	top := h.m.inc.cursor[tabTimeline]
	assertContains(t, "timeline one line up", h.screen(), "↓ 2 more lines below")
	if _, err := e.st.Note(ctx, conMember, id, "second note, while scrolled up"); err != nil {
		t.Fatal(err)
	}
	h.refresh()
	if got := h.m.inc.cursor[tabTimeline]; got != top {
		t.Errorf("scrolled-up timeline moved from line %d to %d when an event arrived", top, got)
	}
	assertContains(t, "timeline scrolled up", h.screen(), "↓ 4 more lines below")
	assertNotContains(t, "timeline scrolled up", h.screen(), "second note, while scrolled up")
	h.press("G")
	assertContains(t, "timeline back at its end", h.screen(), "second note, while scrolled up")
}

// TestConsolePublicStatusUpdate posts a status update to the public page
// from the form: the first needs a public title, which the form asks for;
// the refusal stays in the form to correct.
func TestConsolePublicStatusUpdate(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 100, 30)
	h.open(incWebhooks, tabNotification)
	h.press("u")
	if h.m.form == nil || len(h.m.form.fields) != 3 {
		t.Fatalf("u on an availability incident opened %v (flash %q)", h.m.form, h.m.flash)
	}
	assertContains(t, "update form", h.screen(), "Public status page", "no: status channel only")
	h.typeText("We are investigating failed webhook deliveries.")
	h.press("enter", "down", "enter") // public: no → yes
	h.press("enter")                  // no public title yet
	if d := h.done(); d.err == nil || !strings.Contains(d.err.Error(), "needs a public title") {
		t.Fatalf("first public update without a title: %v", d.err)
	}
	if h.m.form == nil {
		t.Fatal("the refusal closed the form")
	}
	h.typeText("Webhook delays")
	h.press("enter")
	h.wrote()
	inc := e.incident(t, incWebhooks)
	if inc.PublicTitle != "Webhook delays" || len(inc.Updates) == 0 || !inc.Updates[len(inc.Updates)-1].Public {
		t.Errorf("public title %q, updates %+v", inc.PublicTitle, inc.Updates)
	}
	// An incident that does not affect availability is not offered the page.
	h2 := newConsole(t, e, conOwner, 100, 30)
	h2.open(incStuffing, tabNotification)
	h2.press("u")
	if h2.m.form == nil || len(h2.m.form.fields) != 1 {
		t.Errorf("update form on a non-availability incident has %d fields", len(h2.m.form.fields))
	}
}

// The Details tab corrects the facts: the confirmation says each change,
// before and after, and the event holds them.
func TestConsoleEdit(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conOwner, 120, 40)
	h.open(incWebhooks, tabDetails)
	h.press("E")
	if h.m.form == nil || h.m.form.title != "Correct INC-6" {
		t.Fatalf("E on the Details tab opened %+v", h.m.form)
	}
	h.typeText(" (EU)")
	for range 5 {
		h.press("tab")
	}
	h.press("down") // data lost: yes
	before := e.seq(t)
	h.press("enter")
	s := strings.Join(strings.Fields(h.screen()), " ")
	assertContains(t, "confirmation", s, `Correct INC-6? corrected INC-6: title "Payment webhooks delayed for EU`,
		`customers (EU)"; data loss`, `"false" → "true".`)
	if e.seq(t) != before {
		t.Fatal("wrote before the confirmation")
	}
	h.press("enter")
	h.wrote()
	inc := e.incident(t, incWebhooks)
	if inc.Title != "Payment webhooks delayed for EU customers (EU)" || !inc.DataLoss {
		t.Errorf("after the correction: %q data loss %v", inc.Title, inc.DataLoss)
	}
	tl := e.timeline(t, incWebhooks)
	if ev := tl[len(tl)-1]; ev.Action != model.ActEdit || ev.Data["data_loss_to"] != "true" || ev.Data["title_from"] != "Payment webhooks delayed for EU customers" {
		t.Errorf("edit event %+v", ev)
	}
	// A member may not correct: the key is refused with the reason.
	m := newConsole(t, e, conMember, 120, 40)
	m.open(incWebhooks, tabDetails)
	m.press("E")
	if m.m.form != nil {
		t.Error("a member opened the correction form")
	}
}

// Overdue review action items show in an admin's header, not a member's.
func TestConsoleOverdueActions(t *testing.T) {
	e := newConEnv(t)
	admin := newConsole(t, e, conOwner, 160, 50)
	member := newConsole(t, e, conMember, 160, 50)
	for _, h := range []*conHarness{admin, member} {
		assertNotContains(t, "header before the due date", h.screen(), "overdue")
	}
	// The export's action item is due 2026-12-08; a day later it is overdue.
	e.clk.Set(time.Date(2026, 12, 9, 9, 0, 0, 0, time.UTC))
	for _, h := range []*conHarness{admin, member} {
		h.refresh()
		h.update(tickMsg(e.clk.Now()))
	}
	assertContains(t, "admin header", admin.screen(), "1 action item overdue (sitrep actions --open)")
	assertNotContains(t, "member header", member.screen(), "overdue")
}
