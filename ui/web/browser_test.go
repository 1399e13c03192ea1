package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/model"
)

// chromium runs headless Chromium with args for one page and returns what
// it printed.
func chromium(t *testing.T, args ...string) string {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var errOut lockedBuffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, errOut.String())
	}
	return string(out)
}

// TestStatusPageInChromium loads /status in a real browser: the rendered
// DOM holds the public title and updates, user text stays text (no
// element comes from it), no script runs, and a screenshot is taken
// (SITREP_SCREENSHOT=path keeps it, as the README's was made).
func TestStatusPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; not with -short")
	}
	e := newEnv(t, Config{})
	ctx := context.Background()
	inc, err := e.st.Declare(ctx, owner, model.Declaration{Title: "INTERNAL failover of db-7", Severity: model.P1, Availability: true,
		Customers: []string{"INTERNAL Acme"}, DetectedAt: time.Now().Add(-40 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []model.UpdateInput{
		{Text: "We are investigating elevated error rates on the API.", Public: true, PublicTitle: "Degraded API performance"},
		{Text: "A fix is being deployed. Requests may fail with <script>alert(1)</script> errors\nuntil it completes.", Public: true},
	} {
		if _, err := e.st.PostUpdate(ctx, owner, inc.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	old, err := e.st.Declare(ctx, owner, model.Declaration{Title: "INTERNAL cert expiry", Severity: model.P2, Availability: true,
		DetectedAt: time.Now().Add(-3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.PostUpdate(ctx, owner, old.ID, model.UpdateInput{Text: "Logins failed for some users; a renewed certificate is in place.", Public: true, PublicTitle: "Login failures"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Transition(ctx, owner, old.ID, model.Resolved, ""); err != nil {
		t.Fatal(err)
	}

	dom := chromium(t, "--dump-dom", e.ts.URL+"/status")
	for _, want := range []string{"Degraded API performance", "Login failures", "investigating", "resolved",
		"&lt;script&gt;alert(1)&lt;/script&gt;", `id="INC-1"`, `id="INC-2"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered DOM lacks %q:\n%s", want, dom)
		}
	}
	if strings.Contains(dom, "<script") || strings.Contains(dom, "INTERNAL") {
		t.Errorf("the rendered DOM holds a script element or an internal field:\n%s", dom)
	}

	shot := filepath.Join(t.TempDir(), "status.png")
	if keep := os.Getenv("SITREP_SCREENSHOT"); keep != "" {
		shot = keep
	}
	chromium(t, "--screenshot="+shot, "--window-size=800,640", "--hide-scrollbars", e.ts.URL+"/status")
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot: %v", err)
	}
}
