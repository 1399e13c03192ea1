package model

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// notEvents are actions only ever authorised, never written as an event
// of that name (an action item writes action_add or action_done, ...).
var notEvents = []Action{ActRead, ActAudit, ActDraft, ActActionItem, ActExercise, ActManageUsers, ActTokens}

// declaredActions finds every constant of type Action declared in the
// package's source, so that an action added without a sentence fails.
func declaredActions(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	names := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				v := spec.(*ast.ValueSpec)
				typed := false
				if id, ok := v.Type.(*ast.Ident); ok && id.Name == "Action" {
					typed = true
				}
				for k, n := range v.Names {
					// EvPolicy = ActPolicy: an alias of an Action constant.
					if !typed && k < len(v.Values) {
						if id, ok := v.Values[k].(*ast.Ident); ok && (strings.HasPrefix(id.Name, "Act") || strings.HasPrefix(id.Name, "Ev")) && v.Type == nil {
							typed = true
						}
					}
					if typed {
						names[n.Name] = true
					}
				}
			}
		}
	}
	return names
}

func TestEveryEventActionRenders(t *testing.T) {
	declared := declaredActions(t)
	if len(declared) < 40 {
		t.Fatalf("found only %d Action constants in the source; the scan is broken", len(declared))
	}
	for _, a := range EventActions() {
		if slices.Contains(notEvents, a) {
			t.Errorf("%q is both an event and authorisation-only", a)
		}
		ev := Event{Action: a, Target: "INC-7", Data: map[string]string{"from": "open", "to": "closed", "at": "2026-05-04T10:00:00Z"}}
		text := ev.Text(time.UTC)
		if text == "" || strings.Contains(text, "%!") {
			t.Errorf("%s renders as %q", a, text)
		}
	}
	for a := range actionInfo {
		if !slices.Contains(notEvents, a) && !slices.Contains(EventActions(), a) {
			t.Errorf("action %q is written as an event but has no sentence", a)
		}
	}
	// An action this build does not know renders without its facts.
	odd := Event{Action: "from_the_future", Target: "INC-7", Data: map[string]string{"secret": "x"}}
	if got := odd.Text(nil); got != "from_the_future INC-7" {
		t.Errorf("unknown action renders %q", got)
	}
	// Every authorised action that is an event has its sentence (above);
	// every Ev constant has one too: as many sentences beyond them as Ev
	// constants declared.
	if n, beyond := countEv(declared), len(EventActions())-(len(actionInfo)-len(notEvents)); n != beyond {
		t.Errorf("%d Ev constants declared, but %d event actions beyond the authorised ones have sentences", n, beyond)
	}
}

// countEv counts the Ev constants that are not aliases of authorised ones.
func countEv(declared map[string]bool) int {
	n := 0
	for name := range declared {
		if strings.HasPrefix(name, "Ev") && !slices.Contains([]string{"EvPolicy", "EvBackup", "EvAccessReview", "EvPurge"}, name) {
			n++
		}
	}
	return n
}

func TestEventTextInZone(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ev   Event
		loc  *time.Location
		want string
	}{
		{Event{Action: ActNotify, Target: "INC-3", Data: map[string]string{"customer": "Acme", "channel": "email", "sent_at": "2026-12-05T07:45:18Z"}}, ams,
			"recorded initial notification of Acme by email on INC-3, sent 2026-12-05 08:45:18 CET"},
		{Event{Action: ActNotify, Target: "INC-3", Data: map[string]string{"customer": "Acme", "channel": "email", "sent_at": "2026-12-05T07:45:18Z"}}, nil,
			"recorded initial notification of Acme by email on INC-3, sent 2026-12-05 07:45:18 UTC"},
		{Event{Action: ActAware, Target: "INC-3", Data: map[string]string{"from": "2026-07-01T10:00:00Z", "to": "2026-07-01T08:00:00Z"}}, ams,
			"moved awareness of INC-3 from 2026-07-01 12:00:00 CEST to 2026-07-01 10:00:00 CEST"},
		{Event{Action: ActEdit, Target: "INC-3", Data: map[string]string{"detected_at_from": "2026-07-01T10:00:00Z", "detected_at_to": "2026-07-01T09:00:00Z", "title_from": "a", "title_to": "b"}}, ams,
			`corrected INC-3: title "a" → "b"; detected "2026-07-01 12:00:00 CEST" → "2026-07-01 11:00:00 CEST"`},
		{Event{Action: ActClose, Target: "INC-3", Data: map[string]string{"from": "resolved", "to": "closed", "override": "notices tracked"}}, ams,
			"marked INC-3 closed (was resolved) by override: notices tracked"},
		{Event{Action: EvOverride, Target: "INC-3", Data: map[string]string{"action": "close", "gates": "breach, notify", "reason": "legal says so"}}, ams,
			"overrode the close gate of INC-3 (breach, notify): legal says so"},
		{Event{Action: ActSeverity, Target: "INC-3", Data: map[string]string{"from": "P2", "to": "P1", "reason": "customer data confirmed"}}, ams,
			"changed severity of INC-3 from P2 to P1: customer data confirmed"},
		{Event{Action: ActRestored, Target: "INC-3", Data: map[string]string{"at": "2026-07-01T10:00:00Z", "recovery_point": "2026-07-01T07:30:00Z"}}, ams,
			"recorded service of INC-3 restored at 2026-07-01 12:00:00 CEST, data recovered to 2026-07-01 09:30:00 CEST"},
		{Event{Action: EvUserRemove, Target: "user:alice", Data: map[string]string{"name": "alice", "handover_to": "bob", "incidents": "INC-3, INC-4"}}, ams,
			"removed user alice, handing INC-3, INC-4 over to bob"},
	}
	for _, tt := range tests {
		if got := tt.ev.Text(tt.loc); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.ev.Action, got, tt.want)
		}
	}
}
