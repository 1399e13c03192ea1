package model

import (
	"time"
)

// The JSON views below are the stable contract of `--json` output:
// snake_case fields, times in RFC 3339 UTC (null when unset), durations as
// whole seconds.

// JSONTime formats a time for JSON output, or nil when unset.
func JSONTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// DeadlineJSON is a deadline in JSON.
type DeadlineJSON struct {
	Kind        string  `json:"kind"`
	Label       string  `json:"label"`
	DueAt       *string `json:"due_at"`
	MetAt       *string `json:"met_at"`
	State       string  `json:"state"`
	RemainingS  int64   `json:"remaining_s"`
	Provisional bool    `json:"provisional"`
	Customer    *string `json:"customer"` // per-customer deadlines (follow-up); null otherwise
}

// ItemJSON is a checklist item in JSON.
type ItemJSON struct {
	Key    string  `json:"key"`
	Item   string  `json:"item"`
	State  string  `json:"state"`
	Reason string  `json:"reason"`
	By     string  `json:"by"`
	At     *string `json:"at"`
}

// NotificationJSON is a recorded notice in JSON; n numbers the
// incident's notices from 1 (sitrep notice REF N).
type NotificationJSON struct {
	N        int      `json:"n"`
	Customer string   `json:"customer"`
	Kind     string   `json:"kind"`
	SentAt   *string  `json:"sent_at"`
	Channel  string   `json:"channel"`
	To       string   `json:"to"`
	By       string   `json:"by"`
	SHA256   string   `json:"sha256"`
	Unknowns []string `json:"unknowns"`
}

// CustomerFactsJSON is one customer's own breach numbers and impact.
type CustomerFactsJSON struct {
	Customer       string `json:"customer"`
	SubjectsApprox *int64 `json:"subjects_approx"`
	RecordsApprox  *int64 `json:"records_approx"`
	Impact         string `json:"impact"`
}

// ContactJSON is a point of contact.
type ContactJSON struct {
	Name    string `json:"name"`
	Details string `json:"details"`
}

// UpdateJSON is a status update in JSON.
type UpdateJSON struct {
	Text   string  `json:"text"`
	At     *string `json:"at"`
	By     string  `json:"by"`
	Public bool    `json:"public"`
}

// ReportJSON is a regulatory report in JSON.
type ReportJSON struct {
	Kind string  `json:"kind"`
	At   *string `json:"at"`
	By   string  `json:"by"`
}

// ActionJSON is a review action item in JSON.
type ActionJSON struct {
	N      int     `json:"n"`
	Title  string  `json:"title"`
	Owner  string  `json:"owner"`
	Due    string  `json:"due"`
	Done   bool    `json:"done"`
	DoneAt *string `json:"done_at"`
	DoneBy string  `json:"done_by"`
}

// ReviewJSON is the post-incident review in JSON.
type ReviewJSON struct {
	RootCause   string       `json:"root_cause"`
	Worked      string       `json:"worked"`
	NotWorked   string       `json:"not_worked"`
	Impact      string       `json:"impact"`
	Complete    bool         `json:"complete"`
	CompletedAt *string      `json:"completed_at"`
	CompletedBy string       `json:"completed_by"`
	Missing     []string     `json:"missing"`
	ActionItems []ActionJSON `json:"action_items"`
}

// IncidentJSON is an incident in JSON. The list view leaves the detail
// collections out (omitempty on nil slices).
type IncidentJSON struct {
	Ref            string   `json:"ref"`
	ID             int64    `json:"id"`
	Title          string   `json:"title"`
	Summary        string   `json:"summary"`
	Reporter       string   `json:"reporter"`
	PublicTitle    string   `json:"public_title"`
	Severity       string   `json:"severity"`
	Status         string   `json:"status"`
	Source         string   `json:"source"`
	Breach         string   `json:"breach"`
	Availability   bool     `json:"availability"`
	Customers      []string `json:"customers"`
	DataCategories []string `json:"data_categories"`
	SubjectsApprox *int64   `json:"subjects_approx"`
	RecordsApprox  *int64   `json:"records_approx"`
	Consequences   string   `json:"consequences"`
	// The breach facts of Art. 33(3) beyond the first ones (SPEC §7).
	SubjectCategories []string            `json:"subject_categories"`
	CustomerFacts     []CustomerFactsJSON `json:"customer_facts"`
	MeasuresProposed  []string            `json:"measures_proposed"`
	Mitigation        []string            `json:"mitigation"`
	Contact           *ContactJSON        `json:"contact"` // the incident's own; null: the policy's
	Owed              []string            `json:"owed,omitempty"`
	Commander         *string             `json:"commander"`
	NoIC              bool                `json:"no_ic"`
	DetectedAt        *string             `json:"detected_at"`
	AwareAt           *string             `json:"aware_at"`
	AcknowledgedAt    *string             `json:"acknowledged_at"`
	ContainedAt       *string             `json:"contained_at"`
	ResolvedAt        *string             `json:"resolved_at"`
	ClosedAt          *string             `json:"closed_at"`
	CreatedAt         *string             `json:"created_at"`
	UpdatedAt         *string             `json:"updated_at"`
	DeletedAt         *string             `json:"deleted_at"`
	ChecklistDone     int                 `json:"checklist_done"`
	ChecklistNA       int                 `json:"checklist_na"`
	ChecklistTotal    int                 `json:"checklist_total"`
	Deadlines         []DeadlineJSON      `json:"deadlines"`
	Checklist         []ItemJSON          `json:"checklist,omitempty"`
	Notifications     []NotificationJSON  `json:"notifications,omitempty"`
	StatusUpdates     []UpdateJSON        `json:"status_updates,omitempty"`
	Reports           []ReportJSON        `json:"reports,omitempty"`
	Review            *ReviewJSON         `json:"review,omitempty"`
	// Availability duties and recovery objectives (SPEC §7).
	DataLoss      bool             `json:"data_loss"`
	ClassifiedAt  *string          `json:"classified_at"` // classified major under DORA
	RestoredAt    *string          `json:"restored_at"`
	RecoveryPoint *string          `json:"recovery_point"`
	LossWindowS   *int64           `json:"loss_window_s"` // detection minus recovery point, with data loss
	RPOMet        *bool            `json:"rpo_met"`
	Held          bool             `json:"held"` // closed, and kept on the board by an open deadline
	Postmortems   []PostmortemJSON `json:"postmortems,omitempty"`
}

// PostmortemJSON is a post-mortem sent to a customer, or published.
type PostmortemJSON struct {
	Customer  string  `json:"customer"`
	Published bool    `json:"published"`
	At        *string `json:"at"`
	By        string  `json:"by"`
}

// ToJSON is the incident as JSON at time now; full includes the checklist,
// notifications, updates, reports and review.
func (i *Incident) ToJSON(p Policy, now time.Time, full bool) IncidentJSON {
	j := IncidentJSON{
		Ref: i.Ref(), ID: i.ID, Title: i.Title, Summary: i.Summary, Reporter: i.Reporter, PublicTitle: i.PublicTitle,
		Severity: string(i.Severity), Status: string(i.Status), Source: string(i.Source),
		Breach: string(i.Breach), Availability: i.Availability,
		Customers: nonNil(i.Customers), DataCategories: nonNil(i.DataCategories),
		SubjectsApprox: i.Subjects(), RecordsApprox: i.Records(),
		Consequences: i.Consequences, NoIC: i.NoIC(),
		SubjectCategories: nonNil(i.SubjectCategories), CustomerFacts: []CustomerFactsJSON{},
		MeasuresProposed: nonNil(i.MeasuresProposed), Mitigation: nonNil(i.Mitigation),
		DetectedAt: JSONTime(i.DetectedAt), AwareAt: JSONTime(i.AwareAt),
		AcknowledgedAt: JSONTime(i.AcknowledgedAt), ContainedAt: JSONTime(i.ContainedAt),
		ResolvedAt: JSONTime(i.ResolvedAt), ClosedAt: JSONTime(i.ClosedAt),
		CreatedAt: JSONTime(i.CreatedAt), UpdatedAt: JSONTime(i.UpdatedAt), DeletedAt: JSONTime(i.DeletedAt),
		ChecklistDone: i.Progress.Done, ChecklistNA: i.Progress.NA, ChecklistTotal: i.Progress.Total,
		Deadlines: []DeadlineJSON{},
		DataLoss:  i.DataLoss, ClassifiedAt: JSONTime(i.MajorAt), RestoredAt: JSONTime(i.RestoredAt),
		RecoveryPoint: JSONTime(i.RecoveryPoint), Held: p.Held(i, now),
	}
	if w, ok := i.LossWindow(); ok {
		secs := int64(w / time.Second)
		met, _ := p.RPOMet(i)
		j.LossWindowS, j.RPOMet = &secs, &met
	}
	if i.Commander != "" {
		c := i.Commander
		j.Commander = &c
	}
	if i.ContactName != "" || i.ContactDetails != "" {
		j.Contact = &ContactJSON{Name: i.ContactName, Details: i.ContactDetails}
	}
	for _, c := range i.Customers {
		f := i.Facts(c)
		j.CustomerFacts = append(j.CustomerFacts, CustomerFactsJSON{Customer: c, SubjectsApprox: f.Subjects, RecordsApprox: f.Records, Impact: f.Impact})
	}
	for _, d := range p.Deadlines(i, now) {
		dj := DeadlineJSON{
			Kind: d.Kind, Label: d.Label, DueAt: JSONTime(d.DueAt), MetAt: JSONTime(d.MetAt),
			State: string(d.State), RemainingS: int64(d.Remaining / time.Second), Provisional: d.Provisional,
		}
		if d.Customer != "" {
			c := d.Customer
			dj.Customer = &c
		}
		j.Deadlines = append(j.Deadlines, dj)
	}
	if !full {
		return j
	}
	j.Checklist = []ItemJSON{}
	for _, it := range i.Checklist {
		j.Checklist = append(j.Checklist, ItemJSON{Key: it.Key, Item: it.Item, State: string(it.State), Reason: it.Reason, By: it.By, At: JSONTime(it.At)})
	}
	j.Notifications = []NotificationJSON{}
	for k, n := range i.Notifications {
		j.Notifications = append(j.Notifications, NotificationJSON{N: k + 1, Customer: n.Customer, Kind: n.Kind(), SentAt: JSONTime(n.SentAt),
			Channel: n.Channel, To: n.To, By: n.By, SHA256: n.SHA256, Unknowns: nonNil(n.Unknowns)})
	}
	for _, o := range p.Owed(i) {
		j.Owed = append(j.Owed, o.String())
	}
	j.StatusUpdates = []UpdateJSON{}
	for _, u := range i.Updates {
		j.StatusUpdates = append(j.StatusUpdates, UpdateJSON{Text: u.Text, At: JSONTime(u.At), By: u.By, Public: u.Public})
	}
	j.Reports = []ReportJSON{}
	for _, r := range i.Reports {
		j.Reports = append(j.Reports, ReportJSON{Kind: r.Kind, At: JSONTime(r.At), By: r.By})
	}
	j.Postmortems = []PostmortemJSON{}
	for _, pm := range i.Postmortems {
		j.Postmortems = append(j.Postmortems, PostmortemJSON{Customer: pm.Customer, Published: pm.Published, At: JSONTime(pm.At), By: pm.By})
	}
	r := i.Review
	j.Review = &ReviewJSON{RootCause: r.RootCause, Worked: r.Worked, NotWorked: r.NotWorked, Impact: r.Impact,
		Complete: r.Complete(), CompletedAt: JSONTime(r.CompletedAt), CompletedBy: r.CompletedBy,
		Missing: nonNil(r.Missing()), ActionItems: []ActionJSON{}}
	for _, a := range r.Actions {
		j.Review.ActionItems = append(j.Review.ActionItems, ActionJSON{N: a.N, Title: a.Title, Owner: a.Owner, Due: a.Due,
			Done: !a.DoneAt.IsZero(), DoneAt: JSONTime(a.DoneAt), DoneBy: a.DoneBy})
	}
	return j
}

// EventJSON is an event in JSON.
type EventJSON struct {
	Seq    int64             `json:"seq"`
	Time   *string           `json:"time"`
	Actor  string            `json:"actor"`
	Source string            `json:"source"`
	Action string            `json:"action"`
	Target string            `json:"target"`
	Text   string            `json:"text"`
	Data   map[string]string `json:"data"`
}

// ToJSON is the event as JSON; its sentence shows times in loc.
func (e Event) ToJSON(loc *time.Location) EventJSON {
	d := e.Data
	if d == nil {
		d = map[string]string{}
	}
	return EventJSON{Seq: e.Seq, Time: JSONTime(e.Time), Actor: e.Actor, Source: e.Source,
		Action: string(e.Action), Target: e.Target, Text: e.Text(loc), Data: d}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
