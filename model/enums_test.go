package model

import (
	"strings"
	"testing"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"P0", P0, false}, {"P1", P1, false}, {"P2", P2, false}, {"P3", P3, false},
		{"p0", P0, false}, {"p3", P3, false}, {" P1 ", P1, false},
		{"", "", true}, {"P4", "", true}, {"P", "", true}, {"1", "", true},
		{"high", "", true}, {"P-1", "", true}, {"P 1", "", true}, {"P01", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSeverity(tt.in)
			if tt.wantErr {
				wantUserError(t, err)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseSeverity(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestSeverityProperties(t *testing.T) {
	tests := []struct {
		sev       Severity
		rank      int
		name      string
		commander bool
	}{
		{P0, 0, "critical", true},
		{P1, 1, "high", true},
		{P2, 2, "moderate", false},
		{P3, 3, "low", false},
		{"P9", 4, "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.sev), func(t *testing.T) {
			if got := tt.sev.Rank(); got != tt.rank {
				t.Errorf("Rank = %d, want %d", got, tt.rank)
			}
			info := tt.sev.Info()
			if info.Name != tt.name {
				t.Errorf("Info().Name = %q, want %q", info.Name, tt.name)
			}
			if (info.Definition != "") != (tt.name != "") {
				t.Errorf("Info().Definition = %q", info.Definition)
			}
			if got := tt.sev.NeedsCommander(); got != tt.commander {
				t.Errorf("NeedsCommander = %v, want %v", got, tt.commander)
			}
		})
	}
}

func TestParseSource(t *testing.T) {
	valid := []string{"monitoring", "audit-log", "vuln-scan", "customer-report", "researcher-report", "sub-processor", "other"}
	if len(Sources) != len(valid) {
		t.Errorf("Sources = %v, want %v", Sources, valid)
	}
	for _, v := range valid {
		for _, in := range []string{v, strings.ToUpper(v), " " + v + " "} {
			t.Run(in, func(t *testing.T) {
				got, err := ParseSource(in)
				if err != nil || string(got) != v {
					t.Errorf("ParseSource(%q) = %q, %v; want %q", in, got, err, v)
				}
			})
		}
	}
	for _, in := range []string{"", "monitor", "audit log", "audit_log", "email", "customer"} {
		t.Run("refuses "+in, func(t *testing.T) {
			got, err := ParseSource(in)
			wantUserError(t, err)
			if got != "" {
				t.Errorf("refused but returned %q", got)
			}
			if !strings.Contains(err.Error(), "monitoring") {
				t.Errorf("refusal %q does not list the sources", err)
			}
		})
	}
}

func TestParseBreach(t *testing.T) {
	tests := []struct {
		in      string
		want    Breach
		wantErr bool
	}{
		{"yes", BreachYes, false}, {"no", BreachNo, false}, {"unknown", BreachUnknown, false},
		{"YES", BreachYes, false}, {"No", BreachNo, false}, {" Unknown ", BreachUnknown, false},
		{"", "", true}, {"y", "", true}, {"true", "", true}, {"maybe", "", true}, {"n/a", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBreach(tt.in)
			if tt.wantErr {
				wantUserError(t, err)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseBreach(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"viewer", Viewer, false}, {"member", Member, false}, {"admin", Admin, false}, {"owner", Owner, false},
		{"Admin", Admin, false}, {"OWNER", Owner, false}, {" member ", Member, false},
		{"", "", true}, {"root", "", true}, {"administrator", "", true}, {"read-only", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if tt.wantErr {
				wantUserError(t, err)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseRole(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRoleAtLeast(t *testing.T) {
	for i, r := range Roles {
		for j, min := range Roles {
			if got, want := r.AtLeast(min), i >= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", r, min, got, want)
			}
		}
		if Role("").AtLeast(r) || Role("root").AtLeast(r) {
			t.Errorf("an unknown role holds the rights of %s", r)
		}
	}
}

func TestCheckTransition(t *testing.T) {
	order := map[Status]int{Open: 0, Acknowledged: 1, Contained: 2, Resolved: 3, Closed: 4}
	if len(Statuses) != len(order) {
		t.Fatalf("Statuses = %v", Statuses)
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			var want bool
			switch {
			case from == to:
				want = false // same → same
			case from == Closed:
				want = false // closed is final
			case from == Resolved && to == Acknowledged:
				want = true // re-opening
			case order[to] > order[from]:
				want = true // forward, skips included
			default:
				want = false // every other backward move
			}
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				err := CheckTransition("INC-7", from, to)
				if !want {
					wantUserError(t, err)
					if !strings.Contains(err.Error(), "INC-7") {
						t.Errorf("refusal %q does not name the incident", err)
					}
					return
				}
				if err != nil {
					t.Errorf("refused: %v", err)
				}
			})
		}
	}

	// The ones the specification names, spelled out.
	for _, tt := range []struct {
		from, to Status
		ok       bool
	}{
		{Open, Resolved, true},
		{Open, Closed, true},
		{Acknowledged, Closed, true},
		{Resolved, Acknowledged, true},
		{Resolved, Open, false},
		{Resolved, Contained, false},
		{Contained, Acknowledged, false},
		{Closed, Open, false},
		{Closed, Acknowledged, false},
		{Open, Open, false},
	} {
		if err := CheckTransition("INC-1", tt.from, tt.to); (err == nil) != tt.ok {
			t.Errorf("CheckTransition(%s→%s) = %v, want ok %v", tt.from, tt.to, err, tt.ok)
		}
	}
}

func TestStatusActive(t *testing.T) {
	for _, s := range Statuses {
		if got, want := s.Active(), s != Closed; got != want {
			t.Errorf("%s.Active() = %v, want %v", s, got, want)
		}
	}
}

func TestAuthorize(t *testing.T) {
	// The least role for each action, from the specification's role list.
	least := map[Action]Role{
		ActRead:         Viewer,
		ActAudit:        Viewer,
		ActDraft:        Viewer,
		ActDeclare:      Member,
		ActAck:          Member,
		ActNote:         Member,
		ActCheck:        Member,
		ActChecklistAdd: Member,
		ActReviewWrite:  Member,
		ActActionItem:   Member,
		ActAssign:       Admin,
		ActSeverity:     Admin,
		ActAware:        Admin,
		ActBreach:       Admin,
		ActContact:      Admin,
		ActSharePIR:     Member,
		ActNotify:       Admin,
		ActStatusUpdate: Admin,
		ActReport:       Admin,
		ActEdit:         Admin,
		ActPostmortem:   Admin,
		ActRestored:     Admin,
		ActClassify:     Admin,
		ActContain:      Admin,
		ActResolve:      Admin,
		ActClose:        Admin,
		ActReopen:       Admin,
		ActReviewDone:   Admin,
		ActDelete:       Admin,
		ActExercise:     Admin,
		ActManageUsers:  Owner,
		ActAccessReview: Owner,
		ActBackup:       Owner,
		ActPolicy:       Owner,
		ActTokens:       Owner,
		ActPurge:        Owner,
	}
	// Every action the model knows is in the table above.
	for a := range actionInfo {
		if _, ok := least[a]; !ok {
			t.Errorf("action %q has no expectation in this test", a)
		}
	}
	rank := map[Role]int{Viewer: 0, Member: 1, Admin: 2, Owner: 3}
	for a, min := range least {
		for _, r := range Roles {
			want := rank[r] >= rank[min]
			t.Run(string(r)+"/"+string(a), func(t *testing.T) {
				err := Authorize(r, a)
				if !want {
					wantUserError(t, err)
					if !strings.Contains(err.Error(), string(r)) {
						t.Errorf("refusal %q does not say the role", err)
					}
					return
				}
				if err != nil {
					t.Errorf("refused: %v", err)
				}
			})
		}
	}

	t.Run("viewer only reads", func(t *testing.T) {
		for a := range least {
			ok := Authorize(Viewer, a) == nil
			if want := a == ActRead || a == ActAudit || a == ActDraft; ok != want {
				t.Errorf("viewer %s allowed %v, want %v", a, ok, want)
			}
		}
	})
	t.Run("unknown action refused for everyone", func(t *testing.T) {
		for _, r := range Roles {
			wantUserError(t, Authorize(r, "launch-missiles"))
		}
	})
	t.Run("unknown or empty role refused", func(t *testing.T) {
		for _, r := range []Role{"", "root", "Owner"} {
			wantUserError(t, Authorize(r, ActRead))
		}
	})
	t.Run("refusal says who can", func(t *testing.T) {
		for _, tt := range []struct {
			role Role
			act  Action
			who  string
		}{
			{Viewer, ActDeclare, "members, admins and owners"},
			{Member, ActClose, "admins and owners"},
			{Admin, ActBackup, "owners"},
		} {
			err := Authorize(tt.role, tt.act)
			if err == nil || !strings.Contains(err.Error(), "only "+tt.who+" can") {
				t.Errorf("Authorize(%s, %s) = %v, want it to say only %s can", tt.role, tt.act, err, tt.who)
			}
		}
	})
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"INC-7", 7, false},
		{"inc-7", 7, false},
		{"Inc-7", 7, false},
		{"7", 7, false},
		{" INC-42 ", 42, false},
		{"INC-1", 1, false},
		{"INC-9223372036854775807", 9223372036854775807, false},
		{"0", 0, true},
		{"INC-0", 0, true},
		{"-1", 0, true},
		{"INC--1", 0, true},
		{"INC-", 0, true},
		{"INC", 0, true},
		{"", 0, true},
		{"abc", 0, true},
		{"INC-7x", 0, true},
		{"INC-abc", 0, true},
		{"7.0", 0, true},
		{"INC 7", 0, true},
		{"INC-9223372036854775808", 0, true},
		{"XYZ-7", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRef(tt.in)
			if tt.wantErr {
				wantUserError(t, err)
				if got != 0 {
					t.Errorf("refused but returned %d", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseRef(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	if got := FormatRef(7); got != "INC-7" {
		t.Errorf("FormatRef(7) = %q", got)
	}
	if got := (&Incident{ID: 12}).Ref(); got != "INC-12" {
		t.Errorf("Ref() = %q", got)
	}
	for _, id := range []int64{1, 7, 1234567} {
		if back, err := ParseRef(FormatRef(id)); err != nil || back != id {
			t.Errorf("ParseRef(FormatRef(%d)) = %d, %v", id, back, err)
		}
	}
}
