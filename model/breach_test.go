package model

import (
	"strings"
	"testing"
)

func TestApplyBreach(t *testing.T) {
	at := ams(2026, 5, 4, 10, 0, 0)
	yes := BreachYes
	tests := []struct {
		name      string
		customers []string
		f         BreachFacts
		err       string
		check     func(t *testing.T, i *Incident, data map[string]string)
	}{
		{name: "one customer's numbers", customers: []string{"Acme", "Globex"},
			f: BreachFacts{Breach: &yes, Customer: "acme", Subjects: i64(1200), Records: i64(5400)},
			check: func(t *testing.T, i *Incident, data map[string]string) {
				if f := i.Facts("Acme"); *f.Subjects != 1200 || *f.Records != 5400 {
					t.Errorf("Acme's facts %+v", f)
				}
				if i.Subjects() != nil {
					t.Errorf("total %d while Globex's is unknown", *i.Subjects())
				}
				if data["changes"] != "breach yes (was unknown); approx. 1200 data subjects for Acme; approx. 5400 records for Acme" {
					t.Errorf("changes %q", data["changes"])
				}
			}},
		{name: "the only customer takes the numbers", customers: []string{"Acme"},
			f: BreachFacts{Subjects: i64(12)},
			check: func(t *testing.T, i *Incident, _ map[string]string) {
				if s := i.Subjects(); s == nil || *s != 12 || *i.Facts("Acme").Subjects != 12 {
					t.Errorf("subjects %v", s)
				}
			}},
		{name: "no customers: the incident's numbers",
			f: BreachFacts{Records: i64(7)},
			check: func(t *testing.T, i *Incident, _ map[string]string) {
				if r := i.Records(); r == nil || *r != 7 {
					t.Errorf("records %v", r)
				}
			}},
		{name: "several customers need one named", customers: []string{"Acme", "Globex"},
			f:   BreachFacts{Subjects: i64(1)},
			err: "several customers (Acme, Globex); give each one's numbers with --customer NAME"},
		{name: "a scenario's overall numbers", customers: []string{"Acme", "Globex"},
			f: BreachFacts{Subjects: i64(9), Overall: true},
			check: func(t *testing.T, i *Incident, _ map[string]string) {
				if s := i.Subjects(); s == nil || *s != 9 {
					t.Errorf("subjects %v", s)
				}
			}},
		{name: "a new customer's numbers add it", customers: []string{"Acme"},
			f: BreachFacts{Customer: "Initech", Subjects: i64(5)},
			check: func(t *testing.T, i *Incident, _ map[string]string) {
				if len(i.Customers) != 2 || *i.Facts("Initech").Subjects != 5 {
					t.Errorf("customers %v facts %+v", i.Customers, i.CustomerFacts)
				}
			}},
		{name: "subject categories, proposed and mitigation",
			f: BreachFacts{SubjectCategories: []string{"employees"}, Proposed: []string{"reset passwords"}, Mitigation: []string{"warn users"}},
			check: func(t *testing.T, i *Incident, _ map[string]string) {
				if len(i.SubjectCategories) != 1 || len(i.MeasuresProposed) != 1 || len(i.Mitigation) != 1 {
					t.Errorf("facts %+v", i)
				}
			}},
		{name: "customer without numbers", customers: []string{"Acme"},
			f: BreachFacts{Customer: "Acme"}, err: "add --subjects N or --records N"},
		{name: "negative", f: BreachFacts{Subjects: i64(-1)}, err: "cannot be negative"},
		{name: "nothing", f: BreachFacts{}, err: "nothing to change"},
		{name: "a control character", f: BreachFacts{Mitigation: []string{"x\x1b[2J"}}, err: "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := blankIncident(at)
			inc.Customers = tt.customers
			before := *inc
			data, err := ApplyBreach(inc, tt.f, DefaultPolicy(), at)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if len(inc.CustomerFacts) != 0 || inc.Breach != before.Breach || len(inc.Customers) != len(before.Customers) {
					t.Errorf("a refused change changed the incident: %+v", inc)
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyBreach: %v", err)
			}
			tt.check(t, inc, data)
		})
	}
}

// TestGDPRClockIsLaw: a policy may not lengthen, narrow or remove the
// GDPR Art. 33 clock; other clocks add to it.
func TestGDPRClockIsLaw(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *RegClock)
		want string
	}{
		{"longer", func(c *RegClock) { c.Hours = 96 }, "72 hours from awareness, by law"},
		{"shorter", func(c *RegClock) { c.Hours = 24 }, "72 hours from awareness, by law"},
		{"in months", func(c *RegClock) { c.Months = 1 }, "72 hours from awareness, by law"},
		{"only P0", func(c *RegClock) { c.Applies = "P0" }, `cannot apply to "P0"`},
		{"always", func(c *RegClock) { c.Applies = AppliesAlways }, "every breach"},
		{"from detection", func(c *RegClock) { c.From = FromDetected }, "runs from awareness"},
		{"met by a report", func(c *RegClock) { c.MetBy = MetByReport }, "met by notifying"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			p.Clocks = append([]RegClock(nil), p.Clocks...)
			tt.edit(&p.Clocks[0])
			if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate: %v, want %q", err, tt.want)
			}
		})
	}
	p := DefaultPolicy()
	p.Clocks = nil
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "cannot be removed") {
		t.Errorf("without the GDPR clock: %v", err)
	}
	p = DefaultPolicy()
	p.Clocks = append(append([]RegClock(nil), p.Clocks...), RegulationSets()["nis2"]...)
	p.Clocks[0].Label = "Art. 33 notice to the controller"
	if err := p.Validate(); err != nil {
		t.Errorf("a relabelled GDPR clock with NIS2 added: %v", err)
	}
}
