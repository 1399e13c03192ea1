package ssh

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter admits new connections per remote IP at a steady rate with a
// burst, so one address cannot exhaust the server.
type ipLimiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	m     map[string]*ipEntry
	swept time.Time
}

type ipEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perSecond float64, burst int) *ipLimiter {
	return &ipLimiter{every: rate.Limit(perSecond), burst: burst, m: map[string]*ipEntry{}}
}

func (l *ipLimiter) allow(ip string, now time.Time) bool {
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
		e = &ipEntry{lim: rate.NewLimiter(l.every, l.burst)}
		l.m[ip] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}

// countedConn gives its slot back when closed, once.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// auditLimiter bounds how many refused keys are written to the audit log:
// each key and address once a minute, and at most a few per second in
// all, so a flood of bad keys cannot fill the database.
type auditLimiter struct {
	mu   sync.Mutex
	seen map[string]time.Time
	all  *rate.Limiter
}

func newAuditLimiter() *auditLimiter {
	return &auditLimiter{seen: map[string]time.Time{}, all: rate.NewLimiter(5, 20)}
}

func (a *auditLimiter) allow(key string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.seen[key]; ok && now.Sub(t) < time.Minute {
		return false
	}
	if len(a.seen) > 10000 {
		for k, t := range a.seen {
			if now.Sub(t) >= time.Minute {
				delete(a.seen, k)
			}
		}
	}
	if !a.all.AllowN(now, 1) {
		return false
	}
	a.seen[key] = now
	return true
}

// idleInput records when the client last typed; the server's own redraws
// do not count, so a dashboard left open does time out.
type idleInput struct {
	r     interface{ Read([]byte) (int, error) }
	last  atomic.Int64 // unix nanoseconds
	onErr func()       // the input ended: the client closed the session
}

func (i *idleInput) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if n > 0 {
		i.last.Store(time.Now().UnixNano())
	}
	if err != nil && i.onErr != nil {
		i.onErr()
	}
	return n, err
}

func (i *idleInput) idleFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, i.last.Load()))
}
