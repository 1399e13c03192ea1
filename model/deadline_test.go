package model

import (
	"testing"
	"time"
)

// amsterdam is the default policy's time zone, loaded once for the tests.
var amsterdam = mustLoad("Europe/Amsterdam")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ams is a wall-clock time in Amsterdam.
func ams(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, amsterdam)
}

// utc is a time in UTC.
func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

// mustValidate validates p or stops the test.
func mustValidate(t *testing.T, p Policy) Policy {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return p
}

// nis2Policy is the default policy with the NIS2 clocks enabled.
func nis2Policy(t *testing.T) Policy {
	t.Helper()
	p := DefaultPolicy()
	p.Clocks = append(p.Clocks, RegulationSets()["nis2"]...)
	return mustValidate(t, p)
}

// incidentAt is a fresh P1 incident detected and aware at the given time,
// with breach unknown and nothing done yet.
func incidentAt(at time.Time) *Incident {
	return &Incident{
		ID: 7, Title: "Credential stuffing", Severity: P1, Status: Open,
		Source: "monitoring", Breach: BreachUnknown,
		DetectedAt: at, AwareAt: at, CreatedAt: at, UpdatedAt: at,
	}
}

func mustFind(t *testing.T, ds []Deadline, kind string) Deadline {
	t.Helper()
	d, ok := Find(ds, kind)
	if !ok {
		t.Fatalf("no %s deadline in %+v", kind, ds)
	}
	return d
}

func TestAckDeadline(t *testing.T) {
	holidays := DefaultPolicy()
	holidays.BusinessHours.Holidays = append(holidays.BusinessHours.Holidays, "2026-12-25")
	holidays = mustValidate(t, holidays)

	tests := []struct {
		name     string
		policy   Policy
		detected time.Time
		wantDue  time.Duration // after detection
	}{
		{"monday opening second is inside", DefaultPolicy(), ams(2026, 5, 4, 9, 0, 0), time.Hour},
		{"monday last second is inside", DefaultPolicy(), ams(2026, 5, 4, 16, 59, 59), time.Hour},
		{"monday mid-morning is inside", DefaultPolicy(), ams(2026, 5, 4, 11, 30, 0), time.Hour},
		{"monday closing second is outside", DefaultPolicy(), ams(2026, 5, 4, 17, 0, 0), 4 * time.Hour},
		{"monday before opening is outside", DefaultPolicy(), ams(2026, 5, 4, 8, 59, 59), 4 * time.Hour},
		{"monday midnight is outside", DefaultPolicy(), ams(2026, 5, 4, 0, 0, 0), 4 * time.Hour},
		{"friday afternoon is inside", DefaultPolicy(), ams(2026, 5, 8, 14, 0, 0), time.Hour},
		{"saturday in office hours is outside", DefaultPolicy(), ams(2026, 5, 9, 10, 0, 0), 4 * time.Hour},
		{"sunday in office hours is outside", DefaultPolicy(), ams(2026, 5, 10, 10, 0, 0), 4 * time.Hour},
		{"holiday on a friday is outside", holidays, ams(2026, 12, 25, 10, 0, 0), 4 * time.Hour},
		{"day after holiday policy weekday is inside", holidays, ams(2026, 12, 24, 10, 0, 0), time.Hour},
		{"holiday not configured is inside", DefaultPolicy(), ams(2026, 12, 25, 10, 0, 0), time.Hour},
		{"monday after spring DST switch, CEST opening", DefaultPolicy(), ams(2026, 3, 30, 9, 0, 0), time.Hour},
		{"monday after autumn DST switch, CET opening", DefaultPolicy(), ams(2026, 10, 26, 9, 0, 0), time.Hour},
		{"UTC instant inside local hours (CEST)", DefaultPolicy(), utc(2026, 5, 4, 7, 0, 0), time.Hour},
		{"UTC instant before local opening (CEST)", DefaultPolicy(), utc(2026, 5, 4, 6, 59, 59), 4 * time.Hour},
		{"UTC 15:00 is 17:00 CEST, outside", DefaultPolicy(), utc(2026, 5, 4, 15, 0, 0), 4 * time.Hour},
		{"UTC 15:00 is 16:00 CET in winter, inside", DefaultPolicy(), utc(2026, 1, 5, 15, 0, 0), time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(tt.detected)
			now := tt.detected.Add(time.Minute)
			d := mustFind(t, tt.policy.Deadlines(inc, now), KindAck)
			if want := tt.detected.Add(tt.wantDue); !d.DueAt.Equal(want) {
				t.Errorf("ack due %v, want %v (detected %v)", d.DueAt, want, tt.detected)
			}
			if d.State != Pending {
				t.Errorf("ack state %s, want pending", d.State)
			}
			if want := tt.wantDue - time.Minute; d.Remaining != want {
				t.Errorf("ack remaining %v, want %v", d.Remaining, want)
			}
			if d.Provisional {
				t.Errorf("ack is never provisional")
			}
		})
	}
}

func TestAckMetByAcknowledgement(t *testing.T) {
	p := DefaultPolicy()
	det := ams(2026, 5, 4, 10, 0, 0) // inside: due 11:00
	tests := []struct {
		name      string
		ackAt     time.Time
		now       time.Time
		wantState DeadlineState
		wantRem   time.Duration
	}{
		{"not acknowledged, before due", time.Time{}, det.Add(30 * time.Minute), Pending, 30 * time.Minute},
		{"not acknowledged, exactly at due", time.Time{}, det.Add(time.Hour), Pending, 0},
		{"not acknowledged, one second after due", time.Time{}, det.Add(time.Hour + time.Second), Missed, -time.Second},
		{"acknowledged early", det.Add(10 * time.Minute), det.Add(5 * time.Hour), Met, 50 * time.Minute},
		{"acknowledged exactly at due", det.Add(time.Hour), det.Add(5 * time.Hour), Met, 0},
		{"acknowledged late", det.Add(90 * time.Minute), det.Add(5 * time.Hour), Missed, -30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(det)
			inc.AcknowledgedAt = tt.ackAt
			d := mustFind(t, p.Deadlines(inc, tt.now), KindAck)
			if d.State != tt.wantState || d.Remaining != tt.wantRem {
				t.Errorf("ack = %s remaining %v, want %s remaining %v", d.State, d.Remaining, tt.wantState, tt.wantRem)
			}
			if !d.MetAt.Equal(tt.ackAt) {
				t.Errorf("ack met at %v, want %v", d.MetAt, tt.ackAt)
			}
			if wantOpen := tt.ackAt.IsZero(); d.Open() != wantOpen {
				t.Errorf("Open() = %v, want %v", d.Open(), wantOpen)
			}
			if wantLate := max(-tt.wantRem, 0); d.Late() != wantLate {
				t.Errorf("Late() = %v, want %v", d.Late(), wantLate)
			}
		})
	}
}

func TestNotifyDeadlineIsAbsolute72Hours(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		name      string
		aware     time.Time
		wantUTC   time.Time
		wantLocal string // due, as the Amsterdam wall clock shows it
	}{
		{"before spring switch (CET→CEST)", ams(2026, 3, 27, 10, 0, 0), utc(2026, 3, 30, 9, 0, 0), "2026-03-30 11:00 CEST"},
		{"minutes before spring switch", utc(2026, 3, 29, 0, 59, 0), utc(2026, 4, 1, 0, 59, 0), "2026-04-01 02:59 CEST"},
		{"minutes after spring switch", utc(2026, 3, 29, 1, 0, 0), utc(2026, 4, 1, 1, 0, 0), "2026-04-01 03:00 CEST"},
		{"before autumn switch (CEST→CET)", ams(2026, 10, 23, 10, 0, 0), utc(2026, 10, 26, 8, 0, 0), "2026-10-26 09:00 CET"},
		{"first 02:30 of autumn switch day (CEST)", utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 28, 0, 30, 0), "2026-10-28 01:30 CET"},
		{"second 02:30 of autumn switch day (CET)", utc(2026, 10, 25, 1, 30, 0), utc(2026, 10, 28, 1, 30, 0), "2026-10-28 02:30 CET"},
		{"no switch in window", ams(2026, 5, 4, 10, 0, 0), utc(2026, 5, 7, 8, 0, 0), "2026-05-07 10:00 CEST"},
		{"across new year", ams(2026, 12, 30, 23, 0, 0), utc(2027, 1, 2, 22, 0, 0), "2027-01-02 23:00 CET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(tt.aware)
			inc.Breach = BreachYes
			d := mustFind(t, p.Deadlines(inc, tt.aware), KindNotify)
			if got := d.DueAt.UTC(); !got.Equal(tt.wantUTC) {
				t.Errorf("notify due %v, want %v", got, tt.wantUTC)
			}
			if got := d.DueAt.Sub(tt.aware); got != 72*time.Hour {
				t.Errorf("notify due is %v after awareness, want exactly 72h", got)
			}
			if got := d.DueAt.In(amsterdam).Format("2006-01-02 15:04 MST"); got != tt.wantLocal {
				t.Errorf("notify due locally %s, want %s", got, tt.wantLocal)
			}
			if d.Remaining != 72*time.Hour || d.State != Pending {
				t.Errorf("notify = %s remaining %v, want pending 72h", d.State, d.Remaining)
			}
		})
	}
}

func TestNotifyDependsOnBreach(t *testing.T) {
	p := DefaultPolicy()
	aware := ams(2026, 5, 4, 10, 0, 0)
	tests := []struct {
		breach          Breach
		wantState       DeadlineState
		wantProvisional bool
		wantOpen        bool
	}{
		{BreachUnknown, Pending, true, true},
		{BreachYes, Pending, false, true},
		{BreachNo, NA, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.breach), func(t *testing.T) {
			inc := incidentAt(aware)
			inc.Breach = tt.breach
			// Long past due: a breach that is not one must not show as missed.
			d := mustFind(t, p.Deadlines(inc, aware.Add(100*time.Hour)), KindNotify)
			if tt.wantState == Pending {
				tt.wantState = Missed
			}
			if d.State != tt.wantState || d.Provisional != tt.wantProvisional || d.Open() != tt.wantOpen {
				t.Errorf("notify = %s provisional %v open %v, want %s provisional %v open %v",
					d.State, d.Provisional, d.Open(), tt.wantState, tt.wantProvisional, tt.wantOpen)
			}
			if !d.DueAt.Equal(aware.Add(72 * time.Hour)) {
				t.Errorf("notify due %v, want aware+72h", d.DueAt)
			}
		})
	}
}

func TestNotifyStates(t *testing.T) {
	p := DefaultPolicy()
	aware := utc(2026, 5, 4, 8, 0, 0)
	due := aware.Add(72 * time.Hour)
	n := func(customer string, at time.Duration, followUp bool) Notification {
		return Notification{Customer: customer, Channel: "email", SentAt: aware.Add(at), FollowUp: followUp, By: "alice"}
	}
	tests := []struct {
		name      string
		customers []string
		notes     []Notification
		now       time.Time
		wantState DeadlineState
		wantMetAt time.Time
		wantRem   time.Duration
	}{
		{"pending before due", []string{"Acme"}, nil, aware.Add(time.Hour), Pending, time.Time{}, 71 * time.Hour},
		{"pending exactly at due", []string{"Acme"}, nil, due, Pending, time.Time{}, 0},
		{"missed once past due", []string{"Acme"}, nil, due.Add(90 * time.Minute), Missed, time.Time{}, -90 * time.Minute},
		{"met when the only customer is notified", []string{"Acme"},
			[]Notification{n("Acme", 5*time.Hour, false)}, due.Add(time.Hour), Met, aware.Add(5 * time.Hour), 67 * time.Hour},
		{"customer names match ignoring case", []string{"Acme", "Zoë GmbH"},
			[]Notification{n("ACME", 2*time.Hour, false), n("zoË gmbh", 3*time.Hour, false)}, due, Met, aware.Add(3 * time.Hour), 69 * time.Hour},
		{"met at the latest of the customers' first notifications", []string{"Acme", "Globex", "Initech"},
			[]Notification{n("Globex", 10*time.Hour, false), n("Acme", 2*time.Hour, false), n("Initech", 30*time.Hour, false), n("Acme", 40*time.Hour, false)},
			due, Met, aware.Add(30 * time.Hour), 42 * time.Hour},
		{"a repeated initial notification does not move the first", []string{"Acme"},
			[]Notification{n("Acme", 50*time.Hour, false), n("Acme", 20*time.Hour, false)}, due, Met, aware.Add(20 * time.Hour), 52 * time.Hour},
		{"one customer missing keeps it pending", []string{"Acme", "Globex"},
			[]Notification{n("Acme", 2*time.Hour, false)}, aware.Add(3 * time.Hour), Pending, time.Time{}, 69 * time.Hour},
		{"one customer missing, past due, is missed", []string{"Acme", "Globex"},
			[]Notification{n("Acme", 2*time.Hour, false)}, due.Add(time.Second), Missed, time.Time{}, -time.Second},
		{"follow-ups do not count", []string{"Acme"},
			[]Notification{n("Acme", 2*time.Hour, true)}, aware.Add(3 * time.Hour), Pending, time.Time{}, 69 * time.Hour},
		{"follow-up for the missing customer does not count", []string{"Acme", "Globex"},
			[]Notification{n("Acme", 2*time.Hour, false), n("Globex", 3*time.Hour, true)}, aware.Add(4 * time.Hour), Pending, time.Time{}, 68 * time.Hour},
		{"notification to someone not affected does not count", []string{"Acme"},
			[]Notification{n("Globex", 2*time.Hour, false)}, aware.Add(4 * time.Hour), Pending, time.Time{}, 68 * time.Hour},
		{"no customers: any one initial notification meets it", nil,
			[]Notification{n("Someone", 6*time.Hour, false)}, due.Add(time.Hour), Met, aware.Add(6 * time.Hour), 66 * time.Hour},
		{"no customers: the earliest initial notification counts", nil,
			[]Notification{n("B", 9*time.Hour, false), n("A", 6*time.Hour, false)}, due, Met, aware.Add(6 * time.Hour), 66 * time.Hour},
		{"no customers: a follow-up alone does not", nil,
			[]Notification{n("Someone", 6*time.Hour, true)}, aware.Add(7 * time.Hour), Pending, time.Time{}, 65 * time.Hour},
		{"met exactly at due is met", []string{"Acme"},
			[]Notification{n("Acme", 72*time.Hour, false)}, due.Add(time.Hour), Met, due, 0},
		{"met late stays missed with its lateness", []string{"Acme"},
			[]Notification{n("Acme", 75*time.Hour, false)}, due.Add(10 * time.Hour), Missed, due.Add(3 * time.Hour), -3 * time.Hour},
		{"met late by the last customer", []string{"Acme", "Globex"},
			[]Notification{n("Acme", 1*time.Hour, false), n("Globex", 73*time.Hour, false)}, due.Add(10 * time.Hour), Missed, due.Add(time.Hour), -time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(aware)
			inc.Breach = BreachYes
			inc.Customers = tt.customers
			inc.Notifications = tt.notes
			d := mustFind(t, p.Deadlines(inc, tt.now), KindNotify)
			if d.State != tt.wantState {
				t.Errorf("state %s, want %s", d.State, tt.wantState)
			}
			if !d.MetAt.Equal(tt.wantMetAt) {
				t.Errorf("met at %v, want %v", d.MetAt, tt.wantMetAt)
			}
			if d.Remaining != tt.wantRem {
				t.Errorf("remaining %v, want %v", d.Remaining, tt.wantRem)
			}
			if want := tt.wantMetAt.IsZero(); d.Open() != want {
				t.Errorf("Open() = %v, want %v", d.Open(), want)
			}
			if tt.wantRem < 0 && d.Late() != -tt.wantRem {
				t.Errorf("Late() = %v, want %v", d.Late(), -tt.wantRem)
			}
			if !inc.NotifiedAt().Equal(tt.wantMetAt) {
				t.Errorf("NotifiedAt() = %v, want %v", inc.NotifiedAt(), tt.wantMetAt)
			}
		})
	}
}

func TestReviewDeadline(t *testing.T) {
	p := DefaultPolicy()
	det := utc(2026, 5, 4, 8, 0, 0)
	resolved := utc(2026, 5, 6, 12, 0, 0)
	due := resolved.Add(14 * 24 * time.Hour)
	tests := []struct {
		name       string
		sev        Severity
		resolved   time.Time
		completed  time.Time
		now        time.Time
		wantAbsent bool
		wantState  DeadlineState
		wantRem    time.Duration
	}{
		{"P0 not resolved: absent", P0, time.Time{}, time.Time{}, resolved, true, "", 0},
		{"P3 not resolved: absent", P3, time.Time{}, time.Time{}, resolved, true, "", 0},
		{"P0 resolved: pending 14 days", P0, resolved, time.Time{}, resolved, false, Pending, 14 * 24 * time.Hour},
		{"P1 resolved: pending", P1, resolved, time.Time{}, resolved.Add(24 * time.Hour), false, Pending, 13 * 24 * time.Hour},
		{"P1 resolved: missed after 14 days", P1, resolved, time.Time{}, due.Add(time.Minute), false, Missed, -time.Minute},
		{"P1 review completed in time", P1, resolved, resolved.Add(48 * time.Hour), due.Add(time.Hour), false, Met, 12 * 24 * time.Hour},
		{"P0 review completed exactly at due", P0, resolved, due, due.Add(time.Hour), false, Met, 0},
		{"P0 review completed late", P0, resolved, due.Add(2 * time.Hour), due.Add(3 * time.Hour), false, Missed, -2 * time.Hour},
		{"P2 resolved: n/a", P2, resolved, time.Time{}, due.Add(time.Hour), false, NA, 0},
		{"P3 resolved: n/a", P3, resolved, time.Time{}, due.Add(time.Hour), false, NA, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(det)
			inc.Severity = tt.sev
			inc.ResolvedAt = tt.resolved
			inc.Review.CompletedAt = tt.completed
			d, ok := Find(p.Deadlines(inc, tt.now), KindReview)
			if tt.wantAbsent {
				if ok {
					t.Fatalf("review deadline %+v before resolution, want none", d)
				}
				return
			}
			if !ok {
				t.Fatal("no review deadline")
			}
			if !d.DueAt.Equal(due) {
				t.Errorf("review due %v, want %v", d.DueAt, due)
			}
			if d.State != tt.wantState || d.Remaining != tt.wantRem {
				t.Errorf("review = %s remaining %v, want %s remaining %v", d.State, d.Remaining, tt.wantState, tt.wantRem)
			}
			if !d.MetAt.Equal(tt.completed) {
				t.Errorf("review met at %v, want %v", d.MetAt, tt.completed)
			}
		})
	}
}

func TestReviewDeadlineAcrossDSTIsAbsoluteDays(t *testing.T) {
	// 14 × 24 h, not 14 calendar days: resolved before the autumn switch,
	// the local wall-clock hour of the deadline is one earlier.
	p := DefaultPolicy()
	resolved := ams(2026, 10, 20, 12, 0, 0)
	inc := incidentAt(resolved.Add(-time.Hour))
	inc.ResolvedAt = resolved
	d := mustFind(t, p.Deadlines(inc, resolved), KindReview)
	if got := d.DueAt.Sub(resolved); got != 336*time.Hour {
		t.Errorf("review due %v after resolution, want 336h", got)
	}
	if got := d.DueAt.In(amsterdam).Format("2006-01-02 15:04 MST"); got != "2026-11-03 11:00 CET" {
		t.Errorf("review due locally %s", got)
	}
}

func TestNIS2Clocks(t *testing.T) {
	p := nis2Policy(t)
	aware := ams(2026, 5, 4, 10, 0, 0)
	warnDue := aware.Add(24 * time.Hour)
	notifyDue := aware.Add(72 * time.Hour)

	t.Run("order and kinds", func(t *testing.T) {
		inc := incidentAt(aware)
		inc.Reports = []Report{{Kind: "nis2-notify", At: aware.Add(48 * time.Hour)}}
		var kinds []string
		for _, d := range p.Deadlines(inc, aware) {
			kinds = append(kinds, d.Kind)
		}
		want := []string{"ack", "notify", "nis2-warning", "nis2-notify", "nis2-final"}
		if len(kinds) != len(want) {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("kinds %v, want %v", kinds, want)
			}
		}
	})

	tests := []struct {
		name       string
		sev        Severity
		reports    []Report
		now        time.Time
		warnState  DeadlineState
		warnMet    time.Time
		notifState DeadlineState
		notifMet   time.Time
		wantFinal  bool
		finalDue   time.Time
		finalState DeadlineState
	}{
		{name: "P1 nothing reported", sev: P1, now: aware.Add(time.Hour),
			warnState: Pending, notifState: Pending},
		{name: "P0 counts as significant", sev: P0, now: aware.Add(time.Hour),
			warnState: Pending, notifState: Pending},
		{name: "P1 warning overdue", sev: P1, now: warnDue.Add(time.Second),
			warnState: Missed, notifState: Pending},
		{name: "P1 warning met, notify missed", sev: P1,
			reports: []Report{{Kind: "nis2-warning", At: aware.Add(20 * time.Hour)}},
			now:     notifyDue.Add(time.Hour), warnState: Met, warnMet: aware.Add(20 * time.Hour), notifState: Missed},
		{name: "earliest report of a kind counts", sev: P1,
			reports: []Report{{Kind: "nis2-warning", At: aware.Add(23 * time.Hour)}, {Kind: "nis2-warning", At: aware.Add(5 * time.Hour)}},
			now:     aware.Add(30 * time.Hour), warnState: Met, warnMet: aware.Add(5 * time.Hour), notifState: Pending},
		{name: "a report of another kind does not count", sev: P1,
			reports: []Report{{Kind: "dora-initial", At: aware.Add(2 * time.Hour)}},
			now:     aware.Add(3 * time.Hour), warnState: Pending, notifState: Pending},
		{name: "final report appears once notify is met", sev: P1,
			reports: []Report{{Kind: "nis2-warning", At: aware.Add(20 * time.Hour)}, {Kind: "nis2-notify", At: aware.Add(60 * time.Hour)}},
			now:     aware.Add(61 * time.Hour), warnState: Met, warnMet: aware.Add(20 * time.Hour), notifState: Met, notifMet: aware.Add(60 * time.Hour),
			wantFinal: true, finalDue: ams(2026, 6, 6, 22, 0, 0), finalState: Pending},
		{name: "final report follows a late notify too", sev: P1,
			reports: []Report{{Kind: "nis2-notify", At: aware.Add(80 * time.Hour)}},
			now:     aware.Add(81 * time.Hour), warnState: Missed, notifState: Missed, notifMet: aware.Add(80 * time.Hour),
			wantFinal: true, finalDue: ams(2026, 6, 7, 18, 0, 0), finalState: Pending},
		{name: "final report met", sev: P1,
			reports: []Report{{Kind: "nis2-notify", At: aware.Add(60 * time.Hour)}, {Kind: "nis2-final", At: ams(2026, 6, 1, 9, 0, 0)}},
			now:     ams(2026, 7, 1, 0, 0, 0), warnState: Missed, notifState: Met, notifMet: aware.Add(60 * time.Hour),
			wantFinal: true, finalDue: ams(2026, 6, 6, 22, 0, 0), finalState: Met},
		{name: "final report overdue", sev: P1,
			reports: []Report{{Kind: "nis2-notify", At: aware.Add(60 * time.Hour)}},
			now:     ams(2026, 6, 6, 22, 0, 1), warnState: Missed, notifState: Met, notifMet: aware.Add(60 * time.Hour),
			wantFinal: true, finalDue: ams(2026, 6, 6, 22, 0, 0), finalState: Missed},
		{name: "P2 is n/a", sev: P2, now: notifyDue.Add(time.Hour),
			warnState: NA, notifState: NA},
		{name: "P3 is n/a even with reports", sev: P3,
			reports: []Report{{Kind: "nis2-warning", At: aware.Add(time.Hour)}, {Kind: "nis2-notify", At: aware.Add(2 * time.Hour)}},
			now:     notifyDue.Add(time.Hour), warnState: NA, notifState: NA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incidentAt(aware)
			inc.Severity = tt.sev
			inc.Reports = tt.reports
			ds := p.Deadlines(inc, tt.now)

			w := mustFind(t, ds, "nis2-warning")
			if !w.DueAt.Equal(warnDue) || w.State != tt.warnState || w.State != NA && !w.MetAt.Equal(tt.warnMet) {
				t.Errorf("nis2-warning = due %v %s met %v, want due %v %s met %v", w.DueAt, w.State, w.MetAt, warnDue, tt.warnState, tt.warnMet)
			}
			n := mustFind(t, ds, "nis2-notify")
			if !n.DueAt.Equal(notifyDue) || n.State != tt.notifState || n.State != NA && !n.MetAt.Equal(tt.notifMet) {
				t.Errorf("nis2-notify = due %v %s met %v, want due %v %s met %v", n.DueAt, n.State, n.MetAt, notifyDue, tt.notifState, tt.notifMet)
			}
			if tt.sev.Rank() > P1.Rank() && (w.Open() || n.Open()) {
				t.Errorf("n/a NIS2 clocks must not be open")
			}
			f, ok := Find(ds, "nis2-final")
			if ok != tt.wantFinal {
				if ok && f.State == NA {
					return // n/a is as good as absent
				}
				t.Fatalf("nis2-final present %v (%+v), want %v", ok, f, tt.wantFinal)
			}
			if !ok {
				return
			}
			if !f.DueAt.Equal(tt.finalDue) || f.State != tt.finalState {
				t.Errorf("nis2-final = due %v %s, want due %v %s", f.DueAt, f.State, tt.finalDue, tt.finalState)
			}
		})
	}
}

func TestNIS2FinalIsOneCalendarMonthLocal(t *testing.T) {
	p := nis2Policy(t)
	tests := []struct {
		name     string
		notified time.Time
		want     time.Time
	}{
		{"month end clamps to 28 February", ams(2026, 1, 31, 14, 30, 0), ams(2026, 2, 28, 14, 30, 0)},
		{"30 January clamps too", ams(2026, 1, 30, 9, 0, 0), ams(2026, 2, 28, 9, 0, 0)},
		{"28 January is exact", ams(2026, 1, 28, 9, 0, 0), ams(2026, 2, 28, 9, 0, 0)},
		{"31 March clamps to 30 April", ams(2026, 3, 31, 9, 0, 0), ams(2026, 4, 30, 9, 0, 0)},
		{"31 December rolls the year", ams(2026, 12, 31, 16, 0, 0), ams(2027, 1, 31, 16, 0, 0)},
		{"local wall clock kept across spring switch", ams(2026, 3, 15, 10, 0, 0), ams(2026, 4, 15, 10, 0, 0)},
		{"local wall clock kept across autumn switch", ams(2026, 10, 10, 10, 0, 0), ams(2026, 11, 10, 10, 0, 0)},
		{"local date, not UTC date", utc(2026, 1, 31, 23, 30, 0), ams(2026, 3, 1, 0, 30, 0)}, // 1 Feb 00:30 CET
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aware := tt.notified.Add(-50 * time.Hour)
			inc := incidentAt(aware)
			inc.Reports = []Report{{Kind: "nis2-notify", At: tt.notified}}
			f := mustFind(t, p.Deadlines(inc, tt.notified), "nis2-final")
			if !f.DueAt.Equal(tt.want) {
				t.Errorf("nis2-final due %v, want %v", f.DueAt.In(amsterdam), tt.want)
			}
			if f.State != Pending {
				t.Errorf("nis2-final %s, want pending", f.State)
			}
		})
	}
}

func TestClockFromDetectedAndAlways(t *testing.T) {
	p := DefaultPolicy()
	p.Clocks = append(p.Clocks, RegClock{Kind: "dora-initial", Label: "DORA initial", Set: "dora",
		Applies: AppliesAlways, From: FromDetected, Hours: 4, MetBy: MetByReport})
	p = mustValidate(t, p)
	det := utc(2026, 5, 4, 8, 0, 0)
	inc := incidentAt(det)
	inc.AwareAt = det.Add(10 * time.Hour)
	inc.Severity = P3
	inc.Breach = BreachNo
	d := mustFind(t, p.Deadlines(inc, det), "dora-initial")
	if !d.DueAt.Equal(det.Add(4*time.Hour)) || d.State != Pending || d.Provisional {
		t.Errorf("dora-initial = %+v, want pending due detected+4h", d)
	}
	if n := mustFind(t, p.Deadlines(inc, det), KindNotify); !n.DueAt.Equal(inc.AwareAt.Add(72*time.Hour)) || n.State != NA {
		t.Errorf("notify = %+v, want n/a due aware+72h", n)
	}
}

func TestNearest(t *testing.T) {
	t0 := utc(2026, 5, 4, 8, 0, 0)
	dl := func(kind string, due time.Duration, state DeadlineState, met bool) Deadline {
		d := Deadline{Kind: kind, DueAt: t0.Add(due), State: state}
		if met {
			d.MetAt = t0
		}
		return d
	}
	tests := []struct {
		name   string
		ds     []Deadline
		want   string
		wantOK bool
	}{
		{"empty", nil, "", false},
		{"only met and n/a", []Deadline{dl("a", time.Hour, Met, true), dl("b", 2*time.Hour, NA, false)}, "", false},
		{"met late is not open", []Deadline{dl("a", time.Hour, Missed, true)}, "", false},
		{"soonest pending", []Deadline{dl("a", 3*time.Hour, Pending, false), dl("b", time.Hour, Pending, false), dl("c", 2*time.Hour, Pending, false)}, "b", true},
		{"ignores an earlier met one", []Deadline{dl("a", time.Hour, Met, true), dl("b", 5*time.Hour, Pending, false)}, "b", true},
		{"ignores an earlier n/a one", []Deadline{dl("a", time.Hour, NA, false), dl("b", 5*time.Hour, Pending, false)}, "b", true},
		{"overdue one first", []Deadline{dl("a", time.Hour, Pending, false), dl("b", -time.Hour, Missed, false)}, "b", true},
		{"tie keeps the first", []Deadline{dl("a", time.Hour, Pending, false), dl("b", time.Hour, Pending, false)}, "a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := Nearest(tt.ds)
			if ok != tt.wantOK || d.Kind != tt.want {
				t.Errorf("Nearest = %q, %v; want %q, %v", d.Kind, ok, tt.want, tt.wantOK)
			}
		})
	}

	t.Run("from computed deadlines", func(t *testing.T) {
		p := DefaultPolicy()
		det := ams(2026, 5, 4, 10, 0, 0)
		inc := incidentAt(det)
		if d, _ := Nearest(p.Deadlines(inc, det)); d.Kind != KindAck {
			t.Errorf("nearest %s, want ack", d.Kind)
		}
		inc.AcknowledgedAt = det.Add(time.Minute)
		if d, _ := Nearest(p.Deadlines(inc, det.Add(2*time.Minute))); d.Kind != KindNotify {
			t.Errorf("nearest %s, want notify once acknowledged", d.Kind)
		}
		inc.Breach = BreachNo
		if d, ok := Nearest(p.Deadlines(inc, det.Add(2*time.Minute))); ok {
			t.Errorf("nearest %s, want none once notify is n/a", d.Kind)
		}
	})
}

func TestFind(t *testing.T) {
	ds := []Deadline{{Kind: "ack"}, {Kind: "notify"}}
	if d, ok := Find(ds, "notify"); !ok || d.Kind != "notify" {
		t.Errorf("Find notify = %+v, %v", d, ok)
	}
	if _, ok := Find(ds, "review"); ok {
		t.Errorf("Find review found one")
	}
}

func TestChainedClocks(t *testing.T) {
	p := DefaultPolicy()
	p.Clocks = append(p.Clocks,
		RegClock{Kind: "after-ack", Label: "After ack", Applies: AppliesAlways, From: "met:ack", Hours: 2, MetBy: MetByReport},
		RegClock{Kind: "after-notify", Label: "After notify", Applies: AppliesBreach, From: "met:notify", Months: 1, Hours: 12, MetBy: MetByReport},
	)
	p = mustValidate(t, p)
	at := ams(2026, 1, 29, 10, 0, 0)
	inc := incidentAt(at)

	ds := p.Deadlines(inc, at)
	for _, k := range []string{"after-ack", "after-notify"} {
		if _, ok := Find(ds, k); ok {
			t.Errorf("%s present before its anchor was met", k)
		}
	}

	inc.AcknowledgedAt = at.Add(30 * time.Minute)
	inc.Notifications = []Notification{{Customer: "Acme", SentAt: ams(2026, 1, 31, 9, 0, 0)}}
	ds = p.Deadlines(inc, at.Add(time.Hour))
	if d := mustFind(t, ds, "after-ack"); !d.DueAt.Equal(inc.AcknowledgedAt.Add(2*time.Hour)) || d.State != Pending {
		t.Errorf("after-ack = %+v, want pending due ack+2h", d)
	}
	// One calendar month (clamped to 28 February), then 12 hours.
	d := mustFind(t, ds, "after-notify")
	if want := ams(2026, 2, 28, 21, 0, 0); !d.DueAt.Equal(want) {
		t.Errorf("after-notify due %v, want %v", d.DueAt.In(amsterdam), want)
	}
	if !d.Provisional {
		t.Error("after-notify applies to breaches and the breach is unknown: want provisional")
	}
}

func TestFormatCountdown(t *testing.T) {
	h := time.Hour
	due := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		d    Deadline
		want string
	}{
		{Deadline{State: Pending, Remaining: 71*h + 59*time.Minute + 58*time.Second}, "71:59:58"}, // the GDPR clock, every second
		{Deadline{State: Pending, Remaining: 72*h - time.Second}, "71:59:59"},
		{Deadline{State: Pending, Remaining: 72 * h}, "3d 00:00"},
		{Deadline{State: Pending, Remaining: 335*h + 59*time.Minute + 56*time.Second}, "13d 23:59"}, // a review due in two weeks
		{Deadline{State: Pending, Remaining: 5 * time.Second}, "00:00:05"},
		{Deadline{State: Missed, Remaining: -(2*h + 3*time.Second)}, "OVERDUE +02:00:03"},
		{Deadline{State: Missed, Remaining: -(100 * h)}, "OVERDUE +4d 04:00"},
		{Deadline{State: Missed, Remaining: -h, MetAt: due}, "met late +01:00:00"},
		{Deadline{State: Met, MetAt: due}, "met"},
		{Deadline{State: NA}, "n/a"},
	}
	for _, tt := range tests {
		if got := FormatCountdown(tt.d); got != tt.want {
			t.Errorf("FormatCountdown(%v, %v) = %q, want %q", tt.d.State, tt.d.Remaining, got, tt.want)
		}
	}
}
