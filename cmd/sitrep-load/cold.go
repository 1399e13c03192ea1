package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/creack/pty"
)

// coldStart runs a local console command runs times, each on a fresh
// pseudo-terminal of w×h, and reports the time from starting the process
// to its first frame (the board's SITREP header on screen). Each run
// then quits with q.
func coldStart(ctx context.Context, command []string, runs, w, h int, stdout io.Writer) error {
	if len(command) == 0 {
		return errors.New("-cold needs a command, such as \"/tmp/sitrep --db /tmp/lt.db\"")
	}
	var took []float64
	for i := range runs {
		d, err := coldRun(ctx, command, w, h)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		took = append(took, float64(d)/float64(time.Millisecond))
	}
	fmt.Fprintf(stdout, "cold start → first frame  p50 %s  p99 %s  max %s  (%d runs of %q at %dx%d)\n",
		ms(percentile(took, 50)), ms(percentile(took, 99)), ms(percentile(took, 100)), runs, command, w, h)
	return nil
}

func coldRun(ctx context.Context, command []string, w, h int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	start := time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(w), Rows: uint16(h)})
	if err != nil {
		return 0, err
	}
	defer f.Close()
	framed := make(chan time.Duration, 1)
	go func() {
		var s stripper
		var m matcher
		buf := make([]byte, 32<<10)
		var text []byte
		seen := false
		for {
			n, err := f.Read(buf)
			if n > 0 && !seen {
				text = s.strip(text[:0], buf[:n])
				if m.feed(text, "SITREP") {
					seen = true
					framed <- time.Since(start)
				}
			}
			if err != nil {
				return
			}
		}
	}()
	var took time.Duration
	select {
	case took = <-framed:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, errors.New("no first frame within 20s")
	}
	if _, err := f.Write([]byte("q")); err != nil {
		return 0, err
	}
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("the console did not quit cleanly on q: %w", err)
	}
	return took, nil
}
