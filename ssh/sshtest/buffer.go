package sshtest

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Buffer collects what a session or a process writes, safe for
// concurrent use, and wakes anyone waiting for what it holds.
type Buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed at the next write
}

// NewBuffer returns an empty Buffer.
func NewBuffer() *Buffer { return &Buffer{changed: make(chan struct{})} }

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	close(s.changed)
	s.changed = make(chan struct{})
	return n, err
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Len is how many bytes have been written.
func (s *Buffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// Snapshot is a copy of the contents and a channel closed at the next
// write.
func (s *Buffer) Snapshot() ([]byte, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes()), s.changed
}

// Contains reports whether terminal output holds text, as written or with
// its escape sequences removed.
func Contains(out []byte, text string) bool {
	return bytes.Contains(out, []byte(text)) || strings.Contains(ansi.Strip(string(out)), text)
}

// WaitFor waits until the contents from byte offset from on hold text
// (see Contains). It reports how long it waited and whether text came
// within timeout.
func (s *Buffer) WaitFor(from int, text string, timeout time.Duration) (time.Duration, bool) {
	start := time.Now()
	seen := from
	ok := s.WaitUntil(timeout, func(out []byte) bool {
		// Only what is new, with some overlap for text split across
		// writes and the escape sequences around it.
		lo := max(from, seen-len(text)-256)
		seen = len(out)
		return lo < len(out) && Contains(out[lo:], text)
	})
	return time.Since(start), ok
}

// WaitUntil waits until done holds for the contents, looking again at
// each write, and reports whether it did within timeout.
func (s *Buffer) WaitUntil(timeout time.Duration, done func(out []byte) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		out, changed := s.Snapshot()
		if done(out) {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// WaitQuiet waits until nothing has been written for quiet, or timeout
// has passed: the screen has settled.
func (s *Buffer) WaitQuiet(quiet, timeout time.Duration) {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		_, changed := s.Snapshot()
		select {
		case <-changed:
		case <-time.After(quiet):
			return
		}
	}
}
