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
