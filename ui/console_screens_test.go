package ui

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// conScreens walks a console through every screen worth a golden file,
// calling shot with a name for each.
func conScreens(t *testing.T, e *conEnv, w, h int, shot func(name string, hn *conHarness)) {
	t.Helper()
	hn := newConsole(t, e, conOwner, w, h)
	shot("board", hn)
	hn.press("?")
	shot("help", hn)
	hn.press("esc", "n")
	shot("declare", hn)
	hn.press("esc")
	hn.open(incExport, tabChecklist)
	for tab := range tabCount {
		shot("incident_"+strings.ToLower(tabNames[tab]), hn)
		hn.press("tab")
	}
}

func TestConsoleGolden(t *testing.T) {
	e := newConEnv(t)
	for _, sz := range [][2]int{{40, 12}, {80, 24}, {160, 50}} {
		w, h := sz[0], sz[1]
		conScreens(t, e, w, h, func(name string, hn *conHarness) {
			raw := hn.raw()
			checkFrame(t, name, raw, w, h)
			goldenScreen(t, fmt.Sprintf("console_%s_%dx%d", name, w, h), raw)
		})
	}
}

// TestConsoleFrames checks that every screen, dialog and tab fills the
// terminal exactly: Height lines of at most Width cells.
func TestConsoleFrames(t *testing.T) {
	e := newConEnv(t)
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {160, 50}, {200, 60}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			check := func(name string, hn *conHarness) {
				t.Helper()
				checkFrame(t, name, hn.raw(), w, h)
			}
			conScreens(t, e, w, h, check)

			hn := newConsole(t, e, conOwner, w, h)
			hn.press("/")
			hn.typeText("p1")
			check("filter", hn)
			hn.press("esc", "j", "c")
			check("confirm", hn)
			hn.press("esc")
			check("flash", hn)
			for _, name := range []string{incExposed, incStuffing, incExport, incLatency, incLogins, incWebhooks} {
				hn.open(name, tabChecklist)
				for tab := range tabCount {
					check(name+" "+tabNames[tab], hn)
					hn.press("G")
					check(name+" "+tabNames[tab]+" at the end", hn)
					hn.press("tab")
				}
				hn.press("esc")
			}
			hn.open(incExport, tabChecklist)
			for _, keys := range [][]string{{"x"}, {"s"}, {"i"}, {"m"}, {"N"}, {"b"}, {"w"}, {"tab", "tab", "tab", "+"}, {"enter"}, {"u"}} {
				hn.press(keys...)
				check(fmt.Sprint("form ", keys), hn)
				if f := hn.m.form; f != nil {
					for range len(f.fields) {
						hn.press("tab")
						check(fmt.Sprint("form ", keys, " field ", f.focus), hn)
					}
				}
				hn.press("esc")
			}
			hn.press("?")
			check("incident help", hn)
			hn.press("esc", "e")
			check("export pager", hn)
			hn.press("G")
			check("export pager at the end", hn)
		})
	}
}

// TestConsoleResize shrinks the terminal under every page and dialog.
func TestConsoleResize(t *testing.T) {
	e := newConEnv(t)
	setups := []struct {
		name string
		keys []string
		inc  string
	}{
		{"board", nil, ""},
		{"help", []string{"?"}, ""},
		{"declare form", []string{"n"}, ""},
		{"confirmation", []string{"c"}, ""},
		{"checklist", nil, incExport},
		{"timeline", []string{"tab", "G"}, incExport},
		{"notification", []string{"tab", "tab"}, incExport},
		{"review", []string{"tab", "tab", "tab", "G"}, incExport},
		{"details", []string{"shift+tab"}, incExport},
		{"breach form", []string{"shift+tab", "b", "tab", "tab", "tab", "tab", "tab"}, incExport},
		{"note form", []string{"m"}, incExport},
		{"export", []string{"e", "G"}, incExport},
	}
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			hn := newConsole(t, e, conOwner, 160, 50)
			if s.inc != "" {
				hn.open(s.inc, tabChecklist)
			}
			hn.press(s.keys...)
			checkFrame(t, s.name, hn.raw(), 160, 50)
			for _, sz := range [][2]int{{80, 24}, {100, 30}, {160, 50}, {80, 24}} {
				hn.update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				checkFrame(t, s.name+" after resize", hn.raw(), sz[0], sz[1])
			}
		})
	}
}

// TestConsoleTinyTerminal: below 80×24 nothing is promised but that the
// console does not fall over.
func TestConsoleTinyTerminal(t *testing.T) {
	e := newConEnv(t)
	hn := newConsole(t, e, conOwner, 160, 50)
	hn.open(incExport, tabChecklist)
	hn.press("m")
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {10, 3}, {40, 10}, {79, 23}} {
		hn.update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		_ = hn.raw()
	}
	hn.press("esc", "esc", "?")
	_ = hn.raw()
}

// hostile are strings a terminal would act on: set the clipboard (OSC 52),
// set the window title, clear the screen, C1 CSI, carriage return, bell,
// and a right-to-left override that reorders what follows.
var hostile = []string{"\x1b]52;c;aGk=\x07", "\x1b]0;pwned\x07", "\x1b[2J", "\u009b31m", "\r", "\x07", "\u202e", "\x1bP+q\x1b\\"}

func hostileText(label string) string {
	return label + " " + strings.Join(hostile, "x") + " end"
}

// sgr matches the colour and style sequences the console itself emits.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// assertClean checks a frame holds no escape or control sequence but the
// console's own styling.
func assertClean(t *testing.T, name, raw string) {
	t.Helper()
	for _, s := range []string{ansi.Strip(raw), sgr.ReplaceAllString(raw, "")} {
		for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b", "\u202e", "\x90"} {
			if i := strings.Index(s, bad); i >= 0 {
				t.Errorf("%s holds %q near %q", name, bad, s[max(0, i-30):min(len(s), i+30)])
			}
		}
	}
}

// injectHostile writes hostile text where users' text lives, straight into
// the database, as the model would refuse it.
func injectHostile(t *testing.T, e *conEnv) {
	t.Helper()
	db, err := sql.Open("sqlite", e.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := e.id[incExport]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE incidents SET title = ?, summary = ?, consequences = ?, commander = ?, customers = ?, data_categories = ?, review_root_cause = ?, review_worked = ? WHERE id = ?",
			[]any{hostileText("T"), hostileText("S") + "\nline two", hostileText("C"), hostileText("IC"),
				`["` + jsonEsc(hostileText("Cust")) + `","` + jsonEsc(hostileText("Cust2")) + `"]`, `["` + jsonEsc(hostileText("Cat")) + `"]`, hostileText("RC"), hostileText("W"), id}},
		{"UPDATE checklist SET item = ?, reason = ?, by = ? WHERE incident_id = ? AND key = 'block-ips'",
			[]any{hostileText("Item"), hostileText("Reason"), hostileText("By"), id}},
		// Notices never change through sitrep; a hostile file could still hold anything.
		{"DROP TRIGGER notifications_no_update", nil},
		{"UPDATE notifications SET customer = ?, channel = ?, by = ?, recipient = ? WHERE incident_id = ?",
			[]any{hostileText("NC"), hostileText("Ch"), hostileText("NB"), hostileText("To"), id}},
		{"UPDATE incidents SET subject_categories = ?, measures_proposed = ?, mitigation = ?, contact_name = ?, contact_details = ? WHERE id = ?",
			[]any{`["` + jsonEsc(hostileText("SCat")) + `"]`, `["` + jsonEsc(hostileText("Prop")) + `"]`, `["` + jsonEsc(hostileText("Mit")) + `"]`,
				hostileText("CN"), hostileText("CD"), id}},
		{"UPDATE customer_facts SET impact = ? WHERE incident_id = ?", []any{hostileText("Imp"), id}},
		{"UPDATE action_items SET title = ?, owner = ? WHERE incident_id = ?", []any{hostileText("AI"), hostileText("Own"), id}},
		{"INSERT INTO events (time, actor, source, action, target, incident_id, data) VALUES (?, ?, ?, 'note', 'INC-2', ?, ?)",
			[]any{conNow.Unix() - 60, hostileText("Actor"), hostileText("Src"), id, `{"text":"` + jsonEsc(hostileText("Note")) + `"}`}},
		{"INSERT INTO events (time, actor, source, action, target, incident_id, data) VALUES (?, ?, ?, ?, 'INC-2', ?, ?)",
			[]any{conNow.Unix() - 30, "olivia", "local", hostileText("Act"), id, `{"k":"` + jsonEsc(hostileText("V")) + `"}`}},
		{"INSERT INTO status_updates (incident_id, text, at, by) VALUES (?, ?, ?, ?)", []any{id, hostileText("SU"), conNow.Unix() - 10, hostileText("SB")}},
		{"UPDATE incidents SET availability = 1 WHERE id = ?", []any{id}},
	} {
		if _, err := db.ExecContext(context.Background(), q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
}

func jsonEsc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestConsoleSanitises(t *testing.T) {
	e := newConEnv(t)
	injectHostile(t, e)
	hn := newConsole(t, e, conOwner, 160, 50)
	if inc := e.incident(t, incExport); !strings.Contains(inc.Title, "\x1b]52;") {
		t.Fatalf("the injection did not land: %q", inc.Title)
	}
	assertClean(t, "board", hn.raw())
	assertContains(t, "board", hn.screen(), "T ]52;c;aGk=x]0;pwnedx[2Jx31m") // shown, defused
	hn.press("/")
	hn.typeText("]52")
	assertClean(t, "filtered board", hn.raw())
	hn.press("esc")
	hn.open(incExport, tabChecklist)
	for tab := range tabCount {
		assertClean(t, tabNames[tab], hn.raw())
		for range 60 {
			hn.press("j")
			assertClean(t, tabNames[tab]+" scrolled", hn.raw())
		}
		hn.press("tab")
	}
	hn.press("?")
	assertClean(t, "help", hn.raw())
	hn.press("esc", "e")
	for range 30 {
		assertClean(t, "export", hn.raw())
		hn.press("space")
	}
	hn.press("esc")
	// Forms that show stored text.
	for _, keys := range [][]string{{"i"}, {"c"}, {"tab", "tab", "N"}, {"tab", "tab", "u"}, {"tab", "tab", "tab", "+"}, {"tab", "tab", "tab", "tab", "w"}} {
		checkFormClean(t, hn, keys)
	}
	// A refusal that quotes stored text.
	hn.update(doneMsg{err: fmt.Errorf("refused %s", hostileText("Err"))})
	assertClean(t, "flash", hn.raw())
}

// checkFormClean opens a form from the incident view's Checklist tab with
// keys and checks it with each field focused.
func checkFormClean(t *testing.T, hn *conHarness, keys []string) {
	t.Helper()
	for hn.m.inc.tab != tabChecklist {
		hn.press("tab")
	}
	hn.press("g")
	hn.press(keys...)
	if hn.m.form == nil && hn.m.ask == nil {
		t.Fatalf("%v opened nothing: %q", keys, hn.m.flash)
	}
	name := fmt.Sprint("form ", keys)
	assertClean(t, name, hn.raw())
	if f := hn.m.form; f != nil {
		for range len(f.fields) {
			hn.press("tab")
			assertClean(t, name, hn.raw())
		}
	}
	hn.press("esc")
}

// TestConsoleSanitisesPrefilledForms: a form that edits stored text starts
// from it; what it shows must be as clean as every other screen.
func TestConsoleSanitisesPrefilledForms(t *testing.T) {
	e := newConEnv(t)
	injectHostile(t, e)
	hn := newConsole(t, e, conOwner, 160, 50)
	hn.open(incExport, tabChecklist)
	for _, keys := range [][]string{{"tab", "tab", "tab", "g", "enter"}, {"tab", "tab", "tab", "g", "j", "enter"}, {"tab", "tab", "tab", "tab", "b"}} {
		checkFormClean(t, hn, keys)
	}
}

// TestConsoleNotificationCustomers: the Notification tab drafts one
// customer's notice at a time, ] moves to the next, and a breach found not
// to be one shows no Art. 33 draft.
func TestConsoleNotificationCustomers(t *testing.T) {
	e := newConEnv(t)
	hn := newConsole(t, e, conOwner, 160, 50)
	hn.open(incExport, tabNotification)
	s := hn.screen()
	assertContains(t, "acme draft", s, "Draft notice to Acme Corp (Art. 33)   1 of 2")
	assertContains(t, "acme owed", s, "owed to Acme Corp: consequences, mitigation")
	hn.press("]")
	s = hn.screen()
	assertContains(t, "globex draft", s, "Draft notice to Globex (Art. 33)   2 of 2")
	assertContains(t, "globex initial", s, "Initial notification to Globex under Article 33")
	_, draft, _ := strings.Cut(s, "Draft notice to Globex")
	if strings.Contains(draft, "Acme") {
		t.Errorf("Globex's draft names Acme:\n%s", draft)
	}
	hn.press("]")
	assertContains(t, "back to acme", hn.screen(), "Draft notice to Acme Corp (Art. 33)   1 of 2")

	hn.press("esc")
	hn.open(incLatency, tabNotification)
	s = hn.screen()
	assertContains(t, "breach no", s, "Not a personal-data breach: no notification is due.")
	if strings.Contains(s, "Draft notice") {
		t.Errorf("a breach-no incident shows a draft:\n%s", s)
	}
}
