package model

import (
	"sort"
	"time"
)

// PublicWindow is how long a resolved incident stays on the public status
// page.
const PublicWindow = 7 * 24 * time.Hour

// PublicStatus is everything the public status page may show. It is built
// only by PublicView from the public fields of an incident, so an internal
// field (title, summary, user, customer, note, breach fact, address)
// cannot reach the page by mistake: the page's templates see only this.
type PublicStatus struct {
	UpdatedAt time.Time
	Exercise  bool // the page serves an exercise database
	Incidents []PublicIncident
}

// PublicIncident is one incident as customers see it.
type PublicIncident struct {
	ID         string // INC-7
	Title      string // the public title, never the internal one
	Status     string // investigating, monitoring, resolved
	Impact     string // critical, major, minor, none
	StartedAt  time.Time
	ResolvedAt time.Time // zero while not resolved
	UpdatedAt  time.Time // of the latest public update
	Updates    []PublicUpdate
}

// PublicUpdate is one public status update.
type PublicUpdate struct {
	At   time.Time
	Text string
}

// PublicView projects incidents onto the public status page: availability
// incidents with a public title and at least one public update, active or
// resolved within PublicWindow, newest first, each with its public updates
// newest first.
func PublicView(incs []*Incident, exercise bool, now time.Time) PublicStatus {
	ps := PublicStatus{Exercise: exercise, Incidents: []PublicIncident{}}
	for _, inc := range incs {
		if !inc.Availability || inc.PublicTitle == "" || !inc.DeletedAt.IsZero() {
			continue
		}
		resolved := inc.Status == Resolved || inc.Status == Closed
		if resolved && (inc.ResolvedAt.IsZero() || now.Sub(inc.ResolvedAt) > PublicWindow) {
			continue
		}
		pi := PublicIncident{ID: inc.Ref(), Title: SanitizeLine(inc.PublicTitle), Status: publicStatus(inc.Status),
			Impact: publicImpact(inc.Severity), StartedAt: inc.DetectedAt.UTC(), Updates: []PublicUpdate{}}
		if resolved {
			pi.ResolvedAt = inc.ResolvedAt.UTC()
		}
		for k := len(inc.Updates) - 1; k >= 0; k-- { // newest first, also within a second
			if u := inc.Updates[k]; u.Public {
				pi.Updates = append(pi.Updates, PublicUpdate{At: u.At.UTC(), Text: Sanitize(u.Text)})
			}
		}
		if len(pi.Updates) == 0 {
			continue
		}
		sort.SliceStable(pi.Updates, func(i, j int) bool { return pi.Updates[i].At.After(pi.Updates[j].At) })
		pi.UpdatedAt = pi.Updates[0].At
		if pi.ResolvedAt.After(pi.UpdatedAt) {
			pi.UpdatedAt = pi.ResolvedAt
		}
		if pi.UpdatedAt.After(ps.UpdatedAt) {
			ps.UpdatedAt = pi.UpdatedAt
		}
		ps.Incidents = append(ps.Incidents, pi)
	}
	sort.SliceStable(ps.Incidents, func(i, j int) bool {
		a, b := ps.Incidents[i], ps.Incidents[j]
		if a.ResolvedAt.IsZero() != b.ResolvedAt.IsZero() {
			return a.ResolvedAt.IsZero() // active first
		}
		return a.UpdatedAt.After(b.UpdatedAt)
	})
	if ps.UpdatedAt.IsZero() {
		ps.UpdatedAt = now.UTC().Truncate(time.Second)
	}
	return ps
}

// publicStatus is the customer's word for where an incident is.
func publicStatus(s Status) string {
	switch s {
	case Contained:
		return "monitoring"
	case Resolved, Closed:
		return "resolved"
	}
	return "investigating"
}

// publicImpact is the customer's word for a severity.
func publicImpact(s Severity) string {
	switch s {
	case P0:
		return "critical"
	case P1:
		return "major"
	case P2:
		return "minor"
	}
	return "none"
}

// PublicStatusJSON is /status.json.
type PublicStatusJSON struct {
	UpdatedAt string               `json:"updated_at"`
	Exercise  bool                 `json:"exercise,omitempty"`
	Incidents []PublicIncidentJSON `json:"incidents"`
}

// PublicIncidentJSON is one incident in /status.json.
type PublicIncidentJSON struct {
	ID         string             `json:"id"`
	Title      string             `json:"title"`
	Status     string             `json:"status"`
	Impact     string             `json:"impact"`
	StartedAt  string             `json:"started_at"`
	ResolvedAt *string            `json:"resolved_at"`
	Updates    []PublicUpdateJSON `json:"updates"`
}

// PublicUpdateJSON is one public update in /status.json.
type PublicUpdateJSON struct {
	At   string `json:"at"`
	Text string `json:"text"`
}

// JSON is the page as /status.json serves it.
func (ps PublicStatus) JSON() PublicStatusJSON {
	j := PublicStatusJSON{UpdatedAt: ps.UpdatedAt.UTC().Format(time.RFC3339), Exercise: ps.Exercise, Incidents: []PublicIncidentJSON{}}
	for _, pi := range ps.Incidents {
		ij := PublicIncidentJSON{ID: pi.ID, Title: pi.Title, Status: pi.Status, Impact: pi.Impact,
			StartedAt: pi.StartedAt.Format(time.RFC3339), ResolvedAt: JSONTime(pi.ResolvedAt), Updates: []PublicUpdateJSON{}}
		for _, u := range pi.Updates {
			ij.Updates = append(ij.Updates, PublicUpdateJSON{At: u.At.Format(time.RFC3339), Text: u.Text})
		}
		j.Incidents = append(j.Incidents, ij)
	}
	return j
}

// UpdateInput is a status update as a user gives it.
type UpdateInput struct {
	Text        string
	Public      bool   // also post it on the public status page
	PublicTitle string // set or change the public title (needs Public)
}

// PlanStatusUpdate checks a status update against the incident and
// returns the cleaned text, the public title the incident will have, and
// the event's facts. A public update needs an availability incident and a
// public title: the first one must give it.
func PlanStatusUpdate(inc *Incident, in UpdateInput) (text, publicTitle string, data map[string]string, err error) {
	if text, err = CleanText("status update", in.Text, MultiLine, 1, MaxNote); err != nil {
		return "", "", nil, err
	}
	data = map[string]string{"text": text}
	publicTitle = inc.PublicTitle
	if !in.Public {
		if in.PublicTitle != "" {
			return "", "", nil, Errorf("a public title goes with a public update (--public)")
		}
		return text, publicTitle, data, nil
	}
	if !inc.Availability {
		return "", "", nil, Errorf("%s does not affect availability, so it has no place on the public status page; post the update without --public", inc.Ref())
	}
	if in.PublicTitle != "" {
		t, err := CleanText("public title", in.PublicTitle, SingleLine, 1, MaxTitle)
		if err != nil {
			return "", "", nil, err
		}
		if t != inc.PublicTitle {
			data["public_title"] = t
			if inc.PublicTitle != "" {
				data["was_public_title"] = inc.PublicTitle
			}
		}
		publicTitle = t
	}
	if publicTitle == "" {
		return "", "", nil, Errorf("the first public update of %s needs a public title that customers may read, such as \"Degraded API performance\" (--public-title)", inc.Ref())
	}
	data["public"] = "true"
	return text, publicTitle, data, nil
}
