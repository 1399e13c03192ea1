package web

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sitrep/model"
)

// waitUntil polls cond until it holds or limit passes: the real programs
// below answer in their own time.
func waitUntil(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedBuffer collects a program's output for the failure message.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestRealAlertmanager runs Debian's Alertmanager with a webhook receiver
// pointing at sitrep (bearer token in http_config), posts an alert to its
// API, and sees the incident declared; then resolves the alert and sees
// the group's resolution arrive as a note that leaves the incident open.
func TestRealAlertmanager(t *testing.T) {
	bin := ""
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager; .ci/run installs it)")
	}
	e := newEnv(t, Config{})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(e.token), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`route:
  receiver: sitrep
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sitrep
    webhook_configs:
      - url: %s/intake/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: %s
`, e.ts.URL, tokenFile)
	if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	var out lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "alertmanager.yml"), "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=debug")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager output:\n%s", out.String())
		}
	})
	base := "http://" + addr
	waitUntil(t, 30*time.Second, "alertmanager to be ready", func() bool {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	startsAt := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
	postAlert := func(endsAt string) {
		body := fmt.Sprintf(`[{"labels":{"alertname":"HighErrorRate","severity":"critical","customer":"Acme","instance":"api-1"},
			"annotations":{"summary":"API error rate above 5%%"},"startsAt":%q%s}]`, startsAt.Format(time.RFC3339), endsAt)
		resp, err := http.Post(base+"/api/v2/alerts", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("alertmanager refused the alert: %d", resp.StatusCode)
		}
	}
	postAlert("")
	bg := context.Background()
	waitUntil(t, 30*time.Second, "the incident to be declared", func() bool {
		incs, err := e.st.Incidents(bg, true)
		return err == nil && len(incs) == 1
	})
	inc, err := e.st.Incident(bg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "API error rate above 5%" || inc.Severity != model.P1 || inc.Source != "monitoring" || len(inc.Customers) != 1 ||
		!inc.DetectedAt.Equal(startsAt) {
		t.Errorf("declared %s %s %s %v detected %v (alert started %v)", inc.Title, inc.Severity, inc.Source, inc.Customers, inc.DetectedAt, startsAt)
	}
	evs, _ := e.st.Timeline(bg, 1)
	if evs[0].Actor != "alertmanager" || !strings.HasPrefix(evs[0].Source, "http:") {
		t.Errorf("declared by %s from %s", evs[0].Actor, evs[0].Source)
	}

	postAlert(fmt.Sprintf(`,"endsAt":%q`, time.Now().UTC().Format(time.RFC3339)))
	waitUntil(t, 30*time.Second, "the group's resolution as a note", func() bool {
		evs, err := e.st.Timeline(bg, 1)
		return err == nil && strings.Contains(evs[len(evs)-1].Text(nil), "group resolved")
	})
	inc, _ = e.st.Incident(bg, 1)
	if inc.Status != model.Open {
		t.Errorf("the incident is %s; a resolved group must leave it for a person to resolve", inc.Status)
	}
	incs, _ := e.st.Incidents(bg, true)
	if len(incs) != 1 {
		t.Errorf("%d incidents, want the one", len(incs))
	}
}
