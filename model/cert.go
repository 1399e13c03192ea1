package model

import (
	"bytes"
	"net"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Login is how a session authenticated: a user's key, or a certificate
// from a trusted CA (then the certificate's key ID, serial and CA).
type Login struct {
	Fingerprint string // SHA256 of the key that signed in (the certified key, for a certificate)
	KeyType     string // that key's type, e.g. sk-ssh-ed25519@openssh.com
	Cert        bool
	CertKeyID   string
	CertSerial  uint64
	CA          string // the CA's SHA256 fingerprint
}

// MaxTrustedCAs bounds the CA keys a --trusted-user-ca file may hold.
const MaxTrustedCAs = 64

// ParseTrustedCAs reads CA public keys, one a line in authorized_keys
// form (blank lines and # comments skipped; a cert-authority option is
// allowed). A certificate is not a CA key.
func ParseTrustedCAs(data []byte) ([]ssh.PublicKey, error) {
	var cas []ssh.PublicKey
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, Errorf("line %d of the CA file is not an SSH public key; give the CA's .pub line", i+1)
		}
		if _, ok := pk.(*ssh.Certificate); ok {
			return nil, Errorf("line %d of the CA file is a certificate; give the CA's own public key", i+1)
		}
		if len(cas) == MaxTrustedCAs {
			return nil, Errorf("the CA file holds more than %d keys", MaxTrustedCAs)
		}
		cas = append(cas, pk)
	}
	if len(cas) == 0 {
		return nil, Errorf("the CA file holds no public key")
	}
	return cas, nil
}

// CertOptionSourceAddress is the one critical option sitrep understands;
// a certificate with any other is refused, as OpenSSH refuses options it
// does not know.
const CertOptionSourceAddress = "source-address"

// CheckUserCert decides whether a user certificate lets a client in, and
// as which principal: signed by one of cas, a user (not host)
// certificate, valid at now, with no critical option but a source-address
// the client's address matches, naming the principal the client logged
// in as (ssh NAME@host), or its only principal. The principal must then
// be a sitrep user; that is the caller's look-up.
func CheckUserCert(cert *ssh.Certificate, login string, remote net.Addr, cas []ssh.PublicKey, now time.Time) (string, error) {
	if len(cas) == 0 {
		return "", Errorf("this server trusts no certificate authority; sign in with a key an owner has added")
	}
	if cert.CertType != ssh.UserCert {
		return "", Errorf("that is a host certificate; sign in with a user certificate")
	}
	trusted := slices.ContainsFunc(cas, func(ca ssh.PublicKey) bool {
		return bytes.Equal(ca.Marshal(), cert.SignatureKey.Marshal())
	})
	if !trusted {
		return "", Errorf("the certificate is signed by %s, a CA this server does not trust", ssh.FingerprintSHA256(cert.SignatureKey))
	}
	if len(cert.ValidPrincipals) == 0 {
		return "", Errorf("the certificate names no principal; ask your CA for one naming your sitrep user")
	}
	principal := login
	if !slices.Contains(cert.ValidPrincipals, login) {
		if len(cert.ValidPrincipals) > 1 {
			return "", Errorf("the certificate is not for %q; connect as one of its principals (ssh NAME@host)", SanitizeLine(login))
		}
		principal = cert.ValidPrincipals[0]
	}
	checker := ssh.CertChecker{
		SupportedCriticalOptions: []string{CertOptionSourceAddress},
		Clock:                    func() time.Time { return now },
	}
	if err := checker.CheckCert(principal, cert); err != nil {
		switch {
		case strings.Contains(err.Error(), "expired"):
			return "", Errorf("the certificate expired at %s; get a new one from your CA", certTime(cert.ValidBefore))
		case strings.Contains(err.Error(), "not yet valid"):
			return "", Errorf("the certificate is not valid before %s", certTime(cert.ValidAfter))
		case strings.Contains(err.Error(), "critical option"):
			return "", Errorf("the certificate carries a critical option sitrep does not support; only source-address is")
		}
		return "", Errorf("the certificate does not verify against its CA")
	}
	if opt, ok := cert.CriticalOptions[CertOptionSourceAddress]; ok {
		if err := checkSourceAddress(opt, remote); err != nil {
			return "", err
		}
	}
	return principal, nil
}

func certTime(v uint64) string {
	if v > uint64(1<<62) {
		return "forever"
	}
	return time.Unix(int64(v), 0).UTC().Format(time.RFC3339)
}

// checkSourceAddress matches the client's address against a
// certificate's source-address list (comma-separated addresses or CIDRs).
func checkSourceAddress(list string, remote net.Addr) error {
	host, _, err := net.SplitHostPort(remote.String())
	if err != nil {
		host = remote.String()
	}
	ip := net.ParseIP(host)
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if a := net.ParseIP(s); a != nil && ip != nil && a.Equal(ip) {
			return nil
		}
		if _, n, err := net.ParseCIDR(s); err == nil && ip != nil && n.Contains(ip) {
			return nil
		}
	}
	return Errorf("the certificate may be used only from %s", SanitizeLine(list))
}
