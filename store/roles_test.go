package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

// writeOps is every store write, as a function of the actor, against
// incidents that make each one valid for an actor with the right role.
func writeOps(st *store.Store, clk *testClock, dir string, active, resolved int64) map[string]func(model.Actor) error {
	ctx := context.Background()
	return map[string]func(model.Actor) error{
		"declare": func(a model.Actor) error {
			_, err := st.Declare(ctx, a, model.Declaration{Title: "New one", Severity: model.P3})
			return err
		},
		"note":          func(a model.Actor) error { return e(st.Note(ctx, a, active, "a note")) },
		"check":         func(a model.Actor) error { return e(st.Check(ctx, a, active, model.CheckChange{Key: "scope"})) },
		"checklist_add": func(a model.Actor) error { return e(st.AddChecklistItem(ctx, a, active, "call-legal", "Call legal")) },
		"ack":           func(a model.Actor) error { return e(st.Transition(ctx, a, active, model.Acknowledged, "")) },
		"review": func(a model.Actor) error {
			return e(st.WriteReview(ctx, a, resolved, model.ReviewEdit{Worked: ptr("paging " + a.Name)}))
		},
		"action_add":  func(a model.Actor) error { return e(st.AddActionItem(ctx, a, resolved, "Do it", "bob", "2026-05-01")) },
		"action_done": func(a model.Actor) error { return e(st.ActionDone(ctx, a, resolved, 1)) },
		"assign":      func(a model.Actor) error { return e(st.Assign(ctx, a, active, "bob")) },
		"severity":    func(a model.Actor) error { return e(st.SetSeverity(ctx, a, active, model.P0, "")) },
		"notify":      func(a model.Actor) error { return e(st.Notify(ctx, a, active, store.NotifyInput{Customer: "Acme"})) },
		"breach": func(a model.Actor) error {
			return e(st.SetBreach(ctx, a, active, model.BreachFacts{Records: ptr(int64(10))}))
		},
		"aware":         func(a model.Actor) error { return e(st.SetAware(ctx, a, active, clk.Now().Add(-time.Hour))) },
		"status_update": func(a model.Actor) error { return e(st.StatusUpdate(ctx, a, active, "still down")) },
		"report":        func(a model.Actor) error { return e(st.Report(ctx, a, active, "nis2-warning", time.Time{})) },
		"contain":       func(a model.Actor) error { return e(st.Transition(ctx, a, active, model.Contained, "")) },
		"resolve":       func(a model.Actor) error { return e(st.Transition(ctx, a, active, model.Resolved, "")) },
		"close":         func(a model.Actor) error { return e(st.Transition(ctx, a, resolved, model.Closed, "")) },
		"reopen":        func(a model.Actor) error { return e(st.Reopen(ctx, a, resolved)) },
		"review_complete": func(a model.Actor) error {
			return e(st.WriteReview(ctx, a, resolved, model.ReviewEdit{Complete: true}))
		},
		"delete": func(a model.Actor) error { return e(st.Delete(ctx, a, active, "mistake")) },
		"edit": func(a model.Actor) error {
			return e(st.Edit(ctx, a, active, model.Edit{Title: ptr("Corrected by " + a.Name)}))
		},
		"add_user":     func(a model.Actor) error { return e(st.AddUser(ctx, a, "zed", model.Member, nil)) },
		"add_user_key": func(a model.Actor) error { return e(st.AddUserKey(ctx, a, "bob", sshKey(40, ""))) },
		"remove_user":  func(a model.Actor) error { return e(st.RemoveUser(ctx, a, "vera", "")) },
		"backup": func(a model.Actor) error {
			return e(st.Backup(ctx, a, filepath.Join(dir, a.Name+"-backup.db")))
		},
		"policy": func(a model.Actor) error {
			_, err := st.SetPolicy(ctx, a, func(p *model.Policy) (string, error) { p.ContactDetails = "dpo@example.com"; return "contact", nil })
			return err
		},
	}
}

// roleFixture is a store with the team, NIS2 enabled, an open P1 breach
// with a customer, and a resolved P2 whose review lacks only "worked" and
// an action item.
func roleFixture(t *testing.T) (*store.Store, *testClock, map[string]func(model.Actor) error) {
	t.Helper()
	ctx := context.Background()
	st, clk := openStore(t)
	addTeam(t, st)
	enableNIS2(t, st)
	active := declare(t, st, model.Declaration{Severity: model.P1, Breach: model.BreachYes, Customers: []string{"Acme"}})
	must(st.SetContact(ctx, owner, active.ID, "Jane Doe", "dpo@example.com"))(t)
	resolved := declare(t, st, model.Declaration{Severity: model.P2, Breach: model.BreachNo})
	must(st.Assign(ctx, admin, resolved.ID, "alice"))(t)
	must(st.Transition(ctx, admin, resolved.ID, model.Resolved, ""))(t)
	must(st.WriteReview(ctx, member, resolved.ID, model.ReviewEdit{RootCause: ptr("r"), NotWorked: ptr("n"), Impact: ptr("i")}))(t)
	clk.Advance(time.Hour)
	return st, clk, writeOps(st, clk, t.TempDir(), active.ID, resolved.ID)
}

func TestRoles(t *testing.T) {
	t.Run("viewer refused every write", func(t *testing.T) {
		st, clk, ops := roleFixture(t)
		db := rawDB(t, st.Path())
		for name, op := range ops {
			t.Run(name, func(t *testing.T) {
				checkRefused(t, st, clk, db, refusal{name: name, kind: "role", do: func() error {
					err := op(viewer)
					if me := userError(t, err); !strings.HasPrefix(me.Error(), "a viewer cannot") {
						t.Errorf("refusal %q does not say a viewer cannot", me)
					}
					return err
				}})
			})
		}
	})

	memberMay := []string{"declare", "note", "check", "checklist_add", "ack", "review", "action_add", "action_done"}
	memberMayNot := []string{"assign", "severity", "notify", "breach", "aware", "status_update", "report", "contain",
		"resolve", "close", "reopen", "review_complete", "delete", "edit", "add_user", "add_user_key", "remove_user", "backup", "policy"}
	adminMayNot := []string{"add_user", "add_user_key", "remove_user", "backup", "policy"}

	t.Run("member", func(t *testing.T) {
		st, clk, ops := roleFixture(t)
		if len(memberMay)+len(memberMayNot) != len(ops) {
			t.Fatalf("the role table covers %d writes, the store has %d", len(memberMay)+len(memberMayNot), len(ops))
		}
		db := rawDB(t, st.Path())
		for _, name := range memberMayNot {
			t.Run(name, func(t *testing.T) {
				checkRefused(t, st, clk, db, refusal{name: name, kind: "role", do: func() error {
					err := ops[name](member)
					if me := userError(t, err); !strings.HasPrefix(me.Error(), "a member cannot") || !strings.Contains(me.Error(), "only") {
						t.Errorf("refusal %q does not say a member cannot and who can", me)
					}
					return err
				}})
			})
		}
		for _, name := range memberMay {
			if err := ops[name](member); err != nil {
				t.Errorf("member %s: %v", name, err)
			}
		}
	})

	t.Run("admin", func(t *testing.T) {
		st, clk, ops := roleFixture(t)
		db := rawDB(t, st.Path())
		for _, name := range adminMayNot {
			t.Run(name, func(t *testing.T) {
				checkRefused(t, st, clk, db, refusal{name: name, kind: "role", do: func() error {
					err := ops[name](admin)
					if me := userError(t, err); !strings.Contains(me.Error(), "only owners can") {
						t.Errorf("refusal %q does not say only owners can", me)
					}
					return err
				}})
			})
		}
		// Everything else an admin may do, in an order that keeps each valid.
		for _, name := range []string{"declare", "note", "check", "checklist_add", "ack", "edit", "assign", "severity", "breach",
			"aware", "notify", "status_update", "report", "contain", "resolve", "review", "action_add", "action_done",
			"review_complete", "reopen", "close", "delete"} {
			if err := ops[name](admin); err != nil {
				t.Errorf("admin %s: %v", name, err)
			}
		}
	})

	t.Run("owner may manage users, back up and set policy", func(t *testing.T) {
		_, _, ops := roleFixture(t)
		for _, name := range adminMayNot {
			if err := ops[name](owner); err != nil {
				t.Errorf("owner %s: %v", name, err)
			}
		}
	})
}
