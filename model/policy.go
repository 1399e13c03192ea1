package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Policy is the organisation's configuration of deadlines: business hours
// for the acknowledgement target, the regulatory clocks, the point of
// contact for notifications and the checklist template. It is stored in
// the database so every process on a file agrees on it.
type Policy struct {
	BusinessHours  BusinessHours `json:"business_hours"`
	AckInside      Minutes       `json:"ack_inside_minutes"`
	AckOutside     Minutes       `json:"ack_outside_minutes"`
	ReviewDays     int           `json:"review_days"`
	Clocks         []RegClock    `json:"clocks"`
	ContactName    string        `json:"contact_name"`
	ContactDetails string        `json:"contact_details"`
	// FollowUpHours is how long after a notice that listed unknowns the
	// follow-up to that customer is due (Art. 33(4): without undue delay).
	FollowUpHours int `json:"follow_up_hours"`
	// StatusUpdateMinutes is the status-update cadence of availability
	// incidents per severity (none for a severity not listed).
	StatusUpdateMinutes map[Severity]int `json:"status_update_minutes"`
	// PostmortemDays is how long after resolution an availability
	// incident's post-mortem is due.
	PostmortemDays int `json:"postmortem_days"`
	// RTOHours and RPOHours are the recovery time and recovery point
	// objectives.
	RTOHours  int             `json:"rto_hours"`
	RPOHours  int             `json:"rpo_hours"`
	Checklist []ChecklistTmpl `json:"checklist"`
	// RequireSecurityKey lists the roles that may sign in only with a
	// FIDO2 security key (a second factor for privileged access).
	RequireSecurityKey []Role `json:"require_security_key"`
	// AccessReviewDays is how often an owner reviews who has access.
	AccessReviewDays int `json:"access_review_days"`
	// RetentionDays is how long after closing an incident is kept before
	// sitrep purge removes it; 0 keeps incidents for ever.
	RetentionDays int `json:"retention_days"`
	loc           *time.Location
}

// The longest durations a policy may set: far past any real target, and
// far short of what a time.Duration holds, so no deadline overflows.
const (
	MaxAckMinutes  = 365 * 24 * 60
	MaxReviewDays  = 3650
	MaxClockHours  = 10 * 365 * 24
	MaxClockMonths = 120
	// DefaultFollowUpHours is the follow-up interval unless the policy says.
	DefaultFollowUpHours = 48
	// DefaultAccessReviewDays is the access review interval: quarterly.
	DefaultAccessReviewDays = 91
)

// Minutes is a duration configured in whole minutes.
type Minutes int

// Duration converts m to a time.Duration.
func (m Minutes) Duration() time.Duration { return time.Duration(m) * time.Minute }

// BusinessHours are the hours during which the one-hour acknowledgement
// target applies. The opening minute is inside, the closing minute outside.
type BusinessHours struct {
	TimeZone string   `json:"time_zone"`
	Days     []string `json:"days"`  // mon tue wed thu fri sat sun
	Open     string   `json:"open"`  // HH:MM
	Close    string   `json:"close"` // HH:MM
	Holidays []string `json:"holidays"`
}

// RegClock is a regulatory deadline: a duration from an anchor (awareness,
// detection, or another clock being met), applying to some incidents, met
// by notifying every affected customer or by recording a report.
type RegClock struct {
	Kind    string `json:"kind"`  // the deadline kind, e.g. notify
	Label   string `json:"label"` // e.g. GDPR Art. 33 controller notification
	Set     string `json:"set"`   // the regulation it belongs to: gdpr, nis2, ...
	Applies string `json:"applies"`
	From    string `json:"from"`
	Hours   int    `json:"hours,omitempty"`
	Months  int    `json:"months,omitempty"`
	MetBy   string `json:"met_by"`
	// AlsoFrom and AlsoHours give a second limit: the clock is due at the
	// earlier of the two (DORA's initial notification).
	AlsoFrom  string `json:"also_from,omitempty"`
	AlsoHours int    `json:"also_hours,omitempty"`
}

// What a RegClock's fields may say.
const (
	AppliesBreach = "breach" // breach is yes or unknown (provisional)
	AppliesAlways = "always"
	FromAware     = "aware"
	FromDetected  = "detected"
	// FromClassified is when the incident was classified major (DORA).
	FromClassified = "classified"
	FromMetPrefix  = "met:" // met:<kind>: when that clock was met
	MetByNotified  = "notified"
	MetByReport    = "report"
)

// KindNotify is the GDPR Art. 33 controller notification deadline.
const KindNotify = "notify"

// GDPRClock is the built-in clock: notify every affected controller within
// 72 hours of becoming aware of a personal-data breach (Art. 33 GDPR and
// the DPA).
var gdprClock = RegClock{
	Kind: KindNotify, Label: "GDPR Art. 33 controller notification", Set: "gdpr",
	Applies: AppliesBreach, From: FromAware, Hours: 72, MetBy: MetByNotified,
}

// RegulationSets are the clock sets that `policy set --enable` knows. NIS2
// (Art. 23): early warning within 24 hours, incident notification within 72
// hours, final report one month after the notification; they apply to
// significant incidents, taken here as P0 and P1.
func RegulationSets() map[string][]RegClock {
	return map[string][]RegClock{
		"gdpr": {gdprClock},
		"nis2": {
			{Kind: "nis2-warning", Label: "NIS2 early warning", Set: "nis2", Applies: "P1", From: FromAware, Hours: 24, MetBy: MetByReport},
			{Kind: "nis2-notify", Label: "NIS2 incident notification", Set: "nis2", Applies: "P1", From: FromAware, Hours: 72, MetBy: MetByReport},
			{Kind: "nis2-final", Label: "NIS2 final report", Set: "nis2", Applies: "P1", From: FromMetPrefix + "nis2-notify", Months: 1, MetBy: MetByReport},
		},
		// DORA (Art. 19, with the RTS on reporting): a major ICT-related
		// incident's initial notification within 4 hours of classification
		// and at most 24 hours of awareness, the intermediate report within
		// 72 hours of the initial one, the final report a month after the
		// intermediate one. They run once an incident is classified major.
		"dora": {
			{Kind: "dora-initial", Label: "DORA initial notification", Set: "dora", Applies: AppliesAlways, From: FromClassified, Hours: 4, AlsoFrom: FromAware, AlsoHours: 24, MetBy: MetByReport},
			{Kind: "dora-intermediate", Label: "DORA intermediate report", Set: "dora", Applies: AppliesAlways, From: FromMetPrefix + "dora-initial", Hours: 72, MetBy: MetByReport},
			{Kind: "dora-final", Label: "DORA final report", Set: "dora", Applies: AppliesAlways, From: FromMetPrefix + "dora-intermediate", Months: 1, MetBy: MetByReport},
		},
	}
}

// DefaultPolicy is the reference's: Monday to Friday 09:00–17:00
// Europe/Amsterdam, acknowledgement within one hour inside business hours
// and four outside, GDPR's 72 hours, review within 14 days.
func DefaultPolicy() Policy {
	p := Policy{
		BusinessHours: BusinessHours{
			TimeZone: "Europe/Amsterdam",
			Days:     []string{"mon", "tue", "wed", "thu", "fri"},
			Open:     "09:00", Close: "17:00",
			Holidays: []string{},
		},
		AckInside: 60, AckOutside: 240, ReviewDays: 14, FollowUpHours: DefaultFollowUpHours,
		AccessReviewDays: DefaultAccessReviewDays, RequireSecurityKey: []Role{},
		StatusUpdateMinutes: DefaultStatusUpdateMinutes(), PostmortemDays: DefaultPostmortemDays,
		RTOHours: DefaultRTOHours, RPOHours: DefaultRPOHours,
		Clocks:    []RegClock{gdprClock},
		Checklist: DefaultChecklist(),
	}
	if err := p.Validate(); err != nil {
		panic("model: default policy invalid: " + err.Error())
	}
	return p
}

// ParsePolicy reads a policy stored as JSON and validates it.
func ParsePolicy(data []byte) (Policy, error) {
	var p Policy
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, Errorf("the policy is not valid JSON: %v", err)
	}
	if dec.More() {
		return Policy{}, Errorf("the policy holds more than one JSON value; give exactly one object")
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// JSON encodes the policy for storage and display.
func (p Policy) JSON() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(err) // plain data; cannot fail
	}
	return b
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// Validate checks every field and prepares the policy for use.
func (p *Policy) Validate() error {
	bh := &p.BusinessHours
	loc, err := time.LoadLocation(bh.TimeZone)
	// "Local" is each process's own zone: processes sharing a database
	// would disagree on business hours.
	if err != nil || bh.TimeZone == "" || bh.TimeZone == "Local" {
		return Errorf("%q is not a time zone; use an IANA name such as Europe/Amsterdam", bh.TimeZone)
	}
	p.loc = loc
	if len(bh.Days) == 0 {
		return Errorf("business hours need at least one day (mon, tue, wed, thu, fri, sat, sun)")
	}
	for i, d := range bh.Days {
		d = strings.ToLower(strings.TrimSpace(d))
		if _, ok := weekdays[d]; !ok {
			return Errorf("%q is not a day; use mon, tue, wed, thu, fri, sat or sun", d)
		}
		bh.Days[i] = d
	}
	open, err1 := parseHHMM(bh.Open)
	closing, err2 := parseHHMM(bh.Close)
	if err1 != nil || err2 != nil {
		return Errorf("business hours %q–%q are not HH:MM times; write them as 09:00 and 17:00", bh.Open, bh.Close)
	}
	if open >= closing {
		return Errorf("business hours open at %s but close at %s; the opening must come first", bh.Open, bh.Close)
	}
	if bh.Holidays == nil {
		bh.Holidays = []string{}
	}
	for i, h := range bh.Holidays {
		d, err := ParseDate(h)
		if err != nil {
			return Errorf("holiday %q is not a date; write it as YYYY-MM-DD", h)
		}
		bh.Holidays[i] = d
	}
	slices.Sort(bh.Holidays)
	bh.Holidays = slices.Compact(bh.Holidays)
	if p.AckInside <= 0 || p.AckOutside <= 0 {
		return Errorf("acknowledgement targets must be positive numbers of minutes")
	}
	if p.AckInside > MaxAckMinutes || p.AckOutside > MaxAckMinutes {
		return Errorf("acknowledgement targets of %d and %d minutes are too long; the most is %d (a year)", p.AckInside, p.AckOutside, MaxAckMinutes)
	}
	if p.ReviewDays <= 0 {
		return Errorf("the review deadline must be a positive number of days")
	}
	if p.ReviewDays > MaxReviewDays {
		return Errorf("a review deadline of %d days is too long; the most is %d (ten years)", p.ReviewDays, MaxReviewDays)
	}
	// A clock may run from ack or a clock listed before it; review is
	// computed after the clocks, so it cannot be an anchor, but its kind is
	// still taken.
	kinds := map[string]bool{KindAck: true}
	for _, c := range p.Clocks {
		if c.Kind == KindReview {
			return Errorf("clock kind %q is taken by the post-incident review; choose another", c.Kind)
		}
		if err := c.validate(kinds); err != nil {
			return err
		}
		kinds[c.Kind] = true
	}
	if err := checkGDPRClock(p.Clocks); err != nil {
		return err
	}
	if p.FollowUpHours == 0 {
		p.FollowUpHours = DefaultFollowUpHours
	}
	if p.FollowUpHours < 0 || p.FollowUpHours > MaxClockHours {
		return Errorf("follow_up_hours %d is out of range; give a positive number of hours up to %d", p.FollowUpHours, MaxClockHours)
	}
	if err := p.validateAccess(); err != nil {
		return err
	}
	if err := p.validateDuties(); err != nil {
		return err
	}
	if len(p.Checklist) == 0 {
		p.Checklist = DefaultChecklist()
	}
	seen := map[string]bool{}
	for _, it := range p.Checklist {
		if err := ValidChecklistKey(it.Key); err != nil {
			return err
		}
		if seen[it.Key] {
			return Errorf("checklist key %q appears twice in the template", it.Key)
		}
		seen[it.Key] = true
		if _, err := CleanText("checklist item", it.Item, SingleLine, 1, MaxTitle); err != nil {
			return err
		}
	}
	if _, err := CleanText("contact name", p.ContactName, SingleLine, 0, MaxName); err != nil {
		return err
	}
	if _, err := CleanText("contact details", p.ContactDetails, MultiLine, 0, MaxSummary); err != nil {
		return err
	}
	if p.RetentionDays < 0 || p.RetentionDays > MaxRetentionDays {
		return Errorf("retention_days %d is out of range; give 1 to %d, or 0 to keep incidents for ever", p.RetentionDays, MaxRetentionDays)
	}
	return nil
}

// checkGDPRClock refuses a policy that weakens the GDPR Art. 33 clock: the
// 72 hours from awareness for every breach (yes or unknown) of any
// severity are set by law, not by configuration. Its label may change;
// other regulators' clocks add to it.
func checkGDPRClock(clocks []RegClock) error {
	c, ok := Policy{Clocks: clocks}.Clock(KindNotify)
	if !ok {
		return Errorf("the GDPR Art. 33 notify clock is fixed by law and cannot be removed; keep its clock in the policy")
	}
	law := gdprClock
	switch {
	case c.Applies != law.Applies:
		return Errorf("the GDPR Art. 33 notify clock applies to every breach (yes or unknown) of any severity, by law; it cannot apply to %q", c.Applies)
	case c.From != law.From:
		return Errorf("the GDPR Art. 33 notify clock runs from awareness, by law; it cannot run from %q", c.From)
	case c.Hours != law.Hours || c.Months != 0:
		return Errorf("the GDPR Art. 33 notify clock is 72 hours from awareness, by law; it cannot be set to %s", c.span())
	case c.MetBy != law.MetBy:
		return Errorf("the GDPR Art. 33 notify clock is met by notifying every affected controller; it cannot be met by %q", c.MetBy)
	}
	return nil
}

func (c RegClock) validate(earlier map[string]bool) error {
	if err := ValidChecklistKey(c.Kind); err != nil {
		return Errorf("clock kind %q must be lower-case letters, digits and dashes", c.Kind)
	}
	if earlier[c.Kind] {
		return Errorf("clock kind %q appears twice; each deadline kind is unique", c.Kind)
	}
	if strings.TrimSpace(c.Label) == "" {
		return Errorf("clock %q needs a label", c.Kind)
	}
	if _, err := CleanText("clock label", c.Label, SingleLine, 1, MaxTitle); err != nil {
		return Errorf("clock %q: %v", c.Kind, err)
	}
	switch c.Applies {
	case AppliesBreach, AppliesAlways, "P0", "P1", "P2", "P3":
	default:
		return Errorf("clock %q applies to %q; use breach, always, or a severity such as P1 (that severity and above)", c.Kind, c.Applies)
	}
	switch {
	case c.From == FromAware, c.From == FromDetected, c.From == FromClassified:
	case strings.HasPrefix(c.From, FromMetPrefix) && earlier[strings.TrimPrefix(c.From, FromMetPrefix)]:
	default:
		return Errorf("clock %q runs from %q; use aware, detected, or met:<kind> of a clock listed before it", c.Kind, c.From)
	}
	if c.Hours < 0 || c.Months < 0 || c.Hours == 0 && c.Months == 0 {
		return Errorf("clock %q needs a positive number of hours or months", c.Kind)
	}
	if c.Hours > MaxClockHours || c.Months > MaxClockMonths {
		return Errorf("clock %q runs %d hours and %d months; the most is %d hours (ten years) or %d months", c.Kind, c.Hours, c.Months, MaxClockHours, MaxClockMonths)
	}
	switch {
	case c.AlsoFrom == "" && c.AlsoHours == 0:
	case c.AlsoFrom != FromAware && c.AlsoFrom != FromDetected && c.AlsoFrom != FromClassified:
		return Errorf("clock %q has a second limit from %q; use aware, detected or classified", c.Kind, c.AlsoFrom)
	case c.AlsoHours <= 0 || c.AlsoHours > MaxClockHours:
		return Errorf("clock %q needs a second limit of 1 to %d hours (also_hours)", c.Kind, MaxClockHours)
	}
	if c.MetBy != MetByNotified && c.MetBy != MetByReport {
		return Errorf("clock %q is met by %q; use notified or report", c.Kind, c.MetBy)
	}
	return nil
}

func parseHHMM(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*3600 + t.Minute()*60, nil
}

// Location is the business-hours time zone.
func (p Policy) Location() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// InBusinessHours reports whether t falls inside business hours: on a
// business day that is not a holiday, at or after opening and before
// closing, in the policy's time zone.
func (p Policy) InBusinessHours(t time.Time) bool {
	lt := t.In(p.Location())
	if slices.Contains(p.BusinessHours.Holidays, lt.Format(DateLayout)) {
		return false
	}
	day := false
	for _, d := range p.BusinessHours.Days {
		if weekdays[d] == lt.Weekday() {
			day = true
			break
		}
	}
	if !day {
		return false
	}
	open, _ := parseHHMM(p.BusinessHours.Open)
	closing, _ := parseHHMM(p.BusinessHours.Close)
	sod := lt.Hour()*3600 + lt.Minute()*60 + lt.Second()
	return sod >= open && sod < closing
}

// Clock returns the regulatory clock of a kind.
func (p Policy) Clock(kind string) (RegClock, bool) {
	for _, c := range p.Clocks {
		if c.Kind == kind {
			return c, true
		}
	}
	return RegClock{}, false
}

// Summary describes the policy in a few lines for people.
func (p Policy) Summary() string {
	bh := p.BusinessHours
	var b strings.Builder
	fmt.Fprintf(&b, "Business hours: %s %s–%s %s", strings.Join(bh.Days, ","), bh.Open, bh.Close, bh.TimeZone)
	if len(bh.Holidays) > 0 {
		fmt.Fprintf(&b, "; holidays %s", strings.Join(bh.Holidays, ", "))
	}
	fmt.Fprintf(&b, "\nAcknowledge within %s inside business hours, %s outside\n", fmtMinutes(p.AckInside), fmtMinutes(p.AckOutside))
	for _, c := range p.Clocks {
		fmt.Fprintf(&b, "Clock %s: %s, %s after %s, applies to %s, met by %s\n", c.Kind, c.Label, c.span(), c.From, c.Applies, c.MetBy)
	}
	fmt.Fprintf(&b, "Post-incident review for P0/P1 within %d days of resolution\n", p.ReviewDays)
	fmt.Fprintf(&b, "Follow-up notices due %d h after a notice that listed unknowns\n", p.FollowUpHours)
	var cadence []string
	for _, s := range Severities {
		if m := p.StatusUpdateMinutes[s]; m > 0 {
			cadence = append(cadence, fmt.Sprintf("%s every %s", s, fmtMinutes(Minutes(m))))
		}
	}
	if len(cadence) == 0 {
		cadence = []string{"none"}
	}
	fmt.Fprintf(&b, "Status updates of availability incidents: %s; post-mortem within %d days of resolution\n", strings.Join(cadence, ", "), p.PostmortemDays)
	fmt.Fprintf(&b, "Recovery objectives: restore within %d h of detection (RTO), lose at most %d h of data (RPO)\n", p.RTOHours, p.RPOHours)
	contact := "not set (policy set --contact-name N --contact-details D)"
	if p.ContactName != "" || p.ContactDetails != "" {
		contact = strings.TrimSpace(SanitizeLine(p.ContactName) + ", " + SanitizeLine(p.ContactDetails))
		contact = strings.Trim(contact, ", ")
	}
	fmt.Fprintf(&b, "Point of contact: %s\n", contact)
	fmt.Fprintf(&b, "Checklist template: %d items\n", len(p.Checklist))
	sk := "no role"
	if len(p.RequireSecurityKey) > 0 {
		sk = roleList(p.RequireSecurityKey)
	}
	fmt.Fprintf(&b, "Security keys (FIDO2) required for: %s\n", sk)
	fmt.Fprintf(&b, "Access review every %d days\n", p.AccessReviewDays)
	if p.RetentionDays > 0 {
		fmt.Fprintf(&b, "Retention: closed incidents are purged %d days after closing (sitrep purge)\n", p.RetentionDays)
	} else {
		fmt.Fprintf(&b, "Retention: none, incidents are kept (policy set --retention-days N)\n")
	}
	return b.String()
}

func (c RegClock) span() string {
	switch {
	case c.Months > 0 && c.Hours > 0:
		return fmt.Sprintf("%d month(s) %d h", c.Months, c.Hours)
	case c.Months > 0:
		return fmt.Sprintf("%d month(s)", c.Months)
	}
	return fmt.Sprintf("%d h", c.Hours)
}

func fmtMinutes(m Minutes) string {
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d min", m)
}

// addMonths adds whole calendar months in loc, clamping to the last day of
// a shorter month (31 January + 1 month = 28 or 29 February).
func addMonths(t time.Time, months int, loc *time.Location) time.Time {
	lt := t.In(loc)
	y, m, d := lt.Date()
	first := time.Date(y, m+time.Month(months), 1, lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), loc)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// validateDuties checks the availability and recovery fields, filling
// defaults for a policy stored before they existed.
func (p *Policy) validateDuties() error {
	if p.StatusUpdateMinutes == nil {
		p.StatusUpdateMinutes = DefaultStatusUpdateMinutes()
	}
	for s, m := range p.StatusUpdateMinutes {
		if _, err := ParseSeverity(string(s)); err != nil || s != Severity(strings.ToUpper(string(s))) {
			return Errorf("status_update_minutes names %q; use P0, P1, P2 or P3", s)
		}
		if m <= 0 || m > MaxAckMinutes {
			return Errorf("a status update every %d minutes for %s is out of range; give 1 to %d, or leave %s out for none", m, s, MaxAckMinutes, s)
		}
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
		most int
	}{{"postmortem_days", &p.PostmortemDays, DefaultPostmortemDays, MaxReviewDays},
		{"rto_hours", &p.RTOHours, DefaultRTOHours, MaxClockHours},
		{"rpo_hours", &p.RPOHours, DefaultRPOHours, MaxClockHours}} {
		if *f.v == 0 {
			*f.v = f.def
		}
		if *f.v < 0 || *f.v > f.most {
			return Errorf("%s %d is out of range; give 1 to %d", f.name, *f.v, f.most)
		}
	}
	return nil
}
