package ssh

import (
	"context"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/ssh/sshtest"
)

// With policy require_security_key [admin, owner], admins and owners sign
// in only with a FIDO2 security key: one with plain keys only is refused
// with a sentence that says how to get in, members are not affected, and
// a security key added later lets the admin in.
func TestSecurityKeyRequiredAtLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx := context.Background()
	if _, err := h.st.SetPolicy(ctx, setupActor, func(p *model.Policy) (string, error) {
		p.RequireSecurityKey = []model.Role{model.Admin, model.Owner}
		return "security keys", nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"alice", "olivia"} {
		out, errOut, code := h.runAs(user, "whoami")
		if code != 1 || out != "" || !strings.Contains(errOut, "the policy requires a FIDO2 security key for") ||
			!strings.Contains(errOut, "ssh-keygen -t ed25519-sk") {
			t.Errorf("%s with a plain key: exit %d, %q, %q; want refused with how to get a security key", user, code, out, errOut)
		}
	}
	if out, _, code := h.runAs("bob", "whoami"); code != 0 || !strings.HasPrefix(out, "bob member ") {
		t.Errorf("a member with a plain key: exit %d %q", code, out)
	}
	// The admin gets a security key; it signs her in.
	sk, line := sshtest.NewSecurityKey(t)
	if _, err := h.st.AddUserKey(ctx, setupActor, "alice", line); err != nil {
		t.Fatal(err)
	}
	c, err := h.dialWith(clientConfig(gossh.PublicKeys(sk)))
	if err != nil {
		t.Fatalf("dial with the security key: %v", err)
	}
	if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "alice admin ") {
		t.Errorf("alice with her security key: exit %d %q", code, out)
	}
	// Her plain key still does not.
	if _, errOut, code := h.runAs("alice", "whoami"); code != 1 || !strings.Contains(errOut, "security key") {
		t.Errorf("alice's plain key after adding a security key: exit %d %q", code, errOut)
	}
}
