package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Incident is one incident with everything recorded about it. Times that
// are not set are the zero time.
type Incident struct {
	ID             int64
	Title          string
	Summary        string
	Severity       Severity
	Status         Status
	Source         Source
	Breach         Breach
	Availability   bool
	Customers      []string
	DataCategories []string
	// SubjectsApprox and RecordsApprox are the numbers given for the
	// incident as a whole (no customers, or a scenario's overall figures);
	// Subjects and Records derive the totals from the customers' own.
	SubjectsApprox *int64 // nil: unknown
	RecordsApprox  *int64 // nil: unknown
	Consequences   string // likely consequences, for the notification
	Commander      string // "" when none is assigned
	Reporter       string // who reported it from outside (e-mail, HTTP intake); "" when declared by hand
	// PublicTitle is what the public status page calls the incident; ""
	// until its first public status update.
	PublicTitle string
	// CommanderGone: the commander was removed or made a viewer, and no
	// longer commands (the board shows NO IC).
	CommanderGone bool
	// DataLoss is set when data was lost: the restore deadline applies and
	// the loss window is measured against the recovery point objective.
	DataLoss bool

	SubjectCategories []string        // categories of data subjects, Art. 33(3)(a)
	CustomerFacts     []CustomerFacts // each affected customer's own numbers and impact
	MeasuresProposed  []string        // Art. 33(3)(d), besides the measures taken
	Mitigation        []string        // measures to mitigate adverse effects, Art. 33(3)(d)
	// ContactName and ContactDetails are this incident's point of contact;
	// empty means the policy's (see PointOfContact).
	ContactName, ContactDetails string

	DetectedAt, AwareAt                               time.Time
	AcknowledgedAt, ContainedAt, ResolvedAt, ClosedAt time.Time
	CreatedAt, UpdatedAt, DeletedAt                   time.Time
	// MajorAt is when the incident was classified major under DORA.
	MajorAt time.Time
	// RestoredAt is when service was restored; RecoveryPoint the point in
	// time data was recovered to (zero: not given).
	RestoredAt, RecoveryPoint time.Time
	Version                   int64

	Checklist     []ChecklistItem // nil when only Progress was loaded
	Progress      Progress
	Notifications []Notification
	Updates       []StatusUpdate
	Reports       []Report
	Postmortems   []Postmortem
	Review        Review
}

// Ref is the incident's reference, INC-<id>.
func (i *Incident) Ref() string { return FormatRef(i.ID) }

// FormatRef formats an incident id as INC-<id>.
func FormatRef(id int64) string { return "INC-" + strconv.FormatInt(id, 10) }

// ParseRef accepts INC-7, inc-7 or 7.
func ParseRef(v string) (int64, error) {
	s := strings.TrimSpace(v)
	if len(s) > 4 && strings.EqualFold(s[:4], "INC-") {
		s = s[4:]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, Errorf("%q is not an incident reference; write it as INC-7 or 7", v)
	}
	return id, nil
}

// NoIC reports whether the incident needs a commander and has none.
func (i *Incident) NoIC() bool {
	return i.Severity.NeedsCommander() && !i.HasCommander() && i.Status.Active()
}

// HasCustomer reports whether name is one of the affected customers,
// ignoring case, and returns it as recorded.
func (i *Incident) HasCustomer(name string) (string, bool) {
	for _, c := range i.Customers {
		if strings.EqualFold(c, name) {
			return c, true
		}
	}
	return "", false
}

// Notification records a controller notice that was sent. It never
// changes once recorded.
type Notification struct {
	ID       int64
	Customer string
	Channel  string
	SentAt   time.Time
	FollowUp bool
	By       string
	To       string   // the recipient's address
	SHA256   string   // of Text, hex
	Unknowns []string // the fields still unknown when it was sent
	// Facts are what the notice told the customer, to say what changed in
	// the next one; not loaded for the board.
	Facts NoticeFacts
	Text  string // loaded only when asked for (store.Notice)
}

// StatusUpdate records a status update sent for an availability incident.
type StatusUpdate struct {
	Text   string
	At     time.Time
	By     string
	Public bool // shown on the public status page
}

// Postmortem records a post-mortem sent to one customer, or published
// for all (Customer empty).
type Postmortem struct {
	Customer  string
	Published bool
	At        time.Time
	By        string
}

// Report records a regulatory report submitted for a clock met by report.
type Report struct {
	Kind string
	At   time.Time
	By   string
}

// Declaration is what a user gives to declare an incident.
type Declaration struct {
	Title, Summary string
	Severity       Severity
	Source         Source
	Breach         Breach
	Availability   bool
	Customers      []string
	Reporter       string    // who reported it, for intake from outside
	DetectedAt     time.Time // zero: now
	AwareAt        time.Time // zero: now
}

// Validate cleans a declaration, filling defaults from now.
func (d *Declaration) Validate(now time.Time) error {
	var err error
	if d.Title, err = CleanText("title", d.Title, SingleLine, 1, MaxTitle); err != nil {
		return err
	}
	if d.Summary, err = CleanText("summary", d.Summary, MultiLine, 0, MaxSummary); err != nil {
		return err
	}
	if d.Reporter, err = CleanText("reporter", d.Reporter, SingleLine, 0, MaxTitle); err != nil {
		return err
	}
	if d.Severity == "" {
		return Errorf("a severity is needed; use P0, P1, P2 or P3")
	}
	if d.Severity, err = ParseSeverity(string(d.Severity)); err != nil {
		return err
	}
	if d.Source == "" {
		d.Source = "other"
	}
	if d.Source, err = ParseSource(string(d.Source)); err != nil {
		return err
	}
	if d.Breach == "" {
		d.Breach = BreachUnknown
	}
	if d.Breach, err = ParseBreach(string(d.Breach)); err != nil {
		return err
	}
	if d.Customers, err = CleanNames("customer", d.Customers); err != nil {
		return err
	}
	if d.DetectedAt.IsZero() {
		d.DetectedAt = now
	}
	if d.AwareAt.IsZero() {
		d.AwareAt = now
	}
	if d.DetectedAt.After(now.Add(time.Minute)) || d.AwareAt.After(now.Add(time.Minute)) {
		return Errorf("detection and awareness times cannot be in the future")
	}
	return nil
}

// CleanNames validates a list of names, dropping exact duplicates (ignoring
// case) and keeping the order given.
func CleanNames(field string, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		c, err := CleanText(field+" name", n, SingleLine, 1, MaxName)
		if err != nil {
			return nil, err
		}
		dup := false
		for _, o := range out {
			if strings.EqualFold(o, c) {
				dup = true
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out, nil
}

// Describe says an approximate number, or that it is unknown.
func Describe(n *int64) string {
	if n == nil {
		return "unknown"
	}
	return fmt.Sprintf("approx. %d", *n)
}
