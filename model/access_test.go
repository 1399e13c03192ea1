package model

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
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

func TestParseTrustedCAs(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	ca, _ := ssh.NewSignerFromKey(priv)
	line := authorized(t, ca.PublicKey())
	cert := &ssh.Certificate{Key: ca.PublicKey(), CertType: ssh.UserCert, ValidPrincipals: []string{"x"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, data string
		n          int
		want       string
	}{
		{"one key", line + "\n", 1, ""},
		{"comments, blank lines and cert-authority", "# CA\n\ncert-authority " + line + " ca@corp\n" + line, 2, ""},
		{"empty", "# none\n", 0, "holds no public key"},
		{"not a key", "# CA\nhello\n", 0, "line 2 of the CA file is not an SSH public key"},
		{"a certificate", authorized(t, cert), 0, "line 1 of the CA file is a certificate"},
		{"too many", strings.Repeat(line+"\n", MaxTrustedCAs+1), 0, "more than 64 keys"},
	} {
		cas, err := ParseTrustedCAs([]byte(c.data))
		if c.want == "" && (err != nil || len(cas) != c.n) || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %d keys, %v; want %d, %q", c.name, len(cas), err, c.n, c.want)
		}
	}
}

// CheckUserCert's rules; the same cases signed by ssh-keygen and presented
// over SSH are in ssh/cert_test.go.
func TestCheckUserCert(t *testing.T) {
	signer := func() ssh.Signer {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		s, _ := ssh.NewSignerFromKey(priv)
		return s
	}
	ca, rogue, user := signer(), signer(), signer()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}
	mint := func(by ssh.Signer, f func(c *ssh.Certificate)) *ssh.Certificate {
		c := &ssh.Certificate{Key: user.PublicKey(), CertType: ssh.UserCert, KeyId: "k", Serial: 7, ValidPrincipals: []string{"alice"},
			ValidAfter: uint64(now.Add(-time.Hour).Unix()), ValidBefore: uint64(now.Add(time.Hour).Unix())}
		if f != nil {
			f(c)
		}
		if err := c.SignCert(rand.Reader, by); err != nil {
			t.Fatal(err)
		}
		return c
	}
	cas := []ssh.PublicKey{ca.PublicKey()}
	for _, c := range []struct {
		name  string
		cert  *ssh.Certificate
		login string
		cas   []ssh.PublicKey
		want  string // the principal, or the refusal
		ok    bool
	}{
		{"valid", mint(ca, nil), "alice", cas, "alice", true},
		{"single principal, other login", mint(ca, nil), "root", cas, "alice", true},
		{"login picks", mint(ca, func(c *ssh.Certificate) { c.ValidPrincipals = []string{"alice", "bob"} }), "bob", cas, "bob", true},
		{"login not among several", mint(ca, func(c *ssh.Certificate) { c.ValidPrincipals = []string{"alice", "bob"} }), "eve", cas, "connect as one of its principals", false},
		{"no CA trusted", mint(ca, nil), "alice", nil, "trusts no certificate authority", false},
		{"other CA", mint(rogue, nil), "alice", cas, "a CA this server does not trust", false},
		{"host certificate", mint(ca, func(c *ssh.Certificate) { c.CertType = ssh.HostCert }), "alice", cas, "host certificate", false},
		{"expired", mint(ca, func(c *ssh.Certificate) { c.ValidBefore = uint64(now.Unix()) }), "alice", cas, "expired at 2026-12-05T12:00:00Z", false},
		{"not yet valid", mint(ca, func(c *ssh.Certificate) { c.ValidAfter = uint64(now.Add(time.Second).Unix()) }), "alice", cas, "not valid before 2026-12-05T12:00:01Z", false},
		{"force-command", mint(ca, func(c *ssh.Certificate) { c.CriticalOptions = map[string]string{"force-command": "list"} }), "alice", cas, "critical option", false},
		{"source-address ok", mint(ca, func(c *ssh.Certificate) {
			c.CriticalOptions = map[string]string{"source-address": "10.0.0.0/8,127.0.0.1"}
		}), "alice", cas, "alice", true},
		{"source-address other", mint(ca, func(c *ssh.Certificate) { c.CriticalOptions = map[string]string{"source-address": "10.0.0.0/8"} }), "alice", cas, "may be used only from 10.0.0.0/8", false},
	} {
		got, err := CheckUserCert(c.cert, c.login, addr, c.cas, now)
		if c.ok && (err != nil || got != c.want) || !c.ok && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	// A signature that does not verify.
	forged := mint(ca, nil)
	forged.ValidPrincipals = []string{"olivia"}
	if _, err := CheckUserCert(forged, "olivia", addr, cas, now); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("forged principal: %v", err)
	}
}

func TestPolicyAccessFields(t *testing.T) {
	p := DefaultPolicy()
	if p.AccessReviewDays != 91 || len(p.RequireSecurityKey) != 0 {
		t.Errorf("defaults: review every %d days, security keys for %v", p.AccessReviewDays, p.RequireSecurityKey)
	}
	js := string(p.JSON())
	if !strings.Contains(js, `"require_security_key": []`) || !strings.Contains(js, `"access_review_days": 91`) {
		t.Errorf("policy JSON lacks the access fields:\n%s", js)
	}
	// Set from a file: roles deduplicated and ordered; a stored policy
	// from before these fields gets the defaults.
	set := strings.Replace(js, `"require_security_key": []`, `"require_security_key": ["owner", "admin", "owner"]`, 1)
	q, err := ParsePolicy([]byte(set))
	if err != nil || len(q.RequireSecurityKey) != 2 || q.RequireSecurityKey[0] != Admin || q.RequireSecurityKey[1] != Owner {
		t.Errorf("require_security_key from a file: %v %v", q.RequireSecurityKey, err)
	}
	old := strings.Replace(strings.Replace(js, `"require_security_key": [],`, "", 1), `"access_review_days": 91,`, "", 1)
	if q, err := ParsePolicy([]byte(old)); err != nil || q.AccessReviewDays != 91 {
		t.Errorf("a policy without the access fields: %d %v", q.AccessReviewDays, err)
	}
	for _, bad := range []struct{ from, to, want string }{
		{`"require_security_key": []`, `"require_security_key": ["boss"]`, `require_security_key: "boss" is not a role`},
		{`"access_review_days": 91`, `"access_review_days": -1`, "access_review_days -1 is out of range"},
		{`"access_review_days": 91`, `"access_review_days": 5000`, "access_review_days 5000 is out of range"},
	} {
		if _, err := ParsePolicy([]byte(strings.Replace(js, bad.from, bad.to, 1))); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v; want %q", bad.to, err, bad.want)
		}
	}
	if r, err := ParseRoles("admin, owner"); err != nil || len(r) != 2 {
		t.Errorf("ParseRoles: %v %v", r, err)
	}
	if r, err := ParseRoles("none"); err != nil || len(r) != 0 {
		t.Errorf("ParseRoles none: %v %v", r, err)
	}
	if _, err := ParseRoles("admin,root"); err == nil {
		t.Error("ParseRoles took root")
	}
}

func TestCheckKeyForRole(t *testing.T) {
	p := DefaultPolicy()
	p.RequireSecurityKey = []Role{Admin, Owner}
	for _, c := range []struct {
		role Role
		typ  string
		ok   bool
	}{
		{Admin, "ssh-ed25519", false},
		{Owner, "ecdsa-sha2-nistp256", false},
		{Owner, "ssh-rsa", false},
		{Admin, KeySKEd25519, true},
		{Owner, KeySKECDSA, true},
		{Member, "ssh-ed25519", true},
		{Viewer, "ssh-rsa", true},
	} {
		err := p.CheckKeyForRole(c.role, c.typ)
		if c.ok != (err == nil) {
			t.Errorf("%s with %s: %v", c.role, c.typ, err)
		}
		if err != nil && !strings.Contains(err.Error(), "ssh-keygen -t ed25519-sk") {
			t.Errorf("the refusal does not say how to fix it: %v", err)
		}
	}
	if err := DefaultPolicy().CheckKeyForRole(Owner, "ssh-ed25519"); err != nil {
		t.Errorf("the default policy requires security keys: %v", err)
	}
	users := []User{
		{Name: "alice", Role: Admin, Keys: []Key{{Type: "ssh-ed25519"}}},
		{Name: "sam", Role: Admin, Keys: []Key{{Type: "ssh-ed25519"}, {Type: KeySKEd25519}}},
		{Name: "bob", Role: Member, Keys: []Key{{Type: "ssh-ed25519"}}},
		{Name: "olivia", Role: Owner},
	}
	out := p.LockedOut(users)
	if len(out) != 2 || out[0].Name != "alice" || out[1].Name != "olivia" {
		t.Errorf("LockedOut = %+v", out)
	}
}

func TestAccessReviewRules(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, c := range []struct {
		name  string
		key   Key
		stale bool
	}{
		{"used yesterday", Key{AddedAt: now.Add(-400 * day), LastUsedAt: now.Add(-day)}, false},
		{"used 90 days ago", Key{AddedAt: now.Add(-400 * day), LastUsedAt: now.Add(-90 * day)}, true},
		{"used 89 days ago", Key{AddedAt: now.Add(-400 * day), LastUsedAt: now.Add(-89 * day)}, false},
		{"never used, added last week", Key{AddedAt: now.Add(-7 * day)}, false},
		{"never used, added 90 days ago", Key{AddedAt: now.Add(-90 * day)}, true},
		{"no dates", Key{}, false},
	} {
		if got := KeyStale(c.key, now); got != c.stale {
			t.Errorf("%s: stale %v", c.name, got)
		}
	}
	fresh := User{Name: "a", LastLoginAt: now.Add(-day), Keys: []Key{{AddedAt: now.Add(-day), LastUsedAt: now.Add(-day)}}}
	both := User{Name: "b", Keys: []Key{{AddedAt: now.Add(-100 * day)}}}
	if f := AccessFlags(fresh, now); len(f) != 0 || f == nil {
		t.Errorf("fresh user's flags %#v, want an empty list", f)
	}
	if f := AccessFlags(both, now); len(f) != 2 || f[0] != FlagStaleKey || f[1] != FlagNeverLoggedIn {
		t.Errorf("flags %v", f)
	}

	p := DefaultPolicy()
	users := []User{{CreatedAt: now.Add(-10 * day)}, {CreatedAt: now.Add(-100 * day)}}
	for _, c := range []struct {
		name  string
		last  time.Time
		users []User
		due   time.Time
		state DeadlineState
		none  bool
	}{
		{"no users, no review", time.Time{}, nil, time.Time{}, "", true},
		{"never reviewed: from the first user", time.Time{}, users, now.Add(-9 * day), Missed, false},
		{"reviewed 30 days ago", now.Add(-30 * day), users, now.Add(61 * day), Pending, false},
		{"reviewed exactly 91 days ago", now.Add(-91 * day), users, now, Pending, false},
		{"reviewed 91 days and a second ago", now.Add(-91*day - time.Second), users, now.Add(-time.Second), Missed, false},
	} {
		d, ok := AccessReviewDeadline(p, c.last, c.users, now)
		if ok == c.none || ok && (!d.DueAt.Equal(c.due) || d.State != c.state || d.Kind != KindAccessReview || d.Remaining != c.due.Sub(now)) {
			t.Errorf("%s: %+v %v; want due %v %s", c.name, d, ok, c.due, c.state)
		}
	}
	p.AccessReviewDays = 30
	if d, _ := AccessReviewDeadline(p, now, users, now); !d.DueAt.Equal(now.Add(30 * day)) {
		t.Errorf("with access_review_days 30: due %v", d.DueAt)
	}
}
