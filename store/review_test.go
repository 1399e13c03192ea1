package store_test

import (
	"context"
	"testing"

	"sitrep/model"
)

// Once a review is complete, a member's change (a section, an action
// item) clears the completion, and the event says so; an admin's change
// keeps it.
func TestCompleteReviewChangedByMemberClearsCompletion(t *testing.T) {
	st, _ := openStore(t)
	addTeam(t, st)
	ctx := context.Background()
	inc := declare(t, st, model.Declaration{Title: "cert expiry", Severity: model.P1})
	completeReview(t, st, inc.ID)

	ev := must(st.WriteReview(ctx, admin, inc.ID, model.ReviewEdit{Impact: ptr("25 minutes of errors")}))(t)
	if got := mustIncident(t, st, inc.ID); !got.Review.Complete() || ev.Data["completion_cleared"] != "" {
		t.Errorf("an admin's change to a complete review: complete %v, event %+v", got.Review.Complete(), ev.Data)
	}

	ev = must(st.WriteReview(ctx, member, inc.ID, model.ReviewEdit{RootCause: ptr("a rewritten cause")}))(t)
	got := mustIncident(t, st, inc.ID)
	if got.Review.Complete() || got.Review.CompletedBy != "" {
		t.Errorf("a member's change to a complete review kept it complete: %+v", got.Review)
	}
	if ev.Data["completion_cleared"] != "true" || ev.Text(nil) != "wrote the review of INC-1: root cause; it is no longer complete" {
		t.Errorf("the member's change event: %q %+v", ev.Text(nil), ev.Data)
	}

	must(st.WriteReview(ctx, admin, inc.ID, model.ReviewEdit{Complete: true}))(t)
	ev = must(st.AddActionItem(ctx, member, inc.ID, "Alert on expiry", "bob", "2026-05-01"))(t)
	if got := mustIncident(t, st, inc.ID); got.Review.Complete() || ev.Data["completion_cleared"] != "true" {
		t.Errorf("a member's action item on a complete review: complete %v, event %+v", got.Review.Complete(), ev.Data)
	}
}
