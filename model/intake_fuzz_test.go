package model

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseAlertmanager feeds the webhook parser and the planner whatever
// a client could send: whatever is accepted plans a declaration that
// validates, and notes that are clean, bounded and few.
func FuzzParseAlertmanager(f *testing.F) {
	f.Add([]byte(`{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"},"fingerprint":"f"}]}`))
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseAlertmanager(body)
		if err != nil {
			if _, ok := err.(*Error); !ok || strings.ContainsAny(err.Error(), "\n\x1b") {
				t.Fatalf("refusal %q is not one clean sentence", err)
			}
			return
		}
		plan := PlanAlerts(p, false, nil, "", now)
		if p.Status == AlertFiring {
			if plan.Declare == nil {
				t.Fatal("a firing group declares nothing")
			}
			d := *plan.Declare
			if err := d.Validate(now); err != nil {
				t.Fatalf("planned declaration refused: %v", err)
			}
		}
		known := map[string]string{}
		for fp := range plan.Alerts {
			known[fp] = AlertFiring
		}
		later := PlanAlerts(p, true, known, AlertFiring, now)
		if len(later.Notes) > maxAlertNotes+1 {
			t.Fatalf("%d notes", len(later.Notes))
		}
		for _, n := range later.Notes {
			if _, err := CleanText("note", n, MultiLine, 1, MaxNote); err != nil {
				t.Fatalf("planned note refused: %v", err)
			}
		}
	})
}

// FuzzParseMail feeds the mail parser any message: what it accepts
// declares an incident that validates, with one-line subject and reporter.
func FuzzParseMail(f *testing.F) {
	f.Add([]byte(plainMail))
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseMail(raw)
		if err != nil {
			if _, ok := err.(*Error); !ok || strings.ContainsAny(err.Error(), "\n\x1b") {
				t.Fatalf("refusal %q is not one clean sentence", err)
			}
			return
		}
		if strings.ContainsAny(m.Subject+m.From, "\n\r\t\x1b") || !utf8.ValidString(m.Body) {
			t.Fatalf("unclean fields %+v", m)
		}
		d := MailDeclaration(m, P2, "customer-report", now)
		if err := d.Validate(now); err != nil {
			t.Fatalf("declaration refused: %v", err)
		}
	})
}
