package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"sitrep/model"
)

// BenchmarkStatusPage is one /status answer from the cached projection,
// with 20 public incidents.
func BenchmarkStatusPage(b *testing.B) {
	e := newEnv(b, Config{PageRate: 1e9, PageBurst: 1 << 30})
	ctx := context.Background()
	for i := range 20 {
		inc, err := e.st.Declare(ctx, owner, model.Declaration{Title: fmt.Sprintf("incident %d", i), Severity: model.P1, Availability: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.st.PostUpdate(ctx, owner, inc.ID, model.UpdateInput{Text: "We are investigating.", Public: true, PublicTitle: "Degraded service"}); err != nil {
			b.Fatal(err)
		}
	}
	h := e.srv.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkAlertmanagerRepeat is Alertmanager repeating a firing group of
// 10 alerts: authenticated, parsed, planned, nothing written.
func BenchmarkAlertmanagerRepeat(b *testing.B) {
	e := newEnv(b, Config{IntakeRate: 1e9, IntakeBurst: 1 << 30})
	body := amPayload("firing", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	h := e.srv.Handler()
	post := func() int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/intake/alertmanager", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if post() != http.StatusOK {
		b.Fatal("first notification refused")
	}
	b.ReportAllocs()
	for b.Loop() {
		if code := post(); code != http.StatusOK {
			b.Fatal(code)
		}
	}
}
