package model

import (
	"strings"
	"testing"
	"time"
)

// gateNames is the names of the gates, sorted as Gates gives them.
func gateNames(gs []Gate) string { return GateNames(gs) }

// Every gate × severity × breach state × commander, for each move.
func TestGates(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0) // a Monday, inside business hours
	now := det.Add(2 * time.Hour)
	pol := DefaultPolicy()
	complete := Review{RootCause: "r", Worked: "w", NotWorked: "n", Impact: "i", CompletedAt: det.Add(time.Hour),
		Actions: []ActionItem{{N: 1, Title: "t", Owner: "bob", Due: "2026-06-01"}}}
	for _, sev := range Severities {
		for _, breach := range []Breach{BreachUnknown, BreachYes, BreachNo} {
			for _, commander := range []string{"", "alice", "gone"} {
				for _, to := range []Status{Acknowledged, Contained, Resolved, Closed} {
					inc := incidentAt(det)
					inc.Severity, inc.Breach, inc.Status, inc.Review = sev, breach, Open, complete
					inc.Commander = strings.TrimSuffix(commander, "gone")
					if commander == "gone" {
						inc.Commander, inc.CommanderGone = "carol", true
					}
					var want []string
					if to != Acknowledged && sev.NeedsCommander() && commander != "alice" {
						want = append(want, "commander")
					}
					if to == Closed && breach == BreachUnknown {
						want = append(want, "breach")
					}
					// the GDPR clock is pending for yes and unknown (provisional).
					if to == Closed && breach != BreachNo {
						want = append(want, KindNotify)
					}
					got := Gates(inc, to, pol, now)
					if gateNames(got) != strings.Join(want, ", ") {
						t.Errorf("%s breach %s commander %q → %s: gates %q, want %q", sev, breach, commander, to, gateNames(got), strings.Join(want, ", "))
					}
					// Each refusal names every gate; an override passes them.
					before := *inc
					_, err := Advance(inc, to, pol, now, "")
					if len(want) > 0 {
						if err == nil {
							t.Errorf("%s %s %q → %s passed with gates %v", sev, breach, commander, to, want)
							continue
						}
						for _, g := range got {
							if !strings.Contains(err.Error(), g.Reason) {
								t.Errorf("refusal %q does not say %q", err, g.Reason)
							}
						}
						if inc.Status != before.Status || !inc.AcknowledgedAt.Equal(before.AcknowledgedAt) {
							t.Errorf("a refused move changed the incident: %s", inc.Status)
						}
						step, err := Advance(inc, to, pol, now, "  the regulator was phoned  ")
						if err != nil {
							t.Errorf("override: %v", err)
							continue
						}
						if step.Override["gates"] != gateNames(got) || step.Override["reason"] != "the regulator was phoned" || step.Data["override"] == "" {
							t.Errorf("override facts %v, event %v", step.Override, step.Data)
						}
					} else {
						if err != nil {
							t.Errorf("%s %s %q → %s: %v", sev, breach, commander, to, err)
							continue
						}
						if _, err := Advance(&before, to, pol, now, "because"); err == nil {
							t.Errorf("override with nothing to pass was accepted")
						}
					}
					if inc.Status != to || !inc.AcknowledgedAt.Equal(now) {
						t.Errorf("after the move: status %s ack %v", inc.Status, inc.AcknowledgedAt)
					}
				}
			}
		}
	}
}

func TestCloseGatesNameEveryDeadline(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0)
	now := det.Add(80 * time.Hour) // the GDPR clock is missed
	pol := nis2Policy(t)
	inc := incidentAt(det)
	inc.Severity, inc.Breach, inc.Status, inc.Commander = P2, BreachYes, Resolved, "alice"
	inc.ResolvedAt = det.Add(time.Hour)
	inc.Availability, inc.Customers = true, []string{"Acme", "Globex"}
	inc.Notifications = []Notification{{Customer: "Acme", SentAt: det.Add(30 * time.Minute), Unknowns: []string{"consequences"}}}
	inc.Postmortems = []Postmortem{{Customer: "Acme", At: det.Add(2 * time.Hour)}}
	_, err := Advance(inc, Closed, pol, now, "")
	if err == nil {
		t.Fatal("closed with deadlines open")
	}
	for _, want := range []string{
		"the GDPR Art. 33 controller notification is overdue since 2026-05-07 10:00:00 CEST: record the notice to Globex with sitrep notify INC-7",
		"the Follow-up notice to Acme (Art. 33(4)) is overdue since 2026-05-06 10:30:00 CEST: record it with sitrep notify INC-7 --customer Acme --follow-up",
		"the Post-mortem to customers (owed to Globex) is pending, due 2026-05-18 11:00:00 CEST",
		"the Restore of service (RTO) is overdue since 2026-05-04 14:00:00 CEST: record it with sitrep restored INC-7",
		"or, as an admin, pass with --override REASON",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q:\n%s", want, err)
		}
	}
	// NIS2 applies to P1 and above: n/a here, so not a gate.
	if strings.Contains(err.Error(), "NIS2") {
		t.Errorf("refusal names NIS2 for a P2: %s", err)
	}
}

func TestReopen(t *testing.T) {
	inc := incidentAt(utc(2026, 5, 4, 8, 0, 0))
	inc.Status, inc.ResolvedAt = Resolved, utc(2026, 5, 4, 9, 0, 0)
	step, err := Reopen(inc)
	if err != nil || inc.Status != Acknowledged || !inc.ResolvedAt.IsZero() || step.Data["resolved_at"] != "2026-05-04T09:00:00Z" {
		t.Errorf("reopen: %v %s %v %v", err, inc.Status, inc.ResolvedAt, step.Data)
	}
	for _, s := range []Status{Open, Acknowledged, Contained, Closed} {
		inc.Status = s
		if _, err := Reopen(inc); err == nil {
			t.Errorf("re-opened a %s incident", s)
		}
	}
}

func TestHeld(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0)
	pol := DefaultPolicy()
	inc := incidentAt(det)
	inc.Severity, inc.Status, inc.ClosedAt, inc.AcknowledgedAt = P3, Closed, det.Add(time.Hour), det.Add(time.Hour)
	if !pol.Held(inc, det) {
		t.Error("a closed incident with the GDPR clock pending is not held")
	}
	if !pol.Held(inc, det.Add(100*time.Hour)) {
		t.Error("a closed incident with the GDPR clock missed is not held")
	}
	inc.Notifications = []Notification{{Customer: "Acme", SentAt: det.Add(2 * time.Hour)}}
	if pol.Held(inc, det) {
		t.Error("held after the notice was recorded")
	}
	inc.Notifications, inc.Breach = nil, BreachNo
	if pol.Held(inc, det) {
		t.Error("held with the clock n/a")
	}
	inc.Status = Resolved
	inc.Breach = BreachYes
	if pol.Held(inc, det) {
		t.Error("an incident that is not closed is held (it is on the board anyway)")
	}
}

func TestHandover(t *testing.T) {
	a, b := incidentAt(utc(2026, 5, 4, 8, 0, 0)), incidentAt(utc(2026, 5, 4, 8, 0, 0))
	a.ID, b.ID = 3, 4
	a.Commander, b.Commander = "alice", "Alice"
	if _, err := Handover("alice", []*Incident{a, b}, nil); err == nil || !strings.Contains(err.Error(), "INC-3, INC-4") || !strings.Contains(err.Error(), "--handover-to") {
		t.Errorf("removal without a successor: %v", err)
	}
	if _, err := Handover("alice", []*Incident{a}, &User{Name: "ALICE", Role: Admin}); err == nil {
		t.Error("handed over to the user leaving")
	}
	if _, err := Handover("alice", []*Incident{a}, &User{Name: "vera", Role: Viewer}); err == nil {
		t.Error("handed over to a viewer")
	}
	data, err := Handover("alice", []*Incident{a, b}, &User{Name: "bob", Role: Member})
	if err != nil || len(data) != 2 || a.Commander != "bob" || b.Commander != "bob" || data[1]["from"] != "Alice" || data[0]["reason"] != "handover: alice removed" {
		t.Errorf("handover: %v %v %s %s", err, data, a.Commander, b.Commander)
	}
	if data, err := Handover("alice", nil, nil); err != nil || data != nil {
		t.Errorf("nothing commanded: %v %v", data, err)
	}
}

func TestNoIC(t *testing.T) {
	inc := incidentAt(utc(2026, 5, 4, 8, 0, 0))
	for _, tt := range []struct {
		sev       Severity
		commander string
		gone      bool
		status    Status
		want      bool
	}{
		{P1, "", false, Open, true},
		{P0, "alice", false, Open, false},
		{P0, "alice", true, Open, true},
		{P1, "alice", true, Resolved, true},
		{P1, "alice", true, Closed, false},
		{P2, "", false, Open, false},
		{P2, "alice", true, Open, false},
	} {
		inc.Severity, inc.Commander, inc.CommanderGone, inc.Status = tt.sev, tt.commander, tt.gone, tt.status
		if got := inc.NoIC(); got != tt.want {
			t.Errorf("%s commander %q gone %v %s: NoIC %v", tt.sev, tt.commander, tt.gone, tt.status, got)
		}
	}
}

func TestApplyEdit(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0)
	now := det.Add(3 * time.Hour)
	s := func(v string) *string { return &v }
	b := func(v bool) *bool { return &v }
	tm := func(v time.Time) *time.Time { return &v }
	src := Source("customer-report")
	t.Run("before and after", func(t *testing.T) {
		inc := incidentAt(det)
		inc.AcknowledgedAt = det.Add(time.Hour)
		data, err := ApplyEdit(inc, Edit{Title: s("Stuffing on login"), Source: &src, DetectedAt: tm(det.Add(-40 * time.Minute)), Availability: b(true), DataLoss: b(false)}, now)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"title_from": "Credential stuffing", "title_to": "Stuffing on login", "source_from": "monitoring", "source_to": "customer-report",
			"detected_at_from": "2026-05-04T08:00:00Z", "detected_at_to": "2026-05-04T07:20:00Z", "availability_from": "false", "availability_to": "true",
			"fields": "title, source, detected_at, availability"}
		for k, v := range want {
			if data[k] != v {
				t.Errorf("%s = %q, want %q", k, data[k], v)
			}
		}
		if _, ok := data["data_loss_to"]; ok {
			t.Error("an unchanged field is in the event")
		}
		if inc.Title != "Stuffing on login" || !inc.DetectedAt.Equal(det.Add(-40*time.Minute)) || !inc.Availability || inc.Source != src {
			t.Errorf("incident after edit: %+v", inc)
		}
		// The acknowledgement clock moves with detection, to the second.
		if d := mustFind(t, DefaultPolicy().Deadlines(inc, now), KindAck); !d.DueAt.Equal(utc(2026, 5, 4, 8, 20, 0)) {
			t.Errorf("ack due %v after correcting detection", d.DueAt)
		}
	})
	for _, tt := range []struct {
		name string
		e    Edit
	}{
		{"nothing", Edit{}},
		{"same title", Edit{Title: s("Credential stuffing")}},
		{"empty title", Edit{Title: s("  ")}},
		{"bad source", Edit{Source: func() *Source { v := Source("pigeon"); return &v }()}},
		{"detected in the future", Edit{DetectedAt: tm(now.Add(time.Minute))}},
		{"detected after acknowledgement", Edit{DetectedAt: tm(det.Add(2 * time.Hour))}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(det)
			inc.AcknowledgedAt = det.Add(time.Hour)
			before := *inc
			_, err := ApplyEdit(inc, tt.e, now)
			wantUserError(t, err)
			if inc.Title != before.Title || !inc.DetectedAt.Equal(before.DetectedAt) {
				t.Error("a refused edit changed the incident")
			}
		})
	}
}

func TestCheckActionItem(t *testing.T) {
	// 23:30 UTC on 4 May is already 5 May in Amsterdam.
	now := utc(2026, 5, 4, 23, 30, 0)
	for _, tt := range []struct {
		due string
		ok  bool
	}{{"2026-05-05", true}, {"2026-05-04", false}, {"2026-06-01", true}, {"05/06/2026", false}} {
		_, got, err := CheckActionItem("Rotate keys", tt.due, now, amsterdam)
		if (err == nil) != tt.ok || (tt.ok && got != tt.due) {
			t.Errorf("due %s: %v", tt.due, err)
		}
	}
	a := ActionItem{Due: "2026-05-04"}
	if !a.Overdue(now, amsterdam) || a.Overdue(now, time.UTC) {
		t.Error("overdue is not read in the policy's zone")
	}
	a.DoneAt = now
	if a.Overdue(now, amsterdam) {
		t.Error("a done item is overdue")
	}
}
