package main

import (
	"errors"
	"strings"
	"testing"
)

func TestStrip(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "hello", "hello"},
		{"sgr", "\x1b[1;38;5;196mL12345\x1b[m", "L12345"},
		{"cursor moves", "\x1b[2;5HL1\x1b[3C2345\x1b[K", "L12345"},
		{"private modes", "\x1b[?1049h\x1b[?25lA\x1b[?2026h", "A"},
		{"csi intermediates", "a\x1b[0 qb", "ab"},
		{"osc bel", "\x1b]0;title L99999\x07x", "x"},
		{"osc st", "\x1b]11;?\x1b\\x", "x"},
		{"dcs", "\x1bP+q544e\x1b\\y", "y"},
		{"apc", "\x1b_Ga=T;AAAA\x1b\\z", "z"},
		{"two-byte", "\x1b7a\x1b8b\x1b=c\x1bMd", "abcd"},
		{"charset", "\x1b(Ba\x1b)0b", "ab"},
		{"controls", "a\r\nb\tc\bd\x07e", "abcde"},
		{"utf8", "─ é │L1", "─ é │L1"},
		{"cancel", "\x1b[12\x18ok", "ok"},
		{"esc restarts", "\x1b\x1b[31mred", "red"},
		{"osc aborted by csi", "\x1b]0;t\x1b[mx", "x"},
		{"del", "a\x7fb", "ab"},
	} {
		var s stripper
		if got := string(s.strip(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("%s: strip(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
		// Fed one byte at a time, the result is the same.
		var s2 stripper
		var out []byte
		for i := 0; i < len(tc.in); i++ {
			out = s2.strip(out, []byte{tc.in[i]})
		}
		if string(out) != tc.want {
			t.Errorf("%s: byte by byte = %q, want %q", tc.name, out, tc.want)
		}
	}
}

func TestMatcherAcrossPieces(t *testing.T) {
	stream := "\x1b[H\x1b[1mSITREP\x1b[m P0 1 \x1b[5;9HL4\x1b[38;5;2m81\x1b[m\x1b]8;;\x1b\\72 rest"
	for cut := 0; cut <= len(stream); cut++ {
		var s stripper
		var m matcher
		found := m.feed(s.strip(nil, []byte(stream[:cut])), "L48172")
		found = m.feed(s.strip(nil, []byte(stream[cut:])), "L48172") || found
		if !found {
			t.Fatalf("cut at %d: marker not found", cut)
		}
	}
	var s stripper
	var m matcher
	if m.feed(s.strip(nil, []byte("L4817 2")), "L48172") {
		t.Fatal("found a marker that was not there")
	}
	if m.feed([]byte("anything"), "") {
		t.Fatal("an empty marker matched")
	}
}

func TestMatcherKeepsTailOnly(t *testing.T) {
	var m matcher
	m.feed([]byte(strings.Repeat("x", 1000)+"L1"), "zzz")
	if len(m.tail) > matchTail {
		t.Fatalf("tail is %d bytes", len(m.tail))
	}
	if !m.feed([]byte("2345"), "L12345") {
		t.Fatal("marker split across feeds not found")
	}
}

func TestMatcherFrom(t *testing.T) {
	var m matcher
	m.add([]byte("abq"))
	m.trim()
	from := m.add([]byte("xyz"))
	if m.contains("q", from) {
		t.Fatal("found text from before the start position")
	}
	if !m.contains("q", 0) || !m.contains("bqx", 0) {
		t.Fatal("did not find kept text")
	}
	from2 := m.add([]byte("q"))
	if !m.contains("q", from2) || !m.contains("q", from) {
		t.Fatal("did not find new text")
	}
	m.add([]byte(strings.Repeat(".", 200)))
	m.trim()
	if m.contains("q", from2) {
		t.Fatal("found text trimmed away")
	}
}

func TestNonce(t *testing.T) {
	prev := ""
	for i := 0; i < 1000; i++ {
		n := newNonce(prev)
		if len(n) != 6 || n[0] != 'L' {
			t.Fatalf("nonce %q", n)
		}
		for j := 1; j < len(n); j++ {
			if n[j] < '0' || n[j] > '9' || n[j] == n[j-1] {
				t.Fatalf("nonce %q: digits must differ from their neighbour", n)
			}
			if prev != "" && n[j] == prev[j] {
				t.Fatalf("nonce %q after %q: a digit in the same place", n, prev)
			}
		}
		prev = n
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	if got := percentile(xs, 50); got != 3 {
		t.Fatalf("p50 = %v", got)
	}
	if got := percentile(xs, 99); got != 5 {
		t.Fatalf("p99 = %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Fatalf("p50 of nothing = %v", got)
	}
}

func TestParseRamp(t *testing.T) {
	for in, want := range map[string]float64{"50/s": 50, "20": 20, "0": 0, "": 0, "2.5/s": 2.5, "600/m": 10} {
		got, err := parseRamp(in)
		if err != nil || got != want {
			t.Errorf("parseRamp(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "-1", "5/h"} {
		if _, err := parseRamp(in); err == nil {
			t.Errorf("parseRamp(%q) accepted", in)
		}
	}
}

func TestProcStat(t *testing.T) {
	line := "1234 (sitrep (x) y) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 100 0 0"
	ticks, err := parseStatTicks(line)
	if err != nil || ticks != 325 {
		t.Fatalf("ticks = %d, %v", ticks, err)
	}
	status := "Name:\tsitrep\nVmPeak:\t  100 kB\nVmRSS:\t   42168 kB\nThreads:\t9\n"
	rss, err := parseVmRSS(status)
	if err != nil || rss != 42168*1024 {
		t.Fatalf("rss = %d, %v", rss, err)
	}
}

func TestErrorsGrouped(t *testing.T) {
	var r result
	mk := func(msg string) *viewer {
		v := &viewer{readDone: make(chan struct{})}
		v.setErr(errors.New(msg))
		return v
	}
	r.tally([]*viewer{
		mk("handshake: ssh: handshake failed: read tcp 127.0.0.1:39996->127.0.0.1:2299: read: connection reset by peer"),
		mk("handshake: ssh: handshake failed: read tcp 127.0.0.1:40008->127.0.0.1:2299: read: connection reset by peer"),
		mk("dial: dial tcp 127.0.0.1:2299: connect: connection refused"),
	})
	want := []string{
		"2× handshake: ssh: handshake failed: read tcp: read: connection reset by peer",
		"1× dial: dial tcp 127.0.0.1:2299: connect: connection refused",
	}
	if r.Failures != 3 || strings.Join(r.Errors, "\n") != strings.Join(want, "\n") {
		t.Fatalf("failures %d, errors %q", r.Failures, r.Errors)
	}
}
