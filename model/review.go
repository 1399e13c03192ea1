package model

import (
	"strings"
	"time"
)

// Review is the post-incident review. Its timeline section is generated
// from the incident's events.
type Review struct {
	RootCause, Worked, NotWorked, Impact string
	CompletedAt                          time.Time
	CompletedBy                          string
	Actions                              []ActionItem
}

// ActionItem is a follow-up action from the review.
type ActionItem struct {
	N      int
	Title  string
	Owner  string
	Due    string // YYYY-MM-DD
	DoneAt time.Time
	DoneBy string
}

// Complete reports whether the review has been marked complete.
func (r Review) Complete() bool { return !r.CompletedAt.IsZero() }

// Changed applies the rule for changing a review once it is complete:
// an admin's change (whoever may mark it complete) keeps the completion,
// anyone else's clears it, so the close gate never rests on text nobody
// with that right signed off. It reports whether the completion was
// cleared.
func (r *Review) Changed(by Role) (cleared bool) {
	if !r.Complete() || by.AtLeast(MinRole(ActReviewDone)) {
		return false
	}
	r.CompletedAt, r.CompletedBy = time.Time{}, ""
	return true
}

// Missing lists what the review still needs before it can be complete:
// text in every section and at least one action item, each with an owner
// and a due date.
func (r Review) Missing() []string {
	var m []string
	for _, s := range []struct{ name, text string }{
		{"root cause", r.RootCause},
		{"what worked", r.Worked},
		{"what did not work", r.NotWorked},
		{"customer impact", r.Impact},
	} {
		if strings.TrimSpace(s.text) == "" {
			m = append(m, s.name)
		}
	}
	if len(r.Actions) == 0 {
		m = append(m, "at least one action item")
	}
	for _, a := range r.Actions {
		if a.Owner == "" || a.Due == "" {
			m = append(m, "an owner and due date for action item "+a.Title)
		}
	}
	return m
}

// ReviewEdit holds the review sections to write; nil leaves one as it is.
type ReviewEdit struct {
	RootCause, Worked, NotWorked, Impact *string
	Complete                             bool
	// Customer makes Impact that customer's own impact, the one its
	// portion of the review shows (export --for).
	Customer string
}

// Validate cleans the sections.
func (e *ReviewEdit) Validate() error {
	fields := []struct {
		name string
		p    **string
	}{{"root cause", &e.RootCause}, {"what worked", &e.Worked}, {"what did not work", &e.NotWorked}, {"customer impact", &e.Impact}}
	any := e.Complete
	for _, f := range fields {
		if *f.p == nil {
			continue
		}
		any = true
		v, err := CleanText(f.name, **f.p, MultiLine, 1, MaxNote)
		if err != nil {
			return err
		}
		*f.p = &v
	}
	if !any {
		return Errorf("nothing to write; give --root-cause, --worked, --not-worked, --impact or --complete")
	}
	return nil
}

// Apply writes the edit's sections into r.
func (e *ReviewEdit) Apply(r *Review) {
	for _, f := range []struct {
		src *string
		dst *string
	}{{e.RootCause, &r.RootCause}, {e.Worked, &r.Worked}, {e.NotWorked, &r.NotWorked}, {e.Impact, &r.Impact}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
}

// Overdue reports whether the action item is not done and its due date
// has passed (in loc, the policy's zone: due on a day means by its end).
func (a ActionItem) Overdue(now time.Time, loc *time.Location) bool {
	return a.DoneAt.IsZero() && a.Due != "" && a.Due < now.In(loc).Format(DateLayout)
}

// CheckActionItem validates a new action item at now: a title, an owner
// (whom the caller has found among the users), and a due date that has
// not already passed in loc.
func CheckActionItem(title, due string, now time.Time, loc *time.Location) (string, string, error) {
	title, err := CleanText("action item title", title, SingleLine, 1, MaxTitle)
	if err != nil {
		return "", "", err
	}
	if due, err = ParseDate(due); err != nil {
		return "", "", err
	}
	if today := now.In(loc).Format(DateLayout); due < today {
		return "", "", Errorf("the due date %s has already passed (today is %s); give a date from today on", due, today)
	}
	return title, due, nil
}

// ActionRow is an action item with its incident, for lists across
// incidents.
type ActionRow struct {
	Ref string
	ActionItem
}

// ActionRowJSON is an action item across incidents in JSON.
type ActionRowJSON struct {
	Ref     string `json:"ref"`
	N       int    `json:"n"`
	Title   string `json:"title"`
	Owner   string `json:"owner"`
	Due     string `json:"due"`
	Done    bool   `json:"done"`
	Overdue bool   `json:"overdue"`
}

// ToJSON is the row as JSON at now.
func (r ActionRow) ToJSON(now time.Time, loc *time.Location) ActionRowJSON {
	return ActionRowJSON{Ref: r.Ref, N: r.N, Title: r.Title, Owner: r.Owner, Due: r.Due, Done: !r.DoneAt.IsZero(), Overdue: r.Overdue(now, loc)}
}
