package model

import (
	"math"
	"time"
)

// MaxSpeed is the fastest an exercise's simulated clock runs: 600
// simulated seconds per real second, ten simulated minutes a second.
const MaxSpeed = 600

// SimClock is the state of an exercise's simulated clock, stored in the
// database so every process computes the same simulated time. It is a
// value: each change returns the new state, and the simulated time is
// continuous across pauses, resumes and speed changes.
type SimClock struct {
	SimAt   time.Time // simulated time at Anchor
	Anchor  time.Time // real time at which the simulated time was SimAt
	Speed   int       // 1–MaxSpeed simulated seconds per real second
	Paused  bool
	Started bool // false until `exercise start`: the clock stands at SimAt
}

// NewSimClock returns a clock standing at start: not started, paused,
// speed 1.
func NewSimClock(start time.Time) SimClock {
	return SimClock{SimAt: start, Speed: 1, Paused: true}
}

// Running reports whether simulated time is passing.
func (c SimClock) Running() bool { return c.Started && !c.Paused }

// Now returns the simulated time at the real time given: SimAt while the
// clock is not started or paused, else SimAt + (real − Anchor) × Speed at
// full precision (callers truncate). A real time before Anchor (clocks of
// two processes a little apart) gives SimAt: simulated time never runs
// backwards.
func (c SimClock) Now(real time.Time) time.Time {
	if !c.Running() {
		return c.SimAt
	}
	d := real.Sub(c.Anchor)
	if d <= 0 {
		return c.SimAt
	}
	speed := c.Speed
	if speed < 1 {
		speed = 1
	}
	if speed > MaxSpeed {
		speed = MaxSpeed
	}
	if d <= time.Duration(math.MaxInt64/int64(speed)) {
		return c.SimAt.Add(d * time.Duration(speed))
	}
	// Months of real time at high speed overflow a Duration: add in parts.
	t := c.SimAt
	for range speed {
		t = t.Add(d)
	}
	return t
}

// ValidateSpeed refuses a speed outside 1–MaxSpeed.
func ValidateSpeed(speed int) error {
	if speed < 1 || speed > MaxSpeed {
		return Errorf("speed must be 1 to %d simulated seconds per real second; %d is out of range", MaxSpeed, speed)
	}
	return nil
}

// Start starts the clock at real time real, running at speed from where
// it stands.
func (c SimClock) Start(real time.Time, speed int) (SimClock, error) {
	if c.Started {
		return c, Errorf("the exercise has already started; use pause, resume or speed")
	}
	if err := ValidateSpeed(speed); err != nil {
		return c, err
	}
	c.Started, c.Paused = true, false
	c.Anchor, c.Speed = real, speed
	return c, nil
}

// Pause stops simulated time where it is at real time real.
func (c SimClock) Pause(real time.Time) (SimClock, error) {
	if !c.Started {
		return c, Errorf("the exercise has not started; run exercise start first")
	}
	if c.Paused {
		return c, Errorf("the exercise is already paused; use resume to carry on")
	}
	c.SimAt, c.Anchor, c.Paused = c.Now(real), real, true
	return c, nil
}

// Resume lets simulated time run again from where it was paused.
func (c SimClock) Resume(real time.Time) (SimClock, error) {
	if !c.Started {
		return c, Errorf("the exercise has not started; run exercise start first")
	}
	if !c.Paused {
		return c, Errorf("the exercise is not paused; it is already running")
	}
	c.Anchor, c.Paused = real, false
	return c, nil
}

// WithSpeed changes the speed at real time real without a jump in
// simulated time. It works whether or not the clock runs.
func (c SimClock) WithSpeed(real time.Time, speed int) (SimClock, error) {
	if err := ValidateSpeed(speed); err != nil {
		return c, err
	}
	c.SimAt, c.Anchor, c.Speed = c.Now(real), real, speed
	return c, nil
}

// JumpTo moves simulated time forward to sim at real time real (`exercise
// next`), keeping the clock paused or running as it was. It refuses to go
// backwards.
func (c SimClock) JumpTo(real time.Time, sim time.Time) (SimClock, error) {
	if now := c.Now(real); sim.Before(now) {
		return c, Errorf("the simulated clock cannot go backwards; it is already at %s, after %s",
			now.Format(time.RFC3339), sim.Format(time.RFC3339))
	}
	c.SimAt, c.Anchor = sim, real
	return c, nil
}

// Clock adapts the simulated clock to a Clock, reading real time from real.
func (c SimClock) Clock(real Clock) Clock { return simClockAt{c: c, real: real} }

type simClockAt struct {
	c    SimClock
	real Clock
}

func (s simClockAt) Now() time.Time { return s.c.Now(s.real.Now()) }
