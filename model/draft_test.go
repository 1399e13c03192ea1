package model

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenFile compares got with testdata/golden/<name> at the module root;
// `go test ./model -update` rewrites the files instead.
func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test ./model -run '%s' -update to create it)", name, err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from %s (rerun with -update if intended):\n--- want\n%s\n--- got\n%s", name, path, want, got)
	}
}

func blankIncident(at time.Time) *Incident {
	inc := incidentAt(at)
	for _, c := range DefaultChecklist() {
		inc.Checklist = append(inc.Checklist, ChecklistItem{Key: c.Key, Item: c.Item, State: ItemTodo})
	}
	return inc
}

func contactPolicy(t *testing.T) Policy {
	t.Helper()
	p := DefaultPolicy()
	p.ContactName, p.ContactDetails = "Jane Doe", "dpo@example.com, +31 20 123 4567"
	return mustValidate(t, p)
}

func i64(n int64) *int64 { return &n }

// twoCustomers is a confirmed breach of Acme's and Globex's data, each
// with its own numbers, some facts still unknown.
func twoCustomers(at time.Time) *Incident {
	inc := blankIncident(at)
	inc.Breach = BreachYes
	inc.Title = "Support token leaked; Acme and Globex tenant databases read"
	inc.Summary = "Reads of the tenant databases of Acme and GLOBEX from a revoked service account."
	inc.Customers = []string{"Acme", "Globex"}
	inc.CustomerFacts = []CustomerFacts{
		{Customer: "Acme", Subjects: i64(1200), Records: i64(5400)},
		{Customer: "Globex", Subjects: i64(300)},
	}
	inc.DataCategories = []string{"name", "email"}
	inc.SubjectCategories = []string{"end users"}
	for i := range inc.Checklist {
		if inc.Checklist[i].Key == "rotate-credentials" {
			inc.Checklist[i].State, inc.Checklist[i].By, inc.Checklist[i].At = ItemDone, "bob", at.Add(30*time.Minute)
		}
	}
	return inc
}

func TestMakeDraft(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	now := at.Add(2 * time.Hour)
	tests := []struct {
		name     string
		customer string
		edit     func(*Incident, *Policy)
		want     []string // lines or fragments the draft holds
		never    []string // it must not hold
		unknowns []string
		golden   string
	}{
		{name: "acme", customer: "Acme",
			want: []string{
				"**To:** Acme\n",
				"## Nature of the breach (Art. 33(3)(a))\n",
				"- Categories of data subjects: end users\n",
				"- Approximate number of data subjects: approximately 1200\n",
				"- Categories of personal data records: name, email\n",
				"- Approximate number of personal data records: approximately 5400\n",
				"## Point of contact (Art. 33(3)(b))\n\n- Name: Jane Doe\n- Contact details: dpo@example.com, +31 20 123 4567\n",
				"## Likely consequences (Art. 33(3)(c))\n\n" + Unknown + "\n",
				"### Measures taken\n\n- Rotate credentials (Monday 4 May 2026 10:30 CEST)\n",
				"_Notification deadline: Thursday 7 May 2026 10:00 CEST (72 hours from awareness)._",
			},
			never:    []string{"Globex", "GLOBEX", "1500", "bob"},
			unknowns: []string{FieldConsequences, FieldMitigation},
			golden:   "drafts/acme_initial.md"},
		{name: "globex has its own numbers", customer: "globex",
			want: []string{
				"**To:** Globex\n",
				"- Approximate number of data subjects: approximately 300\n",
				"- Approximate number of personal data records: " + Unknown + "\n",
			},
			never:    []string{"Acme", "1200", "5400"},
			unknowns: []string{FieldRecords, FieldConsequences, FieldMitigation}},
		{name: "everything known", customer: "Acme",
			edit: func(i *Incident, _ *Policy) {
				i.Consequences = "Phishing of the people affected."
				i.MeasuresProposed = []string{"Force a password reset for every Acme user"}
				i.Mitigation = []string{"Tell end users of Globex and Acme to expect phishing"}
			},
			want: []string{
				"### Measures proposed\n\n- Force a password reset for every Acme user\n",
				"### Measures to mitigate possible adverse effects\n\n- Tell end users of another customer and Acme to expect phishing\n",
				"## Not yet known (Art. 33(4))\n\nNothing: every field above is known.\n",
			},
			never: []string{"Globex"}},
		{name: "breach unknown is a precaution", customer: "Acme",
			edit:     func(i *Incident, _ *Policy) { i.Breach = BreachUnknown },
			want:     []string{"not yet confirmed", "- whether personal data is affected\n"},
			unknowns: []string{FieldBreach, FieldConsequences, FieldMitigation}},
		{name: "the incident's own contact wins", customer: "Acme",
			edit:  func(i *Incident, _ *Policy) { i.ContactName, i.ContactDetails = "Sam Lee", "sam@example.com" },
			want:  []string{"- Name: Sam Lee\n- Contact details: sam@example.com\n"},
			never: []string{"Jane Doe"}},
		{name: "control characters never reach the draft", customer: "Acme",
			edit:  func(i *Incident, p *Policy) { i.Consequences = "x\x1b[2Jy" },
			never: []string{"\x1b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc, p := twoCustomers(at), contactPolicy(t)
			if tt.edit != nil {
				tt.edit(inc, &p)
			}
			d, err := MakeDraft(inc, p, DraftRequest{Customer: tt.customer}, now)
			if err != nil {
				t.Fatalf("MakeDraft: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(d.Text, w) {
					t.Errorf("draft lacks %q:\n%s", w, d.Text)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(d.Text, n) {
					t.Errorf("draft holds %q:\n%s", n, d.Text)
				}
			}
			if tt.unknowns != nil && strings.Join(d.Unknowns, ",") != strings.Join(tt.unknowns, ",") {
				t.Errorf("unknowns %q, want %q", d.Unknowns, tt.unknowns)
			}
			headings := []string{"## Nature of the breach (Art. 33(3)(a))", "## Point of contact (Art. 33(3)(b))",
				"## Likely consequences (Art. 33(3)(c))", "## Measures taken or proposed (Art. 33(3)(d))", "## Not yet known (Art. 33(4))"}
			last := -1
			for _, h := range headings {
				k := strings.Index(d.Text, "\n"+h+"\n")
				if k <= last {
					t.Errorf("heading %q missing or out of order:\n%s", h, d.Text)
				}
				last = k
			}
			if tt.golden != "" {
				goldenFile(t, tt.golden, d.Text)
			}
		})
	}
}

func TestMakeDraftRefusals(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	tests := []struct {
		name     string
		customer string
		followUp bool
		edit     func(*Incident, *Policy)
		want     string
	}{
		{"several customers, none named", "", false, nil, "several customers (Acme, Globex); each gets its own notice, so give --customer NAME"},
		{"a customer not affected", "Initech", false, nil, "Initech is not an affected customer of INC-7 (Acme, Globex)"},
		{"no contact", "Acme", false, func(_ *Incident, p *Policy) { p.ContactName, p.ContactDetails = "", "" }, "sitrep contact INC-7 --name NAME --details DETAILS"},
		{"a contact without details", "Acme", false, func(i *Incident, p *Policy) { p.ContactDetails = "" }, "no point of contact"},
		{"not a breach", "Acme", false, func(i *Incident, _ *Policy) { i.Breach = BreachNo }, "no Art. 33 notice is due"},
		{"a follow-up before any notice", "Acme", true, nil, "Acme has had no notice about INC-7 yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc, p := twoCustomers(at), contactPolicy(t)
			if tt.edit != nil {
				tt.edit(inc, &p)
			}
			_, err := MakeDraft(inc, p, DraftRequest{Customer: tt.customer, FollowUp: tt.followUp}, at)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("MakeDraft error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestNoCustomersListed: the draft can be read before the recipient is
// known; recording a notice needs the recipient's name.
func TestNoCustomersListed(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	inc, p := twoCustomers(at), contactPolicy(t)
	inc.Customers, inc.CustomerFacts = nil, nil
	inc.SubjectsApprox = i64(40)
	d, err := MakeDraft(inc, p, DraftRequest{}, at)
	if err != nil || !strings.Contains(d.Text, "**To:** the controller\n") || !strings.Contains(d.Text, "approximately 40\n") {
		t.Fatalf("draft %v:\n%s", err, d.Text)
	}
	if _, _, err := PlanNotice(inc, p, NoticeInput{}, "alice", at); err == nil || !strings.Contains(err.Error(), "--customer NAME") {
		t.Errorf("a notice without a recipient: %v", err)
	}
	n, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Supervisory authority"}, "alice", at)
	if err != nil || n.Customer != "Supervisory authority" {
		t.Errorf("notice %+v, %v", n, err)
	}
	long := strings.Repeat("x", 5000)
	if _, err := MakeDraft(twoCustomers(at), p, DraftRequest{Customer: long}, at); err == nil || len(err.Error()) > 200 {
		t.Errorf("a 5,000-character customer: %v", err)
	}
}

func TestSingleCustomerNeedsNoName(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	inc := twoCustomers(at)
	inc.Customers = inc.Customers[:1]
	d, err := MakeDraft(inc, contactPolicy(t), DraftRequest{}, at)
	if err != nil || d.Customer != "Acme" {
		t.Fatalf("draft for %q, %v; want Acme", d.Customer, err)
	}
}

// TestFollowUp records Acme's initial notice, learns more, and drafts the
// follow-up: it says what changed and is owed until sent.
func TestFollowUp(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	inc, p := twoCustomers(at), contactPolicy(t)
	n, data, err := PlanNotice(inc, p, NoticeInput{Customer: "acme", To: "dpo@acme.example"}, "alice", at.Add(3*time.Hour))
	if err != nil {
		t.Fatalf("PlanNotice: %v", err)
	}
	if n.Customer != "Acme" || n.Kind() != "initial" || len(n.SHA256) != 64 || data["unknowns"] != "consequences, mitigation" {
		t.Errorf("notice %+v, data %v", n, data)
	}
	n.ID = 1
	inc.Notifications = append(inc.Notifications, n)

	owed := p.Owed(inc)
	if len(owed) != 1 || owed[0].String() != "owed to Acme: consequences, mitigation" {
		t.Errorf("owed %v", owed)
	}
	fu := mustFind(t, p.Deadlines(inc, at.Add(4*time.Hour)), KindFollowUp)
	if fu.Customer != "Acme" || !fu.DueAt.Equal(at.Add(51*time.Hour)) || fu.State != Pending {
		t.Errorf("follow-up deadline %+v", fu)
	}
	if _, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Acme"}, "alice", at.Add(4*time.Hour)); err == nil {
		t.Error("a second initial notice to Acme was accepted")
	}
	if _, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Acme", FollowUp: true, SentAt: at.Add(2 * time.Hour)}, "alice", at.Add(4*time.Hour)); err == nil {
		t.Error("a follow-up sent before the initial notice was accepted")
	}

	inc.Consequences = "Phishing of the people affected."
	inc.CustomerFacts[0].Subjects = i64(1250)
	d, err := MakeDraft(inc, p, DraftRequest{Customer: "Acme"}, at.Add(20*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"Follow-up notification to Acme",
		"## Changes since our notice of Monday 4 May 2026 13:00 CEST\n\n- Approximate number of data subjects: now approximately 1250 (was approximately 1200)\n- Likely consequences: now known (see below)\n",
	} {
		if !strings.Contains(d.Text, w) {
			t.Errorf("follow-up lacks %q:\n%s", w, d.Text)
		}
	}
	if strings.Contains(d.Text, "Notification deadline") || strings.Contains(d.Text, "Globex") {
		t.Errorf("follow-up names the initial deadline or another customer:\n%s", d.Text)
	}
	goldenFile(t, "drafts/acme_follow_up.md", d.Text)

	n2, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Acme", FollowUp: true}, "alice", at.Add(20*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	n2.ID = 2
	inc.Notifications = append(inc.Notifications, n2)
	fu = mustFind(t, p.Deadlines(inc, at.Add(21*time.Hour)), KindFollowUp)
	if strings.Join(n2.Unknowns, ",") != "mitigation" || fu.State != Pending || !fu.DueAt.Equal(at.Add(68*time.Hour)) {
		t.Errorf("after the follow-up: unknowns %q, deadline %+v", n2.Unknowns, fu)
	}
	inc.Mitigation = []string{"Warn end users"}
	n3, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Acme", FollowUp: true}, "alice", at.Add(80*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	inc.Notifications = append(inc.Notifications, n3)
	fu = mustFind(t, p.Deadlines(inc, at.Add(81*time.Hour)), KindFollowUp)
	if len(n3.Unknowns) != 0 || fu.State != Missed || !fu.MetAt.Equal(at.Add(80*time.Hour)) || len(p.Owed(inc)) != 0 {
		t.Errorf("the last follow-up, late: unknowns %q, deadline %+v, owed %v", n3.Unknowns, fu, p.Owed(inc))
	}
	inc.Breach = BreachNo
	if fu = mustFind(t, p.Deadlines(inc, at.Add(81*time.Hour)), KindFollowUp); fu.State != NA {
		t.Errorf("follow-up of a breach found not to be one: %+v", fu)
	}
}

func TestNoticeTextGiven(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	inc, p := twoCustomers(at), contactPolicy(t)
	text := "Dear Globex,\n\nwe write to tell you...\n"
	n, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Globex", Text: &text}, "alice", at)
	sum := sha256.Sum256([]byte(text))
	if err != nil || n.Text != text || n.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("notice %+v, %v", n, err)
	}
	for _, bad := range []string{"", "  \n", "evil\x1b]52;c;aGk=\x07"} {
		if _, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Globex", Text: &bad}, "alice", at); err == nil {
			t.Errorf("notice text %q accepted", bad)
		}
	}
	p.ContactName = ""
	if _, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Globex", Text: &text}, "alice", at); err == nil {
		t.Error("a notice without a point of contact was recorded")
	}
}

// TestCustomerPortion: a customer's portion of the review names no other
// customer and no user, has no note and no address, and gives its own
// impact.
func TestCustomerPortion(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	inc, p := twoCustomers(at), contactPolicy(t)
	inc.Commander = "alice"
	inc.ResolvedAt = at.Add(30 * time.Hour)
	inc.Review = Review{RootCause: "alice's token leaked; Globex was told by Al", Impact: "Acme and Globex lost names",
		Actions: []ActionItem{{N: 1, Title: "Rotate tokens", Owner: "bob", Due: "2026-06-01"}}}
	if _, err := ApplyCustomerImpact(inc, "acme", "1200 Acme end users"); err != nil {
		t.Fatal(err)
	}
	n, _, err := PlanNotice(inc, p, NoticeInput{Customer: "Acme", To: "dpo@acme.example"}, "alice", at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	inc.Notifications = append(inc.Notifications, n)
	got, err := CustomerPortion(inc, p, "Acme", []string{"alice", "bob", "al"}, at.Add(40*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"## Impact on Acme\n\n1200 Acme end users\n", "a team member's token leaked; another customer was told by a team member",
		"- Rotate tokens (due 2026-06-01)", "- Initial notice, sent Monday 4 May 2026 11:00 CEST by email (SHA-256 " + n.SHA256 + ")",
		"- Resolved: Tuesday 5 May 2026 16:00 CEST"} {
		if !strings.Contains(got, w) {
			t.Errorf("portion lacks %q:\n%s", w, got)
		}
	}
	for _, never := range []string{"Globex", "alice", "bob", "dpo@acme.example", "Jane Doe"} {
		if strings.Contains(got, never) {
			t.Errorf("portion holds %q:\n%s", never, got)
		}
	}
	if _, err := CustomerPortion(inc, p, "Initech", nil, at); err == nil {
		t.Error("a portion for a customer not affected")
	}
	if _, err := ApplyCustomerImpact(inc, "Initech", "x"); err == nil {
		t.Error("an impact for a customer not affected")
	}
}
