package ui

import (
	"strings"
	"testing"
	"time"

	"sitrep/model"
)

func TestConsoleViewerRefused(t *testing.T) {
	e := newConEnv(t)
	refusal := func(act model.Action) string { return model.Authorize(model.Viewer, act).Error() }
	tests := []struct {
		name string
		inc  string
		tab  int
		keys []string
		act  model.Action
	}{
		{"a on the board", "", 0, []string{"j", "a"}, model.ActAck},
		{"n on the board", "", 0, []string{"n"}, model.ActDeclare},
		{"m on the board", "", 0, []string{"m"}, model.ActNote},
		{"i on the board", "", 0, []string{"i"}, model.ActAssign},
		{"c on the board", "", 0, []string{"c"}, model.ActContain},
		{"space on the checklist", incWebhooks, tabChecklist, []string{"space"}, model.ActCheck},
		{"x on the checklist", incWebhooks, tabChecklist, []string{"x"}, model.ActCheck},
		{"a in the incident", incWebhooks, tabTimeline, []string{"a"}, model.ActAck},
		{"N on notifications", incExport, tabNotification, []string{"N"}, model.ActNotify},
		{"enter on the review", incExport, tabReview, []string{"enter"}, model.ActReviewWrite},
		{"y on the review", incExport, tabReview, []string{"y"}, model.ActReviewDone},
		{"b on details", incExport, tabDetails, []string{"b"}, model.ActBreach},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newConsole(t, e, conViewer, 100, 30)
			if tt.inc != "" {
				h.open(tt.inc, tt.tab)
			}
			before := e.seq(t)
			h.press(tt.keys...)
			h.flush(50 * time.Millisecond)
			if e.seq(t) != before {
				t.Fatal("a viewer's key wrote to the store")
			}
			if h.m.form != nil || h.m.ask != nil {
				t.Fatal("a viewer's key opened a form or a confirmation")
			}
			want := refusal(tt.act)
			if !strings.Contains(want, "viewer cannot") {
				t.Fatalf("model refusal %q", want)
			}
			if h.m.flash != asSentence(want) || !h.m.flashErr {
				t.Errorf("flash %q (error %v), want %q", h.m.flash, h.m.flashErr, asSentence(want))
			}
			footer := lastLine(h.screen())
			if !strings.HasPrefix(footer, "A viewer cannot") {
				t.Errorf("footer %q does not show the refusal", footer)
			}
		})
	}
}

func TestConsoleViewerHelp(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conViewer, 160, 50)
	h.open(incExport, tabChecklist)
	h.press("?")
	s := h.screen()
	raw := h.raw()
	assertContains(t, "viewer help", s, "you are vera (viewer)")
	for _, b := range helpBindings(h.m.keys.incidentHelp()) {
		hk := b.Help()
		line := lineWith(s, cell(hk.Key, 11)+hk.Desc)
		if line == "" {
			t.Errorf("help has no line for %s %s", hk.Key, hk.Desc)
			continue
		}
		if b.act == "" || model.Authorize(model.Viewer, b.act) == nil {
			if strings.Contains(line, "cannot") {
				t.Errorf("%s is allowed to a viewer but help says %q", hk.Key, line)
			}
			continue
		}
		// Forbidden: the refusal follows the key, and the key is struck through.
		if want := "— " + model.Authorize(model.Viewer, b.act).Error(); !strings.Contains(line, want) {
			t.Errorf("help line %q does not say %q", line, want)
		}
		if off := h.m.st.KeyOff.Render(cell(hk.Key, 11) + hk.Desc); !strings.Contains(raw, off) {
			t.Errorf("%s %s is not rendered with the KeyOff style", hk.Key, hk.Desc)
		}
	}

	// The footer shows forbidden keys struck through too.
	h.press("esc")
	if off := h.m.st.KeyOff.Render("a acknowledge"); !strings.Contains(lastLine(h.raw()), off) {
		t.Errorf("the footer does not strike through a acknowledge for a viewer: %q", lastLine(h.raw()))
	}
}

// lineWith is the first line of s holding sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func TestConsoleMember(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conMember, 100, 30)

	h.press("n")
	if h.m.form == nil {
		t.Fatalf("a member cannot open the declare form: %q", h.m.flash)
	}
	h.typeText("Phishing mail reported by staff")
	for range len(h.m.form.fields) {
		h.press("enter")
	}
	d := h.wrote()
	h.refresh()
	if sel := h.m.selected(); sel == nil || sel.ID != d.id {
		t.Fatalf("selection %v, want the declared incident", sel)
	}
	h.press("a")
	h.wrote()
	inc, err := e.st.Incident(t.Context(), d.id)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Status != model.Acknowledged {
		t.Errorf("status %s after a member's a, want acknowledged", inc.Status)
	}

	before := e.seq(t)
	h.press("i")
	h.flush(50 * time.Millisecond)
	if h.m.form != nil || e.seq(t) != before {
		t.Fatal("a member could open the commander picker")
	}
	if !strings.Contains(h.m.flash, "A member cannot assign the incident commander; only admins and owners can.") {
		t.Errorf("flash %q, want the model's refusal", h.m.flash)
	}
	h.press("?")
	assertContains(t, "member help", h.screen(), "i          assign commander  — a member cannot assign the incident commander; only admins")
	assertNotContains(t, "member help", h.screen(), "a member cannot declare", "a member cannot acknowledge")
}

// A console told its user's new role (RoleMsg, from the server) offers
// and refuses keys by that role from then on, and says so.
func TestConsoleFollowsRoleChange(t *testing.T) {
	e := newConEnv(t)
	h := newConsole(t, e, conAdmin, 100, 30)
	h.update(RoleMsg{Role: model.Member})
	if h.m.flash != "An owner changed your role to member." {
		t.Errorf("flash %q after the role change", h.m.flash)
	}
	before := e.seq(t)
	h.press("j", "c")
	h.flush(50 * time.Millisecond)
	if e.seq(t) != before {
		t.Fatal("a demoted admin's contain wrote to the store")
	}
	if want := asSentence(model.Authorize(model.Member, model.ActContain).Error()); h.m.flash != want {
		t.Errorf("flash %q, want %q", h.m.flash, want)
	}
}

// An owner's header shows the access-review deadline once it is near,
// and OVERDUE once passed; nobody else's does.
func TestConsoleAccessReviewDeadline(t *testing.T) {
	e := newConEnv(t)
	owner := model.Actor{Name: "olivia", Role: model.Owner, Source: "local:olivia@host"}
	now := e.clk.Now()
	for _, c := range []struct {
		name   string
		actor  model.Actor
		review time.Time // the last access review
		want   string    // in the header; "" for nothing
	}{
		{"owner, reviewed today", owner, now, ""},
		{"owner, due in a week", owner, now.Add(-84 * 24 * time.Hour), "access review due 7d 00:00"},
		{"owner, overdue", owner, now.Add(-92 * 24 * time.Hour), "! ACCESS REVIEW OVERDUE"},
		{"admin, overdue", conAdmin, now.Add(-92 * 24 * time.Hour), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newConsole(t, e, c.actor, 160, 30)
			snap := *h.src.Snapshot()
			b := *snap.Board
			b.LastAccessReview = c.review
			snap.Board = &b
			h.src.set(&snap)
			h.update(snapMsg{})
			header := strings.SplitN(h.screen(), "\n", 2)[0]
			if c.want == "" && strings.Contains(strings.ToLower(header), "access review") || c.want != "" && !strings.Contains(header, c.want) {
				t.Errorf("header %q; want %q", header, c.want)
			}
		})
	}
}
