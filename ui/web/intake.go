package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"sitrep/model"
)

// body reads a request body of at most MaxBody bytes; past it the answer
// is 413 and nothing is written.
func (s *Server) body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.fail(w, http.StatusRequestEntityTooLarge, "the body is over 1 MiB; sitrep reads intake bodies up to 1 MiB")
		return nil, false
	case err != nil:
		s.fail(w, http.StatusBadRequest, "the body could not be read")
		return nil, false
	}
	return b, true
}

// refusal answers a write's error: the user's sentence as 4xx, anything
// else as 500 with the detail only in the server log.
func (s *Server) refusal(w http.ResponseWriter, r *http.Request, err error) {
	var me *model.Error
	if errors.As(err, &me) {
		code := http.StatusUnprocessableEntity
		if strings.Contains(me.Error(), " cannot ") && strings.Contains(me.Error(), "only ") {
			code = http.StatusForbidden
		}
		s.fail(w, code, me.Error())
		return
	}
	s.cfg.Log.Error("intake", "path", r.URL.Path, "err", err)
	s.fail(w, http.StatusInternalServerError, "sitrep could not record this; the server log says why")
}

// alertmanager takes Alertmanager's webhook (payload version 4).
func (s *Server) alertmanager(w http.ResponseWriter, r *http.Request) {
	b, ok := s.body(w, r)
	if !ok {
		return
	}
	p, err := model.ParseAlertmanager(b)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	id, err := s.cfg.Store.IntakeAlerts(r.Context(), actorOf(r), p)
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	var ref *string
	if id != 0 {
		v := model.FormatRef(id)
		ref = &v
	}
	answer(w, http.StatusOK, map[string]*string{"ref": ref})
}

// reportJSON is POST /intake/report's body.
type reportJSON struct {
	Title      string   `json:"title"`
	Source     string   `json:"source"`
	Severity   string   `json:"severity"`
	DetectedAt string   `json:"detected_at"`
	Reporter   string   `json:"reporter"`
	Summary    string   `json:"summary"`
	Customers  []string `json:"customers"`
}

// DefaultReportSeverity is a report's severity when it gives none:
// possible exposure not yet confirmed, until someone triages it.
const DefaultReportSeverity = model.P2

// report declares an incident from a JSON report.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	b, ok := s.body(w, r)
	if !ok {
		return
	}
	var in reportJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		s.fail(w, http.StatusBadRequest, "the body is not a report in JSON: "+model.JSONProblem(err)+"; its fields are title, source, severity, detected_at, reporter, summary, customers")
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		s.fail(w, http.StatusBadRequest, "the body holds more than one JSON value")
		return
	}
	if strings.TrimSpace(in.Title) == "" || strings.TrimSpace(in.Source) == "" {
		s.fail(w, http.StatusBadRequest, "a report needs a title and a source (customer-report, researcher-report, …)")
		return
	}
	if len(in.Customers) > 100 {
		s.fail(w, http.StatusBadRequest, "a report names at most 100 customers")
		return
	}
	d := model.Declaration{Title: in.Title, Summary: in.Summary, Severity: model.Severity(in.Severity), Source: model.Source(in.Source),
		Reporter: in.Reporter, Customers: in.Customers}
	if d.Severity == "" {
		d.Severity = DefaultReportSeverity
	}
	if in.DetectedAt != "" {
		t, err := time.Parse(time.RFC3339, in.DetectedAt)
		if err != nil {
			s.fail(w, http.StatusBadRequest, "detected_at is not an RFC 3339 time such as 2026-05-04T02:00:00Z")
			return
		}
		d.DetectedAt = t
	}
	id, _, err := s.cfg.Store.IntakeReport(r.Context(), actorOf(r), d, "")
	if err != nil {
		s.refusal(w, r, err)
		return
	}
	answer(w, http.StatusCreated, map[string]string{"ref": model.FormatRef(id)})
}
