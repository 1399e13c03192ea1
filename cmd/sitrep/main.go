// Command sitrep is the incident command console: a scriptable command
// line over one SQLite file, the console, and an SSH server for both.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // business hours need time zones on any machine
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, config{in: os.Stdin, out: os.Stdout, errOut: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}
