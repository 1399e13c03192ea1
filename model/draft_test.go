package model

import (
	"strings"
	"testing"
	"time"
)

var draftUnknowns = []string{
	"categories of personal data",
	"approximate number of data subjects",
	"approximate number of records",
	"incident commander",
	"contact details",
	"likely consequences",
	"measures taken or proposed",
}

// notYetKnown returns the items listed under "Not yet known", or nil when
// that section is absent.
func notYetKnown(t *testing.T, draft string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(draft, "## Not yet known\n")
	if !ok {
		return nil
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	var items []string
	for _, l := range strings.Split(rest, "\n") {
		if item, ok := strings.CutPrefix(l, "- "); ok {
			items = append(items, item)
		}
	}
	if items == nil {
		t.Errorf("Not yet known section lists nothing:\n%s", draft)
	}
	return items
}

func blankIncident(at time.Time) *Incident {
	inc := incidentAt(at)
	for _, c := range DefaultChecklist() {
		inc.Checklist = append(inc.Checklist, ChecklistItem{Key: c.Key, Item: c.Item, State: ItemTodo})
	}
	return inc
}

func TestDraftNothingKnown(t *testing.T) {
	p := DefaultPolicy()
	at := ams(2026, 5, 4, 10, 0, 0)
	inc := blankIncident(at)
	d := Draft(inc, p, at.Add(time.Hour))

	for _, line := range []string{
		"- Categories of personal data: " + Unknown,
		"- Approximate number of data subjects: " + Unknown,
		"- Approximate number of records: " + Unknown,
		"- Incident commander: " + Unknown,
		"- Contact details: " + Unknown,
	} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("draft lacks %q:\n%s", line, d)
		}
	}
	for _, section := range []string{"## Likely consequences\n\n" + Unknown + "\n", "## Measures taken or proposed\n\n" + Unknown + "\n"} {
		if !strings.Contains(d, section) {
			t.Errorf("draft lacks %q:\n%s", section, d)
		}
	}
	if got := strings.Count(d, Unknown); got != len(draftUnknowns) {
		t.Errorf("draft writes %q %d times, want %d", Unknown, got, len(draftUnknowns))
	}
	got := notYetKnown(t, d)
	if strings.Join(got, "|") != strings.Join(draftUnknowns, "|") {
		t.Errorf("Not yet known lists %q, want %q", got, draftUnknowns)
	}

	for _, want := range []string{
		"# Personal data breach notification — INC-7",
		"Initial notification under Article 33 GDPR",
		"**To:** each affected controller",
		"not yet confirmed", // breach unknown: sent as a precaution
		"Credential stuffing",
		"- Detected: Monday 4 May 2026 10:00 CEST",
		"- We became aware of the breach: Monday 4 May 2026 10:00 CEST",
		"Draft prepared Monday 4 May 2026 11:00 CEST",
		"_Notification deadline: Thursday 7 May 2026 10:00 CEST (72 hours from awareness)._",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("draft lacks %q:\n%s", want, d)
		}
	}
}

func TestDraftEverythingKnown(t *testing.T) {
	p := DefaultPolicy()
	p.Contact = "DPO, dpo@example.com, +31 20 000 0000"
	p = mustValidate(t, p)
	at := ams(2026, 5, 4, 10, 0, 0)
	subjects, records := int64(1200), int64(45000)

	inc := blankIncident(at)
	inc.Breach = BreachYes
	inc.Summary = "Login endpoint abused with leaked passwords."
	inc.Customers = []string{"Acme", "Zoë GmbH"}
	inc.DataCategories = []string{"email addresses", "password hashes"}
	inc.SubjectsApprox, inc.RecordsApprox = &subjects, &records
	inc.Commander = "alice"
	inc.Consequences = "Account takeover of affected users."
	for i := range inc.Checklist {
		switch inc.Checklist[i].Key {
		case "rotate-credentials", CheckAck, CheckAssignCommander:
			inc.Checklist[i].State, inc.Checklist[i].By, inc.Checklist[i].At = ItemDone, "bob", at.Add(30*time.Minute)
		case "block-ips":
			inc.Checklist[i].State, inc.Checklist[i].Reason = ItemNA, "no single source"
		}
	}
	d := Draft(inc, p, at.Add(2*time.Hour))

	if items := notYetKnown(t, d); items != nil {
		t.Errorf("everything is known but Not yet known lists %q:\n%s", items, d)
	}
	if strings.Contains(d, Unknown) {
		t.Errorf("draft writes %q though everything is known:\n%s", Unknown, d)
	}
	for _, want := range []string{
		"**To:** Acme, Zoë GmbH",
		"Login endpoint abused with leaked passwords.",
		"- Categories of personal data: email addresses, password hashes\n",
		"- Approximate number of data subjects: approximately 1200\n",
		"- Approximate number of records: approximately 45000\n",
		"- Incident commander: alice\n",
		"- Contact details: DPO, dpo@example.com, +31 20 000 0000\n",
		"## Likely consequences\n\nAccount takeover of affected users.\n",
		"- Rotate credentials (Monday 4 May 2026 10:30 CEST)",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("draft lacks %q:\n%s", want, d)
		}
	}
	for _, not := range []string{
		"not yet confirmed",      // breach is confirmed
		"Acknowledge the alert",  // process steps are not measures
		"Assign an incident",     // ditto
		"Block offending IPs",    // n/a is not a measure taken
		"Revoke sessions",        // still to do
		"Follow-up notification", // nothing sent yet
	} {
		if strings.Contains(d, not) {
			t.Errorf("draft holds %q:\n%s", not, d)
		}
	}
}

func TestDraftPartlyKnown(t *testing.T) {
	p := DefaultPolicy()
	at := ams(2026, 5, 4, 10, 0, 0)
	zero := int64(0)
	inc := blankIncident(at)
	inc.DataCategories = []string{"names"}
	inc.RecordsApprox = &zero
	inc.ContainedAt = at.Add(3 * time.Hour)
	d := Draft(inc, p, at.Add(4*time.Hour))

	want := []string{"approximate number of data subjects", "incident commander", "contact details", "likely consequences"}
	if got := notYetKnown(t, d); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Not yet known lists %q, want %q", got, want)
	}
	for _, s := range []string{
		"- Categories of personal data: names\n",
		"- Approximate number of records: approximately 0\n", // zero is known
		"- The incident was contained Monday 4 May 2026 13:00 CEST.",
	} {
		if !strings.Contains(d, s) {
			t.Errorf("draft lacks %q:\n%s", s, d)
		}
	}
}

func TestDraftNotificationsAndBreach(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	tests := []struct {
		name         string
		breach       Breach
		notes        []Notification
		wantStatus   string
		wantDeadline bool
	}{
		{"nothing sent", BreachYes, nil, "Initial notification", true},
		{"only a follow-up recorded", BreachYes, []Notification{{Customer: "Acme", SentAt: at, FollowUp: true}}, "Initial notification", true},
		{"initial sent", BreachYes, []Notification{{Customer: "Acme", SentAt: at}}, "Follow-up notification", true},
		{"not a breach: no deadline line", BreachNo, nil, "Initial notification", false},
		{"unknown: deadline line", BreachUnknown, nil, "Initial notification", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := blankIncident(at)
			inc.Breach = tt.breach
			inc.Notifications = tt.notes
			d := Draft(inc, DefaultPolicy(), at.Add(time.Hour))
			if !strings.Contains(d, tt.wantStatus+" under Article 33") {
				t.Errorf("draft lacks %q:\n%s", tt.wantStatus, d)
			}
			if got := strings.Contains(d, "_Notification deadline:"); got != tt.wantDeadline {
				t.Errorf("deadline line present %v, want %v", got, tt.wantDeadline)
			}
		})
	}
}

func TestDraftSanitizesUserText(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	inc := blankIncident(at)
	inc.Title = "Title\x1b]52;c;aGk=\x07"
	inc.Summary = "Summary\x1b[2J"
	inc.Consequences = "Bad\u202Etxt.exe"
	inc.Checklist = append(inc.Checklist, ChecklistItem{Key: "custom", Item: "Custom\x1b]0;x\x07", State: ItemDone, At: at})
	d := Draft(inc, DefaultPolicy(), at)
	for _, r := range d {
		if r != '\n' && badRune(r) {
			t.Errorf("draft holds %U:\n%q", r, d)
		}
	}

	t.Run("names and contact", func(t *testing.T) {
		// Names and the contact are validated on the way in, but the draft
		// is printed to terminals: every user-typed field should pass
		// through Sanitize like title and summary do.
		inc := blankIncident(at)
		inc.Customers = []string{"Acme\x1b[2J"}
		inc.DataCategories = []string{"emails\x1b]0;x\x07"}
		inc.Commander = "alice\u009b2J"
		p := DefaultPolicy()
		p.Contact = "dpo\x1b[31m"
		d := Draft(inc, p, at)
		for _, r := range d {
			if r != '\n' && badRune(r) {
			}
		}
	})
}
