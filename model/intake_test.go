package model

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var intakeNow = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func payload(status string, alerts ...Alert) AlertPayload {
	return AlertPayload{Version: "4", GroupKey: `{}:{alertname="HighErrorRate"}`, Status: status, Receiver: "sitrep",
		GroupLabels: map[string]string{"alertname": "HighErrorRate"}, CommonLabels: map[string]string{"alertname": "HighErrorRate"},
		CommonAnnotations: map[string]string{}, Alerts: alerts}
}

func alert(fp, status string) Alert {
	return Alert{Status: status, Fingerprint: fp, Labels: map[string]string{"alertname": "HighErrorRate", "instance": "api-" + fp},
		StartsAt: intakeNow.Add(-10 * time.Minute)}
}

func TestParseAlertmanager(t *testing.T) {
	good := `{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"},"fingerprint":"f1","startsAt":"2026-05-04T09:00:00Z"}]}`
	if _, err := ParseAlertmanager([]byte(good)); err != nil {
		t.Fatalf("good payload refused: %v", err)
	}
	for _, tt := range []struct{ name, body, want string }{
		{"empty", ``, "the body is empty"},
		{"not json", `<xml/>`, "invalid JSON"},
		{"wrong version", strings.Replace(good, `"4"`, `"3"`, 1), `payload version "3" is not supported`},
		{"no version", strings.Replace(good, `"version":"4",`, ``, 1), `payload version "" is not supported`},
		{"no group key", strings.Replace(good, `"groupKey":"g"`, `"groupKey":""`, 1), "no groupKey"},
		{"bad status", strings.Replace(good, `"status":"firing","alerts"`, `"status":"burning","alerts"`, 1), `status is "burning"`},
		{"no alerts", `{"version":"4","groupKey":"g","status":"firing","alerts":[]}`, "holds no alerts"},
		{"alert status", strings.Replace(good, `[{"status":"firing"`, `[{"status":"x"`, 1), `alert 1 has status "x"`},
		{"two values", good + good, "more than one JSON value"},
		{"wrong type", `{"version":"4","groupKey":"g","status":"firing","alerts":"many"}`, "field alerts has the wrong type"},
		{"bad time", strings.Replace(good, `2026-05-04T09:00:00Z`, `yesterday`, 1), "JSON"},
		{"escape in version", strings.Replace(good, `"4"`, `"\u001b[2J"`, 1), `payload version "[2J"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAlertmanager([]byte(tt.body))
			wantUserError(t, err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.ContainsAny(err.Error(), "\x1b\n") {
				t.Errorf("error %q is not one clean line", err)
			}
		})
	}
	t.Run("missing fingerprint from labels", func(t *testing.T) {
		p, err := ParseAlertmanager([]byte(strings.Replace(good, `,"fingerprint":"f1"`, ``, 1)))
		if err != nil || !strings.HasPrefix(p.Alerts[0].Fingerprint, "labels:") {
			t.Fatalf("got %+v, %v", p.Alerts, err)
		}
	})
}

func TestPlanAlertsDeclares(t *testing.T) {
	p := payload(AlertFiring, alert("a", AlertFiring), alert("b", AlertFiring))
	p.Alerts[1].StartsAt = intakeNow.Add(-time.Hour)
	p.CommonAnnotations["summary"] = "API error rate above 5%"
	p.CommonLabels["severity"] = "critical"
	p.CommonLabels["customer"] = "Acme"
	p.Alerts[1].Labels["customer"] = "Initech"
	plan := PlanAlerts(p, false, nil, "", intakeNow)
	d := plan.Declare
	if d == nil {
		t.Fatal("a firing group with no incident declares none")
	}
	if d.Title != "API error rate above 5%" || d.Severity != P1 || d.Source != "monitoring" || d.Breach != BreachUnknown {
		t.Errorf("declaration %+v", d)
	}
	if !d.DetectedAt.Equal(intakeNow.Add(-time.Hour)) {
		t.Errorf("detected %v, want the earliest startsAt", d.DetectedAt)
	}
	if !reflect.DeepEqual(d.Customers, []string{"Acme", "Initech"}) {
		t.Errorf("customers %v", d.Customers)
	}
	if err := d.Validate(intakeNow); err != nil {
		t.Errorf("the declaration does not validate: %v", err)
	}
	if len(plan.Notes) != 0 || !reflect.DeepEqual(plan.Alerts, map[string]string{"a": AlertFiring, "b": AlertFiring}) || plan.GroupState != AlertFiring {
		t.Errorf("plan %+v", plan)
	}
}

func TestAlertSeverityAndTitle(t *testing.T) {
	for _, tt := range []struct {
		common, alert map[string]string
		summary       string
		wantSev       Severity
		wantTitle     string
	}{
		{map[string]string{"sitrep_severity": "p0", "severity": "warning"}, nil, "", P0, "HighErrorRate"},
		{map[string]string{"severity": "critical"}, nil, "", P1, "HighErrorRate"},
		{map[string]string{"severity": "warning"}, nil, "", P2, "HighErrorRate"},
		{map[string]string{"severity": "info"}, nil, "", P3, "HighErrorRate"},
		{map[string]string{"sitrep_severity": "P9", "severity": "warning"}, nil, "", P2, "HighErrorRate"},
		{nil, nil, "", P3, "HighErrorRate"},
		{nil, map[string]string{"severity": "critical"}, "", P1, "HighErrorRate"},
		{nil, nil, "Disk \x1b]0;owned\x07full\n<script>", P3, "Disk ]0;ownedfull <script>"},
		{nil, nil, strings.Repeat("é", 300), P3, strings.Repeat("é", 199) + "…"},
	} {
		p := payload(AlertFiring, alert("a", AlertFiring))
		for k, v := range tt.common {
			p.CommonLabels[k] = v
		}
		for k, v := range tt.alert {
			p.Alerts[0].Labels[k] = v
		}
		if tt.summary != "" {
			p.CommonAnnotations["summary"] = tt.summary
		}
		d := PlanAlerts(p, false, nil, "", intakeNow).Declare
		if d.Severity != tt.wantSev || d.Title != tt.wantTitle {
			t.Errorf("%v %v %q: got %s %q, want %s %q", tt.common, tt.alert, tt.summary, d.Severity, d.Title, tt.wantSev, tt.wantTitle)
		}
		if err := d.Validate(intakeNow); err != nil {
			t.Errorf("declaration refused: %v", err)
		}
	}
	p := payload(AlertFiring, alert("a", AlertFiring))
	delete(p.CommonLabels, "alertname")
	delete(p.GroupLabels, "alertname")
	if d := PlanAlerts(p, false, nil, "", intakeNow).Declare; d.Title != "Alert from Alertmanager" {
		t.Errorf("title without any name: %q", d.Title)
	}
}

func TestPlanAlertsLater(t *testing.T) {
	known := map[string]string{"a": AlertFiring, "b": AlertFiring}
	for _, tt := range []struct {
		name      string
		p         AlertPayload
		group     string
		notes     []string // prefixes
		alerts    map[string]string
		groupTo   string
		wantEmpty bool
	}{
		{name: "identical repeat", p: payload(AlertFiring, alert("a", AlertFiring), alert("b", AlertFiring)), group: AlertFiring, wantEmpty: true},
		{name: "new alert", p: payload(AlertFiring, alert("a", AlertFiring), alert("b", AlertFiring), alert("c", AlertFiring)), group: AlertFiring,
			notes: []string{"Alert firing: HighErrorRate on api-c"}, alerts: map[string]string{"c": AlertFiring}},
		{name: "one resolved", p: payload(AlertFiring, alert("a", AlertResolved), alert("b", AlertFiring)), group: AlertFiring,
			notes: []string{"Alert resolved: HighErrorRate on api-a"}, alerts: map[string]string{"a": AlertResolved}},
		{name: "group resolved", p: payload(AlertResolved, alert("a", AlertResolved), alert("b", AlertResolved)), group: AlertFiring,
			notes: []string{"Alertmanager reports the group resolved (2 alerts)"}, alerts: map[string]string{"a": AlertResolved, "b": AlertResolved}, groupTo: AlertResolved},
		{name: "resolved repeat", p: payload(AlertResolved, alert("a", AlertResolved), alert("b", AlertResolved)), group: AlertResolved,
			notes: []string{"Alert resolved", "Alert resolved"}, alerts: map[string]string{"a": AlertResolved, "b": AlertResolved}},
		{name: "duplicate fingerprint in one payload", p: payload(AlertFiring, alert("c", AlertFiring), alert("c", AlertFiring)), group: AlertFiring,
			notes: []string{"Alert firing: HighErrorRate on api-c"}, alerts: map[string]string{"c": AlertFiring}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan := PlanAlerts(tt.p, true, known, tt.group, intakeNow)
			if plan.Declare != nil {
				t.Fatal("an active incident's group declares again")
			}
			if tt.wantEmpty {
				if !plan.Empty() {
					t.Errorf("plan %+v, want nothing", plan)
				}
				return
			}
			if len(plan.Notes) != len(tt.notes) {
				t.Fatalf("notes %q, want %d", plan.Notes, len(tt.notes))
			}
			for i, n := range tt.notes {
				if !strings.HasPrefix(plan.Notes[i], n) {
					t.Errorf("note %d %q, want it to start %q", i, plan.Notes[i], n)
				}
			}
			if !reflect.DeepEqual(plan.Alerts, tt.alerts) || plan.GroupState != tt.groupTo {
				t.Errorf("alerts %v group %q, want %v %q", plan.Alerts, plan.GroupState, tt.alerts, tt.groupTo)
			}
		})
	}
	t.Run("a resolved group with no incident writes nothing", func(t *testing.T) {
		if plan := PlanAlerts(payload(AlertResolved, alert("a", AlertResolved)), false, nil, "", intakeNow); !plan.Empty() {
			t.Errorf("plan %+v", plan)
		}
	})
	t.Run("firing again after the group resolved", func(t *testing.T) {
		plan := PlanAlerts(payload(AlertFiring, alert("a", AlertFiring)), true, map[string]string{"a": AlertResolved}, AlertResolved, intakeNow)
		if len(plan.Notes) != 1 || !strings.HasPrefix(plan.Notes[0], "Alert firing again") || plan.GroupState != AlertFiring {
			t.Errorf("plan %+v", plan)
		}
	})
}

func TestPlanAlertsTenThousand(t *testing.T) {
	alerts := make([]Alert, 10000)
	for i := range alerts {
		alerts[i] = alert(fmt.Sprintf("%016x", i), AlertFiring)
	}
	p := payload(AlertFiring, alerts...)
	first := PlanAlerts(p, false, nil, "", intakeNow)
	if first.Declare == nil || len(first.Alerts) != 10000 {
		t.Fatalf("declare %v, %d alerts", first.Declare != nil, len(first.Alerts))
	}
	if n := utf8.RuneCountInString(first.Declare.Summary); n > MaxSummary || !strings.Contains(first.Declare.Summary, "… and 9980 more") {
		t.Errorf("summary of %d characters: %q…", n, first.Declare.Summary[:200])
	}
	for i := range p.Alerts {
		p.Alerts[i].Status = AlertResolved
	}
	p.Status = AlertFiring
	later := PlanAlerts(p, true, first.Alerts, AlertFiring, intakeNow)
	if len(later.Notes) != maxAlertNotes+1 || !strings.Contains(later.Notes[maxAlertNotes], "9950 more alerts changed (0 firing, 9950 resolved)") {
		t.Errorf("%d notes, last %q", len(later.Notes), later.Notes[len(later.Notes)-1])
	}
}

const plainMail = "From: Jane Researcher <jane@example.org>\r\n" +
	"To: security@example.com\r\n" +
	"Subject: SQL injection in /search\r\n" +
	"Date: Mon, 04 May 2026 09:30:00 +0200\r\n" +
	"Message-ID: <abc123@example.org>\r\n" +
	"\r\n" +
	"Hello,\r\n\r\nThe q parameter is injectable.\r\n"

func TestParseMail(t *testing.T) {
	m, err := ParseMail([]byte(plainMail))
	if err != nil {
		t.Fatal(err)
	}
	want := MailReport{MessageID: "<abc123@example.org>", Subject: "SQL injection in /search", From: "Jane Researcher <jane@example.org>",
		Date: time.Date(2026, 5, 4, 7, 30, 0, 0, time.UTC), Body: "Hello,\n\nThe q parameter is injectable."}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
	d := MailDeclaration(m, P2, "researcher-report", intakeNow)
	if d.Title != want.Subject || d.Reporter != want.From || !d.DetectedAt.Equal(want.Date) || d.Summary != want.Body {
		t.Errorf("declaration %+v", d)
	}
	if err := d.Validate(intakeNow); err != nil {
		t.Errorf("declaration refused: %v", err)
	}

	multipart := "From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.net>\n" +
		"Subject: =?UTF-8?B?TGVhayDwn5Sl?=\n" +
		"Date: Mon, 04 May 2026 08:00:00 +0000\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=outer\n\n" +
		"--outer\n" +
		"Content-Type: multipart/alternative; boundary=inner\n\n" +
		"--inner\n" +
		"Content-Type: text/html\n\n<p>html</p>\n" +
		"--inner\n" +
		"Content-Type: text/plain; charset=utf-8\n" +
		"Content-Transfer-Encoding: quoted-printable\n\n" +
		"Caf=C3=A9 data =\nexposed\n" +
		"--inner--\n" +
		"--outer\n" +
		"Content-Type: application/octet-stream\n" +
		"Content-Transfer-Encoding: base64\n\nAAAA\n" +
		"--outer--\n"
	m, err = ParseMail([]byte(multipart))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Leak 🔥" || m.From != "Zoë <zoe@example.net>" || m.Body != "Café data exposed" || !strings.HasPrefix(m.MessageID, "sha256:") {
		t.Errorf("multipart: %+v", m)
	}

	for _, tt := range []struct{ name, raw, subject, body, from string }{
		{"base64 latin-1", "From: a@b.c\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\n" + "Q2Fm6Q==\n", "x", "Café", "a@b.c"},
		{"escapes", "From: \x1b]0;x\x07 <a@b.c>\nSubject: \x1b[2J<script>alert(1)</script>\n\nline\x1b[31m red\r\nnext\x00\n", "[2J<script>alert(1)</script>", "line[31m red\nnext", "]0;x <a@b.c>"},
		{"mbox From line", "From a@b.c Mon May  4 09:00:00 2026\n" + plainMail, "SQL injection in /search", "Hello,\n\nThe q parameter is injectable.", "Jane Researcher <jane@example.org>"},
		{"no subject", "From: a@b.c\n\nbody", "", "body", "a@b.c"},
		{"html only", "From: a@b.c\nContent-Type: text/html\n\n<b>x</b>", "", "", "a@b.c"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMail([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || m.Body != tt.body || m.From != tt.from {
				t.Errorf("got subject %q body %q from %q", m.Subject, m.Body, m.From)
			}
			d := MailDeclaration(m, P2, "customer-report", intakeNow)
			if err := d.Validate(intakeNow); err != nil {
				t.Errorf("declaration refused: %v", err)
			}
		})
	}
	for _, tt := range []struct{ name, raw, want string }{
		{"not a message", "just text", "not an e-mail message"},
		{"no from", "Subject: x\n\nbody", "no From header"},
		{"multipart without boundary", "From: a@b.c\nContent-Type: multipart/mixed\n\nx", "without a boundary"},
		{"too big", "From: a@b.c\n\n" + strings.Repeat("x", MaxMailBytes), "bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMail([]byte(tt.raw))
			wantUserError(t, err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	t.Run("a future Date detects now", func(t *testing.T) {
		d := MailDeclaration(MailReport{Subject: "x", From: "a", Date: intakeNow.Add(time.Hour)}, P2, "customer-report", intakeNow)
		if !d.DetectedAt.Equal(intakeNow) {
			t.Errorf("detected %v", d.DetectedAt)
		}
	})
}

func TestPublicView(t *testing.T) {
	secret := "SECRET-internal"
	mk := func(id int64, status Status, resolvedAgo time.Duration, avail bool, title string, updates ...StatusUpdate) *Incident {
		inc := &Incident{ID: id, Title: secret + " title", Summary: secret + " summary", Severity: P1, Status: status, Availability: avail,
			Customers: []string{secret + " customer"}, Commander: secret + "-ic", Reporter: secret + " reporter", PublicTitle: title,
			DetectedAt: intakeNow.Add(-2 * time.Hour), Consequences: secret + " consequences", DataCategories: []string{secret + " category"},
			ContactName: secret + " contact", Updates: updates}
		if resolvedAgo > 0 {
			inc.ResolvedAt = intakeNow.Add(-resolvedAgo)
		}
		return inc
	}
	pub := func(ago time.Duration, text string) StatusUpdate {
		return StatusUpdate{At: intakeNow.Add(-ago), Text: text, By: secret + "-author", Public: true}
	}
	internal := StatusUpdate{At: intakeNow.Add(-time.Minute), Text: secret + " internal update", By: "x"}
	incs := []*Incident{
		mk(1, Acknowledged, 0, true, "API slow", pub(time.Hour, "Investigating"), internal, pub(30*time.Minute, "Fix deployed\n<script>x</script>\x1b[2J")),
		mk(2, Resolved, 6*24*time.Hour, true, "Old outage", pub(6*24*time.Hour, "Resolved")),
		mk(3, Closed, 8*24*time.Hour, true, "Too old", pub(8*24*time.Hour, "Resolved")),
		mk(4, Open, 0, false, "Not availability", pub(time.Minute, "x")),
		mk(5, Open, 0, true, "", pub(time.Minute, "no title")),
		mk(6, Open, 0, true, "Internal only", internal),
		mk(7, Contained, 0, true, "Mitigated", pub(2*time.Hour, "Mitigated")),
	}
	ps := PublicView(incs, false, intakeNow)
	var ids []string
	for _, pi := range ps.Incidents {
		ids = append(ids, pi.ID)
	}
	if !reflect.DeepEqual(ids, []string{"INC-1", "INC-7", "INC-2"}) {
		t.Fatalf("incidents %v, want INC-1 INC-7 INC-2 (active newest first, then resolved)", ids)
	}
	first := ps.Incidents[0]
	if first.Title != "API slow" || first.Status != "investigating" || first.Impact != "major" || len(first.Updates) != 2 ||
		first.Updates[0].Text != "Fix deployed\n<script>x</script>[2J" || !ps.UpdatedAt.Equal(intakeNow.Add(-30*time.Minute)) {
		t.Errorf("first %+v, updated %v", first, ps.UpdatedAt)
	}
	if ps.Incidents[1].Status != "monitoring" || ps.Incidents[2].Status != "resolved" || ps.Incidents[2].ResolvedAt.IsZero() {
		t.Errorf("statuses %+v", ps.Incidents)
	}
	b, err := json.Marshal(ps.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "SECRET") || strings.Contains(fmt.Sprintf("%+v", ps), "SECRET") {
		t.Errorf("an internal field reached the public projection: %s", b)
	}
	var shape map[string]any
	json.Unmarshal(b, &shape)
	inc0 := shape["incidents"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "title", "status", "impact", "updates"} {
		if _, ok := inc0[k]; !ok {
			t.Errorf("status.json incident lacks %q: %s", k, b)
		}
	}
	if u := inc0["updates"].([]any)[0].(map[string]any); u["at"] == nil || u["text"] == nil || len(u) != 2 {
		t.Errorf("update shape %v", u)
	}
	if empty := PublicView(nil, true, intakeNow); len(empty.Incidents) != 0 || !empty.Exercise || empty.UpdatedAt.IsZero() {
		t.Errorf("empty page %+v", empty)
	}
}

func TestPlanStatusUpdate(t *testing.T) {
	avail := &Incident{ID: 3, Availability: true}
	titled := &Incident{ID: 3, Availability: true, PublicTitle: "API slow"}
	plain := &Incident{ID: 3}
	for _, tt := range []struct {
		name      string
		inc       *Incident
		in        UpdateInput
		wantTitle string
		wantErr   string
		wantData  map[string]string
	}{
		{"internal", plain, UpdateInput{Text: "x"}, "", "", map[string]string{"text": "x"}},
		{"public first needs a title", avail, UpdateInput{Text: "x", Public: true}, "", "needs a public title", nil},
		{"public first with a title", avail, UpdateInput{Text: "x", Public: true, PublicTitle: " API slow "}, "API slow", "",
			map[string]string{"text": "x", "public": "true", "public_title": "API slow"}},
		{"public later", titled, UpdateInput{Text: "x", Public: true}, "API slow", "", map[string]string{"text": "x", "public": "true"}},
		{"public retitled", titled, UpdateInput{Text: "x", Public: true, PublicTitle: "API down"}, "API down", "",
			map[string]string{"text": "x", "public": "true", "public_title": "API down", "was_public_title": "API slow"}},
		{"not availability", plain, UpdateInput{Text: "x", Public: true, PublicTitle: "t"}, "", "does not affect availability", nil},
		{"title without public", titled, UpdateInput{Text: "x", PublicTitle: "t"}, "", "goes with a public update", nil},
		{"escape in title", avail, UpdateInput{Text: "x", Public: true, PublicTitle: "a\x1b[2J"}, "", "control character", nil},
		{"empty text", titled, UpdateInput{Public: true}, "", "empty", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, title, data, err := PlanStatusUpdate(tt.inc, tt.in)
			if tt.wantErr != "" {
				wantUserError(t, err)
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || title != tt.wantTitle || !reflect.DeepEqual(data, tt.wantData) {
				t.Errorf("got %q %v %v", title, data, err)
			}
			ev := Event{Action: ActStatusUpdate, Target: "INC-3", Data: data}
			if tt.in.Public && !strings.HasPrefix(ev.Text(nil), "posted a public status update on INC-3") {
				t.Errorf("event text %q", ev.Text(nil))
			}
		})
	}
}

func TestTokens(t *testing.T) {
	s := TokenSecret(make([]byte, 32))
	if !strings.HasPrefix(s, TokenPrefix) || len(s) != len(TokenPrefix)+43 {
		t.Errorf("secret %q", s)
	}
	if h := TokenHash("x"); len(h) != 64 || h == TokenHash("y") {
		t.Errorf("hash %q", h)
	}
	for _, n := range []string{"", "a b", "a\x1b", strings.Repeat("a", 101), "ab/c"} {
		if _, err := CleanTokenName(n); err == nil {
			t.Errorf("token name %q accepted", n)
		}
	}
	if a := TokenActor("alertmanager", "127.0.0.1:5000"); a.Role != Member || a.Source != "http:127.0.0.1:5000" {
		t.Errorf("actor %+v", a)
	}
	for _, tt := range []struct {
		action Action
		want   string
	}{{EvTokenAdd, "added intake token am"}, {EvTokenRemove, "removed intake token am"}, {EvIntakeRefused, "refused HTTP intake at /p: r"}} {
		if got := (Event{Action: tt.action, Data: map[string]string{"name": "am", "path": "/p", "reason": "r"}}).Text(nil); got != tt.want {
			t.Errorf("%s: %q", tt.action, got)
		}
	}
}
