package model

import (
	"strings"
	"testing"
	"time"
)

var (
	simStart = time.Date(2026, 5, 4, 2, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	realT0   = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
)

// realAt is real time d after the test's origin.
func realAt(d time.Duration) time.Time { return realT0.Add(d) }

// mustClock fails the test on a refused change: mustClock(t)(c.Pause(at)).
func mustClock(t *testing.T) func(SimClock, error) SimClock {
	return func(c SimClock, err error) SimClock {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func wantSim(t *testing.T, what string, got time.Time, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s: simulated time %v, want %v", what, got, want)
	}
}

func TestNewSimClock(t *testing.T) {
	c := NewSimClock(simStart)
	if c.Started || !c.Paused || c.Speed != 1 || !c.SimAt.Equal(simStart) || c.Running() {
		t.Errorf("NewSimClock = %+v", c)
	}
	// Before start the clock stands still, however much real time passes.
	wantSim(t, "before start", c.Now(realAt(0)), simStart)
	wantSim(t, "a day later", c.Now(realAt(24*time.Hour)), simStart)
}

func TestSimClockStartRuns(t *testing.T) {
	c := mustClock(t)(NewSimClock(simStart).Start(realAt(0), 1))
	if !c.Started || c.Paused || !c.Running() || c.Speed != 1 || !c.Anchor.Equal(realAt(0)) {
		t.Errorf("started clock = %+v", c)
	}
	wantSim(t, "at start", c.Now(realAt(0)), simStart)
	wantSim(t, "90s later at speed 1", c.Now(realAt(90*time.Second)), simStart.Add(90*time.Second))
	wantSim(t, "full precision", c.Now(realAt(1500*time.Millisecond+7)), simStart.Add(1500*time.Millisecond+7))
	// Real time before the anchor (another process's clock a little
	// behind) never moves simulated time backwards.
	wantSim(t, "real time before anchor", c.Now(realAt(-time.Second)), simStart)
}

func TestSimClockSpeed600(t *testing.T) {
	c := mustClock(t)(NewSimClock(simStart).Start(realAt(0), MaxSpeed))
	wantSim(t, "1 real second at 600", c.Now(realAt(time.Second)), simStart.Add(10*time.Minute))
	// The 72-hour clock plays in 7 minutes 12 seconds.
	wantSim(t, "432 real seconds at 600", c.Now(realAt(432*time.Second)), simStart.Add(72*time.Hour))
	wantSim(t, "1 real ms at 600", c.Now(realAt(time.Millisecond)), simStart.Add(600*time.Millisecond))
	// A year of real time at top speed overflows a Duration; it must still
	// be computed, not wrap.
	year := 365 * 24 * time.Hour
	want := simStart
	for range 6 {
		want = want.Add(100 * year)
	}
	wantSim(t, "a real year at 600", c.Now(realAt(year)), want)
	if got := c.Now(realAt(year)); !got.After(c.Now(realAt(year / 2))) {
		t.Errorf("simulated time wrapped: %v", got)
	}
}

func TestSimClockContinuity(t *testing.T) {
	c := mustClock(t)(NewSimClock(simStart).Start(realAt(0), 60))
	// At each change, Now just before equals Now just after.
	check := func(what string, before, after SimClock, at time.Time) {
		t.Helper()
		if b, a := before.Now(at), after.Now(at); !b.Equal(a) {
			t.Errorf("%s: simulated time jumps from %v to %v", what, b, a)
		}
	}

	at := realAt(10 * time.Second) // sim: +10 min
	p := mustClock(t)(c.Pause(at))
	check("pause", c, p, at)
	if !p.Paused || !p.SimAt.Equal(simStart.Add(10*time.Minute)) || !p.Anchor.Equal(at) {
		t.Errorf("paused = %+v", p)
	}
	wantSim(t, "paused an hour", p.Now(realAt(time.Hour)), simStart.Add(10*time.Minute))

	at = realAt(time.Hour)
	r := mustClock(t)(p.Resume(at))
	check("resume", p, r, at)
	if r.Paused || !r.Anchor.Equal(at) || !r.SimAt.Equal(p.SimAt) {
		t.Errorf("resumed = %+v", r)
	}
	wantSim(t, "5s after resume at 60", r.Now(at.Add(5*time.Second)), simStart.Add(15*time.Minute))

	at = at.Add(5 * time.Second) // sim: +15 min
	s := mustClock(t)(r.WithSpeed(at, 600))
	check("speed up", r, s, at)
	if s.Speed != 600 {
		t.Errorf("speed = %d", s.Speed)
	}
	wantSim(t, "1s after speed 600", s.Now(at.Add(time.Second)), simStart.Add(25*time.Minute))

	at = at.Add(3 * time.Second) // sim: +45 min
	s2 := mustClock(t)(s.WithSpeed(at, 1))
	check("slow down", s, s2, at)
	wantSim(t, "after slow down", s2.Now(at.Add(time.Minute)), simStart.Add(46*time.Minute))

	// Changing speed while paused keeps it paused and still.
	at = at.Add(time.Minute)
	p2 := mustClock(t)(s2.Pause(at))
	ps := mustClock(t)(p2.WithSpeed(at.Add(time.Hour), 300))
	check("speed while paused", p2, ps, at.Add(time.Hour))
	if !ps.Paused || ps.Speed != 300 {
		t.Errorf("speed while paused = %+v", ps)
	}
	wantSim(t, "paused at new speed", ps.Now(at.Add(2*time.Hour)), simStart.Add(46*time.Minute))
	rs := mustClock(t)(ps.Resume(at.Add(2 * time.Hour)))
	wantSim(t, "resumed at 300", rs.Now(at.Add(2*time.Hour+2*time.Second)), simStart.Add(56*time.Minute))

	// Speed set before start applies from start.
	n := mustClock(t)(NewSimClock(simStart).WithSpeed(realAt(0), 120))
	if n.Started || !n.Paused || n.Speed != 120 || !n.SimAt.Equal(simStart) {
		t.Errorf("speed before start = %+v", n)
	}
}

func TestSimClockJumpTo(t *testing.T) {
	c := mustClock(t)(NewSimClock(simStart).Start(realAt(0), 10))

	// Running: jump, then keep running from the new time.
	target := simStart.Add(25 * time.Minute)
	j := mustClock(t)(c.JumpTo(realAt(time.Second), target))
	if j.Paused || !j.Running() {
		t.Errorf("jump while running paused the clock: %+v", j)
	}
	wantSim(t, "at jump", j.Now(realAt(time.Second)), target)
	wantSim(t, "after jump", j.Now(realAt(2*time.Second)), target.Add(10*time.Second))

	// Paused: jump and stay paused.
	p := mustClock(t)(j.Pause(realAt(2 * time.Second)))
	target2 := simStart.Add(70 * time.Minute)
	jp := mustClock(t)(p.JumpTo(realAt(3*time.Second), target2))
	if !jp.Paused || !jp.Started {
		t.Errorf("jump while paused = %+v, want still paused", jp)
	}
	wantSim(t, "paused after jump", jp.Now(realAt(time.Hour)), target2)

	// Jumping to the current time is allowed (two injects at one offset).
	same := mustClock(t)(jp.JumpTo(realAt(time.Hour), target2))
	wantSim(t, "jump to now", same.Now(realAt(time.Hour)), target2)

	// Before start: the clock moves but does not start.
	ns := mustClock(t)(NewSimClock(simStart).JumpTo(realAt(0), target))
	if ns.Started || !ns.Paused {
		t.Errorf("jump before start = %+v", ns)
	}
	wantSim(t, "jump before start", ns.Now(realAt(time.Hour)), target)

	// Backwards is refused, and the clock is unchanged.
	back, err := jp.JumpTo(realAt(time.Hour), target)
	if err == nil || !strings.Contains(err.Error(), "cannot go backwards") {
		t.Errorf("jump backwards: err = %v", err)
	}
	if back != jp {
		t.Errorf("refused jump changed the clock: %+v", back)
	}
	// Backwards relative to where a running clock has got to is refused too.
	if _, err := j.JumpTo(realAt(time.Hour), target.Add(time.Minute)); err == nil {
		t.Error("jump behind a running clock was accepted")
	}
}

func TestSimClockRefusals(t *testing.T) {
	fresh := NewSimClock(simStart)
	running := mustClock(t)(fresh.Start(realAt(0), 1))
	paused := mustClock(t)(running.Pause(realAt(time.Second)))

	tests := []struct {
		name   string
		do     func() (SimClock, error)
		before SimClock
		phrase string
	}{
		{"start twice", func() (SimClock, error) { return running.Start(realAt(5), 1) }, running, "already started"},
		{"start paused", func() (SimClock, error) { return paused.Start(realAt(5), 1) }, paused, "already started"},
		{"start speed 0", func() (SimClock, error) { return fresh.Start(realAt(0), 0) }, fresh, "speed must be 1 to 600"},
		{"start speed 601", func() (SimClock, error) { return fresh.Start(realAt(0), 601) }, fresh, "speed must be 1 to 600"},
		{"start speed -5", func() (SimClock, error) { return fresh.Start(realAt(0), -5) }, fresh, "speed must be 1 to 600"},
		{"pause before start", func() (SimClock, error) { return fresh.Pause(realAt(0)) }, fresh, "has not started"},
		{"pause twice", func() (SimClock, error) { return paused.Pause(realAt(2 * time.Second)) }, paused, "already paused"},
		{"resume before start", func() (SimClock, error) { return fresh.Resume(realAt(0)) }, fresh, "has not started"},
		{"resume running", func() (SimClock, error) { return running.Resume(realAt(0)) }, running, "is not paused"},
		{"speed 0", func() (SimClock, error) { return running.WithSpeed(realAt(0), 0) }, running, "speed must be 1 to 600"},
		{"speed 601", func() (SimClock, error) { return paused.WithSpeed(realAt(0), 601) }, paused, "speed must be 1 to 600"},
		{"speed 100000", func() (SimClock, error) { return fresh.WithSpeed(realAt(0), 100000) }, fresh, "speed must be 1 to 600"},
		{"jump backwards", func() (SimClock, error) { return fresh.JumpTo(realAt(0), simStart.Add(-time.Second)) }, fresh, "cannot go backwards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do()
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("error %T is not a model.Error", err)
			}
			if !strings.Contains(err.Error(), tt.phrase) {
				t.Errorf("error %q does not say %q", err, tt.phrase)
			}
			if got != tt.before {
				t.Errorf("refused change altered the clock: %+v, want %+v", got, tt.before)
			}
		})
	}
	for _, s := range []int{1, 2, 60, 599, 600} {
		if err := ValidateSpeed(s); err != nil {
			t.Errorf("ValidateSpeed(%d): %v", s, err)
		}
	}
}

func TestSimClockAsClock(t *testing.T) {
	c := mustClock(t)(NewSimClock(simStart).Start(realAt(0), 600))
	var clk Clock = c.Clock(FixedClock(realAt(3 * time.Second)))
	wantSim(t, "Clock().Now()", clk.Now(), simStart.Add(30*time.Minute))
	p := mustClock(t)(c.Pause(realAt(time.Second)))
	wantSim(t, "paused Clock().Now()", p.Clock(FixedClock(realAt(time.Hour))).Now(), simStart.Add(10*time.Minute))
	// Deadlines computed on the simulated clock see simulated time.
	if got := p.Clock(SystemClock{}).Now(); !got.Equal(simStart.Add(10 * time.Minute)) {
		t.Errorf("paused clock over the system clock = %v", got)
	}
}
