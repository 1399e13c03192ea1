package ssh

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
)

// certKit makes keys and certificates with the real ssh-keygen, as an
// organisation's CA would.
type certKit struct {
	t   *testing.T
	dir string
}

func newCertKit(t *testing.T) *certKit {
	t.Helper()
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen (OpenSSH) is not installed; certificates are minted with it")
	}
	return &certKit{t: t, dir: t.TempDir()}
}

// key makes an ed25519 key pair and returns its private key's path.
func (k *certKit) key(name string) string {
	k.t.Helper()
	path := filepath.Join(k.dir, name)
	k.run("-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path)
	return path
}

func (k *certKit) run(args ...string) {
	k.t.Helper()
	out, err := exec.Command("ssh-keygen", args...).CombinedOutput()
	if err != nil {
		k.t.Fatalf("ssh-keygen %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// sign certifies key's public half with ca (ssh-keygen -s) and returns
// the certificate's path; extra are more ssh-keygen flags (-h, -O ...).
func (k *certKit) sign(ca, key, id, principals, validity, serial string, extra ...string) string {
	k.t.Helper()
	args := append([]string{"-q", "-s", ca, "-I", id, "-n", principals, "-V", validity, "-z", serial}, extra...)
	k.run(append(args, key+".pub")...)
	return key + "-cert.pub"
}

// signer is the client's key with its certificate.
func (k *certKit) signer(key, cert string) gossh.Signer {
	k.t.Helper()
	pem, err := os.ReadFile(key)
	if err != nil {
		k.t.Fatal(err)
	}
	priv, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		k.t.Fatal(err)
	}
	line, err := os.ReadFile(cert)
	if err != nil {
		k.t.Fatal(err)
	}
	pub, _, _, _, err := gossh.ParseAuthorizedKey(line)
	if err != nil {
		k.t.Fatal(err)
	}
	c, ok := pub.(*gossh.Certificate)
	if !ok {
		k.t.Fatalf("%s is not a certificate", cert)
	}
	s, err := gossh.NewCertSigner(c, priv)
	if err != nil {
		k.t.Fatal(err)
	}
	return s
}

func (k *certKit) pub(key string) gossh.PublicKey {
	k.t.Helper()
	b, err := os.ReadFile(key + ".pub")
	if err != nil {
		k.t.Fatal(err)
	}
	pk, _, _, _, err := gossh.ParseAuthorizedKey(b)
	if err != nil {
		k.t.Fatal(err)
	}
	return pk
}

// TestUserCertificates signs users in with certificates from a trusted CA
// (serve --trusted-user-ca), minted by ssh-keygen -s: the principal names
// the user; expired, not yet valid, unknown-principal, other-CA and host
// certificates, and unknown critical options, are refused; the login
// event carries the key ID, serial and CA.
func TestUserCertificates(t *testing.T) {
	t.Parallel()
	k := newCertKit(t)
	ca, rogue := k.key("ca"), k.key("rogue-ca")
	h := newHarness(t, func(c *Config) { c.TrustedUserCAs = []gossh.PublicKey{k.pub(ca)} })

	type tc struct {
		name        string
		login       string // the SSH user name the client asks for
		ca          string
		principals  string
		validity    string
		extra       []string
		want        string // the user signed in as; "" for refused
		wantRefusal string // in the server's log
	}
	for i, c := range []tc{
		{"valid", "alice", ca, "alice", "-5m:+1h", nil, "alice admin", ""},
		{"login name ignored with one principal", "anyone", ca, "bob", "-5m:+1h", nil, "bob member", ""},
		{"login name picks among principals", "vera", ca, "alice,vera", "-5m:+1h", nil, "vera viewer", ""},
		{"login name not a principal of several", "olivia", ca, "alice,vera", "-5m:+1h", nil, "", "connect as one of its principals"},
		{"source-address matching", "alice", ca, "alice", "-5m:+1h", []string{"-O", "source-address=127.0.0.1/32"}, "alice admin", ""},
		{"expired", "alice", ca, "alice", "20200101:20200102", nil, "", "the certificate expired"},
		{"not yet valid", "alice", ca, "alice", "+1d:+2d", nil, "", "the certificate is not valid before"},
		{"wrong principal", "mallory", ca, "mallory", "-5m:+1h", nil, "", `principal \"mallory\" is not a sitrep user`},
		{"other CA", "alice", rogue, "alice", "-5m:+1h", nil, "", "a CA this server does not trust"},
		{"host certificate", "alice", ca, "alice", "-5m:+1h", []string{"-h"}, "", "that is a host certificate"},
		{"unknown critical option", "alice", ca, "alice", "-5m:+1h", []string{"-O", "force-command=list"}, "", "critical option"},
		{"source-address elsewhere", "alice", ca, "alice", "-5m:+1h", []string{"-O", "source-address=192.0.2.0/24"}, "", "may be used only from 192.0.2.0/24"},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := k.key("user" + string(rune('a'+i)))
			id := "id-" + strings.ReplaceAll(c.name, " ", "-")
			serial := "10" + string(rune('0'+i%10))
			cert := k.sign(c.ca, key, id, c.principals, c.validity, serial, c.extra...)
			cfg := clientConfig(gossh.PublicKeys(k.signer(key, cert)))
			cfg.User = c.login
			from := h.log.Len()
			cl, err := h.dialWith(cfg)
			if c.want == "" {
				if err == nil {
					out, _, _ := run(t, cl, "whoami")
					t.Fatalf("refused certificate let a client in as %q", out)
				}
				if _, ok := h.log.WaitFor(from, c.wantRefusal, 5*time.Second); !ok {
					t.Errorf("the server's log does not say %q: %s", c.wantRefusal, tail(h.log.String()[from:], 600))
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			out, _, code := run(t, cl, "whoami")
			if code != 0 || !strings.HasPrefix(out, c.want+" ") {
				t.Fatalf("whoami = %q (exit %d), want %s", out, code, c.want)
			}
			user := strings.Fields(c.want)[0]
			logins := h.audit(func(e model.Event) bool {
				return e.Action == model.EvLogin && e.Actor == user && e.Data["cert_key_id"] == id
			})
			if len(logins) != 1 || logins[0].Data["cert_serial"] != serial || logins[0].Data["ca"] != gossh.FingerprintSHA256(k.pub(ca)) ||
				logins[0].Data["fingerprint"] != gossh.FingerprintSHA256(k.pub(key)) {
				t.Errorf("login events %+v; want one with key ID %s, serial %s and the CA", logins, id, serial)
			} else if txt := logins[0].Text(nil); !strings.Contains(txt, `certificate "`+id+`" (serial `+serial+`)`) {
				t.Errorf("login sentence %q", txt)
			}
		})
	}
	// A refused certificate naming no user is audited like an unknown key.
	if n := len(h.audit(func(e model.Event) bool { return e.Action == model.EvLoginRefused && e.Data["user"] == "mallory" })); n != 1 {
		t.Errorf("%d login_refused events for the unknown principal, want 1", n)
	}
}

// Without --trusted-user-ca a certificate signs nobody in, even one whose
// principal is a user.
func TestCertificateWithoutTrustedCA(t *testing.T) {
	t.Parallel()
	k := newCertKit(t)
	ca, key := k.key("ca"), k.key("user")
	cert := k.sign(ca, key, "id", "alice", "-5m:+1h", "1")
	h := newHarness(t, nil)
	cfg := clientConfig(gossh.PublicKeys(k.signer(key, cert)))
	cfg.User = "alice"
	if c, err := h.dialWith(cfg); err == nil {
		out, _, _ := run(t, c, "whoami")
		t.Fatalf("a certificate without a trusted CA let a client in: %q", out)
	}
}

// The real OpenSSH client signs in with a certificate from ssh-keygen -s.
func TestCertificateWithOpenSSHClient(t *testing.T) {
	t.Parallel()
	k := newCertKit(t)
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("the OpenSSH client (ssh) is not installed")
	}
	ca, key := k.key("ca"), k.key("alice")
	cert := k.sign(ca, key, "alice@idp", "alice", "-5m:+1h", "42")
	h := newHarness(t, func(c *Config) { c.TrustedUserCAs = []gossh.PublicKey{k.pub(ca)} })
	_, port, err := net.SplitHostPort(h.addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", "-F", "/dev/null", "-i", key, "-o", "CertificateFile="+cert, "-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-p", port, "alice@127.0.0.1", "whoami")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "alice admin ssh:127.0.0.1:") {
		t.Fatalf("ssh with a certificate: %v: %q", err, out)
	}
	logins := h.audit(func(e model.Event) bool { return e.Action == model.EvLogin && e.Data["cert_key_id"] == "alice@idp" })
	if len(logins) != 1 || logins[0].Data["cert_serial"] != "42" {
		t.Errorf("login events %+v", logins)
	}
}
