package model

// Fuzz tests for the parsers of values typed on the command line (and in
// the console's forms): times, dates, incident references, the enumerated
// words, user names and the policy's business hours. Each checks what the
// parser promises, not only that it does not panic:
//
//   - a refusal is a *Error whose message is one line of printable text,
//     with no control or bidi character, and never a value besides it;
//   - an accepted value is in range and round-trips through its printed
//     form.
//
// The seeds below run with every go test; run one for longer with
//
//	go test -run='^$' -fuzz='^FuzzParseTime$' -fuzztime=60s -fuzzminimizetime=2s ./model
//
// (with the default minimizing time of a minute, shrinking an input grown
// from the 100 KB seeds can stall the run for most of it).

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// maxRefusal bounds the refusals of the time and date parsers: they quote
// at most the start of what was given.
const maxRefusal = 300

// checkRefusal fails unless err is a user-facing refusal: a *Error whose
// message is one non-empty line of valid UTF-8 without control, escape or
// bidi characters (the message is printed as it is, see Error). max bounds
// its length in bytes; 0 means no bound.
func checkRefusal(t *testing.T, in string, err error, max int) {
	t.Helper()
	var ue *Error
	if !errors.As(err, &ue) {
		t.Fatalf("refusal of %q is %T, not a *model.Error: %v", in, err, err)
	}
	msg := err.Error()
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("refusal of %q has an empty message", in)
	}
	if !utf8.ValidString(msg) {
		t.Fatalf("refusal of %q is not valid UTF-8: %q", in, msg)
	}
	for _, r := range msg {
		if r == '\n' || r == '\t' || badRune(r) {
			t.Fatalf("refusal of %q holds %U: %q", in, r, msg)
		}
	}
	if max > 0 && len(msg) > max {
		t.Fatalf("refusal of a %d-byte value is %d bytes long (limit %d): %.80q…", len(in), len(msg), max, msg)
	}
}

// hostileValues are values a hostile or careless user may type where a
// time, a date, a reference or a word is expected.
var hostileValues = []string{
	"", " ", "\t\n", "now", "NOW", "Now\r", "-", "+", "--", "-0", "+0s",
	"\x1b]52;c;aGk=\x07", "\x1b]0;pwned\x07", "\x1b]8;;https://evil.example\x1b\\x\x1b]8;;\x1b\\",
	"\x1b[2J", "2026-05-04\x1b[2J", "now\r-2h", "-2h\r", "\u009b2J", "-2h\u009b", "\u202e-2h", "2026\u202e-05-04",
	"\u2066now\u2069", "\x00", "-2h\x00", "2026-05-04\x00", "\xff", "-\xffh", "2026-05-\xc3", "\u0085now\u0085",
	"\u00a0-2h\u00a0", "\u2028", "\ufeff2026-05-04",
	strings.Repeat("9", 5000), "-" + strings.Repeat("9", 5000) + "h", strings.Repeat("é", 5000),
	strings.Repeat("x", 100_000), strings.Repeat("\x1b[2J", 25_000),
}

func FuzzParseTime(f *testing.F) {
	const now0 = 1777881600 // 2026-05-04T08:00:00Z
	for _, v := range hostileValues {
		f.Add(v, int64(now0))
	}
	for _, v := range []string{
		"-2h", "-30m", "-1h30m", "-45s", "-72h", "-0s", "-.5h", "-1.5h", "-1µs", "-1us", "-1ns",
		"-2 h", "-2d", "--2h", "-+2h", "- 2h", "+2h", "2h", "-1e3h",
		"-2562047h47m16.854775807s", "-2562047h47m16.854775808s", "-9223372036854775808ns", "-9223372036854775809ns",
		"-8760h", "-491961h", "-491962h",
		"2026-05-04T02:00:00+02:00", "2026-05-04T08:00:00Z", "2026-05-04T08:00:59Z", "2026-05-04T08:01:00Z",
		"2026-05-04T08:01:00.000000001Z", "2026-05-04T07:59:59.999999999Z", "2026-05-04T07:59:59.1234567891Z",
		"2026-05-04T08:00:00,5Z", "2026-05-04t08:00:00z", "2026-05-04 08:00:00Z", "2026-05-04T08:00:00",
		"2026-05-04T08:00:00+0200", "2026-05-04T08:00:00+2:00", "2026-05-04T08:00:00-00:00",
		"2026-05-04T22:00:00+14:00", "2026-05-03T20:00:00-12:00", "2026-05-05T07:59:00+23:59",
		"2026-05-04T08:00:00+24:00", "2026-05-04T08:00:00+23:60", "2026-05-04T08:00:00+01:60", "2026-05-04T08:00:00+99:59",
		"2026-05-04T08:00:00-99:99", "2026-05-04T24:00:00Z", "2026-05-04T08:00:60Z", "2026-02-30T08:00:00Z",
		"2024-02-29T08:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1970-01-01T00:59:59+01:00",
		"0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59Z",
		"9999-12-31T23:59:59-23:59", "10000-01-01T00:00:00Z", "-2026-05-04T08:00:00Z", "yesterday", "today",
		"2026-05-04", "2026-05-05", "1970-01-01", "1969-12-31", "2026-02-30", "2026-5-4", " 2026-05-04 ", "2026-05-04Z",
	} {
		f.Add(v, int64(now0))
	}
	// Clocks at the edges: the epoch, year 9999 (a simulated exercise
	// clock can say anything a scenario's start says).
	f.Add("-1s", int64(0))
	f.Add("1970-01-01T00:00:00Z", int64(0))
	f.Add("9999-12-31T23:59:59Z", int64(253402300799))
	f.Add("-2562047h", int64(253402300799))
	f.Fuzz(func(t *testing.T, v string, nowSec int64) {
		now := fuzzNow(nowSec)
		got, err := ParseTime(v, now)
		if again, err2 := ParseTime(v, now); !again.Equal(got) || (err == nil) != (err2 == nil) {
			t.Fatalf("ParseTime(%q) is not deterministic: %v, %v then %v, %v", v, got, err, again, err2)
		}
		s := strings.TrimSpace(v)
		if err != nil {
			checkRefusal(t, v, err, maxRefusal)
			if !got.IsZero() {
				t.Fatalf("ParseTime(%q) refused (%v) but returned %v", v, err, got)
			}
			if strings.EqualFold(s, "now") {
				t.Fatalf("ParseTime(%q) refused now: %v", v, err)
			}
			return
		}
		if got.After(now.Add(time.Minute)) {
			t.Fatalf("ParseTime(%q, %v) = %v: more than a minute in the future", v, now, got)
		}
		if strings.EqualFold(s, "now") {
			if got != now {
				t.Fatalf("ParseTime(%q, %v) = %v, want now itself", v, now, got)
			}
			return
		}
		if got.IsZero() || got.Before(time.Unix(0, 0)) {
			t.Fatalf("ParseTime(%q, %v) = %v: before 1970", v, now, got)
		}
		if strings.HasPrefix(s, "+") {
			t.Fatalf("ParseTime(%q) accepted a positive offset: %v", v, got)
		}
		if strings.HasPrefix(s, "-") {
			d, err := time.ParseDuration(s)
			if err != nil {
				t.Fatalf("ParseTime(%q) accepted an offset time.ParseDuration refuses: %v", v, err)
			}
			if d > 0 {
				t.Fatalf("ParseTime(%q) accepted a positive duration %v", v, d)
			}
			if want := now.Add(d); got != want {
				t.Fatalf("ParseTime(%q, %v) = %v, want now%v = %v", v, now, got, d, want)
			}
			return
		}
		// A date: its midnight in now's zone.
		if d, err := time.ParseInLocation(DateLayout, s, now.Location()); err == nil {
			if !got.Equal(d) || d.Format(DateLayout) != s {
				t.Fatalf("ParseTime(%q, %v) = %v, want the date's midnight %v", v, now, got, d)
			}
			return
		}
		// An RFC 3339 time: what time.Parse reads, with a zone offset that
		// RFC 3339 allows, and the same instant when printed and read again.
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !got.Equal(want) {
			t.Fatalf("ParseTime(%q) = %v, but time.Parse says %v, %v", v, got, want, err)
		}
		if !rfc3339Zone.MatchString(s) {
			t.Fatalf("ParseTime(%q) = %v accepted a zone offset outside RFC 3339", v, got)
		}
		if _, off := got.Zone(); off <= -24*3600 || off >= 24*3600 {
			t.Fatalf("ParseTime(%q) = %v: zone offset %ds", v, got, off)
		}
		for _, printed := range []string{got.Format(time.RFC3339Nano), got.UTC().Format(time.RFC3339Nano), " " + got.Format(time.RFC3339Nano) + "\n"} {
			back, err := ParseTime(printed, now)
			if err != nil || !back.Equal(got) {
				t.Fatalf("ParseTime(%q) = %v, but its printed form %q reads as %v, %v", v, got, printed, back, err)
			}
		}
		// A time that has passed stays passed: a later clock accepts it too.
		if later, err := ParseTime(v, now.Add(time.Hour)); err != nil || !later.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v at %v, but %v, %v an hour later", v, got, now, later, err)
		}
	})
}

// rfc3339Zone is the end of an RFC 3339 time: Z, or an offset with hours
// 00-23 and minutes 00-59.
var rfc3339Zone = regexp.MustCompile(`(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// fuzzNow maps any int64 to a clock reading from 1970 to 9999, in the
// default policy's time zone, with a fraction of a second.
func fuzzNow(sec int64) time.Time {
	const span = 253402300800 // 1970-01-01 to 10000-01-01, in seconds
	sec %= span
	if sec < 0 {
		sec += span
	}
	return time.Unix(sec, sec%1000*1_000_000).In(amsterdam)
}

// dateShape is YYYY-MM-DD in ASCII digits.
var dateShape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

func FuzzParseDate(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v)
	}
	for _, v := range []string{
		"2026-05-04", " 2026-05-04 ", "2028-02-29", "2026-02-29", "2000-02-29", "1900-02-29", "2026-12-31",
		"2026-13-01", "2026-00-10", "2026-05-00", "2026-05-32", "2026-04-31", "2026-5-4", "2026-05-4", "26-05-04",
		"04-05-2026", "2026/05/04", "2026-05-04T00:00:00Z", "2026-05-04Z", "+2026-05-04", "-2026-05-04",
		"0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "２０２６-05-04", "2026-05-04\n2026-05-05",
		"tomorrow",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := ParseDate(v)
		s := strings.TrimSpace(v)
		if err != nil {
			checkRefusal(t, v, err, maxRefusal)
			if got != "" {
				t.Fatalf("ParseDate(%q) refused (%v) but returned %q", v, err, got)
			}
			if validDate(s) {
				t.Fatalf("ParseDate(%q) refused a real calendar date: %v", v, err)
			}
			return
		}
		if !validDate(got) {
			t.Fatalf("ParseDate(%q) = %q: not a calendar date", v, got)
		}
		if got != s {
			t.Fatalf("ParseDate(%q) = %q, want the date as given, %q", v, got, s)
		}
		d, err := time.Parse(DateLayout, got)
		if err != nil || d.Format(DateLayout) != got {
			t.Fatalf("ParseDate(%q) = %q does not round-trip: %v, %v", v, got, d, err)
		}
		for _, again := range []string{got, " " + got + "\t", "\n" + got} {
			if back, err := ParseDate(again); err != nil || back != got {
				t.Fatalf("ParseDate(%q) = %q, but ParseDate(%q) = %q, %v", v, got, again, back, err)
			}
		}
	})
}

// validDate is an independent statement of a YYYY-MM-DD calendar date.
func validDate(s string) bool {
	if !dateShape.MatchString(s) {
		return false
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:])
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func FuzzParseRef(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v)
	}
	for _, v := range []string{
		"7", "INC-7", "inc-7", "Inc-7", " INC-7 ", "INC-", "INC-0", "0", "-7", "INC--7", "+7", "INC-+7", "007",
		"INC-007", "7.0", "0x10", "INC-INC-7", "INC7", "INC 7", "9223372036854775807", "9223372036854775808",
		"INC-9223372036854775807", "-9223372036854775808", "1_000", "٧", "INC-٧",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id, err := ParseRef(v)
		if err != nil {
			checkRefusal(t, v, err, 0)
			if id != 0 {
				t.Fatalf("ParseRef(%q) refused (%v) but returned %d", v, err, id)
			}
			return
		}
		if id <= 0 {
			t.Fatalf("ParseRef(%q) = %d", v, id)
		}
		for _, printed := range []string{FormatRef(id), strconv.FormatInt(id, 10), strings.ToLower(FormatRef(id))} {
			if back, err := ParseRef(printed); err != nil || back != id {
				t.Fatalf("ParseRef(%q) = %d, but ParseRef(%q) = %d, %v", v, id, printed, back, err)
			}
		}
		digits := strings.TrimSpace(v)
		if len(digits) > 4 && strings.EqualFold(digits[:4], "INC-") {
			digits = digits[4:]
		}
		if n, err := strconv.ParseInt(digits, 10, 64); err != nil || n != id {
			t.Fatalf("ParseRef(%q) = %d, but the number in it is %d, %v", v, id, n, err)
		}
	})
}

// FuzzParseWords feeds one value to every parser of a word from a fixed
// list (severity, breach, source, role) and to the user name check: each
// either refuses it properly or returns a listed word that reads back as
// itself.
func FuzzParseWords(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v)
	}
	for _, v := range []string{
		"P0", "p1", " P2 ", "P3", "P4", "P-1", "P", "Ｐ1", "yes", "NO", "Unknown", "maybe", "monitoring",
		"Audit-Log", "audit_log", "viewer", "OWNER", "root", "olivia", "o.l-i_v@ia", "Zoë", "olivia smith",
		"olivia\x1b[2J", "olivia\u202e", "-olivia", "--as", "--db=/etc/x", strings.Repeat("n", 100), strings.Repeat("n", 101),
		strings.Repeat("é", 100), strings.Repeat("é", 101), "١٢٣", "ǅ",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if s, err := ParseSeverity(v); err != nil {
			checkRefusal(t, v, err, 0)
		} else if !slices.Contains(Severities, s) {
			t.Fatalf("ParseSeverity(%q) = %q, not a severity", v, s)
		} else if back, err := ParseSeverity(string(s)); err != nil || back != s {
			t.Fatalf("ParseSeverity(%q) = %q does not read back: %q, %v", v, s, back, err)
		}
		if b, err := ParseBreach(v); err != nil {
			checkRefusal(t, v, err, 0)
		} else if b != BreachYes && b != BreachNo && b != BreachUnknown {
			t.Fatalf("ParseBreach(%q) = %q", v, b)
		} else if back, err := ParseBreach(string(b)); err != nil || back != b {
			t.Fatalf("ParseBreach(%q) = %q does not read back: %q, %v", v, b, back, err)
		}
		if src, err := ParseSource(v); err != nil {
			checkRefusal(t, v, err, 0)
		} else if !slices.Contains(Sources, src) {
			t.Fatalf("ParseSource(%q) = %q, not a source", v, src)
		} else if back, err := ParseSource(string(src)); err != nil || back != src {
			t.Fatalf("ParseSource(%q) = %q does not read back: %q, %v", v, src, back, err)
		}
		if r, err := ParseRole(v); err != nil {
			checkRefusal(t, v, err, 0)
		} else if !slices.Contains(Roles, r) {
			t.Fatalf("ParseRole(%q) = %q, not a role", v, r)
		} else if back, err := ParseRole(string(r)); err != nil || back != r {
			t.Fatalf("ParseRole(%q) = %q does not read back: %q, %v", v, r, back, err)
		}
		if n, err := CleanUserName(v); err != nil {
			checkRefusal(t, v, err, 0)
		} else {
			if c := utf8.RuneCountInString(n); c < 1 || c > MaxName {
				t.Fatalf("CleanUserName(%q) = %q: %d characters", v, n, c)
			}
			for _, r := range n {
				if badRune(r) || r == ' ' || r == '\n' || r == '\t' {
					t.Fatalf("CleanUserName(%q) = %q holds %U", v, n, r)
				}
			}
			if back, err := CleanUserName(n); err != nil || back != n {
				t.Fatalf("CleanUserName(%q) = %q does not read back: %q, %v", v, n, back, err)
			}
		}
	})
}

// FuzzPolicyHours sets business hours, days and a holiday as policy set
// --hours/--days/--add-holiday would (then Validate), and checks that an
// accepted policy opens at its opening minute and closes at its closing
// minute on a business day, and survives its own JSON.
func FuzzPolicyHours(f *testing.F) {
	f.Add("09:00", "17:00", "mon,tue,wed,thu,fri", "2026-12-25")
	f.Add("00:00", "23:59", "sun", "")
	f.Add("9:00", "17:00", "mon", "")
	f.Add("09:00", "24:00", "mon", "")
	f.Add("17:00", "09:00", "mon", "")
	f.Add("09:00", "09:00", "mon", "")
	f.Add("09:60", "17:00", "mon", "")
	f.Add("09:00:00", "17:00", "mon", "")
	f.Add(" 09:00", "17:00 ", " Mon ", "")
	f.Add("9am", "5pm", "monday", "")
	f.Add("-09:00", "+17:00", "mon", "")
	f.Add("09:00\x1b[2J", "17:00", "mon\u202e", "2026-12-25\r")
	f.Add("09:00", "17:00", "mon,mon", "0000-01-01")
	f.Add("02:30", "03:30", "sun", "") // the hour clocks skip in spring
	f.Add("", "", "", "")
	f.Add(strings.Repeat("0", 5000), "17:00", strings.Repeat("mon,", 2000), strings.Repeat("2026-05-04", 500))
	f.Fuzz(func(t *testing.T, open, closing, days, holiday string) {
		p := DefaultPolicy()
		bh := &p.BusinessHours
		bh.Open, bh.Close = open, closing
		bh.Days = strings.Split(days, ",")
		if holiday != "" {
			bh.Holidays = []string{holiday}
		}
		if err := p.Validate(); err != nil {
			checkRefusal(t, open+"|"+closing+"|"+days+"|"+holiday, err, 0)
			return
		}
		o, err1 := time.Parse("15:04", bh.Open)
		c, err2 := time.Parse("15:04", bh.Close)
		if err1 != nil || err2 != nil || !o.Before(c) {
			t.Fatalf("accepted business hours %q–%q", bh.Open, bh.Close)
		}
		for _, d := range bh.Days {
			if _, ok := weekdays[d]; !ok {
				t.Fatalf("accepted day %q", d)
			}
		}
		for _, h := range bh.Holidays {
			if !validDate(h) {
				t.Fatalf("accepted holiday %q", h)
			}
		}
		// A business day in June 2026 (no clock change): open at the
		// opening minute, closed a second before it and at closing.
		loc := p.Location()
		for day := 1; day <= 30; day++ {
			date := time.Date(2026, 6, day, 0, 0, 0, 0, loc)
			if !slices.Contains(bh.Days, strings.ToLower(date.Weekday().String()[:3])) || slices.Contains(bh.Holidays, date.Format(DateLayout)) {
				continue
			}
			at := func(hm time.Time) time.Time {
				return time.Date(2026, 6, day, hm.Hour(), hm.Minute(), 0, 0, loc)
			}
			if !p.InBusinessHours(at(o)) {
				t.Fatalf("%s–%s: closed at opening on %s", bh.Open, bh.Close, at(o))
			}
			if p.InBusinessHours(at(c)) {
				t.Fatalf("%s–%s: open at closing on %s", bh.Open, bh.Close, at(c))
			}
			if before := at(o).Add(-time.Second); before.Day() == day && p.InBusinessHours(before) {
				t.Fatalf("%s–%s: open before opening on %s", bh.Open, bh.Close, before)
			}
			break
		}
		q, err := ParsePolicy(p.JSON())
		if err != nil {
			t.Fatalf("an accepted policy does not read back from its JSON: %v\n%s", err, p.JSON())
		}
		if string(q.JSON()) != string(p.JSON()) {
			t.Fatalf("policy JSON changed on reading back:\n%s\n%s", p.JSON(), q.JSON())
		}
	})
}

// FuzzParsePolicy reads whole policies as policy set --file does: a
// refusal is one sentence; an accepted policy reads back from its own
// JSON, and each deadline of an incident falls after what it runs from.
func FuzzParsePolicy(f *testing.F) {
	def := DefaultPolicy()
	f.Add(def.JSON())
	p := DefaultPolicy()
	p.Clocks = append(p.Clocks, RegulationSets()["nis2"]...)
	p.ContactDetails = "Jane Doe\nsecurity@example.com"
	p.BusinessHours.Holidays = []string{"2026-12-26", "2026-12-25", "2026-12-25"}
	f.Add(p.JSON())
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"business_hours":{}}`, `{} {}`, `{"unknown":1}`,
		`{"business_hours":{"time_zone":"Local","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"x","applies":"breach","from":"aware","hours":72,"met_by":"notified"}]}`,
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"x","applies":"breach","from":"aware","hours":72,"met_by":"notified"}],"contact":"\u001b]52;c;aGk=\u0007"}`,
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"x","applies":"breach","from":"aware","hours":72,"met_by":"notified"},{"kind":"later","label":"y","applies":"always","from":"met:notify","months":1,"met_by":"report"}]}`,
		`{"business_hours":{"time_zone":"UTC\u001b[2J","days":["mon"],"open":"09:00","close":"17:00"}}`,
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":1e400}`,
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00","holidays":["0000-01-01"]},"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"x","applies":"breach","from":"aware","hours":72,"met_by":"notified"}]}`,
		"{\"contact\":\"\xff\"}", "\x1b[2J",
		// Once accepted (now refused): a clock label with escapes, and
		// durations that overflow.
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"\u001b]0;pwned\u0007\u202e","applies":"breach","from":"aware","hours":72,"met_by":"notified"}]}`,
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":9223372036854775807,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"x","applies":"breach","from":"aware","hours":72,"met_by":"notified"}]}`,
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":1125899906842624,"clocks":[{"kind":"notify","label":"x","applies":"breach","from":"aware","hours":4611686018427387904,"met_by":"notified"}]}`,
		`{"business_hours":{"time_zone":"UTC","days":["mon"],"open":"09:00","close":"17:00"},"ack_inside_minutes":60,"ack_outside_minutes":240,"review_days":14,"clocks":[{"kind":"notify","label":"x","applies":"breach","from":"aware","months":9223372036854775807,"met_by":"notified"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			checkRefusal(t, string(data), err, 0)
			return
		}
		q, err := ParsePolicy(p.JSON())
		if err != nil {
			t.Fatalf("an accepted policy does not read back from its JSON: %v\n%s", err, p.JSON())
		}
		if string(q.JSON()) != string(p.JSON()) {
			t.Fatalf("policy JSON changed on reading back:\n%s\n%s", p.JSON(), q.JSON())
		}
		for _, c := range p.Clocks {
			if strings.ContainsFunc(c.Label, badRune) {
				t.Fatalf("a clock's label holds control or bidi characters: %q", c.Label)
			}
		}
		for _, line := range strings.Split(p.Summary(), "\n") {
			for _, r := range line {
				if badRune(r) {
					t.Fatalf("policy summary holds %U: %q", r, line)
				}
			}
		}
		if overflows(p) {
			t.Fatalf("an accepted policy's durations overflow a time.Duration: %s", p.JSON())
		}
		detected := time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)
		inc := &Incident{ID: 1, Severity: P0, Status: Resolved, Breach: BreachYes, DetectedAt: detected,
			AwareAt: detected.Add(time.Hour), AcknowledgedAt: detected.Add(2 * time.Hour), ResolvedAt: detected.Add(3 * time.Hour),
			Notifications: []Notification{{ID: 1, Customer: "Acme", SentAt: detected.Add(4 * time.Hour)}}}
		for _, c := range p.Clocks {
			inc.Reports = append(inc.Reports, Report{Kind: c.Kind, At: detected.Add(5 * time.Hour)})
		}
		if p.AckInside.Duration() <= 0 || p.AckOutside.Duration() <= 0 {
			t.Fatalf("acknowledgement targets %d and %d minutes are %v and %v", p.AckInside, p.AckOutside, p.AckInside.Duration(), p.AckOutside.Duration())
		}
		// Every duration is positive: every deadline falls after what it
		// runs from.
		ds := p.Deadlines(inc, detected.Add(6*time.Hour))
		for _, d := range ds {
			anchor := inc.DetectedAt
			switch c, _ := p.Clock(d.Kind); {
			case d.Kind == KindReview:
				anchor = inc.ResolvedAt
			case c.From == FromAware:
				anchor = inc.AwareAt
			case strings.HasPrefix(c.From, FromMetPrefix):
				if m, ok := Find(ds, strings.TrimPrefix(c.From, FromMetPrefix)); ok {
					anchor = m.MetAt
				}
			}
			if !d.DueAt.After(anchor) {
				t.Fatalf("deadline %s due %v, not after %v, which it runs from", d.Kind, d.DueAt, anchor)
			}
		}
	})
}

// overflows reports a policy whose durations do not fit a time.Duration
// once converted (minutes, hours, days) or whose months overflow the
// calendar: Deadlines then wraps around to the past.
func overflows(p Policy) bool {
	const maxDur = time.Duration(1<<63 - 1)
	if p.AckInside > Minutes(maxDur/time.Minute) || p.AckOutside > Minutes(maxDur/time.Minute) ||
		p.ReviewDays > int(maxDur/(24*time.Hour)) {
		return true
	}
	for _, c := range p.Clocks {
		if c.Hours > int(maxDur/time.Hour) || c.Months > 1_000_000_000 {
			return true
		}
	}
	return false
}
