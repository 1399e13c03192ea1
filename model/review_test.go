package model

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func fullReview() Review {
	return Review{
		RootCause: "Expired certificate", Worked: "Paging", NotWorked: "Runbook was stale", Impact: "30 minutes of errors",
		Actions: []ActionItem{{N: 1, Title: "Automate renewal", Owner: "alice", Due: "2026-06-01"}},
	}
}

func TestReviewMissing(t *testing.T) {
	const (
		root    = "root cause"
		worked  = "what worked"
		notWork = "what did not work"
		impact  = "customer impact"
		actions = "at least one action item"
	)
	tests := []struct {
		name   string
		mutate func(r *Review)
		want   []string
	}{
		{"complete review needs nothing", func(r *Review) {}, nil},
		{"empty review needs everything", func(r *Review) { *r = Review{} }, []string{root, worked, notWork, impact, actions}},
		{"root cause missing", func(r *Review) { r.RootCause = "" }, []string{root}},
		{"what worked missing", func(r *Review) { r.Worked = "" }, []string{worked}},
		{"what did not work missing", func(r *Review) { r.NotWorked = "" }, []string{notWork}},
		{"impact missing", func(r *Review) { r.Impact = "" }, []string{impact}},
		{"whitespace is not text", func(r *Review) { r.RootCause = " \n\t " }, []string{root}},
		{"at least one action item", func(r *Review) { r.Actions = nil }, []string{actions}},
		{"action item without owner", func(r *Review) {
			r.Actions = append(r.Actions, ActionItem{N: 2, Title: "Add alert", Due: "2026-06-02"})
		}, []string{"an owner and due date for action item Add alert"}},
		{"action item without due date", func(r *Review) {
			r.Actions = append(r.Actions, ActionItem{N: 2, Title: "Add alert", Owner: "bob"})
		}, []string{"an owner and due date for action item Add alert"}},
		{"each incomplete action item listed", func(r *Review) {
			r.Actions = []ActionItem{{N: 1, Title: "A"}, {N: 2, Title: "B", Owner: "bob", Due: "2026-06-02"}, {N: 3, Title: "C", Due: "2026-06-02"}}
		}, []string{"an owner and due date for action item A", "an owner and due date for action item C"}},
		{"done items still count", func(r *Review) { r.Actions[0].DoneAt = utc(2026, 5, 20, 9, 0, 0) }, nil},
		{"sections and actions both", func(r *Review) { r.Impact, r.Actions = "", nil }, []string{impact, actions}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fullReview()
			tt.mutate(&r)
			if got := r.Missing(); !slices.Equal(got, tt.want) {
				t.Errorf("Missing() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReviewComplete(t *testing.T) {
	r := fullReview()
	if r.Complete() {
		t.Error("complete before CompletedAt is set")
	}
	r.CompletedAt = utc(2026, 5, 10, 12, 0, 0)
	if !r.Complete() {
		t.Error("not complete with CompletedAt set")
	}
}

// The review gate of closing, with every other gate passed.
func TestCloseReviewGate(t *testing.T) {
	completed := fullReview()
	completed.CompletedAt = utc(2026, 5, 10, 12, 0, 0)
	incomplete := fullReview()
	incomplete.RootCause = ""
	tests := []struct {
		name    string
		sev     Severity
		status  Status
		review  Review
		wantErr bool
	}{
		{"P1 resolved with incomplete review", P1, Resolved, incomplete, true},
		{"P1 resolved with every section written but not marked complete", P1, Resolved, fullReview(), true},
		{"P0 resolved without review", P0, Resolved, Review{}, true},
		{"P1 resolved with completed review", P1, Resolved, completed, false},
		{"P0 contained with completed review", P0, Contained, completed, false},
		{"P3 resolved without review", P3, Resolved, Review{}, false},
		{"P2 open without review (skips forward)", P2, Open, Review{}, false},
		{"P3 acknowledged without review", P3, Acknowledged, Review{}, false},
		{"closed P3 cannot close again", P3, Closed, Review{}, true},
		{"closed P1 cannot close again", P1, Closed, completed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := &Incident{ID: 7, Severity: tt.sev, Status: tt.status, Review: tt.review, Breach: BreachNo, Commander: "alice",
				DetectedAt: utc(2026, 5, 1, 12, 0, 0), AwareAt: utc(2026, 5, 1, 12, 0, 0)}
			_, err := Advance(inc, Closed, DefaultPolicy(), utc(2026, 5, 11, 12, 0, 0), "")
			if tt.wantErr {
				wantUserError(t, err)
				if !strings.Contains(err.Error(), "INC-7") {
					t.Errorf("refusal %q does not name the incident", err)
				}
				return
			}
			if err != nil {
				t.Errorf("Advance to closed: %v", err)
			}
		})
	}
}

func TestReviewEdit(t *testing.T) {
	s := func(v string) *string { return &v }
	t.Run("nothing to write", func(t *testing.T) {
		wantUserError(t, (&ReviewEdit{}).Validate())
	})
	t.Run("complete alone is something", func(t *testing.T) {
		if err := (&ReviewEdit{Complete: true}).Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
	})
	t.Run("sections cleaned and applied, others kept", func(t *testing.T) {
		e := &ReviewEdit{RootCause: s("  Expired cert\nrenewal job broke  "), Impact: s("none")}
		if err := e.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		r := fullReview()
		e.Apply(&r)
		if r.RootCause != "Expired cert\nrenewal job broke" || r.Impact != "none" || r.Worked != "Paging" || r.NotWorked != "Runbook was stale" {
			t.Errorf("applied review %+v", r)
		}
	})
	for _, tt := range []struct{ name, v string }{
		{"empty section", "  "},
		{"escape sequence", "x\x1b[2J"},
		{"too long", strings.Repeat("x", MaxNote+1)},
	} {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			wantUserError(t, (&ReviewEdit{Worked: s(tt.v)}).Validate())
		})
	}
}

func TestReviewChanged(t *testing.T) {
	done := fullReview()
	done.CompletedAt, done.CompletedBy = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), "alice"
	for _, tc := range []struct {
		name     string
		r        Review
		by       Role
		cleared  bool
		complete bool
	}{
		{"member on complete", done, Member, true, false},
		{"viewer on complete", done, Viewer, true, false},
		{"admin on complete", done, Admin, false, true},
		{"owner on complete", done, Owner, false, true},
		{"member on incomplete", fullReview(), Member, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			if got := r.Changed(tc.by); got != tc.cleared || r.Complete() != tc.complete {
				t.Errorf("Changed(%s) = %v, complete %v; want %v, %v", tc.by, got, r.Complete(), tc.cleared, tc.complete)
			}
			if !r.Complete() && r.CompletedBy != "" {
				t.Errorf("cleared but still completed by %q", r.CompletedBy)
			}
		})
	}
}
