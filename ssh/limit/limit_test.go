package limit

import (
	"testing"
	"time"
)

// The rate refills with time, per address, on the limiter's own clock.
func TestPerAddressRefills(t *testing.T) {
	l := NewPerAddress(2, 2)
	t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		ip   string
		at   time.Duration
		want bool
	}{
		{"10.0.0.1", 0, true},
		{"10.0.0.1", 0, true},
		{"10.0.0.1", 0, false}, // the burst is spent
		{"10.0.0.2", 0, true},  // another address has its own
		{"10.0.0.1", 400 * time.Millisecond, false},
		{"10.0.0.1", 500 * time.Millisecond, true}, // one token at 2/s
		{"10.0.0.1", 500 * time.Millisecond, false},
		{"10.0.0.1", 1500 * time.Millisecond, true},
		{"10.0.0.1", 1500 * time.Millisecond, true}, // refilled to the burst
		{"10.0.0.1", 1500 * time.Millisecond, false},
	}
	for i, s := range steps {
		if got := l.Allow(s.ip, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d: %s at +%v allowed %v, want %v", i, s.ip, s.at, got, s.want)
		}
	}
}

// Audit records each key once a window, and bounds one address and all
// addresses together.
func TestAuditOncePerWindowAndRate(t *testing.T) {
	a := NewAudit(0.001, 2, 100, 100, time.Minute) // no token comes back in the test
	t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		ip, key string
		at      time.Duration
		want    bool
	}{
		{"10.0.0.1", "k1", 0, true},
		{"10.0.0.1", "k1", time.Second, false}, // the same key within the window
		{"10.0.0.1", "k2", time.Second, true},
		{"10.0.0.1", "k3", time.Second, false},     // the address's burst is spent
		{"10.0.0.2", "k4", time.Second, true},      // another address has its own
		{"10.0.0.2", "k1", 61 * time.Second, true}, // the window has passed
	}
	for i, s := range steps {
		if got := a.Allow(s.ip, s.key, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d: %s %s at +%v allowed %v, want %v", i, s.ip, s.key, s.at, got, s.want)
		}
	}
	w := NewWindow(10 * time.Second)
	if !w.Due("alice 10.0.0.1", t0) {
		t.Fatal("a first login is not due")
	}
	if !w.Due("alice 10.0.0.1", t0) {
		t.Fatal("a login not marked recorded stopped being due")
	}
	w.Mark("alice 10.0.0.1", t0)
	if w.Due("alice 10.0.0.1", t0.Add(9*time.Second)) || !w.Due("alice 10.0.0.1", t0.Add(10*time.Second)) {
		t.Error("a recorded login covers the same key for exactly the window")
	}
}
