package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	k1, k2, k3 := sshKey(1, "carol@laptop"), sshKey(2, "carol@desktop"), sshKey(3, "dan@laptop")
	fp1 := must(model.ParseKey(k1))(t).Fingerprint

	ev := must(st.AddUser(ctx, owner, "carol", model.Admin, []string{k1}))(t)
	if ev.Target != "user:carol" || ev.Data["role"] != "admin" || ev.Data["keys"] != fp1 || ev.IncidentID != 0 {
		t.Errorf("user_add event %+v", ev)
	}
	must(st.AddUserKey(ctx, owner, "CAROL", k2))(t)
	must(st.AddUser(ctx, owner, "dan", model.Viewer, []string{k3}))(t)

	u := must(st.User(ctx, "Carol"))(t)
	if u.Name != "carol" || u.Role != model.Admin || len(u.Keys) != 2 || u.Keys[0].Fingerprint != fp1 ||
		u.Keys[0].Comment != "carol@laptop" || u.Keys[0].Type != "ssh-ed25519" || !u.CreatedAt.Equal(clk.Now()) {
		t.Errorf("user %+v", u)
	}
	if byKey := must(st.UserByKey(ctx, fp1))(t); byKey.Name != "carol" {
		t.Errorf("UserByKey found %q", byKey.Name)
	}
	users := must(st.Users(ctx))(t)
	if len(users) != 2 || users[0].Name != "carol" || users[1].Name != "dan" {
		t.Errorf("users %+v", users)
	}

	// A key identifies one person.
	err := e(st.AddUserKey(ctx, owner, "dan", k1))
	if me := userError(t, err); !strings.Contains(me.Error(), "belongs to carol") {
		t.Errorf("stealing a key: %q", me)
	}
	if err := e(st.AddUserKey(ctx, owner, "carol", k1)); userError(t, err) == nil || !strings.Contains(err.Error(), "already has") {
		t.Errorf("adding a key twice: %v", err)
	}

	// Removal: the user and their keys stop counting; the name and the
	// keys can be used again.
	ev = must(st.RemoveUser(ctx, owner, "carol", ""))(t)
	if ev.Data["keys"] == "" || ev.Data["role"] != "admin" {
		t.Errorf("user_remove event %+v", ev)
	}
	if _, err := st.User(ctx, "carol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed user still found: %v", err)
	}
	if _, err := st.UserByKey(ctx, fp1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed user's key still lets them in: %v", err)
	}
	if users := must(st.Users(ctx))(t); len(users) != 1 {
		t.Errorf("%d users after removal", len(users))
	}
	must(st.AddUser(ctx, owner, "carol", model.Member, []string{k1}))(t)
	if u := must(st.UserByKey(ctx, fp1))(t); u.Role != model.Member {
		t.Errorf("re-added carol is %s", u.Role)
	}

	// Owners may remove themselves locally, not over SSH.
	must(st.AddUser(ctx, owner, "olivia", model.Owner, nil))(t)
	sshSelf := model.Actor{Name: "olivia", Role: model.Owner, Source: "ssh:192.0.2.1:2222"}
	if err := e(st.RemoveUser(ctx, sshSelf, "olivia", "")); userError(t, err) == nil {
		t.Error("an owner removed themselves over SSH")
	}
	must(st.RemoveUser(ctx, owner, "olivia", ""))(t)
}

func TestWriteWithoutActorIdentity(t *testing.T) {
	st, _ := openStore(t)
	for _, a := range []model.Actor{{Role: model.Owner, Source: "local:x@y"}, {Name: "x", Role: model.Owner}} {
		before := eventCount(t, st)
		if _, err := st.Declare(context.Background(), a, model.Declaration{Title: "x", Severity: model.P3}); err == nil {
			t.Errorf("a write by %+v was accepted", a)
		}
		if n := eventCount(t, st); n != before {
			t.Errorf("a refused write left %d events", n-before)
		}
	}
}

// Adding a key to a user changes the user's updated_at.
func TestUserKeyAddBumpsUpdatedAt(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	must(st.AddUser(ctx, owner, "carol", model.Admin, []string{sshKey(1, "carol@laptop")}))(t)
	clk.Advance(time.Hour)
	must(st.AddUserKey(ctx, owner, "carol", sshKey(2, "carol@desktop")))(t)
	raw, err := sql.Open("sqlite", st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var updated int64
	if err := raw.QueryRow("SELECT updated_at FROM users WHERE name = 'carol'").Scan(&updated); err != nil {
		t.Fatal(err)
	}
	if updated != clk.Now().Unix() {
		t.Errorf("updated_at %d after a key was added at %d", updated, clk.Now().Unix())
	}
}
