package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/store"
)

// errUnknownKey marks a refusal of a key no user has, or a certificate
// whose principal is no user: the ones audited as login_refused.
var errUnknownKey = errors.New("unknown key")

// unknownKey is such a refusal; it reads as its sentence.
type unknownKey struct{ error }

func (unknownKey) Is(target error) bool { return target == errUnknownKey }

// who is the user a key, or a certificate from a trusted CA, signs in as,
// and how. The public-key callback asks it to decide whether to go on,
// and the session asks it again for the key that actually authenticated.
func (s *Server) who(ctx context.Context, login string, remote net.Addr, key gossh.PublicKey) (model.User, model.Login, error) {
	if cert, ok := key.(*gossh.Certificate); ok && len(s.cfg.TrustedUserCAs) > 0 {
		l := model.Login{Fingerprint: gossh.FingerprintSHA256(cert.Key), KeyType: cert.Key.Type(), Cert: true,
			CertKeyID: model.SanitizeLine(cert.KeyId), CertSerial: cert.Serial, CA: gossh.FingerprintSHA256(cert.SignatureKey)}
		principal, err := model.CheckUserCert(cert, login, remote, s.cfg.TrustedUserCAs, time.Now())
		if err != nil {
			return model.User{}, l, err
		}
		u, err := s.cfg.Store.User(ctx, principal)
		if errors.Is(err, store.ErrNotFound) {
			return model.User{}, l, unknownKey{model.Errorf("the certificate's principal %q is not a sitrep user; ask an owner to add them", model.SanitizeLine(principal))}
		}
		if err != nil {
			return model.User{}, l, fmt.Errorf("cannot look up the certificate's user: %w", err)
		}
		return u, l, nil
	}
	l := model.Login{Fingerprint: gossh.FingerprintSHA256(key), KeyType: key.Type()}
	// A certificate without a trusted CA is refused here: never a
	// user's key, whatever the database holds.
	if err := model.CheckKey(key); err != nil {
		return model.User{}, l, err
	}
	u, err := s.cfg.Store.UserByKey(ctx, l.Fingerprint)
	if errors.Is(err, store.ErrNotFound) {
		return model.User{}, l, unknownKey{model.Errorf("the key %s does not belong to a user", l.Fingerprint)}
	}
	if err != nil {
		return model.User{}, l, fmt.Errorf("cannot look up your key: %w", err)
	}
	return u, l, nil
}
