// Package model is sitrep's incident domain: incidents and their lifecycle,
// severities, deadlines and the business-hours and regulatory policy they are
// computed from, roles and the one authorisation function, the containment
// checklist, notification drafts, post-incident reviews, events and the
// validation and sanitising of user text.
//
// It is pure: it does no I/O and imports no other sitrep package. Time comes
// from a Clock passed in, so deadlines are exact and testable.
package model
