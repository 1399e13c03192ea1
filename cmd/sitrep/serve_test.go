package main

import (
	"strings"
	"testing"
)

// The profiler shows memory contents: it listens on a loopback address
// only.
func TestPprofLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:6060", "localhost:0", "nonsense"} {
		if stop, err := servePprof(addr); err == nil {
			stop()
			t.Errorf("--pprof %s was accepted; only a loopback address may be", addr)
		} else if !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--pprof %s: %v; want the refusal to say loopback", addr, err)
		}
	}
	stop, err := servePprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop()
}
