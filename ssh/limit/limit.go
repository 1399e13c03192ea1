// Package limit holds the rate limits sitrep's network faces share: per
// client address, and for refusals written to the audit log.
package limit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PerAddress admits events per client address at a steady rate with a
// burst, so one address cannot exhaust a server; addresses not seen for a
// minute are forgotten.
type PerAddress struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	m     map[string]*entry
	swept time.Time
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewPerAddress admits perSecond events a second from each address, and
// burst at once.
func NewPerAddress(perSecond float64, burst int) *PerAddress {
	return &PerAddress{every: rate.Limit(perSecond), burst: burst, m: map[string]*entry{}}
}

// Allow says whether an event from ip at now is admitted.
func (l *PerAddress) Allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, e := range l.m {
			if now.Sub(e.seen) > time.Minute {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	e := l.m[ip]
	if e == nil {
		e = &entry{lim: rate.NewLimiter(l.every, l.burst)}
		l.m[ip] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}

// Audit bounds how many refusals are written to the audit log: each key
// (what was refused, from where) once a window, a few a second from each
// address, so one address's flood does not hide another's refusals, and a
// generous limit for all together, so a flood cannot fill the database.
type Audit struct {
	mu     sync.Mutex
	seen   map[string]time.Time
	perIP  *PerAddress
	all    *rate.Limiter
	window time.Duration
}

// NewAudit records each key once per window, perIP a second from one
// address (burst ipBurst), all a second in all (burst allBurst).
func NewAudit(perIP float64, ipBurst int, all float64, allBurst int, window time.Duration) *Audit {
	return &Audit{seen: map[string]time.Time{}, perIP: NewPerAddress(perIP, ipBurst),
		all: rate.NewLimiter(rate.Limit(all), allBurst), window: window}
}

// NewWindow records each key once per window, with no rate besides (see
// Due and Mark).
func NewWindow(window time.Duration) *Audit {
	return &Audit{seen: map[string]time.Time{}, window: window}
}

// Allow says whether the refusal key from ip at now is to be recorded,
// and counts it as recorded if so.
func (a *Audit) Allow(ip, key string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.due(key, now) {
		return false
	}
	if a.perIP != nil && !a.perIP.Allow(ip, now) || a.all != nil && !a.all.AllowN(now, 1) {
		return false
	}
	a.seen[key] = now
	return true
}

// Due says whether key was not recorded within the window; Mark records
// it once written (for a write that may still fail in between).
func (a *Audit) Due(key string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.due(key, now)
}

// Mark notes that key was recorded at now.
func (a *Audit) Mark(key string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen[key] = now
}

func (a *Audit) due(key string, now time.Time) bool {
	if t, ok := a.seen[key]; ok && now.Sub(t) < a.window {
		return false
	}
	if len(a.seen) > 10000 {
		for k, t := range a.seen {
			if now.Sub(t) >= a.window {
				delete(a.seen, k)
			}
		}
	}
	return true
}
