package model

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func authorized(t *testing.T, pk ssh.PublicKey) string {
	t.Helper()
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

func TestParseKeyRefusesCertificatesAndShortRSA(t *testing.T) {
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	user, err := ssh.NewSignerFromKey(edPriv)
	if err != nil {
		t.Fatal(err)
	}
	_, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	ca, _ := ssh.NewSignerFromKey(caPriv)
	cert := &ssh.Certificate{Key: user.PublicKey(), CertType: ssh.UserCert, ValidPrincipals: []string{"bob"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	rsaKey := func(bits int) string {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := ssh.NewPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return authorized(t, pk)
	}
	for _, tc := range []struct {
		name, key, refusal string
	}{
		{"ed25519", authorized(t, user.PublicKey()), ""},
		{"certificate", authorized(t, cert), "SSH certificate"},
		{"rsa 1024", rsaKey(1024), "RSA key has 1024 bits; sitrep needs at least 2048"},
		{"rsa 2048", rsaKey(2048), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKey(tc.key)
			switch {
			case tc.refusal == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.refusal != "" && (err == nil || !strings.Contains(err.Error(), tc.refusal)):
				t.Errorf("got %v; want a refusal saying %q", err, tc.refusal)
			}
		})
	}
}
