package model

import (
	"strings"
	"testing"
)

func TestChangeRole(t *testing.T) {
	remote := Actor{Name: "olivia", Role: Owner, Source: "ssh:127.0.0.1:5000"}
	local := Actor{Name: "olivia", Role: Owner, Source: "local:olivia@host"}
	for _, c := range []struct {
		name     string
		actor    Actor
		user     string
		from, to Role
		want     string // "" for allowed
	}{
		{"demote another", remote, "alice", Admin, Member, ""},
		{"promote another", remote, "bob", Viewer, Owner, ""},
		{"no change", remote, "alice", Admin, Admin, "alice is already an admin; nothing changed"},
		{"no change, member", remote, "bob", Member, Member, "bob is already a member"},
		{"own role over SSH", remote, "OLIVIA", Owner, Admin, "you cannot change your own role over SSH"},
		{"own role locally", local, "olivia", Owner, Admin, ""},
	} {
		err := ChangeRole(c.actor, c.user, c.from, c.to)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
}
