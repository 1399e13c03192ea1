package store_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
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

// A session's writes are authorised against the user's role as the
// database holds it when the write happens, not as it was when the
// session started: a demoted admin's next write is refused, a removed
// user's too, and each change of role is audited.
func TestSessionWriteUsesCurrentRole(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	must(st.AddUser(ctx, owner, "alice", model.Admin, []string{sshKey(1, "alice")}))(t)
	u := must(st.User(ctx, "alice"))(t)
	session := model.Actor{Name: "alice", Role: model.Admin, Source: "ssh:127.0.0.1:5000", UserID: u.ID}
	inc := must(st.Declare(ctx, session, model.Declaration{Title: "disk full", Severity: "P2"}))(t)
	must(st.SetSeverity(ctx, session, inc.ID, model.P3, ""))(t)

	ev := must(st.SetUserRole(ctx, owner, "alice", model.Member))(t)
	if ev.Action != model.EvUserRole || ev.Target != "user:alice" || ev.Data["from"] != "admin" || ev.Data["to"] != "member" ||
		ev.Text(nil) != "changed the role of user alice from admin to member" {
		t.Errorf("user_role event %+v %q", ev, ev.Text(nil))
	}
	// The session still believes it is an admin.
	err := e(st.SetSeverity(ctx, session, inc.ID, model.P1, ""))
	if me := userError(t, err); !strings.Contains(me.Error(), "a member cannot change severity") {
		t.Errorf("a demoted admin's severity change: %v", err)
	}
	must(st.Note(ctx, session, inc.ID, "still a member"))(t)

	must(st.RemoveUser(ctx, owner, "alice", ""))(t)
	before := len(must(st.Audit(ctx, time.Time{}))(t))
	err = e(st.Note(ctx, session, inc.ID, "after removal"))
	if !errors.Is(err, store.ErrRemoved) {
		t.Errorf("a removed user's note: %v; want ErrRemoved", err)
	}
	if after := len(must(st.Audit(ctx, time.Time{}))(t)); after != before {
		t.Errorf("refused writes left %d events", after-before)
	}
}

func TestSetUserRoleRefusals(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	must(st.AddUser(ctx, owner, "olivia", model.Owner, []string{sshKey(1, "olivia")}))(t)
	must(st.AddUser(ctx, owner, "bob", model.Member, nil))(t)
	o := must(st.User(ctx, "olivia"))(t)
	olivia := model.Actor{Name: "olivia", Role: model.Owner, Source: "ssh:127.0.0.1:5000", UserID: o.ID}
	bob := model.Actor{Name: "bob", Role: model.Member, Source: "ssh:127.0.0.1:5001"}
	for _, c := range []struct {
		name  string
		actor model.Actor
		user  string
		role  model.Role
		want  string
	}{
		{"same role", olivia, "bob", model.Member, "bob is already a member"},
		{"own role over SSH", olivia, "olivia", model.Admin, "you cannot change your own role over SSH"},
		{"not an owner", bob, "bob", model.Owner, "a member cannot manage users and keys"},
		{"no such user", olivia, "zed", model.Admin, "there is no user zed"},
		{"no such role", olivia, "bob", "boss", "is not a role"},
	} {
		err := e(st.SetUserRole(ctx, c.actor, c.user, c.role))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
	// Locally an owner may change their own role.
	must(st.SetUserRole(ctx, owner, "olivia", model.Admin))(t)
}

// skKey is a security key's public key (sk-ssh-ed25519@openssh.com), as
// ssh-keygen -t ed25519-sk writes it.
func skKey(seed byte) string {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	pub := ed25519.NewKeyFromSeed(s).Public().(ed25519.PublicKey)
	var wire []byte
	for _, part := range [][]byte{[]byte(model.KeySKEd25519), pub, []byte("ssh:")} {
		wire = binary.BigEndian.AppendUint32(wire, uint32(len(part)))
		wire = append(wire, part...)
	}
	return model.KeySKEd25519 + " " + base64.StdEncoding.EncodeToString(wire) + " token"
}

// With require_security_key, a plain key is refused for those roles when
// a user is added or a key is added; a security key is taken; other roles
// are not affected.
func TestSecurityKeyRequiredWhenKeysAreAdded(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	must(st.SetPolicy(ctx, owner, func(p *model.Policy) (string, error) {
		p.RequireSecurityKey = []model.Role{model.Admin, model.Owner}
		return "security keys", nil
	}))(t)
	before := len(must(st.Audit(ctx, time.Time{}))(t))
	err := e(st.AddUser(ctx, owner, "alice", model.Admin, []string{sshKey(1, "alice")}))
	if me := userError(t, err); !strings.Contains(me.Error(), "the policy requires a FIDO2 security key for admins, and this key is ssh-ed25519") {
		t.Errorf("an admin with a plain key: %v", err)
	}
	if after := len(must(st.Audit(ctx, time.Time{}))(t)); after != before {
		t.Errorf("a refused user add wrote %d events", after-before)
	}
	ev := must(st.AddUser(ctx, owner, "alice", model.Admin, []string{skKey(2)}))(t)
	if !strings.Contains(ev.Data["keys"], "SHA256:") {
		t.Errorf("user_add %+v", ev)
	}
	if err := e(st.AddUserKey(ctx, owner, "alice", sshKey(3, "laptop"))); err == nil || !strings.Contains(err.Error(), "security key") {
		t.Errorf("a plain key added to an admin: %v", err)
	}
	must(st.AddUserKey(ctx, owner, "alice", skKey(4)))(t)
	must(st.AddUser(ctx, owner, "bob", model.Member, []string{sshKey(5, "bob")}))(t)
	u := must(st.User(ctx, "alice"))(t)
	if len(u.Keys) != 2 || u.Keys[0].Type != model.KeySKEd25519 {
		t.Errorf("alice's keys %+v", u.Keys)
	}
}

// Access reviews: a login stamps the key's last use, an owner's review is
// recorded with its counts and note, and the board carries the last one.
func TestAccessReview(t *testing.T) {
	ctx := context.Background()
	st, clk := openStore(t)
	k1, k2 := sshKey(1, "alice@laptop"), sshKey(2, "alice@old")
	must(st.AddUser(ctx, owner, "alice", model.Admin, []string{k1, k2}))(t)
	must(st.AddUser(ctx, owner, "bob", model.Member, nil))(t)
	added := clk.Now()
	clk.Advance(100 * 24 * time.Hour)
	alice := must(st.User(ctx, "alice"))(t)
	fp1 := alice.Keys[0].Fingerprint
	if err := st.RecordLogin(ctx, alice, model.Login{Fingerprint: fp1, KeyType: "ssh-ed25519"}, "ssh:127.0.0.1:5000"); err != nil {
		t.Fatal(err)
	}
	alice = must(st.User(ctx, "alice"))(t)
	now := clk.Now()
	if k := alice.Keys[0]; !k.LastUsedAt.Equal(now) || !k.AddedAt.Equal(added) {
		t.Errorf("used key: added %v, last used %v; want %v, %v", k.AddedAt, k.LastUsedAt, added, now)
	}
	if k := alice.Keys[1]; !k.LastUsedAt.IsZero() || !model.KeyStale(k, now) {
		t.Errorf("unused key: last used %v, stale %v", k.LastUsedAt, model.KeyStale(k, now))
	}
	if f := model.AccessFlags(alice, now); len(f) != 1 || f[0] != model.FlagStaleKey {
		t.Errorf("alice's flags %v", f)
	}

	if _, ok, err := st.LastAccessReview(ctx); ok || err != nil {
		t.Errorf("a review before any: %v %v", ok, err)
	}
	member := model.Actor{Name: "bob", Role: model.Member, Source: "ssh:127.0.0.1:5001"}
	if err := e(st.RecordAccessReview(ctx, member, "")); err == nil || !strings.Contains(err.Error(), "only owners can") {
		t.Errorf("a member's access review: %v", err)
	}
	if err := e(st.RecordAccessReview(ctx, owner, "bad\x1bnote")); err == nil {
		t.Error("a note with an escape was taken")
	}
	ev := must(st.RecordAccessReview(ctx, owner, "removed nobody"))(t)
	if ev.Action != model.EvAccessReview || ev.Data["users"] != "2" || ev.Data["flagged"] != "2" ||
		ev.Text(nil) != "recorded an access review of 2 users (2 flagged): removed nobody" {
		t.Errorf("access_review event %+v %q", ev, ev.Text(nil))
	}
	last, ok, err := st.LastAccessReview(ctx)
	if !ok || err != nil || last.Seq != ev.Seq || !last.Time.Equal(now) {
		t.Errorf("LastAccessReview = %+v %v %v", last, ok, err)
	}
	b := must(st.LoadBoard(ctx))(t)
	if !b.LastAccessReview.Equal(now) {
		t.Errorf("board's last access review %v, want %v", b.LastAccessReview, now)
	}
}
