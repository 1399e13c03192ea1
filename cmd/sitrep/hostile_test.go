package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	gossh "golang.org/x/crypto/ssh"

	"sitrep/model"
	"sitrep/ssh/sshtest"
)

// End-to-end hostile input against the real command line over SSH: text a
// terminal would act on, and input too large to keep.

// hostilePayload is text a terminal would act on, between marker letters
// so that a check can find it in a raw byte stream.
type hostilePayload struct {
	name   string
	text   string   // what the hostile user writes
	char   string   // the first control character, as the refusal names it
	intact []string // byte strings that must never reach a terminal
	shown  string   // the defused text on screen (model.SanitizeLine of text)
	short  string   // the start of shown, for where titles are clipped
	tail   string   // the marker that ends it
}

var hostilePayloads = []hostilePayload{
	{"OSC 52 clipboard", "Qa\x1b]52;c;SGVsbG8=\x07Qb", "U+001B",
		[]string{"\x1b]52", "=\x07Qb"}, "Qa]52;c;SGVsbG8=Qb", "Qa]52;c", "Qb"},
	{"OSC 0 title", "Ra\x1b]0;PWNED\x07Rb", "U+001B",
		[]string{"\x1b]0;", "PWNED\x07"}, "Ra]0;PWNEDRb", "Ra]0;PW", "Rb"},
	{"OSC 8 hyperlink", "Sa\x1b]8;;http://evil.example/\x1b\\LINK\x1b]8;;\x1b\\Sb", "U+001B",
		[]string{"\x1b]8;", "\x1b\\LINK", "\x1b\\Sb"}, `Sa]8;;http://evil.example/\LINK]8;;\Sb`, "Sa]8;;h", "Sb"},
	{"CSI 2J", "Ta\x1b[2JTb", "U+001B",
		[]string{"Ta\x1b[2J", "\x1b[2JTb"}, "Ta[2JTb", "Ta[2JTb", "Tb"},
	{"carriage return", "Ua\rXforged", "U+000D",
		[]string{"\rXforged", "\nXforged"}, "UaXforged", "UaXforg", "Xforged"},
	{"C1 CSI U+009B", "Va\u009b2JVb", "U+009B",
		[]string{"\u009b"}, "Va2JVb", "Va2JVb", "Vb"},
}

// hostileWait is how long a test waits for a screen or a command: long,
// as the race detector on two busy cores can make a frame take seconds.
const hostileWait = 45 * time.Second

// hostileOwnOSC is every operating system command the console itself
// sends: its window title and a query for the background colour.
var hostileOwnOSC = regexp.MustCompile(`^(2;sitrep( wallboard)?|11;\?)$`)

// hostileCheckStream fails the test if a terminal's raw output carries any
// payload's sequences intact, an OSC other than the console's own, a BEL
// that ends none of those, a C1 control, invalid UTF-8, an erase of the
// display other than the renderer's own, or any erase of the display from
// byte from on (-1: none such).
func hostileCheckStream(t *testing.T, name string, out []byte, from int) {
	t.Helper()
	for _, p := range hostilePayloads {
		for _, bad := range p.intact {
			if i := bytes.Index(out, []byte(bad)); i >= 0 {
				t.Errorf("%s: %s reached the terminal intact: %q near %q", name, p.name, bad, out[max(0, i-40):min(len(out), i+40)])
			}
		}
	}
	for i := 0; i < len(out); {
		switch c := out[i]; {
		case c == 0x1b && i+1 < len(out) && out[i+1] == ']':
			j := i + 2
			for j < len(out) && out[j] != 0x07 && !(out[j] == 0x1b && j+1 < len(out) && out[j+1] == '\\') {
				j++
			}
			if body := out[i+2 : j]; !hostileOwnOSC.Match(body) {
				t.Errorf("%s: an OSC the console does not send: %q", name, out[i:min(len(out), j+2)])
			}
			if j < len(out) && out[j] == 0x07 {
				i = j + 1
			} else {
				i = j + 2
			}
		case c == 0x07:
			t.Errorf("%s: a BEL outside the console's own OSC, near %q", name, out[max(0, i-40):min(len(out), i+40)])
			i++
		case c < 0x80:
			i++
		default:
			r, n := utf8.DecodeRune(out[i:])
			if r == utf8.RuneError && n <= 1 {
				t.Errorf("%s: invalid UTF-8 near %q", name, out[max(0, i-40):min(len(out), i+40)])
			} else if r >= 0x80 && r <= 0x9f {
				t.Errorf("%s: the C1 control %U near %q", name, r, out[max(0, i-40):min(len(out), i+40)])
			}
			i += n
		}
	}
	// The renderer erases the display as "ESC[H ESC[2J" (at its start, and
	// again on a resize); any other erase came from somewhere else, and
	// a console that was open when hostile text arrived erases nothing
	// after that.
	for i, at := 0, 0; ; i += at + 4 {
		at = bytes.Index(out[i:], []byte("\x1b[2J"))
		if at < 0 {
			break
		}
		j := i + at
		if j < 3 || !bytes.Equal(out[j-3:j], []byte("\x1b[H")) {
			t.Errorf("%s: an erase of the display (ESC[2J) that is not the renderer's, near %q", name, out[max(0, j-40):min(len(out), j+40)])
		}
		if from >= 0 && j >= from {
			t.Errorf("%s: the display was erased (ESC[2J at byte %d) after hostile text arrived at byte %d, near %q", name, j, from, out[max(0, j-40):min(len(out), j+40)])
		}
	}
}

// hostileCheckText fails the test if command output holds anything a
// terminal would act on: control characters but newline and tab, C1,
// DEL, bidi controls, invalid UTF-8.
func hostileCheckText(t *testing.T, name, s string) {
	t.Helper()
	if clean := model.Sanitize(s); clean != s {
		i := 0
		for i < len(s) && i < len(clean) && s[i] == clean[i] {
			i++
		}
		t.Errorf("%s: output holds a control character near %q", name, s[max(0, i-40):min(len(s), i+40)])
	}
	for _, p := range hostilePayloads {
		for _, bad := range p.intact {
			if strings.Contains(s, bad) {
				t.Errorf("%s: %s is in the output intact (%q)", name, p.name, bad)
			}
		}
	}
}

// hostileRefusal is a refusal: one line on stderr starting "sitrep: ",
// free of control characters.
var hostileRefusal = regexp.MustCompile(`^sitrep: [^\x00-\x1f\x7f]+\n$`)

// hostileRefused checks that a command was refused as a refusal should be:
// exit 1, nothing on stdout, one clean line on stderr matching want.
func hostileRefused(t *testing.T, name string, r harnessResult, want string) {
	t.Helper()
	hostileRefusedWith(t, name, r, 1, want)
}

// hostileRefusedWith is hostileRefused with another exit status (2: the
// command line itself was refused).
func hostileRefusedWith(t *testing.T, name string, r harnessResult, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: exit %d, want %d (stderr %.200q)", name, r.code, code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("%s: a refusal printed to stdout: %.200q", name, r.stdout)
	}
	if !hostileRefusal.MatchString(r.stderr) || model.Sanitize(r.stderr) != r.stderr {
		t.Errorf("%s: a refusal should be one clean line on stderr starting \"sitrep: \"; got %.300q", name, r.stderr)
	}
	if want != "" && !regexp.MustCompile(want).MatchString(r.stderr) {
		t.Errorf("%s: the refusal %.300q does not match %q", name, r.stderr, want)
	}
}

// hostileWrites is the audit log without logins: every write. A refused
// command must leave it as it was.
func hostileWrites(t *testing.T, c *gossh.Client) string {
	t.Helper()
	r := harnessRun(t, c, "audit --json", nil)
	if r.code != 0 {
		t.Fatalf("audit --json: exit %d: %s", r.code, r.stderr)
	}
	var evs []model.EventJSON
	if err := json.Unmarshal([]byte(r.stdout), &evs); err != nil {
		t.Fatalf("audit --json: %v", err)
	}
	var b strings.Builder
	for _, e := range evs {
		if e.Action != string(model.EvLogin) {
			fmt.Fprintf(&b, "%d %s %s %s %s\n", e.Seq, e.Actor, e.Action, e.Target, e.Text)
		}
	}
	return b.String()
}

// hostileDB opens the database file directly, as sqlite3 would.
func hostileDB(t *testing.T, h *sshHarness) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", h.db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// hostileStoredClean fails the test if any stored title or event holds a
// control character.
func hostileStoredClean(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query("SELECT 'INC-' || id, title FROM incidents UNION ALL SELECT 'event ' || seq, data FROM events")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var where, text string
		if err := rows.Scan(&where, &text); err != nil {
			t.Fatal(err)
		}
		if model.Sanitize(text) != text {
			t.Errorf("%s was stored with a control character: %q", where, text)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestHostileTextRefusedOverSSH: a member who writes a title or a note
// holding escape sequences over SSH is refused, the refusal does not echo
// the sequence, and nothing is written.
func TestHostileTextRefusedOverSSH(t *testing.T) {
	t.Parallel()
	h := newSSHHarness(t, harnessUser{"alice", "member"})
	alice := h.dial("alice")
	if r := harnessRun(t, alice, "declare --title 'Tenant DB reads' --sev P2", nil); r.code != 0 || r.stdout != "INC-1\n" {
		t.Fatalf("declare: %+v", r)
	}
	before := hostileWrites(t, alice)
	for _, p := range hostilePayloads {
		t.Run(p.name, func(t *testing.T) {
			for _, c := range []struct {
				name, cmd string
				stdin     string
				field     string
			}{
				{"declare title", harnessQuote("declare", "--title", p.text, "--sev", "P1"), "", "title"},
				{"declare summary", harnessQuote("declare", "--title", "fine", "--sev", "P1", "--summary", p.text), "", "summary"},
				{"declare customer", harnessQuote("declare", "--title", "fine", "--sev", "P1", "--customer", p.text), "", "customer name"},
				{"note argument", harnessQuote("note", "INC-1", p.text), "", "note"},
				{"note on standard input", "note INC-1 -", p.text, "note"},
			} {
				var in io.Reader
				if c.stdin != "" {
					in = strings.NewReader(c.stdin)
				}
				r := harnessRun(t, alice, c.cmd, in)
				hostileRefused(t, c.name, r, `^sitrep: the `+c.field+` holds a control character \(`+regexp.QuoteMeta(p.char)+`\); remove it and try again\n$`)
			}
		})
	}
	if after := hostileWrites(t, alice); after != before {
		t.Errorf("refused writes changed the audit log:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	hostileStoredClean(t, hostileDB(t, h))
}

// TestHostilePasteInOwnConsole: a member pastes and types hostile text into
// the declare form of their own console. Their own terminal must not
// receive the sequences intact, and nothing holding them is stored.
func TestHostilePasteInOwnConsole(t *testing.T) {
	t.Parallel()
	h := newSSHHarness(t, harnessUser{"alice", "member"})
	const w, ht = 120, 40
	p := openHarnessPTY(t, h.dial("alice"), w, ht, "")
	p.expectScreen(t, w, ht, hostileWait, "SITREP", "No active incidents")
	db := hostileDB(t, h)
	count := func() int {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM incidents").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	formOpen := func(scr string) bool { return strings.Contains(scr, "Declare an incident") }
	// leaveForm leaves the form without saving: esc asks before it throws
	// typing away, and y confirms.
	leaveForm := func(what string) {
		t.Helper()
		p.send(t, "\x1b")
		const asks = "Discard what you typed?"
		scr, ok := p.waitScreenFunc(w, ht, hostileWait, func(scr string) bool { return !formOpen(scr) || strings.Contains(scr, asks) })
		if ok && formOpen(scr) {
			p.send(t, "y")
			scr, ok = p.waitScreenFunc(w, ht, hostileWait, func(scr string) bool { return !formOpen(scr) })
		}
		if !ok {
			t.Fatalf("%s: esc did not leave the form:\n%s", what, scr)
		}
	}
	var accepted []string
	for _, pl := range hostilePayloads {
		// Typed: the input decoder takes the escape sequences for keys
		// it does not know, and a carriage return is the Enter key.
		// Leave the form without saving.
		p.send(t, "n")
		p.expectScreen(t, w, ht, hostileWait, "Declare an incident", "› Title")
		p.send(t, pl.text)
		typed := pl.tail
		if strings.Contains(pl.text, "\r") {
			typed = "› Severity" // Enter moved on to the next field
		}
		p.expectScreen(t, w, ht, hostileWait, typed)
		leaveForm(pl.name + " typed")

		// Pasted, then Enter through every field to save.
		p.send(t, "n")
		p.expectScreen(t, w, ht, hostileWait, "Declare an incident", "› Title")
		p.send(t, "\x1b[200~"+pl.text+"\x1b[201~")
		p.expectScreen(t, w, ht, hostileWait, pl.tail)
		n0 := count()
		p.send(t, "\r\r\r\r\r\r")
		refused := func(scr string) bool { return formOpen(scr) && strings.Contains(scr, "control character") }
		scr, ok := p.waitScreenFunc(w, ht, hostileWait, func(scr string) bool { return !formOpen(scr) || refused(scr) })
		switch {
		case !ok:
			t.Fatalf("%s pasted: the form neither saved nor refused within %v:\n%s", pl.name, hostileWait, scr)
		case refused(scr):
			n := count()
			leaveForm(pl.name + " pasted and refused")
			if count() != n {
				t.Fatalf("%s pasted: leaving the refused form wrote an incident", pl.name)
			}
		case count() > n0:
			accepted = append(accepted, pl.name)
		}
	}
	hostileCheckStream(t, "alice's console", []byte(p.out.String()), -1)
	hostileStoredClean(t, db)
	// By design a text field drops a paste's control characters as it
	// takes them (a carriage return becomes a space), in plain sight
	// before Enter: what the form then saves is clean, as checked above.
	t.Logf("the declare form saved these pasted titles with their control characters stripped: %v", accepted)
}

// hostilePlant writes each payload into incident i+1's title and a note
// on its timeline, straight into the database: what an older version or a
// hand edit with sqlite3 could leave behind, as sitrep refuses it.
func hostilePlant(t *testing.T, db *sql.DB) {
	t.Helper()
	for i, p := range hostilePayloads {
		id := i + 1
		data, err := json.Marshal(map[string]string{"text": p.text})
		if err != nil {
			t.Fatal(err)
		}
		// The contact too, so that draft (which needs one) shows it.
		if _, err := db.Exec("UPDATE incidents SET title = ?, contact_name = ?, contact_details = ? WHERE id = ?", p.text, p.text, p.text, id); err != nil {
			t.Fatalf("plant title: %v", err)
		}
		if _, err := db.Exec("INSERT INTO events (time, actor, source, action, target, incident_id, data) VALUES (?, 'mallory', 'sqlite3', 'note', ?, ?, ?)",
			time.Now().Unix(), fmt.Sprintf("INC-%d", id), id, string(data)); err != nil {
			t.Fatalf("plant note: %v", err)
		}
	}
	var title string
	if err := db.QueryRow("SELECT title FROM incidents WHERE id = 1").Scan(&title); err != nil || title != hostilePayloads[0].text {
		t.Fatalf("the plant did not land: %q %v", title, err)
	}
}

// hostileTour opens each incident of a console's board in turn, shows its
// timeline and goes back, and reports which payloads' notes it saw. Keys
// are handled in order, so it waits only where the console loads
// something, and after esc (which, followed at once by a key, would be
// read as alt+key).
func hostileTour(t *testing.T, p *harnessPTY, w, h int) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	noted := func(scr string) bool {
		if !strings.Contains(scr, "noted on INC-") {
			return false
		}
		for _, pl := range hostilePayloads {
			if strings.Contains(scr, pl.shown) {
				seen[pl.name] = true
				return true
			}
		}
		return false
	}
	p.send(t, "g")
	for k := range hostilePayloads {
		p.send(t, "\r\t")
		if scr, ok := p.waitScreenFunc(w, h, hostileWait, noted); !ok {
			hostileCheckStream(t, "the console on its tour", []byte(p.out.String()), -1)
			t.Fatalf("incident %d of the board: no timeline with a hostile note; the screen shows:\n%s", k+1, scr)
		}
		p.send(t, "\x1b")
		if scr, ok := p.waitScreenFunc(w, h, hostileWait, func(scr string) bool {
			return strings.Contains(scr, "REF") && !strings.Contains(scr, "Timeline")
		}); !ok {
			t.Fatalf("esc did not go back to the board; the screen shows:\n%s", scr)
		}
		if k < len(hostilePayloads)-1 {
			p.send(t, "j")
		}
	}
	return seen
}

// TestHostileTextPlantedReachesNoTerminal: hostile titles and notes already
// in the database (sitrep refuses to write them) reach a viewer's console
// at two sizes, the wallboard and every command's output defused.
func TestHostileTextPlantedReachesNoTerminal(t *testing.T) {
	t.Parallel()
	h := newSSHHarness(t, harnessUser{"alice", "member"}, harnessUser{"bob", "viewer"})
	alice := h.dial("alice")
	for i := range hostilePayloads {
		r := harnessRun(t, alice, fmt.Sprintf("declare --title hostile-%d --sev P2", i+1), nil)
		if r.code != 0 {
			t.Fatalf("declare: %+v", r)
		}
	}
	type console struct {
		name    string
		w, h    int
		p       *harnessPTY
		planted int // how much it had drawn before the hostile text arrived
	}
	bob := h.dial("bob")
	consoles := []*console{{name: "bob's console 120×40", w: 120, h: 40}, {name: "bob's console 80×24", w: 80, h: 24}}
	for _, c := range consoles {
		c.p = openHarnessPTY(t, bob, c.w, c.h, "")
		c.p.expectScreen(t, c.w, c.h, hostileWait, "SITREP", "hostile-1", "hostile-6")
	}
	for _, c := range consoles {
		c.p.out.WaitQuiet(300*time.Millisecond, 3*time.Second) // the first frames are done
		c.planted = c.p.out.Len()
	}
	hostilePlant(t, hostileDB(t, h))
	// A legitimate write through SSH, which every console notices.
	if r := harnessRun(t, alice, "note INC-1 'checked the logs'", nil); r.code != 0 {
		t.Fatalf("note: %+v", r)
	}
	var shorts []string
	for _, pl := range hostilePayloads {
		shorts = append(shorts, pl.short)
	}
	for _, c := range consoles {
		scr, ok := c.p.waitScreen(c.w, c.h, hostileWait, shorts...)
		if !ok {
			hostileCheckStream(t, c.name, []byte(c.p.out.String()), c.planted)
			t.Fatalf("%s did not show the titles defused as %q within 15s; it shows:\n%s", c.name, shorts, scr)
		}
		if strings.Contains(scr, "hostile-") {
			t.Errorf("%s still shows the old titles:\n%s", c.name, scr)
		}
	}
	for _, c := range consoles {
		seen := hostileTour(t, c.p, c.w, c.h)
		for _, pl := range hostilePayloads {
			if !seen[pl.name] {
				t.Errorf("%s: no timeline showed the %s note defused as %q", c.name, pl.name, pl.shown)
			}
		}
		hostileCheckStream(t, c.name, []byte(c.p.out.String()), c.planted)
	}

	// The wallboard, as ssh -t HOST wall.
	const ww, wh = 160, 48
	wall := openHarnessPTY(t, bob, ww, wh, "wall")
	var shown []string
	for _, pl := range hostilePayloads {
		shown = append(shown, pl.shown)
	}
	if scr, ok := wall.waitScreen(ww, wh, hostileWait, shown...); !ok {
		hostileCheckStream(t, "the wallboard", []byte(wall.out.String()), -1)
		t.Fatalf("the wallboard did not show the titles defused as %q within 15s; it shows:\n%s", shown, scr)
	}
	wall.out.WaitQuiet(300*time.Millisecond, 3*time.Second)
	hostileCheckStream(t, "the wallboard", []byte(wall.out.String()), -1)

	// Every command that prints what users wrote, on a connection of its
	// own (the consoles hold three of bob's four sessions).
	bob = h.dial("bob")
	cmds := []string{"list", "list --all", "list --json", "audit", "audit --json"}
	for i := range hostilePayloads {
		ref := fmt.Sprintf("INC-%d", i+1)
		cmds = append(cmds, "show "+ref, "show "+ref+" --json", "timeline "+ref, "timeline "+ref+" --json",
			"export "+ref, "export "+ref+" --format json", "draft "+ref)
	}
	var out strings.Builder
	for _, cmd := range cmds {
		r := harnessRun(t, bob, cmd, nil)
		if r.code != 0 {
			t.Errorf("%s: exit %d: %s", cmd, r.code, r.stderr)
			continue
		}
		hostileCheckText(t, cmd, r.stdout)
		hostileCheckText(t, cmd+" (stderr)", r.stderr)
		out.WriteString(r.stdout)
	}
	// What was printed shows the text, defused.
	for _, pl := range hostilePayloads {
		if !strings.Contains(out.String(), pl.shown) {
			t.Errorf("no command printed the %s text defused as %q", pl.name, pl.shown)
		}
	}
	// The same through a terminal (ssh -t HOST show INC-n).
	for i := range hostilePayloads {
		tp := openHarnessPTY(t, bob, 100, 30, fmt.Sprintf("show INC-%d", i+1))
		select {
		case <-tp.ended:
		case <-time.After(hostileWait):
			t.Fatalf("show over a terminal did not end")
		}
		// A terminal's line discipline ends lines with CR LF; any other CR
		// is the payload's.
		got := strings.ReplaceAll(tp.out.String(), "\r\n", "\n")
		hostileCheckText(t, fmt.Sprintf("show INC-%d over a terminal", i+1), got)
		if !strings.Contains(got, hostilePayloads[i].shown) {
			t.Errorf("show INC-%d over a terminal does not show the title defused as %q: %.300q", i+1, hostilePayloads[i].shown, got)
		}
	}
}

// hostileHeap samples the heap in use until stopped and reports the most
// seen.
type hostileHeap struct {
	base uint64
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func hostileHeapNow() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func startHostileHeap() *hostileHeap {
	runtime.GC()
	m := &hostileHeap{base: hostileHeapNow(), stop: make(chan struct{}), done: make(chan struct{})}
	m.peak.Store(m.base)
	go func() {
		defer close(m.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-tick.C:
				if n := hostileHeapNow(); n > m.peak.Load() {
					m.peak.Store(n)
				}
			}
		}
	}()
	return m
}

// end stops sampling and returns the peak growth and, after a GC, what
// growth remains, in MiB.
func (m *hostileHeap) end() (peak, kept float64) {
	close(m.stop)
	<-m.done
	runtime.GC()
	const mib = 1 << 20
	now := hostileHeapNow()
	return (float64(max(m.peak.Load(), now)) - float64(m.base)) / mib, (float64(now) - float64(m.base)) / mib
}

// How much the heap may grow, in MiB: while a console takes a flood of
// input; while a command takes one (it reads at most 64 KiB); for one
// console on the largest terminal.
const (
	hostileHeapBound    = 64
	hostileStdinBound   = 16
	hostileSessionBound = 32
)

// TestOversizedInputRefused: notes of 100 KB and names of 5,000 characters
// are refused with one sentence naming the limit, without echoing the
// input, and nothing is written.
func TestOversizedInputRefused(t *testing.T) {
	t.Parallel()
	h := newSSHHarness(t, harnessUser{"alice", "member"}, harnessUser{"adam", "admin"}, harnessUser{"olga", "owner"})
	// Each case dials afresh: the server drops a connection that has
	// opened no session for a minute, and the 100 KB case alone can take
	// that long under the race detector.
	alice := h.dial("alice")
	if r := harnessRun(t, alice, "declare --title 'Tenant DB reads' --sev P1 --customer Acme", nil); r.code != 0 {
		t.Fatalf("declare: %+v", r)
	}
	before := hostileWrites(t, alice)
	note := strings.Repeat("0123456789abcdef", 100<<10/16) // 100 KiB
	name := strings.Repeat("abcde", 1000)                  // 5,000 characters
	euros := strings.Repeat("€", 100<<10/3)                // 100 KB of 3-byte characters
	pub := hostileKey(t)
	cases := []struct {
		name  string
		user  string
		cmd   string
		stdin string
		want  string
	}{
		// The server refuses a command line over 32 KiB before it splits it.
		{"100 KB note argument", "alice", harnessQuote("note", "INC-1", note), "", `the command line is 102417 bytes, more than the 32768 sitrep reads; a note is at most 4000 characters`},
		// Standard input is read up to 64 KiB: past that, too long, not cut.
		{"100 KB note on standard input", "alice", "note INC-1 -", note, `the note on standard input is longer than 65536 bytes; a note is at most 4000 characters`},
		{"100 KB non-ASCII note on standard input", "alice", "note INC-1 -", euros, `the note on standard input is longer than 65536 bytes; a note is at most 4000 characters`},
		{"10 KB summary", "alice", harnessQuote("declare", "--title", "t", "--sev", "P3", "--summary", note[:10000]), "", `the summary is 10000 characters long; the limit is 4000`},
		{"10 KB status update", "adam", harnessQuote("update", "INC-1", note[:10000]), "", `the status update is 10000 characters long; the limit is 4000`},
		{"5,000-character title", "alice", harnessQuote("declare", "--title", name, "--sev", "P3"), "", `the title is 5000 characters long; the limit is 200`},
		{"5,000-character customer", "alice", harnessQuote("declare", "--title", "t", "--sev", "P3", "--customer", name), "", `the customer name is 5000 characters long; the limit is 100`},
		{"5,000-character breach customer", "adam", harnessQuote("breach", "INC-1", "--customer", name), "", `the customer name is 5000 characters long; the limit is 100`},
		{"5,000-character notified customer", "adam", harnessQuote("notify", "INC-1", "--customer", name), "", `the customer name is 5000 characters long; the limit is 100`},
		{"5,000-character action item owner", "alice", harnessQuote("action", "add", "INC-1", "--title", "t", "--owner", name, "--due", "2030-01-01"), "", `the action item owner is 5000 characters long; the limit is 100`},
		{"5,000-character user name", "olga", harnessQuote("user", "add", name, "--role", "member", "--key", pub), "", `the user name is 5000 characters long; the limit is 100`},
		{"5,000-character commander", "adam", harnessQuote("assign", "INC-1", name), "", `the user name is 5000 characters long; the limit is 100`},
		{"5,000-character user to remove", "olga", harnessQuote("user", "remove", name), "", `the user name is 5000 characters long; the limit is 100`},
		{"5,000-character user to add a key to", "olga", harnessQuote("user", "key", "add", name, pub), "", `the user name is 5000 characters long; the limit is 100`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in io.Reader
			if c.stdin != "" {
				in = strings.NewReader(c.stdin)
			}
			start := time.Now()
			r := harnessRun(t, h.dial(c.user), c.cmd, in)
			if d := time.Since(start); d > time.Second {
				t.Logf("refused after %v", d.Round(time.Millisecond))
			}
			code := 1
			if strings.Contains(c.want, "the command line is") {
				code = 2
			}
			hostileRefusedWith(t, c.name, r, code, `^sitrep: `+c.want+`\n$`)
			if len(r.stderr) > 200 {
				t.Errorf("the refusal is %d bytes long: it should say what is wrong, not repeat the input", len(r.stderr))
			}
		})
	}
	// A long command line is refused before it is split, at once.
	t.Run("200 KB command line refused promptly", func(t *testing.T) {
		start := time.Now()
		r := harnessRun(t, h.dial("alice"), harnessQuote("note", "INC-1", note+note), nil)
		d := time.Since(start)
		hostileRefusedWith(t, "200 KB note argument", r, 2, `^sitrep: the command line is 204817 bytes, more than the 32768 sitrep reads`)
		t.Logf("refused after %v", d.Round(time.Millisecond))
		if d > 5*time.Second {
			t.Errorf("a 200 KB command line took %v to refuse", d)
		}
	})

	// The same user name, added on the server's own command line.
	var out, errOut bytes.Buffer
	code := execute(context.Background(), config{in: strings.NewReader(""), out: &out, errOut: &errOut},
		[]string{"--db", h.db, "--as", "harness-setup", "user", "add", name, "--role", "member"})
	hostileRefused(t, "local user add", harnessResult{stdout: out.String(), stderr: errOut.String(), code: code},
		`^sitrep: the user name is 5000 characters long; the limit is 100\n$`)
	if after := hostileWrites(t, h.dial("alice")); after != before {
		t.Errorf("refused writes changed the audit log:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// hostileKey is a new public key in authorized_keys form.
func hostileKey(t *testing.T) string {
	t.Helper()
	_, key := sshtest.NewKey(t)
	return strings.TrimSpace(key)
}

// TestOversizedPTYClamped: a 10,000×10,000 terminal, asked for at the
// start and by a window change, is drawn at the server's maximum (400×200)
// and a few such consoles keep memory bounded. (Not parallel: it measures
// the process's heap; parallel tests start after it.)
func TestOversizedPTYClamped(t *testing.T) {
	h := newSSHHarness(t, harnessUser{"alice", "member"}, harnessUser{"bob", "viewer"})
	alice := h.dial("alice")
	for i := range 30 {
		if r := harnessRun(t, alice, fmt.Sprintf("declare --title 'incident number %02d with a long title to fill the board' --sev P%d", i, i%4), nil); r.code != 0 {
			t.Fatalf("declare: %+v", r)
		}
	}
	const huge, maxW, maxH = 10000, 400, 200
	within := func(what string, out []byte) {
		t.Helper()
		if col, row, _ := sshtest.Extent(out, huge); col > maxW || row > maxH {
			t.Errorf("%s drew to column %d, row %d of a terminal clamped to %d×%d", what, col, row, maxW, maxH)
		}
	}
	heap := startHostileHeap()
	// Asked for at the start. Watched as raw output: a screen emulator of
	// the client's size would hold 10^8 cells.
	big := openHarnessPTY(t, h.dial("bob"), huge, huge, "")
	big.expect(t, 0, "incident number 29", hostileWait)
	within("a console on a 10,000×10,000 terminal", []byte(big.out.String()))
	mark := big.out.Len()
	if err := big.sess.WindowChange(huge, huge); err != nil {
		t.Fatalf("window change: %v", err)
	}
	big.send(t, "?") // the console still answers
	big.expect(t, mark, "Keys", hostileWait)
	within("its help screen after a 10,000×10,000 window change", []byte(big.out.String())[mark:])

	// Grown by a window change.
	grown := openHarnessPTY(t, h.dial("bob"), 80, 24, "")
	grown.expect(t, 0, "SITREP", hostileWait)
	within("a console on an 80×24 terminal", []byte(grown.out.String()))
	mark = grown.out.Len()
	if err := grown.sess.WindowChange(huge, huge); err != nil {
		t.Fatalf("window change: %v", err)
	}
	// Redrawn at the new size: something drawn below the old 24 rows.
	if !grown.out.WaitUntil(hostileWait, func(out []byte) bool {
		_, row, _ := sshtest.Extent(out[mark:], huge)
		return row > 24
	}) {
		t.Fatalf("a console grown from 80×24 to 10,000×10,000 drew nothing below row 24 within %v", hostileWait)
	}
	grown.send(t, "?")
	grown.expect(t, mark, "Keys", hostileWait)
	within("a console after a window change from 80×24 to 10,000×10,000", []byte(grown.out.String())[mark:])
	sessions := []*harnessPTY{big, grown}

	wall := openHarnessPTY(t, h.dial("bob"), huge, huge, "wall")
	wall.expect(t, 0, "incident number", hostileWait)
	within("the wallboard on a 10,000×10,000 terminal", []byte(wall.out.String()))
	peak, open := heap.end()
	n := float64(len(sessions) + 1)
	t.Logf("heap in use with 2 consoles and a wallboard on 10,000×10,000 terminals (drawn at %d×%d): peak %+.1f MiB, %+.1f MiB after a GC with them open: %.1f MiB a session",
		maxW, maxH, peak, open, open/n)
	// Unclamped, one 10,000×10,000 screen buffer alone would be gigabytes.
	if peak/n > hostileSessionBound {
		t.Errorf("the heap grew by %.1f MiB, %.1f MiB a session; the bound is %d MiB a session", peak, peak/n, hostileSessionBound)
	}
}

// TestOversizedFlood: 10 MB on a command's standard input and on a
// console's input leave the server answering another user, with memory
// bounded. (Not parallel: it measures the process's heap.)
func TestOversizedFlood(t *testing.T) {
	h := newSSHHarness(t, harnessUser{"alice", "member"}, harnessUser{"bob", "viewer"})
	alice, bob := h.dial("alice"), h.dial("bob")
	if r := harnessRun(t, alice, "declare --title 'Tenant DB reads' --sev P1", nil); r.code != 0 {
		t.Fatalf("declare: %+v", r)
	}
	watch := openHarnessPTY(t, bob, 120, 40, "")
	watch.expectScreen(t, 120, 40, hostileWait, "SITREP", "Tenant DB reads")
	const flood = 10 << 20
	chunk := bytes.Repeat([]byte("flood of text "), 64<<10/14)

	// Another user's work goes on while the flood runs: a command answers
	// and a console shows its change.
	responsive := func(t *testing.T, label string) {
		t.Helper()
		start := time.Now()
		title := fmt.Sprintf("still-answering-%d", time.Now().UnixNano()%1e9)
		r := harnessRun(t, h.dial("alice"), harnessQuote("declare", "--title", title, "--sev", "P3"), nil)
		if r.code != 0 {
			t.Errorf("%s: declare during the flood: %+v", label, r)
			return
		}
		if _, ok := watch.waitScreen(120, 40, hostileWait, title); !ok {
			t.Errorf("%s: bob's console did not show %s within 15s", label, title)
		}
		t.Logf("%s: another user's write reached a console %v after it was sent", label, time.Since(start).Round(time.Millisecond))
	}
	// consoleEnded waits until the server has logged the end of n of
	// alice's consoles, so that what they held can be collected.
	consoleEnded := func(t *testing.T, n int) {
		t.Helper()
		ended := regexp.MustCompile(`msg=session user=alice \S+ \S+ kind=console`)
		start := time.Now()
		if !h.errOut.WaitUntil(hostileWait, func(log []byte) bool { return len(ended.FindAll(log, -1)) >= n }) {
			t.Fatalf("the server did not end alice's console within %v of the client leaving", hostileWait)
		}
		t.Logf("the server ended the console %v after the client left", time.Since(start).Round(time.Millisecond))
	}
	checkHeap := func(t *testing.T, what string, heap *hostileHeap, bound float64) {
		t.Helper()
		peak, kept := heap.end()
		t.Logf("%s: heap in use peak %+.1f MiB, %+.1f MiB once it ended (after a GC)", what, peak, kept)
		if peak > bound {
			t.Errorf("%s: the heap grew by %.1f MiB; the bound is %.0f MiB", what, peak, bound)
		}
		if kept > bound/4 {
			t.Errorf("%s: %.1f MiB of heap is still held once it ended", what, kept)
		}
	}

	t.Run("command stdin", func(t *testing.T) {
		heap := startHostileHeap()
		sess, err := alice.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		in, err := sess.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		sess.Stdout, sess.Stderr = &stdout, &stderr
		if err := sess.Start("note INC-1 -"); err != nil {
			t.Fatal(err)
		}
		var sent atomic.Int64
		go func() {
			defer in.Close()
			for sent.Load() < flood {
				n, err := in.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
		responsive(t, "stdin flood")
		done := make(chan error, 1)
		go func() { done <- sess.Wait() }()
		select {
		case err := <-done:
			var exit *gossh.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
				t.Errorf("note with 10 MB on stdin ended with %v, want exit 1", err)
			}
		case <-time.After(hostileWait):
			t.Fatalf("note with 10 MB on stdin did not end within %v (%d bytes sent)", hostileWait, sent.Load())
		}
		hostileRefused(t, "note with 10 MB on stdin", harnessResult{stdout: stdout.String(), stderr: stderr.String(), code: 1}, `a note is at most 4000 characters`)
		t.Logf("the server took %d of the 10 MB before refusing", sent.Load())
		checkHeap(t, "10 MB on a command's stdin", heap, hostileStdinBound)
	})

	// noteField opens alice's console on a note's text field, which holds
	// at most 4,000 characters.
	noteField := func(t *testing.T) (*gossh.Client, *harnessPTY) {
		c := h.dial("alice")
		p := openHarnessPTY(t, c, 120, 40, "")
		p.expectScreen(t, 120, 40, hostileWait, "SITREP")
		p.send(t, "m")
		p.expectScreen(t, 120, 40, hostileWait, "Note on INC-")
		return c, p
	}
	ended := 0
	t.Run("console typing", func(t *testing.T) {
		heap := startHostileHeap()
		c, p := noteField(t)
		var sent atomic.Int64
		var wg sync.WaitGroup
		wg.Go(func() {
			for sent.Load() < flood {
				n, err := p.stdin.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		})
		responsive(t, "typing flood")
		// Typed keys are taken as fast as the console handles them; SSH
		// flow control holds back the rest.
		time.Sleep(2 * time.Second)
		took := sent.Load()
		c.Close()
		wg.Wait()
		ended++
		consoleEnded(t, ended)
		t.Logf("the console took %d bytes of typing (%.0f%% of 10 MB) before the client left", took, 100*float64(took)/flood)
		checkHeap(t, "10 MB typed into a console", heap, hostileHeapBound)
	})

	t.Run("console paste", func(t *testing.T) {
		heap := startHostileHeap()
		c, p := noteField(t)
		var sent atomic.Int64
		sentAll := make(chan struct{})
		go func() {
			defer close(sentAll)
			p.stdin.Write([]byte("\x1b[200~"))
			for sent.Load() < flood {
				n, err := p.stdin.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
			p.stdin.Write([]byte("\x1b[201~"))
		}()
		responsive(t, "paste flood")
		select {
		case <-sentAll:
		case <-time.After(60 * time.Second):
			t.Errorf("the console took only %d bytes of a 10 MB paste in 60s", sent.Load())
		}
		// The note field holds what fits: 4,000 characters.
		p.expectScreen(t, 120, 40, hostileWait, "flood of text")
		c.Close()
		ended++
		consoleEnded(t, ended)
		checkHeap(t, "a 10 MB paste into a console", heap, hostileHeapBound)
	})

	t.Run("console paste without end", func(t *testing.T) {
		p := openHarnessPTY(t, h.dial("alice"), 120, 40, "")
		p.expectScreen(t, 120, 40, hostileWait, "SITREP")
		runtime.GC()
		base := hostileHeapNow()
		p.send(t, "\x1b[200~")
		for sent := 0; sent < flood; {
			n, err := p.stdin.Write(chunk)
			sent += n
			if err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(500 * time.Millisecond)
		runtime.GC()
		grew := float64(hostileHeapNow()) - float64(base)
		t.Logf("an unterminated 10 MB paste: heap +%.1f MiB", grew/(1<<20))
		if grew > flood/4 {
			t.Errorf("an unterminated 10 MB paste holds %.1f MiB of heap: the paste is kept whole", grew/(1<<20))
		}
	})
}
