package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// NoticeFacts are the facts one controller's notice states, already
// cleared of other customers' names. A notice keeps them, so that the next
// one can say what changed.
type NoticeFacts struct {
	Breach            Breach   `json:"breach"`
	Title             string   `json:"title"`
	Summary           string   `json:"summary"`
	SubjectCategories []string `json:"subject_categories"`
	Subjects          *int64   `json:"subjects_approx"`
	DataCategories    []string `json:"data_categories"`
	Records           *int64   `json:"records_approx"`
	ContactName       string   `json:"contact_name"`
	ContactDetails    string   `json:"contact_details"`
	Consequences      string   `json:"consequences"`
	Taken             []string `json:"measures_taken"`
	Proposed          []string `json:"measures_proposed"`
	Mitigation        []string `json:"mitigation"`
}

// The fields a notice may leave to follow (Art. 33(4)), by the names
// notices record and "owed" lists show, in the order a notice gives them.
const (
	FieldBreach            = "breach"
	FieldSubjectCategories = "subject_categories"
	FieldSubjects          = "subjects"
	FieldDataCategories    = "data_categories"
	FieldRecords           = "records"
	FieldConsequences      = "consequences"
	FieldMeasures          = "measures"
	FieldMitigation        = "mitigation"
)

var fieldLabels = []struct{ key, label string }{
	{FieldBreach, "whether personal data is affected"},
	{FieldSubjectCategories, "categories of data subjects"},
	{FieldSubjects, "approximate number of data subjects"},
	{FieldDataCategories, "categories of personal data records"},
	{FieldRecords, "approximate number of personal data records"},
	{FieldConsequences, "likely consequences"},
	{FieldMeasures, "measures taken or proposed"},
	{FieldMitigation, "measures to mitigate possible adverse effects"},
}

// FieldLabel is how a notice names a field in words.
func FieldLabel(key string) string {
	for _, f := range fieldLabels {
		if f.key == key {
			return f.label
		}
	}
	return key
}

// Unknowns are the fields the facts leave to follow, in notice order.
func (f NoticeFacts) Unknowns() []string {
	var out []string
	for _, u := range []struct {
		key     string
		unknown bool
	}{
		{FieldBreach, f.Breach == BreachUnknown},
		{FieldSubjectCategories, len(f.SubjectCategories) == 0},
		{FieldSubjects, f.Subjects == nil},
		{FieldDataCategories, len(f.DataCategories) == 0},
		{FieldRecords, f.Records == nil},
		{FieldConsequences, strings.TrimSpace(f.Consequences) == ""},
		{FieldMeasures, len(f.Taken) == 0 && len(f.Proposed) == 0},
		{FieldMitigation, len(f.Mitigation) == 0},
	} {
		if u.unknown {
			out = append(out, u.key)
		}
	}
	return out
}

// ResolveCustomer names the controller a notice is for: the one given, as
// recorded, which must be affected; or the only affected customer when
// none is given. An incident without customers takes any recipient named.
func (i *Incident) ResolveCustomer(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name != "" {
		var err error
		if name, err = CleanText("customer name", name, SingleLine, 1, MaxName); err != nil {
			return "", err
		}
	}
	switch {
	case name == "" && len(i.Customers) == 1:
		return i.Customers[0], nil
	case name == "" && len(i.Customers) == 0:
		return "", errNoCustomers
	case name == "":
		return "", Errorf("%s has several customers (%s); each gets its own notice, so give --customer NAME", i.Ref(), SanitizeLine(strings.Join(i.Customers, ", ")))
	case len(i.Customers) == 0:
		return name, nil
	}
	if c, ok := i.HasCustomer(name); ok {
		return c, nil
	}
	return "", Errorf("%s is not an affected customer of %s (%s); add it with sitrep breach %s --customer %q",
		SanitizeLine(name), i.Ref(), SanitizeLine(strings.Join(i.Customers, ", ")), i.Ref(), SanitizeLine(name))
}

// errNoCustomers says a notice needs a named recipient when the incident
// lists no customers; a draft may still be read without one.
var errNoCustomers = Errorf("the incident has no affected customers; name the controller with --customer NAME")

// others are the affected customers other than customer.
func (i *Incident) others(customer string) []string {
	var out []string
	for _, c := range i.Customers {
		if !strings.EqualFold(c, customer) {
			out = append(out, c)
		}
	}
	return out
}

// NoticeView is what one controller may be told: its own numbers, and
// every text cleared of other customers' names.
func (i *Incident) NoticeView(p Policy, customer string) NoticeFacts {
	r := newRedactor(i.others(customer))
	cf := i.Facts(customer)
	subj, recs := cf.Subjects, cf.Records
	if len(i.Customers) == 0 {
		subj, recs = i.SubjectsApprox, i.RecordsApprox
	}
	name, details := i.PointOfContact(p)
	f := NoticeFacts{
		Breach: i.Breach, Title: r.call(i.Title), Summary: r.call(i.Summary),
		SubjectCategories: r.all(i.SubjectCategories), Subjects: subj,
		DataCategories: r.all(i.DataCategories), Records: recs,
		ContactName: name, ContactDetails: details,
		Consequences: r.call(i.Consequences), Proposed: r.all(i.MeasuresProposed), Mitigation: r.all(i.Mitigation),
	}
	loc := p.Location()
	for _, it := range i.Checklist {
		if it.State == ItemDone && it.Key != CheckAck && it.Key != CheckAssignCommander {
			f.Taken = append(f.Taken, fmt.Sprintf("%s (%s)", r.call(it.Item), it.At.In(loc).Format(noticeTime)))
		}
	}
	if !i.ContainedAt.IsZero() {
		f.Taken = append(f.Taken, fmt.Sprintf("The incident was contained (%s).", i.ContainedAt.In(loc).Format(noticeTime)))
	}
	return f
}

// redactor replaces other customers' names in text with "another
// customer", ignoring case, so that free text typed about the whole
// incident can go to one controller. Replacing too much is safe; naming
// another controller is not.
type redactor struct {
	res  []*regexp.Regexp
	with string
}

func newRedactor(names []string) redactor { return newRedactorWith(names, "another customer") }

// newRedactorWith matches whole words where a name begins or ends with a
// letter or digit, so that a short name does not eat into other words.
func newRedactorWith(names []string, with string) redactor {
	r := redactor{with: with}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		expr := regexp.QuoteMeta(n)
		if isWord(n[0]) {
			expr = `\b` + expr
		}
		if isWord(n[len(n)-1]) {
			expr += `\b`
		}
		r.res = append(r.res, regexp.MustCompile("(?i)"+expr))
	}
	return r
}

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (r redactor) call(s string) string {
	for _, re := range r.res {
		s = re.ReplaceAllLiteralString(s, r.with)
	}
	return s
}

func (r redactor) all(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for k, s := range list {
		out[k] = r.call(s)
	}
	return out
}

// noticeTime is how notices write times: for people outside the company.
const noticeTime = "Monday 2 January 2006 15:04 MST"

// LastNotice is the latest notice recorded for a customer.
func (i *Incident) LastNotice(customer string) (Notification, bool) {
	var last Notification
	found := false
	for _, n := range i.Notifications {
		if strings.EqualFold(n.Customer, customer) {
			last, found = n, true
		}
	}
	return last, found
}

// DraftRequest is what a notice is drafted for.
type DraftRequest struct {
	Customer string // empty: the only affected customer
	FollowUp bool   // insist on a follow-up (refused before the initial notice)
}

// Draft is one controller's notice, ready to send.
type Draft struct {
	Customer string
	FollowUp bool
	Facts    NoticeFacts
	Unknowns []string
	Text     string
}

// MakeDraft writes one controller's Art. 33 notice from the incident alone:
// the nature of the breach with that customer's own numbers, the point of
// contact, the likely consequences, the measures taken, proposed and to
// mitigate, and the fields not yet known (Art. 33(4)). A follow-up says
// what changed since that customer's last notice. It never names another
// customer. It is refused when no notice is due or it cannot be complete
// where the law wants it complete (the point of contact).
func MakeDraft(i *Incident, p Policy, req DraftRequest, now time.Time) (Draft, error) {
	if i.Breach == BreachNo {
		return Draft{}, Errorf("%s is not a personal-data breach (breach no), so no Art. 33 notice is due", i.Ref())
	}
	customer, err := i.ResolveCustomer(req.Customer)
	if err != nil && err != errNoCustomers {
		return Draft{}, err
	}
	if err := i.CheckContact(p); err != nil {
		return Draft{}, err
	}
	last, had := i.LastNotice(customer)
	if req.FollowUp && !had {
		return Draft{}, Errorf("%s has had no notice about %s yet; the first one is the initial notice, without --follow-up", SanitizeLine(customer), i.Ref())
	}
	d := Draft{Customer: customer, FollowUp: had, Facts: i.NoticeView(p, customer)}
	d.Unknowns = d.Facts.Unknowns()
	d.Text = renderNotice(i, p, d, last, now)
	return d, nil
}

func renderNotice(i *Incident, p Policy, d Draft, last Notification, now time.Time) string {
	var b strings.Builder
	f := d.Facts
	loc := p.Location()
	ts := func(t time.Time) string { return t.In(loc).Format(noticeTime) }
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	unknown := func(v string) string {
		if strings.TrimSpace(v) == "" {
			return Unknown
		}
		return v
	}
	customer := SanitizeLine(d.Customer)
	if customer == "" {
		customer = "the controller" // no customers listed: the recipient is named when sent
	}

	line("# Personal data breach notification — %s", i.Ref())
	line("")
	kind := "Initial notification"
	if d.FollowUp {
		kind = "Follow-up notification"
	}
	line("%s to %s under Article 33 GDPR and our Data Processing Agreement. Prepared %s.", kind, customer, ts(now))
	line("")
	line("**To:** %s", customer)
	line("")
	if f.Breach == BreachUnknown {
		line("> Whether this incident is a personal data breach is not yet confirmed; this notification is sent as a precaution and will be confirmed or withdrawn.")
		line("")
	}
	if d.FollowUp {
		line("## Changes since our notice of %s", ts(last.SentAt))
		line("")
		changes := NoticeChanges(last.Facts, f)
		if len(changes) == 0 {
			line("Nothing has changed.")
		}
		for _, c := range changes {
			line("- %s", SanitizeLine(c))
		}
		line("")
	}

	line("## Nature of the breach (Art. 33(3)(a))")
	line("")
	line("%s", Sanitize(f.Title))
	line("")
	if f.Summary != "" {
		line("%s", Sanitize(f.Summary))
		line("")
	}
	line("- Detected: %s", ts(i.DetectedAt))
	line("- We became aware of the breach: %s", ts(i.AwareAt))
	line("- Categories of data subjects: %s", unknown(SanitizeLine(strings.Join(f.SubjectCategories, ", "))))
	line("- Approximate number of data subjects: %s", unknown(count(f.Subjects)))
	line("- Categories of personal data records: %s", unknown(SanitizeLine(strings.Join(f.DataCategories, ", "))))
	line("- Approximate number of personal data records: %s", unknown(count(f.Records)))
	line("")

	line("## Point of contact (Art. 33(3)(b))")
	line("")
	line("- Name: %s", SanitizeLine(f.ContactName))
	line("- Contact details: %s", SanitizeLine(f.ContactDetails))
	line("")

	line("## Likely consequences (Art. 33(3)(c))")
	line("")
	line("%s", unknown(Sanitize(f.Consequences)))
	line("")

	line("## Measures taken or proposed (Art. 33(3)(d))")
	line("")
	for _, s := range []struct {
		head string
		list []string
	}{{"Measures taken", f.Taken}, {"Measures proposed", f.Proposed}, {"Measures to mitigate possible adverse effects", f.Mitigation}} {
		line("### %s", s.head)
		line("")
		if len(s.list) == 0 {
			line("%s", Unknown)
		}
		for _, m := range s.list {
			line("- %s", bullet(m))
		}
		line("")
	}

	line("## Not yet known (Art. 33(4))")
	line("")
	if len(d.Unknowns) == 0 {
		line("Nothing: every field above is known.")
	} else {
		line("Under Article 33(4) GDPR we will provide the following as soon as it is known, in further notifications without undue delay:")
		line("")
		for _, u := range d.Unknowns {
			line("- %s", FieldLabel(u))
		}
	}
	if dl, ok := Find(p.Deadlines(i, now), KindNotify); ok && dl.State != NA && !d.FollowUp {
		line("")
		line("_Notification deadline: %s (72 hours from awareness)._", ts(dl.DueAt))
	}
	return b.String()
}

// bullet keeps a multi-line text inside its list item.
func bullet(s string) string {
	return strings.ReplaceAll(Sanitize(s), "\n", "\n  ")
}

// NoticeChanges says in words what changed from one notice's facts to the
// next: the follow-up's first section.
func NoticeChanges(was, now NoticeFacts) []string {
	var out []string
	text := func(label, a, b string) {
		switch {
		case a == b:
		case a == "":
			out = append(out, fmt.Sprintf("%s: now known: %s", label, b))
		default:
			out = append(out, fmt.Sprintf("%s: now %s (was %s)", label, orUnknown(b), a))
		}
	}
	num := func(label string, a, b *int64) {
		switch {
		case a == nil && b == nil, a != nil && b != nil && *a == *b:
		case a == nil:
			out = append(out, fmt.Sprintf("%s: now known: %s", label, count(b)))
		default:
			out = append(out, fmt.Sprintf("%s: now %s (was %s)", label, orUnknown(count(b)), count(a)))
		}
	}
	list := func(label string, a, b []string) {
		var added []string
		for _, v := range b {
			if !slices.Contains(a, v) {
				added = append(added, v)
			}
		}
		if len(added) > 0 {
			out = append(out, fmt.Sprintf("%s: added %s", label, strings.Join(added, "; ")))
		}
	}
	if was.Breach != now.Breach {
		out = append(out, fmt.Sprintf("Personal-data breach: now %s (was %s)", now.Breach, was.Breach))
	}
	list("Categories of data subjects", was.SubjectCategories, now.SubjectCategories)
	num("Approximate number of data subjects", was.Subjects, now.Subjects)
	list("Categories of personal data records", was.DataCategories, now.DataCategories)
	num("Approximate number of personal data records", was.Records, now.Records)
	text("Point of contact", strings.TrimSpace(was.ContactName+" "+was.ContactDetails), strings.TrimSpace(now.ContactName+" "+now.ContactDetails))
	if was.Consequences != now.Consequences {
		if was.Consequences == "" {
			out = append(out, "Likely consequences: now known (see below)")
		} else {
			out = append(out, "Likely consequences: revised (see below)")
		}
	}
	list("Measures taken", was.Taken, now.Taken)
	list("Measures proposed", was.Proposed, now.Proposed)
	list("Measures to mitigate possible adverse effects", was.Mitigation, now.Mitigation)
	return out
}

// NoticeInput is a notice as sent, to be recorded.
type NoticeInput struct {
	Customer string
	Channel  string    // default email
	To       string    // the recipient's address
	SentAt   time.Time // default now
	FollowUp bool
	Text     *string // what was sent; nil: the current draft
}

// PlanNotice decides the record of a notice sent at time now by actor by:
// the exact text (the current draft unless given), its SHA-256, the facts
// and unknowns at that moment; and the event's facts. The initial notice
// comes first, once; later ones are follow-ups.
func PlanNotice(i *Incident, p Policy, in NoticeInput, by string, now time.Time) (Notification, map[string]string, error) {
	if in.Channel == "" {
		in.Channel = "email"
	}
	channel, err := CleanText("channel", in.Channel, SingleLine, 1, MaxChannel)
	if err != nil {
		return Notification{}, nil, err
	}
	to, err := CleanText("recipient address", in.To, SingleLine, 0, MaxSummary)
	if err != nil {
		return Notification{}, nil, err
	}
	sent := in.SentAt.UTC().Truncate(time.Second)
	if in.SentAt.IsZero() {
		sent = now
	}
	if sent.After(now) {
		return Notification{}, nil, Errorf("the notification cannot have been sent in the future (%s)", sent.Format(time.RFC3339))
	}
	if sent.Before(i.DetectedAt) {
		return Notification{}, nil, Errorf("the notification time %s is before %s was detected", sent.Format(time.RFC3339), i.Ref())
	}
	if strings.TrimSpace(in.Customer) == "" {
		return Notification{}, nil, Errorf("say which controller was notified with --customer NAME")
	}
	customer, err := i.ResolveCustomer(in.Customer)
	if err != nil {
		return Notification{}, nil, err
	}
	last, had := i.LastNotice(customer)
	switch {
	case had && sent.Before(last.SentAt):
		return Notification{}, nil, Errorf("the last notice to %s was sent %s, after %s; record notices in the order they were sent", SanitizeLine(customer), last.SentAt.Format(time.RFC3339), sent.Format(time.RFC3339))
	case in.FollowUp && !had:
		return Notification{}, nil, Errorf("%s has not had an initial notification for %s yet; record that first, without --follow-up", SanitizeLine(customer), i.Ref())
	case !in.FollowUp && had:
		return Notification{}, nil, Errorf("the initial notification of %s for %s is already recorded; record further ones with --follow-up", SanitizeLine(customer), i.Ref())
	}
	d, err := MakeDraft(i, p, DraftRequest{Customer: customer, FollowUp: in.FollowUp}, sent)
	if err != nil {
		return Notification{}, nil, err
	}
	text := d.Text
	if in.Text != nil {
		if strings.TrimSpace(*in.Text) == "" {
			return Notification{}, nil, Errorf("the notice text is empty; give the text that was sent, or leave out --text-file to record the draft")
		}
		if err := checkNoticeText(*in.Text); err != nil {
			return Notification{}, nil, err
		}
		text = *in.Text
	}
	sum := sha256.Sum256([]byte(text))
	n := Notification{Customer: customer, Channel: channel, SentAt: sent, FollowUp: in.FollowUp, By: by,
		To: to, SHA256: hex.EncodeToString(sum[:]), Unknowns: d.Unknowns, Facts: d.Facts, Text: text}
	data := map[string]string{"customer": customer, "channel": channel, "sent_at": sent.Format(time.RFC3339),
		"follow_up": fmt.Sprint(in.FollowUp), "sha256": n.SHA256, "unknowns": strings.Join(d.Unknowns, ", ")}
	return n, data, nil
}

// MaxNoticeBytes bounds a notice's text: a long notice is a few pages.
const MaxNoticeBytes = 256 << 10

func checkNoticeText(s string) error {
	if len(s) > MaxNoticeBytes {
		return Errorf("the notice text is %d bytes; the most is %d", len(s), MaxNoticeBytes)
	}
	if _, err := CleanText("notice text", s, MultiLine, 1, MaxNoticeBytes); err != nil {
		return err
	}
	return nil
}

// NoticeKind is initial or follow-up.
func (n Notification) Kind() string {
	if n.FollowUp {
		return "follow-up"
	}
	return "initial"
}

// Owed is a follow-up owed to a customer: the fields its latest notice
// left to follow.
type Owed struct {
	Customer string
	Fields   []string
	DueAt    time.Time
}

// String is "owed to Acme: consequences, subjects".
func (o Owed) String() string {
	return fmt.Sprintf("owed to %s: %s", SanitizeLine(o.Customer), strings.Join(o.Fields, ", "))
}

// Owed lists, per customer in the order of the incident's customers, the
// follow-ups still owed: those whose latest notice listed unknowns. Once
// the breach is found not to be one, nothing is owed.
func (p Policy) Owed(i *Incident) []Owed {
	if i.Breach == BreachNo {
		return nil
	}
	var out []Owed
	for _, c := range noticeCustomers(i) {
		last, ok := i.LastNotice(c)
		if ok && len(last.Unknowns) > 0 {
			out = append(out, Owed{Customer: last.Customer, Fields: last.Unknowns,
				DueAt: last.SentAt.Add(time.Duration(p.FollowUpHours) * time.Hour)})
		}
	}
	return out
}

// noticeCustomers are the incident's customers, then any other recipient
// notices went to (an incident without customers).
func noticeCustomers(i *Incident) []string {
	out := append([]string(nil), i.Customers...)
	for _, n := range i.Notifications {
		if _, ok := findFold(out, n.Customer); !ok {
			out = append(out, n.Customer)
		}
	}
	return out
}
