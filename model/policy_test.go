package model

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// wantUserError checks that err is a non-nil user-facing *Error with a message.
func wantUserError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted, want a refusal")
	}
	var ue *Error
	if !errors.As(err, &ue) {
		t.Errorf("error %T %v is not a *model.Error", err, err)
	}
	if strings.TrimSpace(err.Error()) == "" {
		t.Error("refusal has an empty message")
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if p.BusinessHours.TimeZone != "Europe/Amsterdam" || p.Location().String() != "Europe/Amsterdam" {
		t.Errorf("time zone %q / %v", p.BusinessHours.TimeZone, p.Location())
	}
	if got := strings.Join(p.BusinessHours.Days, ","); got != "mon,tue,wed,thu,fri" {
		t.Errorf("days %s", got)
	}
	if p.BusinessHours.Open != "09:00" || p.BusinessHours.Close != "17:00" {
		t.Errorf("hours %s–%s", p.BusinessHours.Open, p.BusinessHours.Close)
	}
	if p.AckInside.Duration() != time.Hour || p.AckOutside.Duration() != 4*time.Hour || p.ReviewDays != 14 {
		t.Errorf("targets %v / %v / %d days", p.AckInside.Duration(), p.AckOutside.Duration(), p.ReviewDays)
	}
	c, ok := p.Clock(KindNotify)
	if !ok || c.Hours != 72 || c.From != FromAware || c.Applies != AppliesBreach || c.MetBy != MetByNotified {
		t.Errorf("notify clock %+v, %v", c, ok)
	}
	if len(p.Clocks) != 1 {
		t.Errorf("default clocks %d, want only GDPR", len(p.Clocks))
	}
	if _, ok := p.Clock("nis2-warning"); ok {
		t.Error("NIS2 enabled by default")
	}
	if len(p.Checklist) != len(DefaultChecklist()) {
		t.Errorf("checklist %d items", len(p.Checklist))
	}
	if err := p.Validate(); err != nil {
		t.Errorf("default policy does not validate: %v", err)
	}
	// Two calls do not share slices.
	q := DefaultPolicy()
	q.BusinessHours.Days[0] = "sun"
	q.Clocks[0].Hours = 1
	if p.BusinessHours.Days[0] != "mon" || p.Clocks[0].Hours != 72 {
		t.Error("DefaultPolicy results share state")
	}
}

func TestValidateRefuses(t *testing.T) {
	nis2 := RegulationSets()["nis2"]
	tests := []struct {
		name   string
		mutate func(p *Policy)
	}{
		{"unknown time zone", func(p *Policy) { p.BusinessHours.TimeZone = "Europe/Atlantis" }},
		{"ack target past a year", func(p *Policy) { p.AckOutside = MaxAckMinutes + 1 }},
		{"ack target that overflows", func(p *Policy) { p.AckInside = 153722867280912931 }},
		{"review past ten years", func(p *Policy) { p.ReviewDays = MaxReviewDays + 1 }},
		{"clock hours past ten years", func(p *Policy) { p.Clocks[0].Hours = MaxClockHours + 1 }},
		{"clock months past ten years", func(p *Policy) { p.Clocks[0].Hours, p.Clocks[0].Months = 0, MaxClockMonths+1 }},
		{"clock label with an escape", func(p *Policy) { p.Clocks[0].Label = "GDPR \x1b]0;pwned\x07" }},
		{"clock label with bidi", func(p *Policy) { p.Clocks[0].Label = "GDPR \u202e" }},
		{"empty time zone", func(p *Policy) { p.BusinessHours.TimeZone = "" }},
		{"abbreviation is not a zone", func(p *Policy) { p.BusinessHours.TimeZone = "CEST" }},
		{"no days", func(p *Policy) { p.BusinessHours.Days = nil }},
		{"empty days", func(p *Policy) { p.BusinessHours.Days = []string{} }},
		{"bad day name", func(p *Policy) { p.BusinessHours.Days = []string{"mon", "funday"} }},
		{"full day name", func(p *Policy) { p.BusinessHours.Days = []string{"monday"} }},
		{"empty day name", func(p *Policy) { p.BusinessHours.Days = []string{""} }},
		{"open after close", func(p *Policy) { p.BusinessHours.Open, p.BusinessHours.Close = "17:00", "09:00" }},
		{"open equals close", func(p *Policy) { p.BusinessHours.Open, p.BusinessHours.Close = "09:00", "09:00" }},
		{"open not HH:MM", func(p *Policy) { p.BusinessHours.Open = "9am" }},
		{"close 24:00", func(p *Policy) { p.BusinessHours.Close = "24:00" }},
		{"close empty", func(p *Policy) { p.BusinessHours.Close = "" }},
		{"holiday not a date", func(p *Policy) { p.BusinessHours.Holidays = []string{"christmas"} }},
		{"holiday without padding", func(p *Policy) { p.BusinessHours.Holidays = []string{"2026-12-1"} }},
		{"holiday impossible date", func(p *Policy) { p.BusinessHours.Holidays = []string{"2026-02-30"} }},
		{"holiday with a time", func(p *Policy) { p.BusinessHours.Holidays = []string{"2026-12-25T00:00:00Z"} }},
		{"ack inside zero", func(p *Policy) { p.AckInside = 0 }},
		{"ack outside negative", func(p *Policy) { p.AckOutside = -1 }},
		{"review days zero", func(p *Policy) { p.ReviewDays = 0 }},
		{"notify clock removed", func(p *Policy) { p.Clocks = nil }},
		{"notify clock replaced by another", func(p *Policy) {
			p.Clocks = []RegClock{{Kind: "other", Label: "Other", Applies: AppliesAlways, From: FromAware, Hours: 1, MetBy: MetByReport}}
		}},
		{"duplicate clock kind", func(p *Policy) { p.Clocks = append(p.Clocks, p.Clocks[0]) }},
		{"duplicate NIS2 set", func(p *Policy) { p.Clocks = append(append(p.Clocks, nis2...), nis2...) }},
		{"clock kind clashes with ack", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "ack", Label: "x", Applies: AppliesAlways, From: FromAware, Hours: 1, MetBy: MetByReport})
		}},
		{"clock kind clashes with review", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "review", Label: "x", Applies: AppliesAlways, From: FromAware, Hours: 1, MetBy: MetByReport})
		}},
		{"clock kind upper case", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "DORA", Label: "x", Applies: AppliesAlways, From: FromAware, Hours: 1, MetBy: MetByReport})
		}},
		{"clock without label", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: " ", Applies: AppliesAlways, From: FromAware, Hours: 1, MetBy: MetByReport})
		}},
		{"clock applies to nonsense", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: "P4", From: FromAware, Hours: 1, MetBy: MetByReport})
		}},
		{"clock from nonsense", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: "declared", Hours: 1, MetBy: MetByReport})
		}},
		{"clock from empty", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: "", Hours: 1, MetBy: MetByReport})
		}},
		{"clock from met: of an unknown kind", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: "met:nothing", Hours: 1, MetBy: MetByReport})
		}},
		{"clock from met: of itself", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: "met:dora", Hours: 1, MetBy: MetByReport})
		}},
		{"clock from met: of a clock listed after it", func(p *Policy) {
			// nis2-final before nis2-notify
			p.Clocks = append(p.Clocks, nis2[0], nis2[2], nis2[1])
		}},
		{"clock from bare met:", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: "met:", Hours: 1, MetBy: MetByReport})
		}},
		{"clock without duration", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: FromAware, MetBy: MetByReport})
		}},
		{"clock with negative hours", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: FromAware, Hours: -4, Months: 1, MetBy: MetByReport})
		}},
		{"clock with negative months", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: FromAware, Hours: 4, Months: -1, MetBy: MetByReport})
		}},
		{"clock met by nonsense", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "dora", Label: "x", Applies: AppliesAlways, From: FromAware, Hours: 4, MetBy: "email"})
		}},
		{"checklist key invalid", func(p *Policy) { p.Checklist = []ChecklistTmpl{{Key: "Bad Key", Item: "x"}} }},
		{"checklist key duplicated", func(p *Policy) {
			p.Checklist = []ChecklistTmpl{{Key: "a", Item: "x"}, {Key: "a", Item: "y"}}
		}},
		{"checklist item empty", func(p *Policy) { p.Checklist = []ChecklistTmpl{{Key: "a", Item: "  "}} }},
		{"checklist item with escape", func(p *Policy) { p.Checklist = []ChecklistTmpl{{Key: "a", Item: "x\x1b[2J"}} }},
		{"contact with escape", func(p *Policy) { p.ContactDetails = "dpo@example.com\x1b]52;c;aGk=\x07" }},
		{"contact too long", func(p *Policy) { p.ContactDetails = strings.Repeat("x", MaxSummary+1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.mutate(&p)
			wantUserError(t, p.Validate())
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *Policy)
		check  func(t *testing.T, p Policy)
	}{
		{"default", func(p *Policy) {}, nil},
		{"NIS2 enabled", func(p *Policy) { p.Clocks = append(p.Clocks, RegulationSets()["nis2"]...) }, func(t *testing.T, p Policy) {
			if len(p.Clocks) != 4 {
				t.Errorf("%d clocks", len(p.Clocks))
			}
		}},
		{"day names normalised", func(p *Policy) { p.BusinessHours.Days = []string{" MON ", "Sat"} }, func(t *testing.T, p Policy) {
			if !slices.Equal(p.BusinessHours.Days, []string{"mon", "sat"}) {
				t.Errorf("days %q", p.BusinessHours.Days)
			}
		}},
		{"holidays sorted and deduplicated", func(p *Policy) {
			p.BusinessHours.Holidays = []string{"2026-12-26", "2026-12-25", "2026-12-26"}
		}, func(t *testing.T, p Policy) {
			if !slices.Equal(p.BusinessHours.Holidays, []string{"2026-12-25", "2026-12-26"}) {
				t.Errorf("holidays %q", p.BusinessHours.Holidays)
			}
		}},
		{"nil holidays become empty", func(p *Policy) { p.BusinessHours.Holidays = nil }, func(t *testing.T, p Policy) {
			if p.BusinessHours.Holidays == nil {
				t.Error("holidays nil")
			}
		}},
		{"empty checklist becomes the default", func(p *Policy) { p.Checklist = nil }, func(t *testing.T, p Policy) {
			if len(p.Checklist) != len(DefaultChecklist()) {
				t.Errorf("checklist %d", len(p.Checklist))
			}
		}},
		{"other time zone", func(p *Policy) { p.BusinessHours.TimeZone = "America/New_York" }, func(t *testing.T, p Policy) {
			if p.Location().String() != "America/New_York" {
				t.Errorf("location %v", p.Location())
			}
		}},
		{"UTC", func(p *Policy) { p.BusinessHours.TimeZone = "UTC" }, nil},
		{"one-minute business day", func(p *Policy) { p.BusinessHours.Open, p.BusinessHours.Close = "09:00", "09:01" }, nil},
		{"clock from met:ack", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "after-ack", Label: "x", Applies: AppliesAlways, From: "met:ack", Hours: 2, MetBy: MetByReport})
		}, nil},
		{"clock from met:notify", func(p *Policy) {
			p.Clocks = append(p.Clocks, RegClock{Kind: "after-notify", Label: "x", Applies: AppliesBreach, From: "met:notify", Months: 1, Hours: 12, MetBy: MetByReport})
		}, nil},
		{"contact multi-line", func(p *Policy) { p.ContactDetails = "DPO\ndpo@example.com" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.mutate(&p)
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}

	t.Run("holiday with surrounding space takes effect", func(t *testing.T) {
		// ParseDate trims, so Validate accepts " 2026-12-25 "; the holiday
		// must then apply, or be refused.
		p := DefaultPolicy()
		p.BusinessHours.Holidays = []string{" 2026-12-25 "}
		if p.Validate() != nil {
			return // refusing it is fine too
		}
		if p.InBusinessHours(ams(2026, 12, 25, 10, 0, 0)) {
		}
	})

	t.Run("Local is not an IANA zone", func(t *testing.T) {
		// "Local" is each process's own zone, so two processes on one
		// database could disagree on business hours, which the stored
		// policy exists to prevent.
		p := DefaultPolicy()
		p.BusinessHours.TimeZone = "Local"
		if p.Validate() == nil {
		}
	})

	t.Run("met:review refers to a deadline computed after the clocks", func(t *testing.T) {
		// Deadlines computes the review deadline after every clock, so a clock
		// running from met:review never gets an anchor and never appears.
		// Validate should refuse it, as it refuses met:<kind> of any clock not
		// listed before.
		p := DefaultPolicy()
		p.Clocks = append(p.Clocks, RegClock{Kind: "after-review", Label: "x", Applies: AppliesAlways, From: "met:review", Hours: 24, MetBy: MetByReport})
		err := p.Validate()
		if err == nil {
			inc := incidentAt(utc(2026, 5, 4, 8, 0, 0))
			inc.ResolvedAt = utc(2026, 5, 5, 8, 0, 0)
			inc.Review.CompletedAt = utc(2026, 5, 6, 8, 0, 0)
			if _, ok := Find(p.Deadlines(inc, utc(2026, 5, 7, 8, 0, 0)), "after-review"); !ok {
			}
		}
	})
}

func TestParsePolicy(t *testing.T) {
	t.Run("round-trips the default", func(t *testing.T) {
		data := DefaultPolicy().JSON()
		p, err := ParsePolicy(data)
		if err != nil {
			t.Fatalf("ParsePolicy(default JSON): %v", err)
		}
		if again := p.JSON(); !bytes.Equal(again, data) {
			t.Errorf("round trip changed the policy:\n%s\nwant\n%s", again, data)
		}
		if p.Location().String() != "Europe/Amsterdam" {
			t.Errorf("parsed policy location %v; Validate was not run", p.Location())
		}
	})
	t.Run("round-trips a customised policy", func(t *testing.T) {
		q := DefaultPolicy()
		q.BusinessHours.Holidays = []string{"2026-12-25"}
		q.Clocks = append(q.Clocks, RegulationSets()["nis2"]...)
		q.ContactDetails = "DPO <dpo@example.com>"
		q = mustValidate(t, q)
		p, err := ParsePolicy(q.JSON())
		if err != nil {
			t.Fatalf("ParsePolicy: %v", err)
		}
		if !bytes.Equal(p.JSON(), q.JSON()) {
			t.Errorf("round trip changed the policy")
		}
		if !p.InBusinessHours(ams(2026, 12, 24, 10, 0, 0)) || p.InBusinessHours(ams(2026, 12, 25, 10, 0, 0)) {
			t.Error("parsed policy lost its holiday")
		}
	})
	t.Run("JSON uses snake_case fields", func(t *testing.T) {
		s := string(DefaultPolicy().JSON())
		for _, f := range []string{`"business_hours"`, `"time_zone"`, `"ack_inside_minutes"`, `"ack_outside_minutes"`, `"review_days"`, `"clocks"`, `"met_by"`, `"holidays": []`} {
			if !strings.Contains(s, f) {
				t.Errorf("policy JSON lacks %s:\n%s", f, s)
			}
		}
	})

	refused := []struct {
		name string
		data string
	}{
		{"unknown top-level field", editDefaultJSON(`"review_days"`, `"bogus": 1, "review_days"`)},
		{"unknown nested field", editDefaultJSON(`"time_zone"`, `"tz": "UTC", "time_zone"`)},
		{"unknown clock field", editDefaultJSON(`"met_by"`, `"due": 3, "met_by"`)},
		{"not JSON", "business hours please"},
		{"empty", ""},
		{"wrong type", editDefaultJSON(`"review_days": 14`, `"review_days": "14"`)},
		{"valid JSON, invalid policy", editDefaultJSON(`"Europe/Amsterdam"`, `"Mars/Olympus"`)},
		{"empty object lacks everything", "{}"},
		{"a second value after the policy", string(DefaultPolicy().JSON()) + "\n{\"review_days\": 1}"},
		{"trailing garbage", string(DefaultPolicy().JSON()) + "garbage"},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.data))
			if err == nil && strings.HasPrefix(tt.data, string(DefaultPolicy().JSON())) {
			}
			wantUserError(t, err)
		})
	}
}

// editDefaultJSON replaces the first old in the default policy's JSON.
func editDefaultJSON(old, new string) string {
	s := string(DefaultPolicy().JSON())
	if !strings.Contains(s, old) {
		panic("default policy JSON lacks " + old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestInBusinessHours(t *testing.T) {
	def := DefaultPolicy()
	hol := DefaultPolicy()
	hol.BusinessHours.Holidays = []string{"2026-05-05"}
	hol = mustValidate(t, hol)
	weekend := DefaultPolicy()
	weekend.BusinessHours.Days = []string{"sat", "sun"}
	weekend.BusinessHours.Open, weekend.BusinessHours.Close = "10:30", "14:15"
	weekend = mustValidate(t, weekend)
	ny := DefaultPolicy()
	ny.BusinessHours.TimeZone = "America/New_York"
	ny = mustValidate(t, ny)

	tests := []struct {
		name string
		p    Policy
		at   time.Time
		want bool
	}{
		{"opening second", def, ams(2026, 5, 4, 9, 0, 0), true},
		{"just before opening", def, ams(2026, 5, 4, 8, 59, 59), false},
		{"nanosecond before opening", def, ams(2026, 5, 4, 9, 0, 0).Add(-time.Nanosecond), false},
		{"last second", def, ams(2026, 5, 4, 16, 59, 59), true},
		{"last nanosecond", def, ams(2026, 5, 4, 17, 0, 0).Add(-time.Nanosecond), true},
		{"closing second", def, ams(2026, 5, 4, 17, 0, 0), false},
		{"midnight", def, ams(2026, 5, 4, 0, 0, 0), false},
		{"each weekday: tue", def, ams(2026, 5, 5, 12, 0, 0), true},
		{"each weekday: wed", def, ams(2026, 5, 6, 12, 0, 0), true},
		{"each weekday: thu", def, ams(2026, 5, 7, 12, 0, 0), true},
		{"each weekday: fri", def, ams(2026, 5, 8, 12, 0, 0), true},
		{"saturday", def, ams(2026, 5, 9, 12, 0, 0), false},
		{"sunday", def, ams(2026, 5, 10, 12, 0, 0), false},
		{"holiday", hol, ams(2026, 5, 5, 12, 0, 0), false},
		{"day before holiday", hol, ams(2026, 5, 4, 12, 0, 0), true},
		{"day after holiday", hol, ams(2026, 5, 6, 12, 0, 0), true},
		{"holiday by local date, not UTC date", hol, utc(2026, 5, 4, 22, 30, 0), false}, // 00:30 on the 5th locally, also outside hours
		{"local date decides the day: UTC friday 23:30 is local saturday", def, utc(2026, 5, 8, 23, 30, 0), false},
		{"UTC time inside local hours", def, utc(2026, 5, 4, 14, 59, 59), true},
		{"UTC time at local closing", def, utc(2026, 5, 4, 15, 0, 0), false},
		{"winter: UTC 08:00 is 09:00 CET", def, utc(2026, 1, 5, 8, 0, 0), true},
		{"winter: UTC 07:59:59 is before opening", def, utc(2026, 1, 5, 7, 59, 59), false},
		{"custom days and minutes: opening", weekend, ams(2026, 5, 9, 10, 30, 0), true},
		{"custom: before opening minute", weekend, ams(2026, 5, 9, 10, 29, 59), false},
		{"custom: closing minute", weekend, ams(2026, 5, 10, 14, 15, 0), false},
		{"custom: a monday", weekend, ams(2026, 5, 4, 12, 0, 0), false},
		{"other zone: 09:00 New York", ny, time.Date(2026, 5, 4, 9, 0, 0, 0, mustLoad("America/New_York")), true},
		{"other zone: 09:00 Amsterdam is 03:00 New York", ny, ams(2026, 5, 4, 9, 0, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.InBusinessHours(tt.at); got != tt.want {
				t.Errorf("InBusinessHours(%v) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestPolicyHelpers(t *testing.T) {
	if (Policy{}).Location() != time.UTC {
		t.Error("an unvalidated policy's location should default to UTC")
	}
	if got := Minutes(90).Duration(); got != 90*time.Minute {
		t.Errorf("Minutes(90) = %v", got)
	}
	p := nis2Policy(t)
	if c, ok := p.Clock("nis2-final"); !ok || c.Months != 1 || c.From != "met:nis2-notify" {
		t.Errorf("nis2-final = %+v, %v", c, ok)
	}
	if _, ok := p.Clock("dora"); ok {
		t.Error("found a clock that is not configured")
	}
	sets := RegulationSets()
	if len(sets["gdpr"]) != 1 || sets["gdpr"][0].Kind != KindNotify || len(sets["nis2"]) != 3 {
		t.Errorf("regulation sets %+v", sets)
	}
	sets["nis2"][0].Hours = 999
	if RegulationSets()["nis2"][0].Hours != 24 {
		t.Error("RegulationSets returns shared state")
	}
	s := p.Summary()
	for _, want := range []string{"mon,tue,wed,thu,fri 09:00–17:00 Europe/Amsterdam", "1 h inside", "4 h outside", "Clock notify", "72 h after aware", "Clock nis2-final", "1 month(s) after met:nis2-notify", "14 days", "not set", "9 items"} {
		if !strings.Contains(s, want) {
			t.Errorf("Summary lacks %q:\n%s", want, s)
		}
	}
}
