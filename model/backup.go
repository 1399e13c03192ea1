package model

import (
	"fmt"
	"time"
)

// RPO is the recovery point objective the last backup's age is held to
// (the policy's rpo_hours; the reference's one hour by default).
func (p Policy) RPO() time.Duration {
	if p.RPOHours <= 0 {
		return time.Duration(DefaultRPOHours) * time.Hour
	}
	return time.Duration(p.RPOHours) * time.Hour
}

// BackupAge says how old the last backup is, for the console's header
// (backup 12m, backup 3h, backup 2d; no backup), and whether that is past
// the recovery point objective rpo, or no backup was ever taken.
func BackupAge(last, now time.Time, rpo time.Duration) (string, bool) {
	if last.IsZero() {
		return "no backup", true
	}
	age := max(0, now.Sub(last))
	var s string
	switch {
	case age < time.Hour:
		s = fmt.Sprintf("%dm", int(age/time.Minute))
	case age < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(age/time.Hour))
	default:
		s = fmt.Sprintf("%dd", int(age/(24*time.Hour)))
	}
	return "backup " + s, age > rpo
}
