package main

import (
	"bytes"
	"io"
	"unicode/utf8"

	"sitrep/model"
)

// spillAt is how much text output is held before it starts streaming.
// Below it, output is written only when the command succeeds (a failed
// command prints its one sentence, nothing else); above it, output goes
// out as it is made, so a long audit is never held whole in memory for
// a client that reads slowly, or not at all.
const spillAt = 64 << 10

// output is a command's standard output: held until it grows past
// spillAt, then streamed, sanitised, to w. A write to w that fails (the
// session's time is up, the client has gone) fails every later write.
type output struct {
	w        io.Writer
	buf      bytes.Buffer
	streamed bool
	err      error
}

func (o *output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	o.buf.Write(p)
	if o.buf.Len() >= spillAt {
		o.flush(false)
	}
	if o.err != nil {
		return 0, o.err
	}
	return len(p), nil
}

// flush writes what is held, sanitised. Unless final, an incomplete
// UTF-8 sequence at the end stays held for the next write to complete.
func (o *output) flush(final bool) error {
	if o.err != nil {
		return o.err
	}
	b := o.buf.Bytes()
	keep := 0
	if !final {
		keep = partialRune(b)
	}
	if len(b)-keep > 0 {
		o.streamed = true
		if _, err := io.WriteString(o.w, model.Sanitize(string(b[:len(b)-keep]))); err != nil {
			o.err = err
			return err
		}
	}
	rest := bytes.Clone(b[len(b)-keep:])
	o.buf.Reset()
	o.buf.Write(rest)
	return nil
}

// partialRune is how many bytes at the end of b begin a UTF-8 sequence
// that is not complete yet.
func partialRune(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return 0
			}
			return len(b) - i
		}
	}
	return 0
}
