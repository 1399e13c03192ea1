package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// specScenario is the example of SPEC §4, as written there.
const specScenario = `title: Unauthorised access to a customer database
description: Anomalous reads on a tenant database at 02:00.
start: 2026-05-04T02:00:00+02:00      # simulated start time
injects:
  - at: T+00:00
    declare: {title: Anomalous reads on tenant DB, severity: P1, source: monitoring, breach: unknown, customers: [Acme]}
  - at: T+00:25
    note: {incident: 1, text: Reads came from a revoked service account.}
  - at: T+01:10
    fact: {incident: 1, breach: "yes", subjects_approx: 1200, records_approx: 5400, categories: [name, email]}
  - at: T+02:00
    message: The sub-processor reports that the same credentials were used elsewhere.
`

func TestParseScenarioSpecExample(t *testing.T) {
	s, err := ParseScenario([]byte(specScenario))
	if err != nil {
		t.Fatalf("ParseScenario(SPEC §4 example): %v", err)
	}
	if s.Title != "Unauthorised access to a customer database" {
		t.Errorf("Title = %q", s.Title)
	}
	if s.Description != "Anomalous reads on a tenant database at 02:00." {
		t.Errorf("Description = %q", s.Description)
	}
	start := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	if !s.Start.Equal(start) {
		t.Errorf("Start = %v, want %v", s.Start, start)
	}
	if _, off := s.Start.Zone(); off != 2*3600 {
		t.Errorf("Start zone offset = %d s, want +02:00 kept", off)
	}
	wantKinds := []InjectKind{InjectDeclare, InjectNote, InjectFact, InjectMessage}
	wantAt := []time.Duration{0, 25 * time.Minute, 70 * time.Minute, 2 * time.Hour}
	wantLine := []int{5, 7, 9, 11}
	if len(s.Injects) != len(wantKinds) {
		t.Fatalf("%d injects, want %d", len(s.Injects), len(wantKinds))
	}
	for i, in := range s.Injects {
		if in.N != i+1 || in.Kind != wantKinds[i] || in.At != wantAt[i] || in.Line != wantLine[i] {
			t.Errorf("inject %d = N %d, kind %s, at %v, line %d; want N %d, kind %s, at %v, line %d",
				i, in.N, in.Kind, in.At, in.Line, i+1, wantKinds[i], wantAt[i], wantLine[i])
		}
	}
	if got, want := s.TimeOf(s.Injects[2]), start.Add(70*time.Minute); !got.Equal(want) {
		t.Errorf("TimeOf(fact) = %v, want %v", got, want)
	}
	f := s.Injects[2].Fact
	if f == nil || f.Breach == nil || *f.Breach != BreachYes || f.Subjects == nil || *f.Subjects != 1200 ||
		f.Records == nil || *f.Records != 5400 || strings.Join(f.Categories, ",") != "name,email" {
		t.Errorf("fact = %+v", f)
	}
}

func TestParseScenarioValid(t *testing.T) {
	src := `# A scenario using every field.
title: "  Ransomware on the build farm  "
description: |
  Encrypted files on two build hosts.
  Ransom note found at 06:10.
start: 2026-11-02T06:00:00Z
injects:
  - at: T+00:00
    declare:
      title: Build hosts encrypted
      summary: Two hosts show encrypted files.
      severity: p0
      source: audit-log
      breach: unknown
      availability: true
      customers: [Acme, Globex, acme]
  - at: T+00:05
    declare: {title: Backups unreachable, severity: P2}
  - at: T+00:05
    note:
      incident: 2
      text: |
        Backup console times out.
        Network team paged.
  - at: T+03:30
    fact:
      incident: 1
      breach: "no"
      subjects_approx: 0
      records_approx: 0
      categories: []
      customers: [Initech]
      consequences: Delay to releases; no personal data involved.
  - at: T+50:00
    message: "The attackers publish a leak-site entry: 'build-farm'."
  - at: T+50:00
    fact: {incident: 2, breach: 'yes'}
`
	s, err := ParseScenario([]byte(src))
	if err != nil {
		t.Fatalf("ParseScenario: %v", err)
	}
	if s.Title != "Ransomware on the build farm" {
		t.Errorf("Title = %q, want it trimmed", s.Title)
	}
	if s.Description != "Encrypted files on two build hosts.\nRansom note found at 06:10." {
		t.Errorf("Description = %q", s.Description)
	}
	start := time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
	if !s.Start.Equal(start) {
		t.Errorf("Start = %v", s.Start)
	}
	if len(s.Injects) != 6 {
		t.Fatalf("%d injects, want 6", len(s.Injects))
	}

	d := s.Injects[0]
	if d.Kind != InjectDeclare || d.Declare == nil || d.Line != 8 || d.N != 1 {
		t.Fatalf("inject 1 = %+v", d)
	}
	want := Declaration{Title: "Build hosts encrypted", Summary: "Two hosts show encrypted files.", Severity: P0,
		Source: "audit-log", Breach: BreachUnknown, Availability: true}
	got := *d.Declare
	if got.Title != want.Title || got.Summary != want.Summary || got.Severity != want.Severity ||
		got.Source != want.Source || got.Breach != want.Breach || got.Availability != want.Availability {
		t.Errorf("declare 1 = %+v, want %+v", got, want)
	}
	if strings.Join(got.Customers, ",") != "Acme,Globex" {
		t.Errorf("customers = %q, want duplicates dropped", got.Customers)
	}
	if !got.DetectedAt.IsZero() || !got.AwareAt.IsZero() {
		t.Errorf("DetectedAt/AwareAt = %v/%v, want zero for the store to fill", got.DetectedAt, got.AwareAt)
	}

	d2 := s.Injects[1].Declare
	if d2 == nil || d2.Source != "other" || d2.Breach != BreachUnknown || d2.Severity != P2 || d2.Availability {
		t.Errorf("declare 2 defaults = %+v", d2)
	}

	n := s.Injects[2]
	if n.Kind != InjectNote || n.Incident != 2 || n.Text != "Backup console times out.\nNetwork team paged." ||
		n.At != 5*time.Minute || n.Fact != nil || n.Declare != nil {
		t.Errorf("note = %+v", n)
	}

	f := s.Injects[3]
	if f.Kind != InjectFact || f.Incident != 1 || f.Fact == nil {
		t.Fatalf("fact = %+v", f)
	}
	if *f.Fact.Breach != BreachNo || *f.Fact.Subjects != 0 || *f.Fact.Records != 0 ||
		len(f.Fact.Categories) != 0 || strings.Join(f.Fact.Customers, ",") != "Initech" ||
		f.Fact.Consequences == nil || *f.Fact.Consequences != "Delay to releases; no personal data involved." {
		t.Errorf("fact values = %+v", *f.Fact)
	}
	if got, want := s.TimeOf(f), start.Add(3*time.Hour+30*time.Minute); !got.Equal(want) {
		t.Errorf("TimeOf(fact) = %v, want %v", got, want)
	}

	m := s.Injects[4]
	if m.Kind != InjectMessage || m.Text != "The attackers publish a leak-site entry: 'build-farm'." || m.Incident != 0 {
		t.Errorf("message = %+v", m)
	}
	if got, want := s.TimeOf(m), start.Add(50*time.Hour); !got.Equal(want) {
		t.Errorf("TimeOf(T+50:00) = %v, want %v", got, want)
	}

	f2 := s.Injects[5].Fact
	if f2 == nil || *f2.Breach != BreachYes || f2.Subjects != nil || f2.Records != nil || f2.Consequences != nil {
		t.Errorf("fact 2 = %+v", f2)
	}
}

func TestParseScenarioOffsets(t *testing.T) {
	tests := []struct {
		at   string
		want time.Duration
	}{
		{"T+00:00", 0},
		{"T+0:05", 5 * time.Minute},
		{"T+1:00", time.Hour},
		{"T+00:59", 59 * time.Minute},
		{"T+23:59", 23*time.Hour + 59*time.Minute},
		{"T+50:00", 50 * time.Hour},
		{"T+720:30", 720*time.Hour + 30*time.Minute},
		{`"T+01:10"`, 70 * time.Minute},
	}
	for _, tt := range tests {
		src := "title: T\nstart: 2026-05-04T02:00:00Z\ninjects:\n  - at: " + tt.at + "\n    message: hi\n"
		s, err := ParseScenario([]byte(src))
		if err != nil {
			t.Errorf("at %s: %v", tt.at, err)
			continue
		}
		if s.Injects[0].At != tt.want {
			t.Errorf("at %s = %v, want %v", tt.at, s.Injects[0].At, tt.want)
		}
	}
}

func TestFormatOffset(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "T+00:00"},
		{25 * time.Minute, "T+00:25"},
		{70*time.Minute + 30*time.Second, "T+01:10"},
		{50 * time.Hour, "T+50:00"},
		{123*time.Hour + 4*time.Minute, "T+123:04"},
		{-time.Hour, "T+00:00"},
	}
	for _, tt := range tests {
		if got := FormatOffset(tt.d); got != tt.want {
			t.Errorf("FormatOffset(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// head is a valid scenario header; injects begin on line 4.
const head = "title: T\nstart: 2026-05-04T02:00:00+02:00\ninjects:\n"

// decl is a valid declare inject at T+00:00 (lines 4 and 5 after head).
const decl = "  - at: T+00:00\n    declare: {title: DB reads, severity: P1}\n"

func TestParseScenarioRefusals(t *testing.T) {
	long := strings.Repeat("x", MaxTitle+1)
	manySrc := head + strings.Repeat("  - {at: T+00:00, message: m}\n", MaxInjects+1)

	tests := []struct {
		name   string
		src    string
		line   int // 0: no line in the message
		phrase string
	}{
		// Document level.
		{"empty", "", 0, "the scenario is empty"},
		{"only a comment", "# nothing\n", 0, "the scenario is empty"},
		{"not YAML", "title: [oops\n", 1, "not valid YAML"},
		{"tab indentation", "title: x\n\tstart: y\n", 2, "not valid YAML"},
		{"two documents", head + "  - {at: T+00:00, message: m}\n---\ntitle: U\n", 5, "more than one YAML document"},
		{"root is a list", "- title: T\n", 1, "must be a mapping"},
		{"root is text", "hello\n", 1, "must be a mapping"},
		{"too big", "title: " + strings.Repeat("x", MaxScenarioBytes) + "\n", 0, "the limit is 1 MiB"},

		// Top level.
		{"unknown top key", "title: T\nsevrity: P1\nstart: 2026-05-04T02:00:00Z\ninjects: []\n", 2,
			`unknown key "sevrity" at the top level; use title, description, start, injects`},
		{"duplicate top key", "title: T\ntitle: U\nstart: 2026-05-04T02:00:00Z\n", 2, `key "title" appears twice at the top level (first on line 1)`},
		{"non-scalar key", "? [a]\n: b\n", 1, "keys must be plain names"},
		{"missing title", "start: 2026-05-04T02:00:00Z\ninjects:\n  - {at: T+00:00, message: m}\n", 1, "has no title"},
		{"empty title", "title:\nstart: 2026-05-04T02:00:00Z\ninjects:\n  - {at: T+00:00, message: m}\n", 1, "the title is empty"},
		{"title is a list", "title: [a]\nstart: 2026-05-04T02:00:00Z\n", 1, "title must be text"},
		{"title too long", "title: " + long + "\nstart: 2026-05-04T02:00:00Z\n", 1, "the limit is 200"},
		{"start in year 1", "title: T\nstart: 0001-01-01T00:00:00Z\ninjects:\n  - {at: T+00:00, message: m}\n", 2, "outside the years 1970 to 2200"},
		{"start in year 9999", "title: T\nstart: 9999-12-31T23:59:59Z\ninjects:\n  - {at: T+00:00, message: m}\n", 2, "outside the years 1970 to 2200"},
		{"description control character", "title: T\ndescription: \"a\\e[2Jb\"\nstart: 2026-05-04T02:00:00Z\n", 2, "control character"},
		{"missing start", "title: T\ninjects:\n  - {at: T+00:00, message: m}\n", 1, "has no start"},
		{"start date only", "title: T\nstart: 2026-05-04\ninjects:\n  - {at: T+00:00, message: m}\n", 2, "not an RFC 3339 time"},
		{"start without zone", "title: T\nstart: 2026-05-04T02:00:00\ninjects:\n  - {at: T+00:00, message: m}\n", 2, "not an RFC 3339 time"},
		{"start words", "title: T\nstart: tomorrow morning\ninjects:\n  - {at: T+00:00, message: m}\n", 2, `start "tomorrow morning" is not an RFC 3339 time`},
		{"missing injects", "title: T\nstart: 2026-05-04T02:00:00Z\n", 1, "has no injects"},
		{"empty injects", "title: T\nstart: 2026-05-04T02:00:00Z\ninjects: []\n", 3, "has no injects"},
		{"null injects", "title: T\nstart: 2026-05-04T02:00:00Z\ninjects:\n", 3, "has no injects"},
		{"injects a mapping", "title: T\nstart: 2026-05-04T02:00:00Z\ninjects: {at: T+00:00}\n", 3, "injects must be a list"},
		{"too many injects", manySrc, 4 + MaxInjects, "the limit is 500"},

		// Injects.
		{"inject not a mapping", head + "  - T+00:00\n", 4, "must be a mapping"},
		{"unknown inject key", head + "  - at: T+00:00\n    whn: now\n    message: m\n", 5,
			`unknown key "whn" in an inject; use at, declare, note, fact, message`},
		{"duplicate at", head + "  - at: T+00:00\n    at: T+00:05\n    message: m\n", 5, `key "at" appears twice in an inject (first on line 4)`},
		{"no at", head + "  - message: m\n", 4, "has no at"},
		{"no kind", head + "  - at: T+00:00\n", 4, "has no kind"},
		{"two kinds", head + "  - at: T+00:00\n    message: m\n    declare: {title: X, severity: P1}\n", 4, "has both declare and message; give one kind per inject"},
		{"alias", head + "  - at: &t T+00:00\n    message: m\n  - at: *t\n    message: n\n", 6, "aliases such as *t are not supported"},
		{"alias inject", head + "  - &i {at: T+00:00, message: m}\n  - *i\n", 5, "aliases"},
		{"merge key", head + "  - <<: {at: T+00:00}\n    message: m\n", 4, `unknown key "<<"`},

		// Offsets.
		{"at T+1:5", head + "  - {at: T+1:5, message: m}\n", 4, `at "T+1:5" is not an offset; write it as T+H:MM`},
		{"at T+00:60", head + "  - {at: T+00:60, message: m}\n", 4, `at "T+00:60" is not an offset`},
		{"at 00:10", head + "  - {at: 00:10, message: m}\n", 4, `at "00:10" is not an offset`},
		{"at T-01:00", head + "  - {at: T-01:00, message: m}\n", 4, `at "T-01:00" is not an offset`},
		{"at T+abc", head + "  - {at: T+abc, message: m}\n", 4, `at "T+abc" is not an offset`},
		{"at T+:10", head + "  - {at: T+:10, message: m}\n", 4, "is not an offset"},
		{"at T+01:100", head + "  - {at: T+01:100, message: m}\n", 4, "is not an offset"},
		{"at T+01:00:00", head + "  - {at: T+01:00:00, message: m}\n", 4, "is not an offset"},
		{"at lowercase", head + "  - {at: t+01:00, message: m}\n", 4, "is not an offset"},
		{"at T+ 1:00", head + "  - {at: T+ 1:00, message: m}\n", 4, "is not an offset"},
		{"at trailing space", head + "  - {at: \"T+01:00 \", message: m}\n", 4, "is not an offset"},
		{"at empty", head + "  - {at: , message: m}\n", 4, "is not an offset"},
		{"at number", head + "  - {at: 10, message: m}\n", 4, "is not an offset"},
		{"at list", head + "  - {at: [T+00:10], message: m}\n", 4, "at must be text"},
		{"at too far", head + "  - {at: T+99999999999999999999:00, message: m}\n", 4, "too far ahead"},
		{"at beyond max hours", head + "  - {at: T+1000001:00, message: m}\n", 4, "too far ahead"},
		{"backwards", head + "  - {at: T+01:00, message: m}\n  - {at: T+00:30, message: n}\n", 5,
			"injects must be in time order; T+00:30 comes after T+01:00"},

		// Incident references.
		{"note before any declare", head + "  - at: T+00:00\n    note: {incident: 1, text: x}\n" + decl, 5,
			"incident 1 is not declared by an earlier inject; no inject before this one declares an incident"},
		{"note incident 2 of 1", head + decl + "  - at: T+00:10\n    note: {incident: 2, text: x}\n", 7,
			"incident 2 is not declared by an earlier inject; only incident 1"},
		{"fact incident 3 of 2", head + decl + decl + "  - at: T+00:10\n    fact: {incident: 3, breach: \"yes\"}\n", 9,
			"incident 3 is not declared by an earlier inject; use 1 to 2"},
		{"incident 0", head + decl + "  - at: T+00:10\n    note: {incident: 0, text: x}\n", 7, "incident 0 is not declared"},
		{"incident negative", head + decl + "  - at: T+00:10\n    note: {incident: -1, text: x}\n", 7, "incident -1 is not declared"},
		{"incident text", head + decl + "  - at: T+00:10\n    note: {incident: one, text: x}\n", 7, "incident must be a whole number"},
		{"incident quoted", head + decl + "  - at: T+00:10\n    note: {incident: \"1\", text: x}\n", 7, "incident must be a whole number"},
		{"incident missing", head + decl + "  - at: T+00:10\n    note: {text: x}\n", 7, "the note has no incident"},
		{"fact incident missing", head + decl + "  - at: T+00:10\n    fact: {breach: \"no\"}\n", 7, "the fact has no incident"},
		{"declare after failing ref", head + "  - at: T+00:00\n    declare: {title: X}\n  - at: T+00:10\n    note: {incident: 1, text: x}\n", 5, "a severity is needed"},

		// Declare.
		{"declare unknown key", head + "  - at: T+00:00\n    declare:\n      title: X\n      sevrity: P1\n", 7,
			`unknown key "sevrity" in declare; use title, summary, severity, source, breach, availability, customers`},
		{"declare duplicate key", head + "  - at: T+00:00\n    declare:\n      title: X\n      title: Y\n", 7, `key "title" appears twice in declare (first on line 6)`},
		{"declare not a mapping", head + "  - at: T+00:00\n    declare: X\n", 5, "declare must be a mapping"},
		{"declare no title", head + "  - at: T+00:00\n    declare: {severity: P1}\n", 5, "the title is empty"},
		{"declare empty title", head + "  - at: T+00:00\n    declare:\n      title: \"  \"\n      severity: P1\n", 6, "the title is empty"},
		{"declare long title", head + "  - at: T+00:00\n    declare:\n      title: " + long + "\n      severity: P1\n", 6, "the limit is 200"},
		{"declare title escape", head + "  - at: T+00:00\n    declare:\n      title: \"a\\x1b]52;c;aGk=\\x07\"\n      severity: P1\n", 6, "control character"},
		{"declare title newline", head + "  - at: T+00:00\n    declare:\n      title: \"a\\nb\"\n      severity: P1\n", 6, "control character"},
		{"declare no severity", head + "  - at: T+00:00\n    declare: {title: X}\n", 5, "a severity is needed; use P0, P1, P2 or P3"},
		{"declare bad severity", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P5\n", 7, `"P5" is not a severity`},
		{"declare bad source", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      source: pager\n", 8, `"pager" is not a source`},
		{"declare bad breach", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      breach: maybe\n", 8, `"maybe" is not a breach state`},
		{"declare bool breach", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      breach: true\n", 8, `write breach: "yes" or breach: "no" (in quotes)`},
		{"declare availability text", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      availability: sometimes\n", 8, "availability must be true or false"},
		{"declare customers text", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      customers: Acme\n", 8, "customers must be a list"},
		{"declare customer empty", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      customers:\n        - Acme\n        - \"\"\n", 10, "the customer name is empty"},
		{"declare too many customers", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      customers: [" + strings.Repeat("c,", MaxScenarioNames) + "d]\n", 8, "customers lists 201 names; the limit is 200"},
		{"declare customer nested", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      customers: [[Acme]]\n", 8, "must be text"},
		{"declare summary too long", head + "  - at: T+00:00\n    declare:\n      title: X\n      severity: P1\n      summary: " + strings.Repeat("s", MaxSummary+1) + "\n", 8, "the limit is 4000"},
		{"declare tagged title", head + "  - at: T+00:00\n    declare:\n      title: !!binary aGk=\n      severity: P1\n", 6, "which scenarios do not use"},

		// Note and message.
		{"note unknown key", head + decl + "  - at: T+00:10\n    note: {incident: 1, txt: x}\n", 7, `unknown key "txt" in note; use incident, text`},
		{"note not a mapping", head + decl + "  - at: T+00:10\n    note: just text\n", 7, "note must be a mapping"},
		{"note no text", head + decl + "  - at: T+00:10\n    note: {incident: 1}\n", 7, "the note has no text"},
		{"note empty text", head + decl + "  - at: T+00:10\n    note: {incident: 1, text: \"\"}\n", 7, "the note is empty"},
		{"note null text", head + decl + "  - at: T+00:10\n    note:\n      incident: 1\n      text: ~\n", 9, "the note is empty"},
		{"note control character", head + decl + "  - at: T+00:10\n    note: {incident: 1, text: \"a\\rb\"}\n", 7, "control character"},
		{"note too long", head + decl + "  - at: T+00:10\n    note: {incident: 1, text: " + strings.Repeat("n", MaxNote+1) + "}\n", 7, "the limit is 4000"},
		{"message empty", head + "  - at: T+00:00\n    message: \"   \"\n", 5, "the message is empty"},
		{"message null", head + "  - at: T+00:00\n    message:\n", 5, "the message is empty"},
		{"message mapping", head + "  - at: T+00:00\n    message: {text: x}\n", 5, "message must be text"},
		{"message bidi", head + "  - at: T+00:00\n    message: \"a\\u202eb\"\n", 5, "control character"},

		// Fact.
		{"fact unknown key", head + decl + "  - at: T+00:10\n    fact: {incident: 1, subjects: 3}\n", 7,
			`unknown key "subjects" in fact; use incident, breach, subjects_approx, records_approx, categories, customers, consequences`},
		{"fact not a mapping", head + decl + "  - at: T+00:10\n    fact: \"yes\"\n", 7, "fact must be a mapping"},
		{"fact nothing", head + decl + "  - at: T+00:10\n    fact: {incident: 1}\n", 7, "the fact states nothing"},
		{"fact empty lists only", head + decl + "  - at: T+00:10\n    fact: {incident: 1, categories: [], customers: []}\n", 7, "the fact states nothing"},
		{"fact bool breach", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      breach: false\n", 9, `breach false is a boolean; write breach: "yes" or breach: "no"`},
		{"fact bad breach", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      breach: probably\n", 9, `"probably" is not a breach state`},
		{"fact negative subjects", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      subjects_approx: -5\n", 9, "subjects_approx cannot be negative"},
		{"fact negative records", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      records_approx: -1\n", 9, "records_approx cannot be negative"},
		{"fact fractional records", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      records_approx: 1.5\n", 9, "records_approx must be a whole number"},
		{"fact text subjects", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      subjects_approx: many\n", 9, "subjects_approx must be a whole number"},
		{"fact huge subjects", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      subjects_approx: 99999999999999999999\n", 9, "subjects_approx must be a whole number"},
		{"fact categories text", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      categories: email\n", 9, "categories must be a list such as [name, email]"},
		{"fact category empty", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      categories:\n        - \"\"\n", 10, "the data category name is empty"},
		{"fact consequences empty", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      consequences: \"\"\n", 9, "the consequences text is empty"},
		{"fact duplicate key", head + decl + "  - at: T+00:10\n    fact:\n      incident: 1\n      breach: \"yes\"\n      breach: \"no\"\n", 10, `key "breach" appears twice in fact (first on line 9)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseScenario([]byte(tt.src))
			if err == nil {
				t.Fatalf("ParseScenario accepted it: %+v", s)
			}
			if s != nil {
				t.Errorf("ParseScenario returned a scenario with its error")
			}
			var uerr *Error
			if !errors.As(err, &uerr) {
				t.Errorf("error %T is not a model.Error", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if tt.line > 0 {
				if prefix := fmt.Sprintf("line %d: ", tt.line); !strings.HasPrefix(msg, prefix) {
					t.Errorf("error %q does not start with %q", msg, prefix)
				}
			} else if strings.HasPrefix(msg, "line ") {
				t.Errorf("error %q names a line; want none", msg)
			}
			if !strings.Contains(msg, tt.phrase) {
				t.Errorf("error %q does not say %q", msg, tt.phrase)
			}
			if len(msg) > 400 {
				t.Errorf("error is %d bytes long; it should stay one readable sentence", len(msg))
			}
		})
	}
}

func TestParseScenarioLimits(t *testing.T) {
	// Exactly MaxInjects injects are accepted.
	src := head + strings.Repeat("  - {at: T+00:00, message: m}\n", MaxInjects)
	s, err := ParseScenario([]byte(src))
	if err != nil {
		t.Fatalf("%d injects: %v", MaxInjects, err)
	}
	if len(s.Injects) != MaxInjects || s.Injects[MaxInjects-1].N != MaxInjects || s.Injects[MaxInjects-1].Line != 3+MaxInjects {
		t.Errorf("last inject = %+v", s.Injects[len(s.Injects)-1])
	}
	// A file of exactly 1 MiB is read (and here refused for its content,
	// not its size).
	big := head + "  - {at: T+00:00, message: m}\n#"
	big += strings.Repeat("x", MaxScenarioBytes-len(big))
	if len(big) != MaxScenarioBytes {
		t.Fatalf("test file is %d bytes", len(big))
	}
	if _, err := ParseScenario([]byte(big)); err != nil {
		t.Errorf("1 MiB scenario: %v", err)
	}
	// Long keys and values are shortened in messages.
	key := strings.Repeat("k", 5000)
	_, err = ParseScenario([]byte(key + ": 1\n"))
	if err == nil || len(err.Error()) > 300 {
		t.Errorf("long unknown key: %v", err)
	}
}

func TestParseScenarioIncidentCounting(t *testing.T) {
	// An incident counts only once its declare inject is above; a
	// declare at the same offset but later in the file counts for
	// injects after it.
	src := head + decl +
		"  - at: T+00:00\n    declare: {title: Second, severity: P3}\n" +
		"  - at: T+00:00\n    note: {incident: 2, text: about the second}\n" +
		"  - at: T+00:01\n    fact: {incident: 1, records_approx: 3}\n"
	s, err := ParseScenario([]byte(src))
	if err != nil {
		t.Fatalf("ParseScenario: %v", err)
	}
	if s.Injects[2].Incident != 2 || s.Injects[3].Incident != 1 {
		t.Errorf("incidents = %d, %d; want 2, 1", s.Injects[2].Incident, s.Injects[3].Incident)
	}
}

// FuzzParseScenario checks that the parser never panics, refuses with one
// user-facing sentence, and that whatever it accepts keeps the promises the
// store relies on: injects in time order and every incident reference to an
// incident declared by an earlier inject.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(specScenario))
	f.Add([]byte(head + decl + "  - {at: T+00:10, note: {incident: 1, text: x}}\n  - {at: T+50:00, fact: {incident: 1, breach: \"no\", subjects_approx: 0}}\n"))
	f.Add([]byte(head + "  - {at: T+00:10, note: {incident: 1, text: x}}\n"))
	f.Add([]byte(head + "  - {at: T+01:00, message: a}\n  - {at: T+00:59, message: b}\n"))
	f.Add([]byte(head + "  - at: &a T+00:00\n    message: *a\n"))
	f.Add([]byte(head + "  - {at: T+00:00, declare: {title: X, severity: P1, breach: true}}\n"))
	f.Add([]byte("title: T\nstart: 2026-05-04\ninjects:\n  - {at: T+1:5, message: m}\n"))
	f.Add([]byte("- &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseScenario(data)
		if err != nil {
			if s != nil {
				t.Fatalf("scenario returned with error %v", err)
			}
			var uerr *Error
			if !errors.As(err, &uerr) {
				t.Fatalf("error %T is not a model.Error: %v", err, err)
			}
			if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one sentence: %q", msg)
			}
			return
		}
		if s.Title == "" {
			t.Fatal("accepted a scenario without a title")
		}
		if len(s.Injects) == 0 || len(s.Injects) > MaxInjects {
			t.Fatalf("accepted %d injects", len(s.Injects))
		}
		declared := 0
		var prev time.Duration
		for i, in := range s.Injects {
			if in.N != i+1 || in.Line < 1 {
				t.Fatalf("inject %d: N %d, line %d", i, in.N, in.Line)
			}
			if in.At < 0 || in.At < prev {
				t.Fatalf("inject %d at %v after %v: not in time order", in.N, in.At, prev)
			}
			prev = in.At
			if !s.TimeOf(in).Equal(s.Start.Add(in.At)) {
				t.Fatalf("TimeOf(inject %d) is not Start + At", in.N)
			}
			switch in.Kind {
			case InjectDeclare:
				d := in.Declare
				if d == nil || in.Fact != nil || in.Text != "" || in.Incident != 0 {
					t.Fatalf("declare inject %d carries %+v", in.N, in)
				}
				if d.Title == "" || d.Severity.Rank() >= len(Severities) || d.Source == "" || d.Breach == "" ||
					!d.DetectedAt.IsZero() || !d.AwareAt.IsZero() {
					t.Fatalf("declare inject %d: %+v", in.N, *d)
				}
				declared++
			case InjectNote, InjectFact:
				if in.Incident < 1 || in.Incident > declared {
					t.Fatalf("inject %d names incident %d with %d declared before it", in.N, in.Incident, declared)
				}
				if in.Declare != nil {
					t.Fatalf("inject %d carries a declaration", in.N)
				}
				if in.Kind == InjectNote && (in.Text == "" || in.Fact != nil) {
					t.Fatalf("note inject %d: %+v", in.N, in)
				}
				if in.Kind == InjectFact && (in.Fact == nil || in.Text != "") {
					t.Fatalf("fact inject %d: %+v", in.N, in)
				}
			case InjectMessage:
				if in.Text == "" || in.Declare != nil || in.Fact != nil || in.Incident != 0 {
					t.Fatalf("message inject %d: %+v", in.N, in)
				}
			default:
				t.Fatalf("inject %d has kind %q", in.N, in.Kind)
			}
		}
	})
}
