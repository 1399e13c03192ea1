package model

import (
	"testing"
	"time"
)

func doraPolicy(t *testing.T) Policy {
	t.Helper()
	p := DefaultPolicy()
	p.Clocks = append(p.Clocks, RegulationSets()["dora"]...)
	return mustValidate(t, p)
}

func TestDORAClocks(t *testing.T) {
	aware := utc(2026, 5, 4, 8, 0, 0)
	pol := doraPolicy(t)
	tests := []struct {
		name        string
		classified  time.Time
		reports     []Report
		now         time.Time
		wantInitial time.Time // zero: no initial deadline
		initState   DeadlineState
		wantInter   time.Time
		wantFinal   time.Time
	}{
		{name: "not classified: no DORA clock", now: aware.Add(time.Hour)},
		{name: "classified early: 4 h from classification", classified: aware.Add(2 * time.Hour), now: aware.Add(3 * time.Hour),
			wantInitial: utc(2026, 5, 4, 14, 0, 0), initState: Pending},
		{name: "classified at 20 h: the 24 h from awareness comes first", classified: aware.Add(20*time.Hour + 30*time.Minute), now: aware.Add(21 * time.Hour),
			wantInitial: utc(2026, 5, 5, 8, 0, 0), initState: Pending},
		{name: "one second before the two limits meet", classified: aware.Add(20*time.Hour - time.Second), now: aware.Add(21 * time.Hour),
			wantInitial: utc(2026, 5, 5, 7, 59, 59), initState: Pending},
		{name: "classified after 24 h: already missed", classified: aware.Add(30 * time.Hour), now: aware.Add(30 * time.Hour),
			wantInitial: utc(2026, 5, 5, 8, 0, 0), initState: Missed},
		{name: "initial met: intermediate 72 h after it", classified: aware.Add(time.Hour), now: aware.Add(10 * time.Hour),
			reports:     []Report{{Kind: "dora-initial", At: aware.Add(3*time.Hour + 17*time.Second)}},
			wantInitial: utc(2026, 5, 4, 13, 0, 0), initState: Met, wantInter: utc(2026, 5, 7, 11, 0, 17)},
		{name: "intermediate met: final a month after it", classified: aware.Add(time.Hour), now: aware.Add(100 * time.Hour),
			reports:     []Report{{Kind: "dora-initial", At: aware.Add(3 * time.Hour)}, {Kind: "dora-intermediate", At: utc(2026, 5, 7, 9, 0, 0)}},
			wantInitial: utc(2026, 5, 4, 13, 0, 0), initState: Met, wantInter: utc(2026, 5, 7, 11, 0, 0), wantFinal: utc(2026, 6, 7, 9, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(aware)
			inc.Severity, inc.Breach, inc.MajorAt, inc.Reports = P2, BreachNo, tt.classified, tt.reports
			ds := pol.Deadlines(inc, tt.now)
			d, ok := Find(ds, "dora-initial")
			if ok != !tt.wantInitial.IsZero() {
				t.Fatalf("dora-initial present %v: %+v", ok, ds)
			}
			if !ok {
				return
			}
			if !d.DueAt.Equal(tt.wantInitial) || d.State != tt.initState {
				t.Errorf("initial due %v %s; want %v %s", d.DueAt, d.State, tt.wantInitial, tt.initState)
			}
			if d.State == Pending && d.Remaining != tt.wantInitial.Sub(tt.now) {
				t.Errorf("remaining %v", d.Remaining)
			}
			inter, ok := Find(ds, "dora-intermediate")
			if ok != !tt.wantInter.IsZero() || ok && !inter.DueAt.Equal(tt.wantInter) {
				t.Errorf("intermediate %v %+v; want %v", ok, inter, tt.wantInter)
			}
			final, ok := Find(ds, "dora-final")
			if ok != !tt.wantFinal.IsZero() || ok && !final.DueAt.Equal(tt.wantFinal) {
				t.Errorf("final %v %+v; want %v", ok, final, tt.wantFinal)
			}
		})
	}
}

func TestStatusUpdateCadence(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0)
	pol := DefaultPolicy()
	tests := []struct {
		name    string
		sev     Severity
		avail   bool
		status  Status
		updates []time.Duration // after detection
		now     time.Duration
		due     time.Duration // zero: none
		state   DeadlineState
	}{
		{"P0 from detection", P0, true, Open, nil, 10 * time.Minute, 30 * time.Minute, Pending},
		{"P1 from detection", P1, true, Acknowledged, nil, 10 * time.Minute, 60 * time.Minute, Pending},
		{"P0 overdue by a second", P0, true, Open, nil, 30*time.Minute + time.Second, 30 * time.Minute, Missed},
		{"P0 due to the second is still pending", P0, true, Open, nil, 30 * time.Minute, 30 * time.Minute, Pending},
		{"an update restarts it", P0, true, Contained, []time.Duration{25 * time.Minute}, 40 * time.Minute, 55 * time.Minute, Pending},
		{"a late update restarts it from itself", P0, true, Open, []time.Duration{45*time.Minute + 7*time.Second}, 50 * time.Minute, 75*time.Minute + 7*time.Second, Pending},
		{"the last of several", P1, true, Open, []time.Duration{10 * time.Minute, 70 * time.Minute, 20 * time.Minute}, 80 * time.Minute, 130 * time.Minute, Pending},
		{"none for P2", P2, true, Open, nil, time.Hour, 0, ""},
		{"none without availability", P0, false, Open, nil, time.Hour, 0, ""},
		{"none once resolved", P0, true, Resolved, nil, time.Hour, 0, ""},
		{"none once closed", P0, true, Closed, nil, time.Hour, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(det)
			inc.Severity, inc.Availability, inc.Status, inc.Breach = tt.sev, tt.avail, tt.status, BreachNo
			if tt.status == Resolved || tt.status == Closed {
				inc.ResolvedAt = det.Add(30 * time.Minute)
			}
			for _, u := range tt.updates {
				inc.Updates = append(inc.Updates, StatusUpdate{At: det.Add(u)})
			}
			d, ok := Find(pol.Deadlines(inc, det.Add(tt.now)), KindStatusUpdate)
			if ok != (tt.due != 0) {
				t.Fatalf("status-update present %v", ok)
			}
			if ok && (!d.DueAt.Equal(det.Add(tt.due)) || d.State != tt.state || d.Remaining != tt.due-tt.now) {
				t.Errorf("due %v %s remaining %v; want %v %s", d.DueAt, d.State, d.Remaining, det.Add(tt.due), tt.state)
			}
		})
	}
}

func TestPostmortemDeadline(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0)
	res := det.Add(5 * time.Hour)
	due := res.Add(14 * 24 * time.Hour)
	pol := DefaultPolicy()
	pm := func(c string, after time.Duration) Postmortem { return Postmortem{Customer: c, At: res.Add(after)} }
	pub := func(after time.Duration) Postmortem { return Postmortem{Published: true, At: res.Add(after)} }
	tests := []struct {
		name      string
		customers []string
		pms       []Postmortem
		state     DeadlineState
		met       time.Duration
		label     string
	}{
		{"owed to all", []string{"Acme", "Globex"}, nil, Pending, 0, "Post-mortem to customers"},
		{"one of two", []string{"Acme", "Globex"}, []Postmortem{pm("acme", time.Hour)}, Pending, 0, "Post-mortem to customers (owed to Globex)"},
		{"both: met by the last", []string{"Acme", "Globex"}, []Postmortem{pm("Acme", time.Hour), pm("Globex", 3*time.Hour)}, Met, 3 * time.Hour, "Post-mortem to customers"},
		{"published", []string{"Acme", "Globex"}, []Postmortem{pub(2 * time.Hour)}, Met, 2 * time.Hour, "Post-mortem to customers"},
		{"published after one customer", []string{"Acme", "Globex"}, []Postmortem{pm("Acme", time.Hour), pub(2 * time.Hour)}, Met, 2 * time.Hour, "Post-mortem to customers"},
		{"late by a second", []string{"Acme"}, []Postmortem{pm("Acme", 14*24*time.Hour+time.Second)}, Missed, 14*24*time.Hour + time.Second, "Post-mortem to customers"},
		{"no customers: any post-mortem", nil, []Postmortem{pub(time.Hour)}, Met, time.Hour, "Post-mortem to customers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(det)
			inc.Severity, inc.Availability, inc.Status, inc.ResolvedAt = P3, true, Resolved, res
			inc.Customers, inc.Postmortems = tt.customers, tt.pms
			d := mustFind(t, pol.Deadlines(inc, res.Add(time.Hour)), KindPostmortem)
			if !d.DueAt.Equal(due) || d.State != tt.state || d.Label != tt.label {
				t.Errorf("due %v %s %q; want %v %s %q", d.DueAt, d.State, d.Label, due, tt.state, tt.label)
			}
			if tt.met != 0 && !d.MetAt.Equal(res.Add(tt.met)) {
				t.Errorf("met at %v; want %v", d.MetAt, res.Add(tt.met))
			}
		})
	}
	// Not yet resolved: no post-mortem; closed straight away: from closing.
	inc := incidentAt(det)
	inc.Availability = true
	if _, ok := Find(pol.Deadlines(inc, det), KindPostmortem); ok {
		t.Error("a post-mortem deadline before resolution")
	}
	inc.Status, inc.ClosedAt = Closed, res
	if d := mustFind(t, pol.Deadlines(inc, det), KindPostmortem); !d.DueAt.Equal(due) {
		t.Errorf("closed without resolving: post-mortem due %v", d.DueAt)
	}
}

func TestRestoreAndRPO(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0)
	pol := DefaultPolicy()
	tests := []struct {
		name       string
		avail      bool
		loss       bool
		restored   time.Duration
		recovery   time.Duration // before detection; -1: none given
		state      DeadlineState
		rpoKnown   bool
		rpoMet     bool
		lossWindow time.Duration
	}{
		{"availability, restored in time", true, false, 4 * time.Hour, -1, Met, false, false, 0},
		{"availability, restored a second late", true, false, 4*time.Hour + time.Second, -1, Missed, false, false, 0},
		{"data loss within the RPO, to the second", false, true, 2 * time.Hour, time.Hour, Met, true, true, time.Hour},
		{"data loss one second beyond the RPO", false, true, 2 * time.Hour, time.Hour + time.Second, Met, true, false, time.Hour + time.Second},
		{"data loss without a recovery point", false, true, 2 * time.Hour, -1, Met, false, false, 0},
		{"not restored yet", true, true, 0, -1, Pending, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(det)
			inc.Availability, inc.DataLoss = tt.avail, tt.loss
			if tt.restored > 0 {
				rp := time.Time{}
				if tt.recovery >= 0 {
					rp = det.Add(-tt.recovery)
				}
				if _, err := ApplyRestored(inc, det.Add(tt.restored), rp); err != nil {
					t.Fatal(err)
				}
			}
			d := mustFind(t, pol.Deadlines(inc, det.Add(time.Hour)), KindRestore)
			if !d.DueAt.Equal(det.Add(4*time.Hour)) || d.State != tt.state {
				t.Errorf("restore due %v %s; want %v %s", d.DueAt, d.State, det.Add(4*time.Hour), tt.state)
			}
			met, known := pol.RPOMet(inc)
			if known != tt.rpoKnown || met != tt.rpoMet {
				t.Errorf("rpo met %v known %v; want %v %v", met, known, tt.rpoMet, tt.rpoKnown)
			}
			j := inc.ToJSON(pol, det.Add(time.Hour), false)
			if tt.rpoKnown != (j.RPOMet != nil) || j.RPOMet != nil && (*j.RPOMet != tt.rpoMet || *j.LossWindowS != int64(tt.lossWindow/time.Second)) {
				t.Errorf("json rpo_met %v loss_window_s %v", j.RPOMet, j.LossWindowS)
			}
		})
	}
	inc := incidentAt(det)
	if _, ok := Find(pol.Deadlines(inc, det), KindRestore); ok {
		t.Error("a restore deadline without availability or data loss")
	}
	if _, err := ApplyRestored(inc, det.Add(time.Hour), time.Time{}); err == nil {
		t.Error("restored an incident that lost nothing")
	}
	inc.Availability = true
	if _, err := ApplyRestored(inc, det.Add(time.Hour), det.Add(2*time.Hour)); err == nil {
		t.Error("a recovery point after the restore was accepted")
	}
}

func TestPlanPostmortem(t *testing.T) {
	det := utc(2026, 5, 4, 8, 0, 0)
	inc := incidentAt(det)
	inc.Customers = []string{"Acme"}
	if _, _, err := PlanPostmortem(inc, []string{"Acme"}, false, det); err == nil {
		t.Error("post-mortem of an incident without availability impact")
	}
	inc.Availability = true
	if _, _, err := PlanPostmortem(inc, []string{"Acme"}, false, det); err == nil {
		t.Error("post-mortem before resolution")
	}
	inc.Status, inc.ResolvedAt = Resolved, det.Add(time.Hour)
	for _, tt := range []struct {
		customers []string
		published bool
		ok        bool
	}{{[]string{"acme"}, false, true}, {[]string{"Initech"}, false, false}, {nil, false, false}, {[]string{"Acme"}, true, false},
		{nil, true, true}, {[]string{"Acme", "ACME"}, false, false}} {
		pms, _, err := PlanPostmortem(inc, tt.customers, tt.published, det.Add(2*time.Hour))
		if (err == nil) != tt.ok {
			t.Errorf("%q published %v: %v", tt.customers, tt.published, err)
		}
		if err == nil && !tt.published && pms[0].Customer != "Acme" {
			t.Errorf("customer recorded as %q", pms[0].Customer)
		}
	}
	inc.Postmortems = []Postmortem{{Customer: "Acme", At: det.Add(2 * time.Hour)}}
	if _, _, err := PlanPostmortem(inc, []string{"ACME"}, false, det.Add(3*time.Hour)); err == nil {
		t.Error("the same customer's post-mortem twice")
	}
}

func TestPolicyDutyFields(t *testing.T) {
	p := DefaultPolicy()
	if p.PostmortemDays != 14 || p.RTOHours != 4 || p.RPOHours != 1 || p.StatusUpdateMinutes[P0] != 30 || p.StatusUpdateMinutes[P1] != 60 || p.StatusUpdateMinutes[P2] != 0 {
		t.Errorf("defaults %+v", p)
	}
	// A policy stored before these fields existed gets the defaults.
	old, err := ParsePolicy([]byte(`{"business_hours":{"time_zone":"Europe/Amsterdam","days":["mon"],"open":"09:00","close":"17:00","holidays":[]},
		"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"GDPR","set":"gdpr","applies":"breach","from":"aware","hours":72,"met_by":"notified"}],
		"contact_name":"","contact_details":"","follow_up_hours":48,"checklist":[]}`))
	if err != nil || old.RTOHours != 4 || old.StatusUpdateMinutes[P0] != 30 {
		t.Errorf("old policy: %v %+v", err, old)
	}
	for _, bad := range []func(p *Policy){
		func(p *Policy) { p.RTOHours = -1 },
		func(p *Policy) { p.RPOHours = MaxClockHours + 1 },
		func(p *Policy) { p.PostmortemDays = -3 },
		func(p *Policy) { p.StatusUpdateMinutes = map[Severity]int{"P9": 10} },
		func(p *Policy) { p.StatusUpdateMinutes = map[Severity]int{P0: 0} },
		func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "x", Label: "x", Applies: AppliesAlways, From: FromAware, Hours: 1, MetBy: MetByReport, AlsoFrom: "moon", AlsoHours: 2})
		},
	} {
		q := DefaultPolicy()
		bad(&q)
		wantUserError(t, q.Validate())
	}
	// Round trip through JSON, as policy show --json and set --file do.
	q := doraPolicy(t)
	q.StatusUpdateMinutes = map[Severity]int{P0: 15, P2: 240}
	back, err := ParsePolicy(q.JSON())
	if err != nil || back.StatusUpdateMinutes[P2] != 240 || !back.HasSet("dora") {
		t.Errorf("round trip: %v %+v", err, back.StatusUpdateMinutes)
	}
}
