package model

import (
	"slices"
	"strings"
	"time"
)

// Security keys: the FIDO2 key types OpenSSH makes with ssh-keygen -t
// ed25519-sk or ecdsa-sk. Signing with one needs the hardware token.
const (
	KeySKEd25519 = "sk-ssh-ed25519@openssh.com"
	KeySKECDSA   = "sk-ecdsa-sha2-nistp256@openssh.com"
)

// IsSecurityKey reports whether keyType is a FIDO2 security key.
func IsSecurityKey(keyType string) bool { return keyType == KeySKEd25519 || keyType == KeySKECDSA }

// MaxAccessReviewDays bounds policy access_review_days.
const MaxAccessReviewDays = 3650

// validateAccess checks the access fields of a policy and fills their
// defaults.
func (p *Policy) validateAccess() error {
	if p.AccessReviewDays == 0 {
		p.AccessReviewDays = DefaultAccessReviewDays
	}
	if p.AccessReviewDays < 0 || p.AccessReviewDays > MaxAccessReviewDays {
		return Errorf("access_review_days %d is out of range; give a positive number of days up to %d", p.AccessReviewDays, MaxAccessReviewDays)
	}
	roles := make([]Role, 0, len(p.RequireSecurityKey))
	for _, r := range p.RequireSecurityKey {
		role, err := ParseRole(string(r))
		if err != nil {
			return Errorf("require_security_key: %v", err)
		}
		if !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
	}
	slices.SortFunc(roles, func(a, b Role) int { return a.rank() - b.rank() })
	p.RequireSecurityKey = roles
	return nil
}

// ParseRoles reads a comma-separated list of roles ("admin,owner"); "" or
// "none" is no role.
func ParseRoles(v string) ([]Role, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "none") {
		return []Role{}, nil
	}
	var roles []Role
	for _, s := range strings.Split(v, ",") {
		r, err := ParseRole(s)
		if err != nil {
			return nil, err
		}
		roles = append(roles, r)
	}
	return roles, nil
}

func roleList(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// NeedsSecurityKey reports whether the policy admits role only with a
// security key.
func (p Policy) NeedsSecurityKey(role Role) bool { return slices.Contains(p.RequireSecurityKey, role) }

// CheckKeyForRole refuses a key of a type the policy does not admit for
// role: a plain key for a role that needs a security key. It is asked
// when a key is added to a user, and at every login (a user who had
// plain keys before the policy changed, or was promoted, is refused with
// how to get in).
func (p Policy) CheckKeyForRole(role Role, keyType string) error {
	if !p.NeedsSecurityKey(role) || IsSecurityKey(keyType) {
		return nil
	}
	return Errorf("the policy requires a FIDO2 security key for %ss, and this key is %s; make one with ssh-keygen -t ed25519-sk and have an owner add it with sitrep user key add NAME KEY",
		role, SanitizeLine(keyType))
}

// LockedOut lists the users the policy keeps out: their role needs a
// security key and none of their keys is one. They are refused at login
// with how to get in; `policy set` names them.
func (p Policy) LockedOut(users []User) []User {
	var out []User
	for _, u := range users {
		if p.NeedsSecurityKey(u.Role) && !slices.ContainsFunc(u.Keys, func(k Key) bool { return IsSecurityKey(k.Type) }) {
			out = append(out, u)
		}
	}
	return out
}

// Access reviews.
const (
	// KindAccessReview is the periodic review of who has access.
	KindAccessReview = "access-review"
	// StaleKeyAfter is how long a key may go unused before a review
	// flags it.
	StaleKeyAfter = 90 * 24 * time.Hour
	// The flags an access review raises on a user.
	FlagStaleKey      = "stale-key"
	FlagNeverLoggedIn = "never-logged-in"
)

// KeyStale reports whether a key has gone unused for StaleKeyAfter: since
// its last use, or since it was added if it was never used.
func KeyStale(k Key, now time.Time) bool {
	ref := k.LastUsedAt
	if ref.IsZero() {
		ref = k.AddedAt
	}
	return !ref.IsZero() && now.Sub(ref) >= StaleKeyAfter
}

// AccessFlags are what an access review should look at for a user: a key
// unused for 90 days (stale-key), no login ever (never-logged-in).
func AccessFlags(u User, now time.Time) []string {
	flags := []string{}
	if slices.ContainsFunc(u.Keys, func(k Key) bool { return KeyStale(k, now) }) {
		flags = append(flags, FlagStaleKey)
	}
	if u.LastLoginAt.IsZero() {
		flags = append(flags, FlagNeverLoggedIn)
	}
	return flags
}

// AccessReviewDeadline is when the next access review is due: the
// policy's access_review_days after the last one, or, before the first,
// after the first user was added. There is none while there are no users
// and no review.
func AccessReviewDeadline(p Policy, last time.Time, users []User, now time.Time) (Deadline, bool) {
	anchor := last
	if anchor.IsZero() {
		for _, u := range users {
			if !u.CreatedAt.IsZero() && (anchor.IsZero() || u.CreatedAt.Before(anchor)) {
				anchor = u.CreatedAt
			}
		}
	}
	if anchor.IsZero() {
		return Deadline{}, false
	}
	days := p.AccessReviewDays
	if days <= 0 {
		days = DefaultAccessReviewDays
	}
	due := anchor.Add(time.Duration(days) * 24 * time.Hour)
	d := Deadline{Kind: KindAccessReview, Label: "Access review", DueAt: due, State: Pending, Remaining: due.Sub(now)}
	if d.Remaining < 0 {
		d.State = Missed
	}
	return d, true
}
