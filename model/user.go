package model

import (
	"crypto/rsa"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/ssh"
)

// User is someone who may use sitrep over SSH, known by their keys.
type User struct {
	ID          int64
	Name        string
	Role        Role
	Keys        []Key
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// Key is an SSH public key of a user.
type Key struct {
	Fingerprint string // SHA256:...
	Type        string // ssh-ed25519, ...
	Text        string // the authorized_keys form, without comment
	Comment     string
	AddedAt     time.Time
	LastUsedAt  time.Time // the last login with it; zero if never
}

// CleanUserName validates a user name: 1–100 letters, digits, dots,
// dashes, underscores or @, so it reads the same in every table and log.
func CleanUserName(v string) (string, error) {
	s, err := CleanText("user name", v, SingleLine, 1, MaxName)
	if err != nil {
		return "", err
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@", r) {
			return "", Errorf("user name %q may hold only letters, digits, dots, dashes, underscores and @", s)
		}
	}
	return s, nil
}

// ParseKey reads one public key in authorized_keys form
// ("ssh-ed25519 AAAA... comment").
func ParseKey(v string) (Key, error) {
	s := strings.TrimSpace(v)
	if s == "" {
		return Key{}, Errorf("the key is empty; give a public key such as the contents of ~/.ssh/id_ed25519.pub")
	}
	if strings.Contains(s, "PRIVATE KEY") {
		return Key{}, Errorf("that is a private key; give the public key (the .pub file) and keep the private one secret")
	}
	pk, comment, _, rest, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return Key{}, Errorf("the key is not a valid SSH public key; give one line such as the contents of ~/.ssh/id_ed25519.pub")
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return Key{}, Errorf("give one key at a time; the text holds more than one line")
	}
	if err := CheckKey(pk); err != nil {
		return Key{}, err
	}
	comment = SanitizeLine(comment)
	return KeyOf(pk, comment), nil
}

// MinRSABits is the smallest RSA key sitrep accepts.
const MinRSABits = 2048

// CheckKey refuses what may not be a user's key: a certificate (its
// validity, principals and CA would be ignored, and one private key could
// belong to two users through it; certificates come only through a
// trusted CA), and an RSA key under MinRSABits bits (which could never
// log in).
func CheckKey(pk ssh.PublicKey) error {
	if _, ok := pk.(*ssh.Certificate); ok || strings.HasSuffix(pk.Type(), "-cert-v01@openssh.com") {
		return Errorf("that is an SSH certificate, not a plain public key; give the user's own public key (certificates are accepted only through a trusted CA)")
	}
	if ck, ok := pk.(ssh.CryptoPublicKey); ok {
		if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok && rk.N.BitLen() < MinRSABits {
			return Errorf("that RSA key has %d bits; sitrep needs at least %d (ssh-keygen -t ed25519 makes a better key)", rk.N.BitLen(), MinRSABits)
		}
	}
	return nil
}

// KeyOf describes a parsed public key.
func KeyOf(pk ssh.PublicKey, comment string) Key {
	return Key{
		Fingerprint: ssh.FingerprintSHA256(pk),
		Type:        pk.Type(),
		Text:        strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))),
		Comment:     comment,
	}
}
