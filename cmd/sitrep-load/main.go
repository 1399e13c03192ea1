// Command sitrep-load measures a running `sitrep serve` over SSH, as a
// crowd of commanders would use it: it opens N console sessions, each its
// own connection with a PTY, reads everything they are sent, and reports
//
//   - sessions held, and the failures with their errors;
//   - the server's RSS before and with the sessions, and the difference
//     per session (-pid);
//   - idle traffic per session, and the server's CPU meanwhile (-pid);
//   - how long a change takes to reach every viewer: it declares an
//     incident (`ssh HOST declare …` as the -exec-key user) whose title
//     carries a fresh marker, and times each session until its screen
//     shows it, then deletes the incident (an admin -exec-key may);
//   - with -incidents, on a full board: it first declares that many
//     incidents of mixed severities, none acknowledged, so every row on
//     every screen is a countdown;
//   - with -keys, keystroke to screen: sessions type into the board's
//     filter and each key is timed until its echo arrives.
//
// Markers are found in the output with escape sequences stripped, since
// the renderer interleaves text with them.
//
//	sitrep-load -addr 127.0.0.1:2222 -key load_key -exec-key admin_key -n 100 -pid "$(pgrep -f 'sitrep serve')"
//
// The server's per-address connection rate (20/s, burst 40 by default)
// limits how fast sessions open from one machine: -ramp paces them (20/s
// by default), or start the server with a higher --conn-rate and
// --conn-burst for the run. -sessions-only opens the sessions and holds
// them until interrupted, to watch the server by hand.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

type options struct {
	addr, key, execKey string
	n, width, height   int
	ramp               float64
	idle, settle, miss time.Duration
	changes            int
	keys, keySessions  int
	pid                int
	json               bool
	sessionsOnly       bool
	sev                string
	cleanup            bool
	dump               string
	concurrency        int
	incidents          int
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	var ramp string
	fs := flag.NewFlagSet("sitrep-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sitrep-load -key FILE [-exec-key FILE] [-n N] [-pid PID] [flags]\n\n"+
			"Opens N console sessions on a running `sitrep serve` and reports sessions held,\n"+
			"server RSS per session, idle traffic and CPU, and change-to-every-viewer latency.\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:2222", "server address")
	fs.StringVar(&o.key, "key", "", "private key file of the user the console sessions sign in as (required)")
	fs.StringVar(&o.execKey, "exec-key", "", "private key file of a user who may declare incidents, for the changes (default: -key)")
	fs.IntVar(&o.n, "n", 100, "console sessions to open")
	fs.IntVar(&o.width, "width", 80, "PTY width")
	fs.IntVar(&o.height, "height", 24, "PTY height")
	fs.StringVar(&ramp, "ramp", "20/s", "how fast to open sessions, per second (50/s, 600/m); 0 for as fast as possible")
	fs.IntVar(&o.concurrency, "concurrency", 64, "most sessions being opened at once")
	fs.DurationVar(&o.idle, "idle", 10*time.Second, "how long to measure idle traffic and CPU")
	fs.DurationVar(&o.settle, "settle", 2*time.Second, "wait after all sessions are up before measuring")
	fs.IntVar(&o.changes, "changes", 20, "changes to make for the latency measurement (0: none)")
	fs.IntVar(&o.keys, "keys", 0, "keystrokes to type into each of -key-sessions sessions for the keystroke-to-screen latency (0: none)")
	fs.IntVar(&o.keySessions, "key-sessions", 50, "sessions that type at once for -keys")
	fs.DurationVar(&o.miss, "miss-after", 10*time.Second, "a viewer that has not shown a change by then misses it")
	fs.StringVar(&o.sev, "sev", "P3", "severity of the incidents declared as changes (on a full board, P0: they sort to the top)")
	fs.IntVar(&o.incidents, "incidents", 0, "first declare this many incidents of mixed severities, none acknowledged, so every row is a countdown (a full 80×24 board is 21; needs -exec-key)")
	fs.BoolVar(&o.cleanup, "cleanup", true, "delete each incident declared as a change once measured (needs an admin -exec-key; without, they stay on the board)")
	fs.IntVar(&o.pid, "pid", 0, "server process id, to read its RSS and CPU from /proc (0: not measured)")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON too")
	fs.BoolVar(&o.sessionsOnly, "sessions-only", false, "open the sessions and hold them until interrupted")
	var cold string
	var coldRuns int
	fs.StringVar(&cold, "cold", "", "instead: measure the local console's start to first frame, running this command line (e.g. \"/tmp/sitrep --db /tmp/lt.db\") on a PTY of -width×-height")
	fs.IntVar(&coldRuns, "cold-runs", 20, "runs for -cold")
	fs.StringVar(&o.dump, "dump", "", "write the raw output of the first session to this file; with %d in the name, of every session (numbered from 0)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sitrep-load: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if cold != "" {
		if coldRuns < 1 {
			fmt.Fprintln(stderr, "sitrep-load: -cold-runs must be positive")
			return 2
		}
		if err := coldStart(context.Background(), strings.Fields(cold), coldRuns, o.width, o.height, stdout); err != nil {
			fmt.Fprintf(stderr, "sitrep-load: -cold: %v\n", err)
			return 1
		}
		return 0
	}
	var err error
	if o.ramp, err = parseRamp(ramp); err != nil {
		fmt.Fprintf(stderr, "sitrep-load: -ramp: %v\n", err)
		return 2
	}
	if o.key == "" {
		fmt.Fprintln(stderr, "sitrep-load: -key is required (a private key of a sitrep user)")
		return 2
	}
	if o.incidents < 0 || o.incidents > maxIncidents {
		fmt.Fprintf(stderr, "sitrep-load: -incidents must be between 0 and %d\n", maxIncidents)
		return 2
	}
	if o.n < 0 || o.width < 1 || o.height < 1 || o.changes < 0 || o.keys < 0 || o.keySessions < 0 || o.concurrency < 1 {
		fmt.Fprintln(stderr, "sitrep-load: -n, -changes, -keys, -key-sessions must not be negative; -width, -height, -concurrency must be positive")
		return 2
	}
	if o.execKey == "" {
		o.execKey = o.key
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := load(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sitrep-load: %v\n", err)
		return 1
	}
	res.print(stdout)
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	}
	if res.Failures > 0 || res.Misses > 0 || res.ChangeErrors > 0 || res.KeyMisses > 0 || res.Interrupted && !o.sessionsOnly {
		return 1
	}
	return 0
}

// result is what a run measured; absent figures are null in JSON.
type result struct {
	Addr      string `json:"addr"`
	Sessions  int    `json:"sessions"`
	Incidents int    `json:"incidents_declared"` // the full board declared first (-incidents)
	Width     int    `json:"width"`
	Height    int    `json:"height"`

	Held     int      `json:"held"`
	Failures int      `json:"failures"`
	Errors   []string `json:"errors,omitempty"` // the first few, with counts
	OpenSecs float64  `json:"open_seconds"`
	// From the first dial until every session had drawn its first screen.
	SettledSecs float64 `json:"all_drawn_seconds"`
	// From the start of a dial to the session's first printed text.
	FirstFrameP50Ms float64 `json:"first_frame_p50_ms"`
	FirstFrameP99Ms float64 `json:"first_frame_p99_ms"`

	// The server's CPU from the first dial until every session had drawn,
	// per session: the whole cost of opening one, with what the open ones
	// did meanwhile (ticking) taken out using the idle figure below.
	OpenCPUMsPerSession    *float64 `json:"open_server_cpu_ms_per_session"`
	OpenNetCPUMsPerSession *float64 `json:"open_server_cpu_ms_per_session_net_of_idle"`

	RSSBefore     *int64   `json:"rss_before_bytes"`
	RSSSettled    *int64   `json:"rss_settled_bytes"` // right after the sessions settled
	RSSAfter      *int64   `json:"rss_after_bytes"`   // after the idle window too
	RSSPerSession *float64 `json:"rss_per_session_bytes"`

	IdleSecs              float64  `json:"idle_seconds"`
	IdleBytes             int64    `json:"idle_bytes"`
	IdleBytesPerSec       float64  `json:"idle_bytes_per_second"`
	IdleBytesPerSecPerSes float64  `json:"idle_bytes_per_second_per_session"`
	IdlePerSesMin         float64  `json:"idle_bytes_per_second_session_min"`
	IdlePerSesP50         float64  `json:"idle_bytes_per_second_session_median"`
	IdlePerSesMax         float64  `json:"idle_bytes_per_second_session_max"`
	IdleCPUPercent        *float64 `json:"idle_server_cpu_percent"`
	IdleLoadCPUPercent    float64  `json:"idle_load_tool_cpu_percent"`

	Changes      int      `json:"changes"`
	ChangeErrors int      `json:"change_errors"`
	Misses       int      `json:"misses"`
	EveryP50Ms   *float64 `json:"every_viewer_p50_ms"`
	EveryP99Ms   *float64 `json:"every_viewer_p99_ms"`
	EveryMaxMs   *float64 `json:"every_viewer_max_ms"`
	OneP50Ms     *float64 `json:"one_viewer_p50_ms"`
	OneP99Ms     *float64 `json:"one_viewer_p99_ms"`

	KeySessions int      `json:"key_sessions,omitempty"`
	Keys        int      `json:"keys,omitempty"`
	KeyMisses   int      `json:"key_misses,omitempty"`
	KeyP50Ms    *float64 `json:"key_p50_ms,omitempty"`
	KeyP99Ms    *float64 `json:"key_p99_ms,omitempty"`
	KeyMaxMs    *float64 `json:"key_max_ms,omitempty"`

	Interrupted bool `json:"interrupted,omitempty"`

	sessionsOnly bool
	notes        []string
}

func load(ctx context.Context, o options, stdout, stderr io.Writer) (*result, error) {
	res := &result{Addr: o.addr, Sessions: o.n, Width: o.width, Height: o.height, sessionsOnly: o.sessionsOnly}
	signer, err := readKey(o.key)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:            "sitrep-load",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         15 * time.Second,
	}
	var current atomic.Pointer[change]
	d := &dialer{addr: o.addr, cfg: cfg, width: o.width, height: o.height, current: &current}
	d.dump = o.dump

	// The connection that makes the changes is opened first, so the
	// baseline includes it and the per-session figure does not.
	var ex *execer
	if o.changes > 0 && !o.sessionsOnly || o.incidents > 0 {
		es, err := readKey(o.execKey)
		if err != nil {
			return nil, err
		}
		ecfg := *cfg
		ecfg.User = "sitrep-load-exec"
		ecfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(es)}
		ex = &execer{addr: o.addr, cfg: &ecfg}
		if err := ex.dial(); err != nil {
			return nil, fmt.Errorf("the connection for changes (-exec-key): %w", err)
		}
		defer ex.close()
		// Checks the key is accepted and the server answers commands.
		if _, err := ex.run("list", nil); err != nil {
			return nil, fmt.Errorf("the connection for changes (-exec-key): %w", err)
		}
	}

	if o.incidents > 0 {
		n, err := fillBoard(ex, o.incidents)
		res.Incidents = n
		if err != nil {
			return nil, fmt.Errorf("-incidents: %w", err)
		}
		fmt.Fprintf(stderr, "sitrep-load: declared %d incidents\n", n)
	}

	if o.pid > 0 {
		rss, err := procRSS(o.pid)
		if err != nil {
			return nil, fmt.Errorf("-pid %d: %w", o.pid, err)
		}
		res.RSSBefore = &rss
	}

	// Open the sessions, paced.
	viewers := make([]*viewer, o.n)
	for i := range viewers {
		viewers[i] = &viewer{i: i, readDone: make(chan struct{})}
	}
	defer closeAll(viewers)
	fmt.Fprintf(stderr, "sitrep-load: opening %d sessions at %s …\n", o.n, rampText(o.ramp))
	var openCPU0 int64 = -1
	if o.pid > 0 {
		if c, err := procCPUTicks(o.pid); err == nil {
			openCPU0 = c
		}
	}
	t0 := time.Now()
	sem := make(chan struct{}, o.concurrency)
	var wg sync.WaitGroup
	var opened atomic.Int64
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
open:
	for i, v := range viewers {
		if o.ramp > 0 {
			next := t0.Add(time.Duration(float64(i) / o.ramp * float64(time.Second)))
			if wait := time.Until(next); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					break open
				case <-t.C:
				}
			}
		}
		select {
		case <-ctx.Done():
			break open
		case sem <- struct{}{}:
		}
		select {
		case <-progress.C:
			fmt.Fprintf(stderr, "sitrep-load: %d of %d open\n", opened.Load(), o.n)
		default:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d.open(ctx, v)
			if v.opened {
				opened.Add(1)
			}
		}()
	}
	wg.Wait()
	res.OpenSecs = time.Since(t0).Seconds()
	if ctx.Err() != nil {
		res.Interrupted = true
	}
	fmt.Fprintf(stderr, "sitrep-load: %d of %d open after %.1fs\n", opened.Load(), o.n, res.OpenSecs)

	// Settle: every session has drawn its first screen, then a little
	// longer, so start-up output stays out of the idle figures.
	if !res.Interrupted {
		waitFirstFrames(ctx, viewers, time.Minute)
		res.SettledSecs = time.Since(t0).Seconds()
		if c, err := procCPUTicks(o.pid); err == nil && openCPU0 >= 0 {
			if n := countAlive(viewers); n > 0 {
				res.OpenCPUMsPerSession = ptr(float64(c-openCPU0) / clockTicks * 1000 / float64(n))
			}
		}
		sleep(ctx, o.settle)
	}
	var frames []float64
	for _, v := range viewers {
		if ns := v.firstText.Load(); ns > 0 {
			frames = append(frames, float64(ns)/1e6)
		}
	}
	res.FirstFrameP50Ms, res.FirstFrameP99Ms = percentile(frames, 50), percentile(frames, 99)
	// RSS with the sessions: right after they settle, and again at the end
	// of the idle window, when the heap has had time to settle too; the
	// per-session figure uses the later.
	rssAfter := func() {
		if o.pid <= 0 {
			return
		}
		rss, err := procRSS(o.pid)
		if err != nil {
			res.notes = append(res.notes, fmt.Sprintf("server RSS after: %v", err))
			return
		}
		if res.RSSSettled == nil {
			res.RSSSettled = &rss
		}
		res.RSSAfter = &rss
		if n := countAlive(viewers); n > 0 {
			per := float64(rss-*res.RSSBefore) / float64(n)
			res.RSSPerSession = &per
		}
	}
	rssAfter()

	if o.sessionsOnly {
		if ctx.Err() == nil {
			res.tally(viewers)
			res.print(stdout)
			fmt.Fprintln(stderr, "sitrep-load: holding the sessions; interrupt (Ctrl-C) to close them")
			<-ctx.Done()
		}
		res.Interrupted = true
		res.tally(viewers)
		return res, nil
	}

	// Idle: nothing changes; the only output is what redraws by itself.
	if ctx.Err() == nil && o.idle > 0 {
		per0 := perViewerBytes(viewers)
		b0 := totalBytes(viewers)
		c0, cerr := int64(0), error(nil)
		if o.pid > 0 {
			c0, cerr = procCPUTicks(o.pid)
		}
		self0, _ := procCPUTicks(os.Getpid())
		w0 := time.Now()
		sleep(ctx, o.idle)
		secs := time.Since(w0).Seconds()
		b1 := totalBytes(viewers)
		per1 := perViewerBytes(viewers)
		self1, _ := procCPUTicks(os.Getpid())
		rssAfter()
		res.IdleSecs = secs
		res.IdleBytes = b1 - b0
		res.IdleBytesPerSec = float64(res.IdleBytes) / secs
		if n := countAlive(viewers); n > 0 {
			res.IdleBytesPerSecPerSes = res.IdleBytesPerSec / float64(n)
		}
		var rates []float64
		for i, v := range viewers {
			if v.opened && !v.dead.Load() {
				rates = append(rates, float64(per1[i]-per0[i])/secs)
			}
		}
		if len(rates) > 0 {
			res.IdlePerSesMin, res.IdlePerSesP50, res.IdlePerSesMax = slices.Min(rates), percentile(rates, 50), slices.Max(rates)
		}
		res.IdleLoadCPUPercent = float64(self1-self0) / clockTicks / secs * 100
		if o.pid > 0 && cerr == nil {
			if c1, err := procCPUTicks(o.pid); err == nil {
				pct := float64(c1-c0) / clockTicks / secs * 100
				res.IdleCPUPercent = &pct
				// While they opened, on average half the sessions were
				// open and ticking.
				if res.OpenCPUMsPerSession != nil {
					if n := countAlive(viewers); n > 0 {
						idleMs := pct / 100 * 1000 * res.SettledSecs / 2
						res.OpenNetCPUMsPerSession = ptr(*res.OpenCPUMsPerSession - idleMs/float64(n))
					}
				}
			}
		}
	}

	// Changes: each declares an incident whose title carries a fresh
	// marker, and waits until every live viewer has drawn it.
	var every, one []float64
	prev := ""
	for k := 0; k < o.changes && ctx.Err() == nil; k++ {
		nonce := newNonce(prev)
		prev = nonce
		c := newChange(nonce, len(viewers))
		current.Store(c)
		for i, v := range viewers {
			if !v.opened || v.dead.Load() {
				c.mark(i, -1)
			}
		}
		cmd := fmt.Sprintf("declare --title '%s sitrep-load' --sev %s", nonce, o.sev)
		out, err := ex.run(cmd, func() { c.t0 = time.Now() })
		if err != nil {
			current.Store(nil)
			res.ChangeErrors++
			res.notes = append(res.notes, fmt.Sprintf("change %d: %v", k+1, err))
			if res.ChangeErrors >= 3 {
				res.notes = append(res.notes, "stopped making changes after 3 errors")
				break
			}
			continue
		}
		res.Changes++
		t := time.NewTimer(o.miss)
		select {
		case <-c.done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		current.Store(nil)
		worst, missed := 0.0, 0
		for i := range c.seen {
			at := c.seen[i].Load()
			switch {
			case at < 0:
				// not open, or gone: counted as a failure already
			case at == 0 || time.Duration(at-c.t0.UnixNano()) > o.miss:
				missed++
			default:
				ms := float64(at-c.t0.UnixNano()) / 1e6
				one = append(one, ms)
				worst = max(worst, ms)
			}
		}
		if ctx.Err() != nil && missed > 0 {
			res.Changes--
			break // interrupted while waiting: not a miss
		}
		res.Misses += missed
		if missed == 0 {
			every = append(every, worst)
		}
		if ref := strings.TrimSpace(out); o.cleanup && ref != "" {
			if _, err := ex.run(fmt.Sprintf("delete %s --reason 'sitrep-load cleanup'", ref), nil); err != nil {
				o.cleanup = false
				res.notes = append(res.notes, fmt.Sprintf("could not delete the incidents it declared (%v); "+
					"they stay on the board, and once they outgrow the screen new ones may not show (use an admin -exec-key, or -cleanup=false)", err))
			}
		}
		// Let the deletion reach the screens before the next change, so
		// the next title is drawn on a clear row.
		sleep(ctx, 300*time.Millisecond)
	}
	if len(every) > 0 {
		res.EveryP50Ms = ptr(percentile(every, 50))
		res.EveryP99Ms = ptr(percentile(every, 99))
		res.EveryMaxMs = ptr(slices.Max(every))
	}
	if len(one) > 0 {
		res.OneP50Ms = ptr(percentile(one, 50))
		res.OneP99Ms = ptr(percentile(one, 99))
	}
	if o.keys > 0 && ctx.Err() == nil {
		typeKeys(ctx, o, viewers, res)
	}
	if ctx.Err() != nil {
		res.Interrupted = true
	}
	res.tally(viewers)
	return res, nil
}

// keyLetters are typed into the board's filter. None of them is in the
// filter's placeholder, the "no incident matches" line, the header or the
// footer, and clocks and countdowns tick in digits, so output that shows
// the letter just typed is that keystroke's echo.
const keyLetters = "qzxj"

// typeKeys measures keystroke to screen: some sessions at once open the
// board's filter (/) and type letters into it, a pause of 50–150 ms
// between keys, each key timed from its write to the first output that
// shows it; then esc clears the filter.
func typeKeys(ctx context.Context, o options, viewers []*viewer, res *result) {
	var typing []*viewer
	for _, v := range viewers {
		if len(typing) < o.keySessions && v.opened && !v.dead.Load() {
			typing = append(typing, v)
		}
	}
	res.KeySessions = len(typing)
	var mu sync.Mutex
	var lat []float64
	var wg sync.WaitGroup
	wait := func(p *probe) int64 {
		t := time.NewTimer(o.miss)
		defer t.Stop()
		select {
		case <-p.done:
		case <-t.C:
		case <-ctx.Done():
		}
		return p.seen.Load()
	}
	for _, v := range typing {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer v.probe.Store(nil)
			open := newProbe("filter:")
			v.probe.Store(open)
			if _, err := v.stdin.Write([]byte("/")); err != nil || wait(open) <= 0 {
				mu.Lock()
				if ctx.Err() == nil {
					res.KeyMisses += o.keys
					res.notes = append(res.notes, fmt.Sprintf("session %d: the filter did not open on /", v.i))
				}
				mu.Unlock()
				return
			}
			sleep(ctx, time.Duration(50+rand.IntN(100))*time.Millisecond)
			prev := byte(0)
			for k := 0; k < o.keys && ctx.Err() == nil; k++ {
				c := keyLetters[rand.IntN(len(keyLetters))]
				for c == prev {
					c = keyLetters[rand.IntN(len(keyLetters))]
				}
				prev = c
				p := newProbe(string(c))
				v.probe.Store(p)
				t0 := time.Now()
				_, err := v.stdin.Write([]byte{c})
				at := int64(0)
				if err == nil {
					at = wait(p)
				}
				mu.Lock()
				switch {
				case at > 0:
					lat = append(lat, float64(at-t0.UnixNano())/1e6)
					res.Keys++
				case ctx.Err() == nil:
					res.Keys++
					res.KeyMisses++
				}
				mu.Unlock()
				sleep(ctx, time.Duration(50+rand.IntN(100))*time.Millisecond)
			}
			v.stdin.Write([]byte{esc})
		}()
	}
	wg.Wait()
	if len(lat) > 0 {
		res.KeyP50Ms = ptr(percentile(lat, 50))
		res.KeyP99Ms = ptr(percentile(lat, 99))
		res.KeyMaxMs = ptr(slices.Max(lat))
	}
}

// addrPair is the local->remote address pair in a network error, which
// differs per connection; errors are grouped without it.
var addrPair = regexp.MustCompile(`(tcp[46]?) \S+->\S+:`)

// tally counts the sessions open and alive now, and the failures with the
// first few distinct errors.
func (r *result) tally(viewers []*viewer) {
	r.Held, r.Failures = 0, 0
	counts := map[string]int{}
	var order []string
	for _, v := range viewers {
		if v.opened && !v.dead.Load() {
			r.Held++
			continue
		}
		err := v.error()
		if err == nil {
			continue // never tried: interrupted
		}
		r.Failures++
		msg := addrPair.ReplaceAllString(err.Error(), "$1:")
		if counts[msg] == 0 {
			order = append(order, msg)
		}
		counts[msg]++
	}
	r.Errors = nil
	for _, m := range order {
		if len(r.Errors) == 5 {
			r.Errors = append(r.Errors, fmt.Sprintf("… and %d other kinds", len(order)-5))
			break
		}
		r.Errors = append(r.Errors, fmt.Sprintf("%d× %s", counts[m], m))
	}
}

func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "sitrep-load: %d sessions at %dx%d against %s", r.Sessions, r.Width, r.Height, r.Addr)
	if r.Incidents > 0 {
		fmt.Fprintf(w, ", %d incidents declared first", r.Incidents)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "sessions held          %d / %d (%d failures)", r.Held, r.Sessions, r.Failures)
	if r.Interrupted {
		fmt.Fprint(w, " — interrupted")
	}
	fmt.Fprintln(w)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  %s\n", e)
	}
	if r.Held == 0 {
		fmt.Fprintln(w, "nothing more to measure without sessions")
		for _, n := range r.notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
		return
	}
	fmt.Fprintf(w, "opening                %.1f s to open all, %.1f s until all drawn; first frame p50 %s  p99 %s\n",
		r.OpenSecs, r.SettledSecs, ms(r.FirstFrameP50Ms), ms(r.FirstFrameP99Ms))
	if r.OpenCPUMsPerSession != nil {
		fmt.Fprintf(w, "server CPU to open     %.1f ms per session", *r.OpenCPUMsPerSession)
		if r.OpenNetCPUMsPerSession != nil {
			fmt.Fprintf(w, " (%.1f ms without the open ones' ticking)", *r.OpenNetCPUMsPerSession)
		}
		fmt.Fprintln(w)
	}
	if r.RSSBefore != nil && r.RSSAfter != nil {
		fmt.Fprintf(w, "server RSS             %.1f MiB idle → %.1f MiB with sessions", mib(*r.RSSBefore), mib(*r.RSSAfter))
		if r.RSSPerSession != nil {
			fmt.Fprintf(w, ": %.2f MiB per session", *r.RSSPerSession/(1<<20))
		}
		if r.RSSSettled != nil && *r.RSSSettled != *r.RSSAfter {
			fmt.Fprintf(w, " (%.1f MiB just after opening)", mib(*r.RSSSettled))
		}
		fmt.Fprintln(w)
	} else if !r.sessionsOnly || r.RSSBefore == nil {
		fmt.Fprintln(w, "server RSS             not measured (give -pid)")
	}
	if r.sessionsOnly {
		return
	}
	if r.IdleSecs > 0 {
		fmt.Fprintf(w, "idle traffic           %.1f B/s per session over %.0fs (%s/s in all; sessions min %.0f, median %.0f, max %.0f B/s)\n",
			r.IdleBytesPerSecPerSes, r.IdleSecs, kib(r.IdleBytesPerSec), r.IdlePerSesMin, r.IdlePerSesP50, r.IdlePerSesMax)
		if r.IdleCPUPercent != nil {
			fmt.Fprintf(w, "idle server CPU        %.1f %% of one core (load tool: %.1f %%)\n", *r.IdleCPUPercent, r.IdleLoadCPUPercent)
		} else {
			fmt.Fprintf(w, "idle server CPU        not measured (give -pid); load tool: %.1f %% of one core\n", r.IdleLoadCPUPercent)
		}
	}
	if r.Changes > 0 || r.ChangeErrors > 0 {
		if r.EveryP50Ms != nil {
			fmt.Fprintf(w, "change → every viewer  p50 %s  p99 %s  max %s  (%d changes, %d misses)\n",
				ms(*r.EveryP50Ms), ms(*r.EveryP99Ms), ms(*r.EveryMaxMs), r.Changes, r.Misses)
		} else {
			fmt.Fprintf(w, "change → every viewer  none complete  (%d changes, %d misses)\n", r.Changes, r.Misses)
		}
		if r.OneP50Ms != nil {
			fmt.Fprintf(w, "change → one viewer    p50 %s  p99 %s\n", ms(*r.OneP50Ms), ms(*r.OneP99Ms))
		}
		if r.ChangeErrors > 0 {
			fmt.Fprintf(w, "change errors          %d\n", r.ChangeErrors)
		}
	}
	if r.Keys > 0 {
		if r.KeyP50Ms != nil {
			on := fmt.Sprintf("%d sessions at once", r.KeySessions)
			if r.KeySessions == 1 {
				on = "1 session"
			}
			fmt.Fprintf(w, "keystroke → screen     p50 %s  p99 %s  max %s  (%d keys on %s, %d misses)\n",
				ms(*r.KeyP50Ms), ms(*r.KeyP99Ms), ms(*r.KeyMaxMs), r.Keys, on, r.KeyMisses)
		} else {
			fmt.Fprintf(w, "keystroke → screen     none shown  (%d keys, %d misses)\n", r.Keys, r.KeyMisses)
		}
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// maxIncidents bounds -incidents: each is a command on the server.
const maxIncidents = 10000

// fillBoard declares n incidents of every severity in turn, with breach
// yes or unknown and detected from a minute to a few hours ago, and
// acknowledges none: every row on the board has a countdown, and they
// read differently. It returns how many it declared.
func fillBoard(ex *execer, n int) (int, error) {
	sevs := []string{"P0", "P1", "P2", "P3"}
	breaches := []string{"unknown", "yes"}
	for i := range n {
		cmd := fmt.Sprintf("declare --title 'Full board %d of %d' --sev %s --breach %s --detected -%dm --source monitoring",
			i+1, n, sevs[i%len(sevs)], breaches[i%len(breaches)], 1+i*7%240)
		if _, err := ex.run(cmd, nil); err != nil {
			return i, err
		}
	}
	return n, nil
}

// execer runs commands over one connection, a session each.
type execer struct {
	addr   string
	cfg    *ssh.ClientConfig
	client *ssh.Client
}

func (e *execer) dial() error {
	c, err := ssh.Dial("tcp", e.addr, e.cfg)
	if err != nil {
		return err
	}
	e.client = c
	return nil
}

func (e *execer) close() {
	if e.client != nil {
		e.client.Close()
	}
}

// run runs cmd and returns its output; before, if set, is called just
// before the command is sent. If the server will not start the command on
// this connection (it may cap the sessions a connection has opened), it
// is tried once more on a new connection.
func (e *execer) run(cmd string, before func()) (string, error) {
	out, err := e.try(cmd, before)
	var exit *ssh.ExitError
	if err == nil || errors.As(err, &exit) {
		return out, err
	}
	e.client.Close()
	if derr := e.dial(); derr != nil {
		return "", fmt.Errorf("%v; a new connection failed too: %w", err, derr)
	}
	return e.try(cmd, before)
}

func (e *execer) try(cmd string, before func()) (string, error) {
	s, err := e.client.NewSession()
	if err != nil {
		return "", err
	}
	defer s.Close()
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	if before != nil {
		before()
	}
	if err := s.Run(cmd); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return "", fmt.Errorf("%s: %w: %s", cmd, err, msg)
	}
	return out.String(), nil
}

func readKey(path string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		var pp *ssh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, fmt.Errorf("%s: the key has a passphrase; use one without for load tests", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func closeAll(viewers []*viewer) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, v := range viewers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v.close()
		}()
	}
	wg.Wait()
}

// waitFirstFrames waits until every open session has printed text, or
// limit passes.
func waitFirstFrames(ctx context.Context, viewers []*viewer, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		waiting := 0
		for _, v := range viewers {
			if v.opened && !v.dead.Load() && v.firstText.Load() == 0 {
				waiting++
			}
		}
		if waiting == 0 {
			return
		}
		sleep(ctx, 20*time.Millisecond)
	}
}

func countAlive(viewers []*viewer) int {
	n := 0
	for _, v := range viewers {
		if v.opened && !v.dead.Load() {
			n++
		}
	}
	return n
}

func perViewerBytes(viewers []*viewer) []int64 {
	b := make([]int64, len(viewers))
	for i, v := range viewers {
		b[i] = v.bytes.Load()
	}
	return b
}

func totalBytes(viewers []*viewer) int64 {
	var n int64
	for _, v := range viewers {
		n += v.bytes.Load()
	}
	return n
}

// newNonce is "L" and five digits, no digit equal to its neighbour (a
// renderer may repeat a character with an escape instead of writing it)
// nor to the digit in the same place of prev (so the new title differs
// from the last one in every digit, should it land in the same cells).
func newNonce(prev string) string {
	b := []byte{'L', 0, 0, 0, 0, 0}
	for i := 1; i < len(b); i++ {
		for {
			c := byte('0' + rand.IntN(10))
			if c == b[i-1] || len(prev) == len(b) && c == prev[i] {
				continue
			}
			b[i] = c
			break
		}
	}
	return string(b)
}

// percentile is the nearest-rank percentile of xs (0 when empty).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[max(0, min(rank, len(s))-1)]
}

// parseRamp reads "50/s", "600/m" or "50" as sessions per second.
func parseRamp(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	num, unit, _ := strings.Cut(s, "/")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a rate such as 50/s", s)
	}
	switch unit {
	case "", "s":
		return v, nil
	case "m":
		return v / 60, nil
	}
	return 0, fmt.Errorf("%q: the unit is /s or /m", s)
}

func rampText(r float64) string {
	if r <= 0 {
		return "full speed"
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + "/s"
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func ptr[T any](v T) *T { return &v }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func kib(b float64) string {
	if b < 1024 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f KiB", b/1024)
}

func ms(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}
