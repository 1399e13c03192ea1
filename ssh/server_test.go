package ssh

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/ssh/sshtest"
)

func TestNewNeedsStoreHubExecAndHostKey(t *testing.T) {
	h := newHarness(t, nil)
	for name, tweak := range map[string]func(*Config){
		"store":    func(c *Config) { c.Store = nil },
		"hub":      func(c *Config) { c.Hub = nil },
		"exec":     func(c *Config) { c.Exec = nil },
		"host key": func(c *Config) { c.HostKey = nil },
	} {
		cfg := h.cfg
		tweak(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("New without %s: no error", name)
		}
	}
	cfg := h.cfg
	cfg.HostKey = []byte("not a key")
	if _, err := New(cfg); err == nil {
		t.Errorf("New with a bad host key: no error")
	}
}

func TestUnknownKeyRefusedAndAudited(t *testing.T) {
	h := newHarness(t, nil)
	stranger, _ := sshtest.NewKey(t)
	fp := gossh.FingerprintSHA256(stranger.PublicKey())

	var banner string
	cfg := clientConfig(gossh.PublicKeys(stranger))
	cfg.BannerCallback = func(msg string) error { banner = msg; return nil }
	if _, err := h.dialWith(cfg); err == nil {
		t.Fatal("a key no user has was let in")
	}
	if !strings.Contains(banner, "sitrep user add") {
		t.Errorf("the server does not say how to get added; banner %q", banner)
	}
	refused := func(fp string) []model.Event {
		return h.audit(func(e model.Event) bool {
			return e.Action == model.EvLoginRefused && e.Data["fingerprint"] == fp
		})
	}
	evs := refused(fp)
	if len(evs) != 1 {
		t.Fatalf("login_refused events for %s: %d, want 1: %+v", fp, len(evs), evs)
	}
	e := evs[0]
	if !strings.HasPrefix(e.Source, "ssh:127.0.0.1:") || e.Target != "key:"+fp {
		t.Errorf("refusal event source %q target %q; want ssh:127.0.0.1:PORT and key:%s", e.Source, e.Target, fp)
	}
	// The name the client asked for is kept: who was being tried.
	if e.Data["user"] != cfg.User || !strings.Contains(e.Text(nil), fmt.Sprintf("for user %q", cfg.User)) {
		t.Errorf("refusal event user %q, text %q; want the name asked for, %q", e.Data["user"], e.Text(nil), cfg.User)
	}

	// The same key again, twice, within the minute: no more rows.
	for range 2 {
		if _, err := h.dialWith(clientConfig(gossh.PublicKeys(stranger))); err == nil {
			t.Fatal("a key no user has was let in")
		}
	}
	if n := len(refused(fp)); n != 1 {
		t.Errorf("after three refusals of one key within a minute: %d login_refused events, want 1", n)
	}
	// Another key is its own row.
	other, _ := sshtest.NewKey(t)
	if _, err := h.dialWith(clientConfig(gossh.PublicKeys(other))); err == nil {
		t.Fatal("a key no user has was let in")
	}
	if n := len(refused(gossh.FingerprintSHA256(other.PublicKey()))); n != 1 {
		t.Errorf("a second unknown key: %d login_refused events, want 1", n)
	}
	if !strings.Contains(h.log.String(), "key refused") {
		t.Errorf("the refusal is not logged: %s", h.log)
	}
	if n := len(h.audit(func(e model.Event) bool { return e.Action == model.EvLogin })); n != 0 {
		t.Errorf("refused keys wrote %d login events", n)
	}
}

func TestOnlyPublicKeyAuthIsOffered(t *testing.T) {
	h := newHarness(t, nil)
	asked := false
	password := gossh.PasswordCallback(func() (string, error) { asked = true; return "x", nil })
	keyboard := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		asked = true
		return nil, nil
	})
	for name, auth := range map[string]gossh.AuthMethod{
		"password":             gossh.Password("x"),
		"password callback":    password,
		"keyboard-interactive": keyboard,
	} {
		_, err := h.dialWith(clientConfig(auth))
		if err == nil {
			t.Fatalf("%s: logged in without a key", name)
		}
		// The "none" attempt returns the methods the server allows; the
		// client tried nothing else, so neither was among them.
		if msg := err.Error(); !strings.Contains(msg, "attempted methods [none]") || !strings.Contains(msg, "no supported methods remain") {
			t.Errorf("%s: %v; want only the none attempt and no supported methods", name, err)
		}
	}
	if asked {
		t.Error("the server asked for a password or keyboard-interactive answers")
	}
	// What the server allows after the "none" attempt: public keys only.
	var allowed [][]string
	if _, err := h.dialWith(offering(&allowed)); err == nil {
		t.Fatal("logged in offering nothing")
	}
	if len(allowed) != 1 || strings.Join(allowed[0], ",") != "publickey" {
		t.Errorf("methods the server allows: %v, want [publickey]", allowed)
	}
	// A client that offers a password first and a key second gets in by key.
	c, err := h.dialWith(clientConfig(password, keyboard, gossh.PublicKeys(h.keys["bob"])))
	if err != nil {
		t.Fatalf("password, keyboard-interactive, then key: %v", err)
	}
	if out, _, _ := run(t, c, "whoami"); !strings.HasPrefix(out, "bob member ") {
		t.Errorf("whoami: %q", out)
	}
	if asked {
		t.Error("the server asked for a password or keyboard-interactive answers")
	}
}

// failingSigner offers a public key it cannot sign for, as an agent does
// with a key on a card that is not present or a confirmation refused.
type failingSigner struct{ pub gossh.PublicKey }

func (s failingSigner) PublicKey() gossh.PublicKey { return s.pub }

func (s failingSigner) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	return nil, errors.New("this key is on a card that is not here")
}

// offering is a client config that tries one public-key attempt per
// signer in turn, each continuing after the last failed, as OpenSSH does
// with several identities; tried records the methods the server allowed
// at each step.
func offering(allowed *[][]string, signers ...gossh.Signer) *gossh.ClientConfig {
	cfg := clientConfig()
	next := 0
	cfg.AuthCallback = func(ctx *gossh.ClientAuthContext) (gossh.AuthMethod, error) {
		if allowed != nil {
			*allowed = append(*allowed, ctx.AllowedMethods)
		}
		if next == len(signers) {
			return nil, errors.New("no more keys to offer")
		}
		next++
		return gossh.PublicKeys(signers[next-1]), nil
	}
	return cfg
}

// The session's user is the owner of the key that authenticated, not of a
// key the client merely offered (the CVE-2024-45337 pattern: the public-key
// callback sees keys that never sign).
func TestOfferedKeyIsNotIdentity(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	inc, err := h.st.Declare(ctx, setupActor, model.Declaration{Title: "db down", Severity: "P2"})
	if err != nil {
		t.Fatal(err)
	}
	bob, alice, olivia := h.keys["bob"], h.keys["alice"], h.keys["olivia"]
	cases := map[string][]gossh.Signer{
		// The admin's key offered (and accepted by the callback), then
		// bob's own signs.
		"admin offered, then own": {failingSigner{alice.PublicKey()}, bob},
		// Bob's key accepted first, the admin's offered after it, then
		// bob's signs: what the server remembers of the callbacks must
		// not leave the admin as the user.
		"own offered, admin offered, own": {failingSigner{bob.PublicKey()}, failingSigner{alice.PublicKey()}, bob},
		// The owner's and the admin's keys offered before bob's.
		"owner and admin offered, then own": {failingSigner{olivia.PublicKey()}, failingSigner{alice.PublicKey()}, bob},
	}
	for name, signers := range cases {
		t.Run(name, func(t *testing.T) {
			var allowed [][]string
			c, err := h.dialWith(offering(&allowed, signers...))
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			if len(allowed) != len(signers) {
				t.Errorf("%d attempts for %d keys: %v", len(allowed), len(signers), allowed)
			}
			out, _, code := run(t, c, "whoami")
			if code != 0 || !strings.HasPrefix(out, "bob member ") {
				t.Fatalf("whoami = %q (exit %d), want bob member", out, code)
			}
			_, errOut, code := run(t, c, "assign "+inc.Ref()+" bob")
			if code != 1 || !strings.Contains(errOut, "a member cannot assign the incident commander") {
				t.Errorf("assign as a member: exit %d, %q; want 1 and the model's refusal", code, errOut)
			}
		})
	}
	// Both keys in one PublicKeys method, the admin's first: x/crypto's
	// client gives up on public keys when a signer fails, so this client
	// does not get in at all; it must never get in as the admin.
	if c, err := h.dialWith(clientConfig(gossh.PublicKeys(failingSigner{alice.PublicKey()}, bob))); err == nil {
		if out, _, _ := run(t, c, "whoami"); !strings.HasPrefix(out, "bob member ") {
			t.Errorf("one method, admin's key offered first: whoami = %q", out)
		}
	}
	// Only keys offered, none signed: no way in.
	if _, err := h.dialWith(offering(nil, failingSigner{alice.PublicKey()}, failingSigner{olivia.PublicKey()})); err == nil {
		t.Error("keys offered and never signed for let a client in")
	}
	if got, err := h.st.Incident(ctx, inc.ID); err != nil || got.Commander != "" {
		t.Errorf("commander after refused assigns: %q %v", got.Commander, err)
	}
	logins := h.audit(func(e model.Event) bool { return e.Action == model.EvLogin && e.Actor != "bob" })
	if len(logins) != 0 {
		t.Errorf("logins by someone other than bob: %+v", logins)
	}
}

func TestRolesOverExec(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	inc, err := h.st.Declare(ctx, setupActor, model.Declaration{Title: "disk full", Severity: "P2"})
	if err != nil {
		t.Fatal(err)
	}
	ref := inc.Ref()
	type step struct {
		user, cmd string
		code      int
		out, err  string // substrings of stdout and stderr
	}
	for _, s := range []step{
		{"vera", "whoami", 0, "vera viewer ssh:127.0.0.1:", ""},
		{"vera", "list", 0, ref + "\n", ""},
		{"vera", "declare hello P2", 1, "", "a viewer cannot declare incidents; only members, admins and owners can"},
		{"bob", "declare hello P2", 0, "INC-", ""},
		{"bob", "assign " + ref + " bob", 1, "", "a member cannot assign the incident commander; only admins and owners can"},
		{"bob", "sev " + ref + " P1", 1, "", "a member cannot change severity; only admins and owners can"},
		{"bob", "user-add zed", 1, "", "cannot manage users and keys; only owners can"},
		{"alice", "assign " + ref + " bob", 0, "", ""},
		{"alice", "sev " + ref + " P1", 0, "", ""},
		{"alice", "user-add zed", 1, "", "cannot manage users and keys; only owners can"},
		{"olivia", "user-add zed", 0, "", ""},
		{"olivia", "user-add zed", 1, "", "there is already a user zed"},
		{"olivia", "frobnicate", 2, "", "unknown command"},
		{"vera", "list", 0, "INC-2\n", ""},
	} {
		out, errOut, code := h.runAs(s.user, s.cmd)
		if code != s.code || !strings.Contains(out, s.out) || !strings.Contains(errOut, s.err) {
			t.Errorf("%s: %q → exit %d, stdout %q, stderr %q; want exit %d, %q, %q", s.user, s.cmd, code, out, errOut, s.code, s.out, s.err)
		}
	}
	got, err := h.st.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Commander != "bob" || got.Severity != "P1" {
		t.Errorf("after the admin's writes: commander %q severity %q", got.Commander, got.Severity)
	}
	if _, err := h.st.User(ctx, "zed"); err != nil {
		t.Errorf("the owner's user-add: %v", err)
	}
}

// A user removed while connected cannot open another session.
func TestRemovedUserLosesNewSessions(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial("bob")
	if out, _, code := run(t, c, "whoami"); code != 0 || !strings.HasPrefix(out, "bob ") {
		t.Fatalf("whoami: %d %q", code, out)
	}
	if _, err := h.st.RemoveUser(context.Background(), setupActor, "bob", ""); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, c, "whoami")
	if code != 1 || !strings.Contains(errOut, "no longer belongs to a user") {
		t.Errorf("a session after bob was removed: exit %d %q", code, errOut)
	}
	if _, err := h.dialWith(clientConfig(gossh.PublicKeys(h.keys["bob"]))); err == nil {
		t.Error("a removed user's key still connects")
	}
}

func TestExecGetsStdin(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial("bob")
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	sess.Stdin = strings.NewReader("from the client\n")
	out, err := sess.Output("cat")
	if err != nil || string(out) != "from the client\n" {
		t.Errorf("cat: %q, %v", out, err)
	}
}

func TestAuditCarriesUserAndSource(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial("bob")
	src := "ssh:" + c.LocalAddr().String()
	if !strings.HasPrefix(src, "ssh:127.0.0.1:") {
		t.Fatalf("client address %s", src)
	}
	out, _, code := run(t, c, "whoami")
	if code != 0 || strings.TrimSpace(out) != "bob member "+src {
		t.Errorf("whoami = %q, want bob member %s", out, src)
	}
	out, errOut, code := run(t, c, "declare audited P3")
	if code != 0 {
		t.Fatalf("declare: exit %d %s", code, errOut)
	}
	ref := strings.TrimSpace(out)
	writes := h.audit(func(e model.Event) bool { return e.Action == model.ActDeclare && e.Target == ref })
	if len(writes) != 1 || writes[0].Actor != "bob" || writes[0].Source != src {
		t.Errorf("declare events for %s: %+v; want one by bob from %s", ref, writes, src)
	}
	// One login for both sessions (they are within loginWindow of each
	// other, from one address), with bob's key.
	fp := gossh.FingerprintSHA256(h.keys["bob"].PublicKey())
	logins := h.audit(func(e model.Event) bool { return e.Action == model.EvLogin })
	if len(logins) != 1 {
		t.Fatalf("login events after two sessions: %+v", logins)
	}
	for _, e := range logins {
		if e.Actor != "bob" || e.Source != src || e.Target != "user:bob" || e.Data["fingerprint"] != fp {
			t.Errorf("login event %+v; want bob from %s with %s", e, src, fp)
		}
	}
	u, err := h.st.User(context.Background(), "bob")
	if err != nil || u.LastLoginAt.IsZero() {
		t.Errorf("bob's last login: %v, %v", u.LastLoginAt, err)
	}
}

func TestHostKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "sitrep")
	path := filepath.Join(dir, "ssh_host_ed25519_key")
	a, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := HostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Fatal("HostKey returned a different key the second time")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("host key mode %v, want 0600", m)
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("host key directory: %v %v, want 0700", di.Mode().Perm(), err)
	}
	k, err := gossh.ParsePrivateKey(a)
	if err != nil || k.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key: %v %v", k, err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := HostKey(bad); err == nil || !strings.Contains(err.Error(), "not a private key") {
		t.Errorf("HostKey on garbage: %v", err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "garbage" {
		t.Error("HostKey overwrote a file that is not a key")
	}
}

// Servers starting at once on a new path agree on one key.
func TestHostKeyConcurrentFirstStart(t *testing.T) {
	for round := range 60 {
		path := filepath.Join(t.TempDir(), "hk")
		var wg sync.WaitGroup
		keys := make([][]byte, 8)
		errs := make([]error, 8)
		for i := range keys {
			wg.Go(func() { keys[i], errs[i] = HostKey(path) })
		}
		wg.Wait()
		for i := range keys {
			if errs[i] != nil {
				t.Fatalf("round %d: HostKey racing another first start: %v", round, errs[i])
			}
			if string(keys[i]) != string(keys[0]) {
				t.Fatalf("round %d: concurrent first starts returned different keys", round)
			}
		}
	}
}

func TestHostKeySameAcrossRestarts(t *testing.T) {
	h := newHarness(t, nil)
	seen := func() string {
		t.Helper()
		var fp string
		cfg := clientConfig(gossh.PublicKeys(h.keys["bob"]))
		cfg.HostKeyCallback = func(_ string, _ net.Addr, key gossh.PublicKey) error {
			fp = gossh.FingerprintSHA256(key)
			return nil
		}
		c, err := h.dialWith(cfg)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c.Close()
		return fp
	}
	first := seen()
	want, err := gossh.ParsePrivateKey(h.hostKey)
	if err != nil {
		t.Fatal(err)
	}
	if first != gossh.FingerprintSHA256(want.PublicKey()) {
		t.Errorf("the server presents %s, not its host key", first)
	}
	if err := h.stop(h.run); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	h.start()
	if second := seen(); second != first {
		t.Errorf("host key changed across a restart: %s then %s", first, second)
	}
}

// Unique titles for tests that look for them on screen.
func uniqueTitle(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	const hex = "0123456789abcdef"
	s := []byte(prefix)
	for _, c := range b {
		s = append(s, hex[c>>4], hex[c&15])
	}
	return string(s)
}
