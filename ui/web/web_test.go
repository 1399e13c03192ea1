package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/model"
	"sitrep/store"
)

var owner = model.Actor{Name: "olivia", Role: model.Owner, Source: "local:olivia@test"}

// env is a real store on a temporary file with a token, and the HTTP
// server's handler in front of it.
type env struct {
	st    *store.Store
	srv   *Server
	ts    *httptest.Server
	token string
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "sitrep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tok, _, err := st.AddToken(ctx, owner, "alertmanager")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = st
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.status.close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{st: st, srv: srv, ts: ts, token: tok}
}

func (e *env) post(t *testing.T, path, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := e.ts.Client().Get(e.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// writes is how many events and incidents the database holds.
func (e *env) writes(t *testing.T) (events int, incidents int) {
	t.Helper()
	evs, err := e.st.Events(context.Background(), store.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	incs, err := e.st.Incidents(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs), len(incs)
}

func amPayload(status string, fps ...string) []byte {
	p := model.AlertPayload{Version: "4", GroupKey: `{}:{alertname="HighErrorRate"}`, Status: status, Receiver: "sitrep",
		GroupLabels:       map[string]string{"alertname": "HighErrorRate"},
		CommonLabels:      map[string]string{"alertname": "HighErrorRate", "severity": "critical", "customer": "Acme"},
		CommonAnnotations: map[string]string{"summary": "API error rate above 5%"}}
	for _, fp := range fps {
		p.Alerts = append(p.Alerts, model.Alert{Status: status, Fingerprint: fp, StartsAt: time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second),
			Labels: map[string]string{"alertname": "HighErrorRate", "instance": "api-" + fp}})
	}
	b, _ := json.Marshal(p)
	return b
}

func TestAlertmanagerIntake(t *testing.T) {
	e := newEnv(t, Config{})
	code, body := e.post(t, "/intake/alertmanager", e.token, amPayload("firing", "a"))
	if code != 200 || strings.TrimSpace(body) != `{"ref":"INC-1"}` {
		t.Fatalf("firing: %d %s", code, body)
	}
	inc, err := e.st.Incident(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "API error rate above 5%" || inc.Severity != model.P1 || inc.Source != "monitoring" || inc.Breach != model.BreachUnknown ||
		len(inc.Customers) != 1 || inc.Customers[0] != "Acme" {
		t.Errorf("declared %+v", inc)
	}
	evs, _ := e.st.Timeline(context.Background(), 1)
	if len(evs) != 1 || evs[0].Actor != "alertmanager" || !strings.HasPrefix(evs[0].Source, "http:127.0.0.1:") {
		t.Fatalf("timeline %+v", evs)
	}
	before, _ := e.writes(t)
	// A repeat adds nothing; a new alert adds a note; the group resolved
	// adds a note and the incident stays open.
	for _, step := range []struct {
		body  []byte
		notes int
	}{
		{amPayload("firing", "a"), 0},
		{amPayload("firing", "a", "b"), 1},
		{amPayload("firing", "a", "b"), 0},
		{amPayload("resolved", "a", "b"), 1},
		{amPayload("resolved", "a", "b"), 0},
	} {
		code, body := e.post(t, "/intake/alertmanager", e.token, step.body)
		if code != 200 || strings.TrimSpace(body) != `{"ref":"INC-1"}` {
			t.Fatalf("%d %s", code, body)
		}
		after, _ := e.writes(t)
		if after-before != step.notes {
			t.Errorf("%d events added, want %d", after-before, step.notes)
		}
		before = after
	}
	inc, _ = e.st.Incident(context.Background(), 1)
	if inc.Status != model.Open {
		t.Errorf("status %s: a resolved group must not resolve the incident", inc.Status)
	}
	evs, _ = e.st.Timeline(context.Background(), 1)
	if last := evs[len(evs)-1].Text(nil); !strings.Contains(last, "group resolved") {
		t.Errorf("last event %q", last)
	}
	// Once the incident is closed, the group declares anew.
	ctx := context.Background()
	admin := model.Actor{Name: "olivia", Role: model.Owner, Source: "local:olivia@test"}
	if _, err := e.st.SetBreach(ctx, admin, 1, model.BreachFacts{Breach: ptr(model.BreachNo)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Assign(ctx, admin, 1, "olivia"); err == nil {
		t.Log("assigned")
	}
	if _, err := e.st.Delete(ctx, admin, 1, "test"); err != nil {
		t.Fatal(err)
	}
	if code, body := e.post(t, "/intake/alertmanager", e.token, amPayload("firing", "a")); code != 200 || strings.TrimSpace(body) != `{"ref":"INC-2"}` {
		t.Errorf("after the incident went: %d %s", code, body)
	}
	// A resolved group never heard of declares nothing.
	other := bytes.Replace(amPayload("resolved", "z"), []byte(`HighErrorRate\"}`), []byte(`Other\"}`), 1)
	if code, body := e.post(t, "/intake/alertmanager", e.token, other); code != 200 || strings.TrimSpace(body) != `{"ref":null}` {
		t.Errorf("resolved unknown group: %d %s", code, body)
	}
}

func ptr[T any](v T) *T { return &v }

func TestHostileIntake(t *testing.T) {
	e := newEnv(t, Config{IntakeRate: 1000, IntakeBurst: 1000})
	big := make([]byte, MaxBody+1)
	for i := range big {
		big[i] = ' '
	}
	for _, tt := range []struct {
		name, path, token string
		body              []byte
		code              int
		says              string
	}{
		{"missing token", "/intake/alertmanager", "", amPayload("firing", "a"), 401, "no bearer token"},
		{"wrong token", "/intake/alertmanager", "sitrep_nope", amPayload("firing", "a"), 401, "not valid"},
		{"token of another length", "/intake/report", strings.Repeat("x", 5000), []byte(`{}`), 401, "not valid"},
		{"invalid json", "/intake/alertmanager", "T", []byte(`{"version":`), 400, "JSON ends early"},
		{"wrong version", "/intake/alertmanager", "T", bytes.Replace(amPayload("firing", "a"), []byte(`"version":"4"`), []byte(`"version":"3"`), 1), 400, "version \"3\" is not supported"},
		{"oversized", "/intake/alertmanager", "T", big, 413, "over 1 MiB"},
		{"report oversized", "/intake/report", "T", big, 413, "over 1 MiB"},
		{"report invalid json", "/intake/report", "T", []byte(`[1,2`), 400, "not a report in JSON"},
		{"report missing fields", "/intake/report", "T", []byte(`{"title":"x"}`), 400, "needs a title and a source"},
		{"report unknown field", "/intake/report", "T", []byte(`{"title":"x","source":"customer-report","sev":"P1"}`), 400, `unknown field "sev"`},
		{"report bad source", "/intake/report", "T", []byte(`{"title":"x","source":"rumour"}`), 422, `"rumour" is not`},
		{"report bad time", "/intake/report", "T", []byte(`{"title":"x","source":"customer-report","detected_at":"yesterday"}`), 400, "RFC 3339"},
		{"report future", "/intake/report", "T", []byte(`{"title":"x","source":"customer-report","detected_at":"2999-01-01T00:00:00Z"}`), 422, "future"},
		{"report escape in title", "/intake/report", "T", []byte(`{"title":"\u001b]52;c;aGk=\u0007","source":"customer-report"}`), 422, "control character"},
		{"report long title", "/intake/report", "T", []byte(`{"title":"` + strings.Repeat("t", 201) + `","source":"customer-report"}`), 422, "limit is 200"},
		{"get on intake", "/intake/report", "T", nil, 404, "nothing at this path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			events, incidents := e.writes(t)
			token := tt.token
			if token == "T" {
				token = e.token
			}
			var code int
			var body string
			if tt.body == nil {
				resp, err := e.ts.Client().Get(e.ts.URL + tt.path)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				code, body = resp.StatusCode, string(b)
			} else {
				code, body = e.post(t, tt.path, token, tt.body)
			}
			if code != tt.code {
				t.Errorf("answer %d %s, want %d", code, body, tt.code)
			}
			if tt.says != "" {
				var msg struct{ Error string }
				if err := json.Unmarshal([]byte(body), &msg); err != nil || !strings.Contains(msg.Error, tt.says) || strings.Count(body, "\n") != 1 {
					t.Errorf("body %q does not say %q in one line", body, tt.says)
				}
			}
			ev2, inc2 := e.writes(t)
			if inc2 != incidents {
				t.Errorf("a refused request declared an incident")
			}
			if code == 401 {
				if ev2-events > 1 {
					t.Errorf("%d events for one refusal", ev2-events)
				}
			} else if ev2 != events {
				t.Errorf("a refused request wrote %d events", ev2-events)
			}
		})
	}
	t.Run("refusals are audited, and rate-limited", func(t *testing.T) {
		evs, _ := e.st.Events(context.Background(), store.EventQuery{Action: string(model.EvIntakeRefused)})
		if len(evs) == 0 {
			t.Fatal("no intake_refused event")
		}
		n := len(evs)
		for range 50 {
			e.post(t, "/intake/alertmanager", "sitrep_flood", []byte(`{}`))
		}
		evs, _ = e.st.Events(context.Background(), store.EventQuery{Action: string(model.EvIntakeRefused)})
		if len(evs)-n > 1 {
			t.Errorf("a flood of 50 refusals wrote %d events", len(evs)-n)
		}
	})
	t.Run("a removed token is refused at once", func(t *testing.T) {
		tok, _, err := e.st.AddToken(context.Background(), owner, "form")
		if err != nil {
			t.Fatal(err)
		}
		if code, body := e.post(t, "/intake/report", tok, []byte(`{"title":"Leak reported","source":"customer-report","reporter":"a@b.c"}`)); code != 201 {
			t.Fatalf("%d %s", code, body)
		}
		if _, err := e.st.RemoveToken(context.Background(), owner, "form"); err != nil {
			t.Fatal(err)
		}
		if code, _ := e.post(t, "/intake/report", tok, []byte(`{"title":"x","source":"customer-report"}`)); code != 401 {
			t.Errorf("removed token answered %d", code)
		}
	})
}

func TestHostileAlertPayloads(t *testing.T) {
	e := newEnv(t, Config{})
	p := amPayload("firing", "a")
	p = bytes.Replace(p, []byte(`API error rate above 5%`), []byte(`\u001b]0;owned\u0007<script>alert(1)</script>\u009b2J`), 1)
	code, body := e.post(t, "/intake/alertmanager", e.token, p)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	inc, _ := e.st.Incident(context.Background(), 1)
	if inc.Title != "]0;owned<script>alert(1)</script>2J" {
		t.Errorf("title stored as %q", inc.Title)
	}

	// 10,000 alerts in one group: one incident, a summary that lists 20,
	// and later at most 51 notes.
	var sb strings.Builder
	sb.WriteString(`{"version":"4","groupKey":"big","status":"firing","receiver":"r","commonLabels":{"alertname":"Flood"},"alerts":[`)
	for i := range 10000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"status":"firing","labels":{"i":"%d"},"fingerprint":"%x"}`, i, i)
	}
	sb.WriteString("]}")
	if sb.Len() > MaxBody {
		t.Fatalf("payload of %d bytes is over the cap; make it smaller", sb.Len())
	}
	code, body = e.post(t, "/intake/alertmanager", e.token, []byte(sb.String()))
	if code != 200 || strings.TrimSpace(body) != `{"ref":"INC-2"}` {
		t.Fatalf("10,000 alerts: %d %s", code, body)
	}
	resolved := strings.ReplaceAll(sb.String(), `"status":"firing","labels"`, `"status":"resolved","labels"`)
	events, _ := e.writes(t)
	if code, body := e.post(t, "/intake/alertmanager", e.token, []byte(resolved)); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	after, _ := e.writes(t)
	if after-events != 51 {
		t.Errorf("10,000 resolved alerts wrote %d events, want 51", after-events)
	}
}

func TestReportIntake(t *testing.T) {
	e := newEnv(t, Config{})
	code, body := e.post(t, "/intake/report", e.token, []byte(`{"title":"Customer sees another tenant's invoices","source":"customer-report",
		"severity":"P1","detected_at":"2026-01-02T03:04:05Z","reporter":"Jane <jane@acme.example>","summary":"Seen at 03:00.","customers":["Acme"]}`))
	if code != 201 || strings.TrimSpace(body) != `{"ref":"INC-1"}` {
		t.Fatalf("%d %s", code, body)
	}
	inc, _ := e.st.Incident(context.Background(), 1)
	if inc.Reporter != "Jane <jane@acme.example>" || inc.Severity != model.P1 || !inc.DetectedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) ||
		inc.Source != "customer-report" || inc.Summary != "Seen at 03:00." {
		t.Errorf("declared %+v", inc)
	}
	if code, _ := e.post(t, "/intake/report", e.token, []byte(`{"title":"t","source":"researcher-report"}`)); code != 201 {
		t.Fatal(code)
	}
	inc, _ = e.st.Incident(context.Background(), 2)
	if inc.Severity != DefaultReportSeverity {
		t.Errorf("default severity %s", inc.Severity)
	}
}

func TestStatusPage(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	resp, body := e.get(t, "/status")
	if resp.StatusCode != 200 || !strings.Contains(body, "No incidents affecting availability") {
		t.Fatalf("empty page: %d %s", resp.StatusCode, body)
	}
	inc, err := e.st.Declare(ctx, owner, model.Declaration{Title: "INTERNAL db-7 failover by bob", Summary: "INTERNAL summary", Severity: model.P1,
		Availability: true, Customers: []string{"INTERNAL Acme"}, Reporter: "INTERNAL reporter"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Note(ctx, owner, inc.ID, "INTERNAL note"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.PostUpdate(ctx, owner, inc.ID, model.UpdateInput{Text: "INTERNAL update"}); err != nil {
		t.Fatal(err)
	}
	// Internal updates only: the page still shows nothing.
	if _, body := e.get(t, "/status.json"); strings.Contains(body, "INC-") {
		t.Errorf("an incident with no public update is public: %s", body)
	}
	if _, err := e.st.PostUpdate(ctx, owner, inc.ID, model.UpdateInput{Text: "Fix <b>under way</b>\n<script>alert(1)</script>", Public: true,
		PublicTitle: `Degraded "API" <script>alert(1)</script>`}); err != nil {
		t.Fatal(err)
	}
	resp, body = e.get(t, "/status")
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain HTTP")
	}
	if strings.Contains(body, "<script") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(body, "Degraded &#34;API&#34;") {
		t.Errorf("page not escaped:\n%s", body)
	}
	for _, path := range []string{"/status", "/status.json", "/status.atom"} {
		resp, body := e.get(t, path)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		if strings.Contains(body, "INTERNAL") || strings.Contains(body, "olivia") {
			t.Errorf("%s shows something internal:\n%s", path, body)
		}
	}
	_, body = e.get(t, "/status.json")
	var js struct {
		UpdatedAt string `json:"updated_at"`
		Incidents []struct {
			ID, Title, Status, Impact string
			Updates                   []struct{ At, Text string }
		}
	}
	if err := json.Unmarshal([]byte(body), &js); err != nil {
		t.Fatal(err)
	}
	if js.UpdatedAt == "" || len(js.Incidents) != 1 || js.Incidents[0].ID != "INC-1" || js.Incidents[0].Status != "investigating" ||
		js.Incidents[0].Impact != "major" || len(js.Incidents[0].Updates) != 1 || !strings.Contains(js.Incidents[0].Updates[0].Text, "<script>") {
		t.Errorf("status.json %s", body)
	}
	resp, body = e.get(t, "/status.atom")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") || !strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, "<script") {
		t.Errorf("atom %s:\n%s", ct, body)
	}
	for _, path := range []string{"/", "/status/", "/status.html", "/intake", "/../etc/passwd", "/debug/pprof/"} {
		if resp, _ := e.get(t, path); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestRateLimitAndServerLimits(t *testing.T) {
	e := newEnv(t, Config{PageRate: 1, PageBurst: 3})
	codes := map[int]int{}
	for range 10 {
		resp, _ := e.get(t, "/status.json")
		codes[resp.StatusCode]++
	}
	if codes[200] != 3 || codes[429] != 7 {
		t.Errorf("answers %v, want 3 × 200 then 429", codes)
	}
	s := e.srv.srv
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("a server timeout or limit is unset: %+v", s)
	}
	if s.TLSConfig.MinVersion < 0x0303 {
		t.Errorf("TLS minimum %x", s.TLSConfig.MinVersion)
	}
}

func TestTLSAndHSTS(t *testing.T) {
	e := newEnv(t, Config{TLS: true})
	ts := httptest.NewUnstartedServer(e.srv.Handler())
	ts.TLS = TLSConfig()
	ts.StartTLS()
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS == nil || resp.TLS.Version < 0x0303 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("TLS %v, HSTS %q", resp.TLS, resp.Header.Get("Strict-Transport-Security"))
	}
	// A client that offers only TLS 1.1 is refused.
	c := ts.Client()
	tr := c.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.MaxVersion = 0x0302
	tr.TLSClientConfig.MinVersion = 0x0301
	if _, err := (&http.Client{Transport: tr}).Get(ts.URL + "/status"); err == nil {
		t.Error("a TLS 1.1 client was served")
	}
}
