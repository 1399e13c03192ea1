package ssh

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// errSessionOver is what a command's reads and writes return once its
// session has reached its end (the maximum time, or the client gone).
var errSessionOver = errors.New("the session has ended")

// ioChunk is the most a command hands to its channel at once: output is
// streamed in pieces of this size, each waiting for the client to take
// the one before (the channel's window), so a client that does not read
// holds one piece, not a command's whole output.
const ioChunk = 32 << 10

// sessionIO gives a command its standard streams over the session's
// channel, bounded in time: a read or write the client holds up ends
// when ctx does, whatever the client does. Reads and writes on the
// channel itself cannot be interrupted (they end only when the channel
// closes), so each runs in a pump goroutine the command waits on; the
// pumps end once the channel closes after the session.
type sessionIO struct {
	ctx  context.Context
	done chan struct{} // closed by close: the pumps give up
	once sync.Once

	in      io.Reader
	inStart sync.Once
	results chan readResult
	more    chan struct{}
	pending []byte
	inErr   error

	jobs chan writeJob
}

type readResult struct {
	b   []byte
	err error
}

type writeJob struct {
	w    io.Writer
	b    []byte
	done chan error
}

func newSessionIO(ctx context.Context, in io.Reader) *sessionIO {
	s := &sessionIO{ctx: ctx, done: make(chan struct{}), in: in,
		results: make(chan readResult), more: make(chan struct{}, 1), jobs: make(chan writeJob)}
	go s.pumpOut()
	return s
}

// close lets the pumps go once whatever they are blocked on returns.
func (s *sessionIO) close() { s.once.Do(func() { close(s.done) }) }

func (s *sessionIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(s.pending) == 0 && s.inErr == nil {
		s.inStart.Do(func() { go s.pumpIn() })
		select {
		case r := <-s.results:
			s.pending, s.inErr = r.b, r.err
		case <-s.ctx.Done():
			return 0, errSessionOver
		}
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	if len(s.pending) == 0 && s.inErr == nil {
		s.more <- struct{}{} // the pump's buffer is free again
	}
	if n == 0 && s.inErr != nil {
		return 0, s.inErr
	}
	return n, nil
}

func (s *sessionIO) pumpIn() {
	buf := make([]byte, ioChunk)
	for {
		n, err := s.in.Read(buf)
		select {
		case s.results <- readResult{buf[:n], err}:
		case <-s.done:
			return
		}
		if err != nil {
			return
		}
		select {
		case <-s.more:
		case <-s.done:
			return
		}
	}
}

func (s *sessionIO) pumpOut() {
	for {
		select {
		case j := <-s.jobs:
			_, err := j.w.Write(j.b)
			j.done <- err
		case <-s.done:
			return
		}
	}
}

// writer is w as a command's output stream: written in order with the
// other streams, a piece at a time, and refused once ctx has ended.
func (s *sessionIO) writer(w io.Writer) io.Writer { return streamWriter{s: s, w: w} }

type streamWriter struct {
	s *sessionIO
	w io.Writer
}

func (sw streamWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), ioChunk)
		if err := sw.s.write(sw.s.ctx.Done(), sw.w, p[:k]); err != nil {
			return n, err
		}
		n += k
		p = p[k:]
	}
	return n, nil
}

// write hands b to the output pump and waits until it is written or
// stop is closed. b is copied: the pump may still hold it after the
// caller has moved on.
func (s *sessionIO) write(stop <-chan struct{}, w io.Writer, b []byte) error {
	j := writeJob{w: w, b: bytes.Clone(b), done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-stop:
		return errSessionOver
	}
	select {
	case err := <-j.done:
		return err
	case <-stop:
		return errSessionOver
	}
}

// say writes a last line after the session's time is up, waiting at most
// wait for a client that is not reading; it reports whether the line
// went out.
func (s *sessionIO) say(w io.Writer, line string, wait time.Duration) bool {
	stop := make(chan struct{})
	t := time.AfterFunc(wait, func() { close(stop) })
	defer t.Stop()
	return s.write(stop, w, []byte(line)) == nil
}
