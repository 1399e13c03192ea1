package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// AlertPayload is Alertmanager's webhook notification, payload version 4.
// Fields sitrep does not use are ignored.
type AlertPayload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a notification.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Alert statuses.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Bounds on what one notification may carry beyond the body size.
const (
	maxGroupKey    = 8 << 10
	maxFingerprint = 128
	// maxAlertNotes is how many alerts of one notification get a note of
	// their own; the rest are counted in one more note, so a group of
	// thousands cannot bury the timeline.
	maxAlertNotes = 50
	// maxListed is how many alerts a declaration's summary lists.
	maxListed = 20
)

// ParseAlertmanager reads one webhook notification and checks what sitrep
// relies on. Its errors are one sentence for the sender.
func ParseAlertmanager(body []byte) (AlertPayload, error) {
	var p AlertPayload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		return AlertPayload{}, Errorf("the body is not an Alertmanager notification in JSON: %s", JSONProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return AlertPayload{}, Errorf("the body holds more than one JSON value")
	}
	switch {
	case p.Version != "4":
		return AlertPayload{}, Errorf("payload version %q is not supported; sitrep reads Alertmanager's version 4", clipLine(p.Version, 20))
	case strings.TrimSpace(p.GroupKey) == "":
		return AlertPayload{}, Errorf("the notification has no groupKey")
	case len(p.GroupKey) > maxGroupKey:
		return AlertPayload{}, Errorf("the groupKey is %d bytes long; the limit is %d", len(p.GroupKey), maxGroupKey)
	case !utf8.ValidString(p.GroupKey):
		return AlertPayload{}, Errorf("the groupKey is not valid UTF-8")
	case p.Status != AlertFiring && p.Status != AlertResolved:
		return AlertPayload{}, Errorf("the notification's status is %q; it is firing or resolved", clipLine(p.Status, 20))
	case len(p.Alerts) == 0:
		return AlertPayload{}, Errorf("the notification holds no alerts")
	}
	for i := range p.Alerts {
		a := &p.Alerts[i]
		if a.Status != AlertFiring && a.Status != AlertResolved {
			return AlertPayload{}, Errorf("alert %d has status %q; it is firing or resolved", i+1, clipLine(a.Status, 20))
		}
		if a.Fingerprint == "" {
			a.Fingerprint = labelsFingerprint(a.Labels)
		}
		if len(a.Fingerprint) > maxFingerprint || !utf8.ValidString(a.Fingerprint) {
			return AlertPayload{}, Errorf("alert %d has a fingerprint that is not Alertmanager's", i+1)
		}
	}
	return p, nil
}

// JSONProblem says where outside JSON went wrong, without echoing it.
func JSONProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s has the wrong type", clipLine(te.Field, 60))
	case err == io.EOF:
		return "the body is empty"
	case err == io.ErrUnexpectedEOF:
		return "the JSON ends early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + clipLine(strings.TrimPrefix(err.Error(), "json: unknown field "), 60)
	}
	return clipLine(err.Error(), 120)
}

// labelsFingerprint stands in for a missing fingerprint: the same labels
// are the same alert.
func labelsFingerprint(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%q=%q,", k, labels[k])
	}
	return "labels:" + hex.EncodeToString(h.Sum(nil))[:16]
}

// AlertPlan is what one notification changes: a declaration when the
// group has no active incident, the notes to add, and each alert's new
// status by fingerprint. An empty plan changes nothing.
type AlertPlan struct {
	Declare    *Declaration
	Notes      []string
	Alerts     map[string]string
	GroupState string
}

// Empty reports whether the plan writes nothing. A plan that writes
// anything declares or adds at least one note: every change is seen on
// the timeline.
func (p AlertPlan) Empty() bool { return p.Declare == nil && len(p.Notes) == 0 }

// PlanAlerts decides what a notification does. active says whether the
// group has an active incident; known holds that incident's alerts by
// fingerprint with their last status, and group the group's last status.
// A firing group without an incident declares one; a resolved group
// without one writes nothing. For an active incident each new or changed
// alert adds a note, a group that turns resolved adds one note (the
// incident is not resolved: a person decides that), and a repeat adds
// nothing.
func PlanAlerts(p AlertPayload, active bool, known map[string]string, group string, now time.Time) AlertPlan {
	plan := AlertPlan{Alerts: map[string]string{}}
	if !active {
		if p.Status != AlertFiring {
			return AlertPlan{}
		}
		d := alertDeclaration(p, now)
		plan.Declare = &d
		for _, a := range p.Alerts {
			plan.Alerts[a.Fingerprint] = a.Status
		}
		plan.GroupState = p.Status
		return plan
	}
	var changed []Alert
	for _, a := range p.Alerts {
		if prev, ok := known[a.Fingerprint]; ok && prev == a.Status {
			continue
		}
		if _, dup := plan.Alerts[a.Fingerprint]; dup {
			continue
		}
		changed = append(changed, a)
		plan.Alerts[a.Fingerprint] = a.Status
	}
	if p.Status == AlertResolved && group != AlertResolved {
		lines := []string{fmt.Sprintf("Alertmanager reports the group resolved (%d %s); the incident stays as it is until someone resolves it.",
			len(p.Alerts), Plural(len(p.Alerts), "alert", "alerts"))}
		for i, a := range changed {
			if i == maxListed {
				lines = append(lines, fmt.Sprintf("… and %d more", len(changed)-maxListed))
				break
			}
			lines = append(lines, "- "+alertLine(a))
		}
		plan.Notes = append(plan.Notes, clipText(strings.Join(lines, "\n"), MaxNote))
		plan.GroupState = AlertResolved
		return plan
	}
	for i, a := range changed {
		if i == maxAlertNotes {
			firing, resolved := 0, 0
			for _, r := range changed[i:] {
				if r.Status == AlertFiring {
					firing++
				} else {
					resolved++
				}
			}
			plan.Notes = append(plan.Notes, fmt.Sprintf("Alertmanager: %d more alerts changed (%d firing, %d resolved).", len(changed)-i, firing, resolved))
			break
		}
		verb := "Alert firing"
		switch {
		case a.Status == AlertResolved:
			verb = "Alert resolved"
		case known[a.Fingerprint] == AlertResolved:
			verb = "Alert firing again"
		}
		plan.Notes = append(plan.Notes, clipText(verb+": "+alertLine(a), MaxNote))
	}
	if p.Status != group {
		plan.GroupState = p.Status
		if len(plan.Notes) == 0 {
			plan.Notes = append(plan.Notes, "Alertmanager reports the group firing again.")
		}
	}
	if len(plan.Notes) == 0 {
		return AlertPlan{}
	}
	return plan
}

// alertDeclaration is the incident a firing group declares.
func alertDeclaration(p AlertPayload, now time.Time) Declaration {
	title := clipLine(p.CommonAnnotations["summary"], MaxTitle)
	if title == "" {
		title = clipLine(p.CommonLabels["alertname"], MaxTitle)
	}
	if title == "" {
		title = clipLine(p.GroupLabels["alertname"], MaxTitle)
	}
	if title == "" {
		title = "Alert from Alertmanager"
	}
	d := Declaration{Title: title, Severity: alertSeverity(p), Source: "monitoring", Breach: BreachUnknown, DetectedAt: now}
	var customers []string
	seen := map[string]bool{}
	addCustomer := func(c string) {
		c = clipLine(c, MaxName)
		if c != "" && !seen[strings.ToLower(c)] && len(customers) < maxListed {
			seen[strings.ToLower(c)] = true
			customers = append(customers, c)
		}
	}
	addCustomer(p.CommonLabels["customer"])
	for _, a := range p.Alerts {
		addCustomer(a.Labels["customer"])
		if !a.StartsAt.IsZero() && a.StartsAt.Before(d.DetectedAt) && a.StartsAt.Year() >= 1970 {
			d.DetectedAt = a.StartsAt
		}
	}
	d.Customers = customers
	var lines []string
	if desc := clipText(p.CommonAnnotations["description"], MaxSummary/2); desc != "" {
		lines = append(lines, desc, "")
	}
	lines = append(lines, fmt.Sprintf("Declared from Alertmanager (receiver %s), %d %s:", clipLine(p.Receiver, MaxName), len(p.Alerts), Plural(len(p.Alerts), "alert", "alerts")))
	for i, a := range p.Alerts {
		if i == maxListed {
			lines = append(lines, fmt.Sprintf("… and %d more", len(p.Alerts)-maxListed))
			break
		}
		lines = append(lines, "- "+alertLine(a))
	}
	if p.TruncatedAlerts > 0 {
		lines = append(lines, fmt.Sprintf("Alertmanager left out %d more alerts (max_alerts).", p.TruncatedAlerts))
	}
	d.Summary = clipText(strings.Join(lines, "\n"), MaxSummary)
	return d
}

// alertSeverity reads label sitrep_severity (P0–P3), else severity
// (critical → P1, warning → P2, anything else → P3), from the labels all
// alerts share, else the most severe any alert carries.
func alertSeverity(p AlertPayload) Severity {
	if s, ok := labelSeverity(p.CommonLabels); ok {
		return s
	}
	best := P3
	for _, a := range p.Alerts {
		if s, ok := labelSeverity(a.Labels); ok && s.Rank() < best.Rank() {
			best = s
		}
	}
	return best
}

func labelSeverity(labels map[string]string) (Severity, bool) {
	if v, ok := labels["sitrep_severity"]; ok {
		if s, err := ParseSeverity(v); err == nil {
			return s, true
		}
	}
	v, ok := labels["severity"]
	if !ok {
		return "", false
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "critical":
		return P1, true
	case "warning":
		return P2, true
	}
	return P3, true
}

// alertLine describes one alert on one line: name, where, what.
func alertLine(a Alert) string {
	name := clipLine(a.Labels["alertname"], 100)
	if name == "" {
		name = "alert"
	}
	s := name
	if inst := clipLine(a.Labels["instance"], 100); inst != "" {
		s += " on " + inst
	}
	if sum := clipLine(a.Annotations["summary"], 300); sum != "" {
		s += ": " + sum
	}
	return s + " (fingerprint " + clipLine(a.Fingerprint, maxFingerprint) + ")"
}

// Plural is one when n is 1 and many otherwise: "1 alert", "2 alerts".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// clipLine is outside text made one clean line of at most n characters.
func clipLine(s string, n int) string {
	return clipRunes(strings.Join(strings.Fields(SanitizeLine(s)), " "), n)
}

// clipText is outside text made clean (lines kept) and at most n
// characters.
func clipText(s string, n int) string {
	lines := SanitizeLines(strings.ReplaceAll(s, "\r\n", "\n"))
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return clipRunes(strings.TrimSpace(strings.Join(lines, "\n")), n)
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
