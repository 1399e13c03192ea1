package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CustomerFacts is what is known of one controller's part of a breach:
// each controller is told its own numbers, never another's or the sum.
type CustomerFacts struct {
	Customer string
	Subjects *int64 // nil: unknown
	Records  *int64 // nil: unknown
	Impact   string // this customer's impact in the post-incident review
}

// Facts returns a customer's facts (empty when none are recorded yet).
func (i *Incident) Facts(customer string) CustomerFacts {
	for _, f := range i.CustomerFacts {
		if strings.EqualFold(f.Customer, customer) {
			return f
		}
	}
	return CustomerFacts{Customer: customer}
}

func (i *Incident) factsRef(customer string) *CustomerFacts {
	for k := range i.CustomerFacts {
		if strings.EqualFold(i.CustomerFacts[k].Customer, customer) {
			return &i.CustomerFacts[k]
		}
	}
	i.CustomerFacts = append(i.CustomerFacts, CustomerFacts{Customer: customer})
	return &i.CustomerFacts[len(i.CustomerFacts)-1]
}

// Subjects is the incident's approximate number of data subjects: the sum
// of its customers' when every customer's is known, else the number given
// for the incident as a whole, else nil (unknown).
func (i *Incident) Subjects() *int64 {
	return i.total(func(f CustomerFacts) *int64 { return f.Subjects }, i.SubjectsApprox)
}

// Records is the incident's approximate number of records, derived as
// Subjects is.
func (i *Incident) Records() *int64 {
	return i.total(func(f CustomerFacts) *int64 { return f.Records }, i.RecordsApprox)
}

func (i *Incident) total(get func(CustomerFacts) *int64, overall *int64) *int64 {
	if len(i.Customers) == 0 {
		return overall
	}
	var sum int64
	for _, c := range i.Customers {
		n := get(i.Facts(c))
		if n == nil {
			return overall
		}
		sum += *n
	}
	return &sum
}

// PointOfContact is the incident's contact, or the policy's when the
// incident has none of its own.
func (i *Incident) PointOfContact(p Policy) (name, details string) {
	if i.ContactName != "" || i.ContactDetails != "" {
		return i.ContactName, i.ContactDetails
	}
	return p.ContactName, p.ContactDetails
}

// CheckContact refuses a notice without a point of contact: Art. 33(3)(b)
// wants it in the initial notice, so it is never "to follow".
func (i *Incident) CheckContact(p Policy) error {
	name, details := i.PointOfContact(p)
	if strings.TrimSpace(name) == "" || strings.TrimSpace(details) == "" {
		return Errorf("%s has no point of contact for the controller; set one with sitrep contact %s --name NAME --details DETAILS, or for every incident with sitrep policy set --contact-name NAME --contact-details DETAILS", i.Ref(), i.Ref())
	}
	return nil
}

// BreachFacts are what becomes known of a breach; nil and empty fields
// leave what is recorded as it is, lists add to it.
type BreachFacts struct {
	Breach *Breach
	// Customer is whose numbers Subjects and Records are; empty means the
	// only affected customer, or the incident when it has none.
	Customer          string
	Subjects, Records *int64
	// Overall says Subjects and Records are the whole incident's although
	// it has several customers: tabletop scenarios state them so.
	Overall           bool
	SubjectCategories []string // added
	Categories        []string // categories of personal data, added
	Customers         []string // affected customers, added
	Consequences      *string
	Proposed          []string // measures proposed, added
	Mitigation        []string // mitigation measures, added
}

// Validate cleans the facts.
func (f *BreachFacts) Validate() error {
	var err error
	if f.Subjects != nil && *f.Subjects < 0 || f.Records != nil && *f.Records < 0 {
		return Errorf("approximate numbers of subjects and records cannot be negative")
	}
	if f.Customer != "" {
		if f.Customer, err = CleanText("customer name", f.Customer, SingleLine, 1, MaxName); err != nil {
			return err
		}
		if f.Subjects == nil && f.Records == nil {
			return Errorf("--customer %s with breach facts gives that customer's numbers; add --subjects N or --records N, or to add a customer use sitrep breach REF --customer %s alone", f.Customer, f.Customer)
		}
	}
	if f.SubjectCategories, err = CleanNames("data subject category", f.SubjectCategories); err != nil {
		return err
	}
	if f.Categories, err = CleanNames("data category", f.Categories); err != nil {
		return err
	}
	if f.Customers, err = CleanNames("customer", f.Customers); err != nil {
		return err
	}
	if f.Consequences != nil {
		c, err := CleanText("likely consequences", *f.Consequences, MultiLine, 1, MaxNote)
		if err != nil {
			return err
		}
		f.Consequences = &c
	}
	for _, l := range []struct {
		what string
		list *[]string
	}{{"proposed measure", &f.Proposed}, {"mitigation measure", &f.Mitigation}} {
		for k, v := range *l.list {
			if (*l.list)[k], err = CleanText(l.what, v, MultiLine, 1, MaxNote); err != nil {
				return err
			}
		}
	}
	if f.Breach == nil && f.Subjects == nil && f.Records == nil && len(f.Categories) == 0 && len(f.SubjectCategories) == 0 &&
		len(f.Customers) == 0 && f.Consequences == nil && len(f.Proposed) == 0 && len(f.Mitigation) == 0 {
		return Errorf("nothing to change; give yes, no or unknown, or facts such as --subjects, --records, --category, --subject-category, --consequences, --proposed, --mitigation")
	}
	return nil
}

// ApplyBreach records breach facts on an incident at time now and returns
// the event's facts; when the notify clock stops or starts applying, they
// say so. Nothing is changed when it returns an error.
func ApplyBreach(inc *Incident, f BreachFacts, p Policy, now time.Time) (map[string]string, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	next := *inc
	next.Customers = append([]string(nil), inc.Customers...)
	next.CustomerFacts = append([]CustomerFacts(nil), inc.CustomerFacts...)
	next.DataCategories = append([]string(nil), inc.DataCategories...)
	next.SubjectCategories = append([]string(nil), inc.SubjectCategories...)
	next.MeasuresProposed = append([]string(nil), inc.MeasuresProposed...)
	next.Mitigation = append([]string(nil), inc.Mitigation...)
	before, _ := Find(p.Deadlines(inc, now), KindNotify)

	var changes []string
	data := map[string]string{}
	if f.Breach != nil && *f.Breach != next.Breach {
		changes = append(changes, fmt.Sprintf("breach %s (was %s)", *f.Breach, next.Breach))
		data["breach"], data["breach_was"] = string(*f.Breach), string(next.Breach)
		next.Breach = *f.Breach
	}
	customers := f.Customers
	if f.Customer != "" {
		customers = append(customers, f.Customer)
	}
	if added := addNames(&next.Customers, customers); len(added) > 0 {
		changes = append(changes, "customers "+strings.Join(added, ", "))
		data["customers_added"] = strings.Join(added, ", ")
	}
	if f.Subjects != nil || f.Records != nil {
		subj, recs := &next.SubjectsApprox, &next.RecordsApprox
		whose := ""
		switch {
		case f.Customer != "":
			name, _ := next.HasCustomer(f.Customer)
			cf := next.factsRef(name)
			subj, recs, whose = &cf.Subjects, &cf.Records, " for "+name
			data["customer"] = name
		case len(next.Customers) == 1:
			cf := next.factsRef(next.Customers[0])
			subj, recs = &cf.Subjects, &cf.Records
			data["customer"] = next.Customers[0]
		case f.Overall || len(next.Customers) == 0:
		default:
			return nil, Errorf("%s has several customers (%s); give each one's numbers with --customer NAME --subjects N --records N", inc.Ref(), strings.Join(next.Customers, ", "))
		}
		for _, n := range []struct {
			given *int64
			dst   **int64
			what  string
		}{{f.Subjects, subj, "data subjects"}, {f.Records, recs, "records"}} {
			if n.given != nil && (*n.dst == nil || **n.dst != *n.given) {
				v := *n.given
				*n.dst = &v
				changes = append(changes, fmt.Sprintf("approx. %d %s%s", v, n.what, whose))
				data[strings.ReplaceAll(n.what, "data ", "")+"_approx"] = strconv.FormatInt(v, 10)
			}
		}
	}
	if added := addNames(&next.SubjectCategories, f.SubjectCategories); len(added) > 0 {
		changes = append(changes, "subject categories "+strings.Join(added, ", "))
		data["subject_categories_added"] = strings.Join(added, ", ")
	}
	if added := addNames(&next.DataCategories, f.Categories); len(added) > 0 {
		changes = append(changes, "categories "+strings.Join(added, ", "))
		data["categories_added"] = strings.Join(added, ", ")
	}
	if f.Consequences != nil && *f.Consequences != next.Consequences {
		changes = append(changes, "likely consequences")
		data["consequences"] = *f.Consequences
		next.Consequences = *f.Consequences
	}
	if added := addTexts(&next.MeasuresProposed, f.Proposed); len(added) > 0 {
		changes = append(changes, fmt.Sprintf("%d proposed measure(s)", len(added)))
		data["proposed_added"] = strings.Join(added, "\n")
	}
	if added := addTexts(&next.Mitigation, f.Mitigation); len(added) > 0 {
		changes = append(changes, fmt.Sprintf("%d mitigation measure(s)", len(added)))
		data["mitigation_added"] = strings.Join(added, "\n")
	}
	if len(changes) == 0 {
		return nil, Errorf("%s already records these breach facts; nothing changed", inc.Ref())
	}
	after, _ := Find(p.Deadlines(&next, now), KindNotify)
	switch {
	case before.State != NA && after.State == NA:
		changes = append(changes, "the notify deadline no longer applies (n/a)")
		data["notify"] = "n/a"
	case before.State == NA && after.State != NA:
		changes = append(changes, "the notify deadline applies again, due "+after.DueAt.UTC().Format(time.RFC3339))
		data["notify"] = "due " + after.DueAt.UTC().Format(time.RFC3339)
	}
	data["changes"] = strings.Join(changes, "; ")
	*inc = next
	return data, nil
}

// ApplyContact sets an incident's own point of contact and returns the
// event's facts.
func ApplyContact(inc *Incident, name, details string) (map[string]string, error) {
	name, err := CleanText("contact name", name, SingleLine, 1, MaxName)
	if err != nil {
		return nil, err
	}
	details, err = CleanText("contact details", details, MultiLine, 1, MaxSummary)
	if err != nil {
		return nil, err
	}
	if name == inc.ContactName && details == inc.ContactDetails {
		return nil, Errorf("%s already has this point of contact; nothing changed", inc.Ref())
	}
	data := map[string]string{"name": name, "details": details, "name_was": inc.ContactName}
	inc.ContactName, inc.ContactDetails = name, details
	return data, nil
}

// addNames appends the names not yet in list (ignoring case) and returns them.
func addNames(list *[]string, names []string) []string {
	var added []string
	for _, n := range names {
		if _, dup := findFold(*list, n); !dup {
			*list = append(*list, n)
			added = append(added, n)
		}
	}
	return added
}

// addTexts appends the texts not yet in list (exactly) and returns them.
func addTexts(list *[]string, texts []string) []string {
	var added []string
	for _, t := range texts {
		dup := false
		for _, o := range *list {
			dup = dup || o == t
		}
		if !dup {
			*list = append(*list, t)
			added = append(added, t)
		}
	}
	return added
}

func findFold(list []string, name string) (string, bool) {
	for _, o := range list {
		if strings.EqualFold(o, name) {
			return o, true
		}
	}
	return "", false
}
