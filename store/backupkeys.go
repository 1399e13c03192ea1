package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"

	"sitrep/model"
)

// Bounds on what recipient and identity files may hold.
const (
	maxKeyFile    = 1 << 20
	maxRecipients = 1000
)

// ParseRecipients reads the recipients of an encrypted backup: each value
// given, and every line of each file (blank lines and # comments skipped).
// A recipient is an age X25519 (or post-quantum) recipient or an SSH
// ed25519 or RSA public key, as in authorized_keys.
func ParseRecipients(values, files []string) ([]age.Recipient, error) {
	var out []age.Recipient
	add := func(s, where string) error {
		r, err := parseRecipient(s, where)
		if err != nil {
			return err
		}
		if len(out) == maxRecipients {
			return model.Errorf("more than %d recipients; encrypt to fewer", maxRecipients)
		}
		out = append(out, r)
		return nil
	}
	for _, v := range values {
		if err := add(strings.TrimSpace(v), "--encrypt-to "+quoteShort(v)); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		body, err := readKeyFile(f)
		if err != nil {
			return nil, err
		}
		found := false
		for n, line := range strings.Split(string(body), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := add(line, fmt.Sprintf("%s line %d", model.SanitizeLine(f), n+1)); err != nil {
				return nil, err
			}
			found = true
		}
		if !found {
			return nil, model.Errorf("%s holds no recipient", model.SanitizeLine(f))
		}
	}
	return out, nil
}

// parseRecipient reads one recipient. Errors name where it came from and
// never repeat it whole: a secret key given by mistake stays unprinted.
func parseRecipient(s, where string) (age.Recipient, error) {
	switch {
	case strings.HasPrefix(s, "AGE-SECRET-KEY-"):
		return nil, model.Errorf("%s is a secret key, not a recipient; give its public part (age-keygen -y)", where)
	case strings.HasPrefix(s, "age1"):
		rs, err := age.ParseRecipients(strings.NewReader(s))
		if err != nil || len(rs) != 1 {
			return nil, model.Errorf("%s is not a valid age recipient", where)
		}
		return rs[0], nil
	case strings.HasPrefix(s, "sk-"):
		return nil, model.Errorf("%s is a security-key SSH key, which cannot decrypt files; give an age recipient or an ssh-ed25519 or ssh-rsa key", where)
	case strings.HasPrefix(s, "ssh-ed25519 "), strings.HasPrefix(s, "ssh-rsa "):
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
		if err != nil {
			return nil, model.Errorf("%s is not a valid SSH public key", where)
		}
		if pk.Type() == ssh.KeyAlgoRSA {
			if cpk, ok := pk.(ssh.CryptoPublicKey); !ok || rsaBits(cpk) < 2048 {
				return nil, model.Errorf("%s is an RSA key under 2,048 bits; give a stronger key", where)
			}
			return agessh.NewRSARecipient(pk)
		}
		return agessh.NewEd25519Recipient(pk)
	}
	return nil, model.Errorf("%s is neither an age recipient (age1…) nor an SSH public key (ssh-ed25519, ssh-rsa)", where)
}

func rsaBits(k ssh.CryptoPublicKey) int {
	type bitLen interface{ Size() int }
	if b, ok := k.CryptoPublicKey().(bitLen); ok {
		return b.Size() * 8
	}
	return 0
}

// ParseIdentities reads the identity that decrypts a backup: an age
// identity file (AGE-SECRET-KEY-1…) or an SSH ed25519 or RSA private key
// without a passphrase.
func ParseIdentities(file string) ([]age.Identity, error) {
	shown := model.SanitizeLine(file)
	body, err := readKeyFile(file)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(body, []byte("-----BEGIN")) {
		id, err := agessh.ParseIdentity(body)
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return nil, model.Errorf("%s is protected by a passphrase, which sitrep does not ask for; use an age identity, or a copy of the key without one kept offline", shown)
		} else if err != nil {
			return nil, model.Errorf("%s is not an SSH ed25519 or RSA private key sitrep can use", shown)
		}
		return []age.Identity{id}, nil
	}
	ids, err := age.ParseIdentities(bytes.NewReader(body))
	if err != nil {
		return nil, model.Errorf("%s holds no age identity (AGE-SECRET-KEY-1…) or SSH private key", shown)
	}
	return ids, nil
}

// readKeyFile reads a small key file.
func readKeyFile(file string) ([]byte, error) {
	shown := model.SanitizeLine(file)
	f, err := os.Open(file)
	if err != nil {
		return nil, model.Errorf("cannot read %s: %v", shown, errors.Unwrap(err))
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, model.Errorf("cannot read %s: %v", shown, err)
	}
	if len(body) > maxKeyFile {
		return nil, model.Errorf("%s is larger than a key file can be (1 MiB)", shown)
	}
	return body, nil
}

// quoteShort quotes the start of a value for an error message.
func quoteShort(v string) string {
	v = model.SanitizeLine(v)
	if r := []rune(v); len(r) > 24 {
		v = string(r[:24]) + "…"
	}
	if strings.HasPrefix(v, "AGE-SECRET-KEY-") {
		v = "AGE-SECRET-KEY-…"
	}
	return fmt.Sprintf("%q", v)
}
