package model

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
)

// Token is a bearer token for HTTP intake. Only the SHA-256 of its
// secret is kept; the secret is shown once, when it is made.
type Token struct {
	Name       string
	SHA256     string
	CreatedAt  time.Time
	CreatedBy  string
	LastUsedAt time.Time
}

// TokenPrefix starts every token, so one found in a log or a repository
// can be recognised for what it is.
const TokenPrefix = "sitrep_"

// TokenSecret makes a token's secret from 32 random bytes.
func TokenSecret(random []byte) string {
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(random)
}

// TokenHash is the SHA-256 of a secret, in hex: what is stored.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CleanTokenName validates a token's name: 1–100 letters, digits, dots,
// dashes, underscores or @, as a user name, since it acts as one.
func CleanTokenName(v string) (string, error) {
	s, err := CleanText("token name", v, SingleLine, 1, MaxName)
	if err != nil {
		return "", err
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@", r) {
			return "", Errorf("token name %q may hold only letters, digits, dots, dashes, underscores and @", s)
		}
	}
	return s, nil
}

// TokenActor is who a token acts as: a member named by the token, from
// the HTTP client's address.
func TokenActor(name, addr string) Actor {
	return Actor{Name: name, Role: Member, Source: "http:" + addr}
}
