package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"sync/atomic"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// NewSecurityKey makes an sk-ssh-ed25519@openssh.com key, the kind a
// FIDO2 token holds (ssh-keygen -t ed25519-sk), with a signer that signs
// as such a token does with the user present: a stand-in for the
// hardware, for tests of the security-key policy. It returns the signer
// and the public key as one authorized_keys line.
func NewSecurityKey(t testing.TB) (gossh.Signer, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const app = "ssh:"
	wire := gossh.Marshal(struct {
		Type        string
		KeyBytes    []byte
		Application string
	}{gossh.KeyAlgoSKED25519, pub, app})
	pk, err := gossh.ParsePublicKey(wire)
	if err != nil {
		t.Fatal(err)
	}
	s := &skSigner{pub: pk, priv: priv, app: app}
	return s, string(gossh.MarshalAuthorizedKey(pk))
}

type skSigner struct {
	pub     gossh.PublicKey
	priv    ed25519.PrivateKey
	app     string
	counter atomic.Uint32
}

func (s *skSigner) PublicKey() gossh.PublicKey { return s.pub }

// Sign signs as OpenSSH's PROTOCOL.u2f describes: ed25519 over the
// application's and the data's SHA-256, the flags (user present) and a
// counter.
func (s *skSigner) Sign(_ io.Reader, data []byte) (*gossh.Signature, error) {
	const userPresent = 0x01
	appDigest := sha256.Sum256([]byte(s.app))
	dataDigest := sha256.Sum256(data)
	counter := s.counter.Add(1)
	blob := gossh.Marshal(struct {
		ApplicationDigest []byte `ssh:"rest"`
		Flags             byte
		Counter           uint32
		MessageDigest     []byte `ssh:"rest"`
	}{appDigest[:], userPresent, counter, dataDigest[:]})
	return &gossh.Signature{
		Format: gossh.KeyAlgoSKED25519,
		Blob:   ed25519.Sign(s.priv, blob),
		Rest: gossh.Marshal(struct {
			Flags   byte
			Counter uint32
		}{userPresent, counter}),
	}, nil
}
