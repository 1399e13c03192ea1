package model

import (
	"fmt"
	"strings"
	"time"
)

// Unknown is how a draft writes what is not yet known (Art. 33(4) GDPR:
// information may be provided in phases).
const Unknown = "unknown — to follow"

// Draft writes the controller notification for an incident as Markdown,
// with the content Art. 33(3) GDPR and the DPA require: the nature of the
// breach with categories and approximate numbers of data subjects and
// records, the point of contact, the likely consequences, and the measures
// taken or proposed. Whatever is not known yet is written as unknown, to
// follow, and listed at the end.
func Draft(i *Incident, p Policy, now time.Time) string {
	var b strings.Builder
	var unknowns []string
	val := func(name, v string) string {
		if strings.TrimSpace(v) == "" {
			unknowns = append(unknowns, name)
			return Unknown
		}
		return v
	}
	loc := p.Location()
	ts := func(t time.Time) string { return t.In(loc).Format("Monday 2 January 2006 15:04 MST") }

	fmt.Fprintf(&b, "# Personal data breach notification — %s\n\n", i.Ref())
	// A follow-up once every affected customer has had the initial one.
	status := "Initial notification"
	if !i.NotifiedAt().IsZero() {
		status = "Follow-up notification"
	}
	fmt.Fprintf(&b, "%s under Article 33 GDPR and our Data Processing Agreement. Draft prepared %s.\n\n", status, ts(now))
	recipients := "each affected controller"
	if len(i.Customers) > 0 {
		recipients = SanitizeLine(strings.Join(i.Customers, ", "))
	}
	fmt.Fprintf(&b, "**To:** %s\n\n", recipients)
	if i.Breach == BreachUnknown {
		b.WriteString("> Whether this incident is a personal data breach is not yet confirmed; this notification is sent as a precaution and will be confirmed or withdrawn.\n\n")
	}

	b.WriteString("## Nature of the breach\n\n")
	fmt.Fprintf(&b, "%s\n\n", Sanitize(i.Title))
	if i.Summary != "" {
		fmt.Fprintf(&b, "%s\n\n", Sanitize(i.Summary))
	}
	fmt.Fprintf(&b, "- Detected: %s\n", ts(i.DetectedAt))
	fmt.Fprintf(&b, "- We became aware of the breach: %s\n", ts(i.AwareAt))
	fmt.Fprintf(&b, "- Categories of personal data: %s\n", val("categories of personal data", SanitizeLine(strings.Join(i.DataCategories, ", "))))
	fmt.Fprintf(&b, "- Approximate number of data subjects: %s\n", val("approximate number of data subjects", count(i.SubjectsApprox)))
	fmt.Fprintf(&b, "- Approximate number of records: %s\n\n", val("approximate number of records", count(i.RecordsApprox)))

	b.WriteString("## Point of contact\n\n")
	fmt.Fprintf(&b, "- Incident commander: %s\n", val("incident commander", SanitizeLine(i.Commander)))
	fmt.Fprintf(&b, "- Contact details: %s\n\n", val("contact details", Sanitize(p.Contact)))

	b.WriteString("## Likely consequences\n\n")
	fmt.Fprintf(&b, "%s\n\n", val("likely consequences", Sanitize(i.Consequences)))

	b.WriteString("## Measures taken or proposed\n\n")
	var measures []string
	for _, it := range i.Checklist {
		if it.State == ItemDone && it.Key != CheckAck && it.Key != CheckAssignCommander {
			measures = append(measures, fmt.Sprintf("- %s (%s)", Sanitize(it.Item), ts(it.At)))
		}
	}
	if !i.ContainedAt.IsZero() {
		measures = append(measures, fmt.Sprintf("- The incident was contained %s.", ts(i.ContainedAt)))
	}
	if len(measures) == 0 {
		fmt.Fprintf(&b, "%s\n\n", val("measures taken or proposed", ""))
	} else {
		b.WriteString(strings.Join(measures, "\n") + "\n\n")
	}

	if len(unknowns) > 0 {
		b.WriteString("## Not yet known\n\n")
		b.WriteString("Under Article 33(4) GDPR we will provide the following as soon as it is known, in further notifications without undue delay:\n\n")
		for _, u := range unknowns {
			fmt.Fprintf(&b, "- %s\n", u)
		}
		b.WriteString("\n")
	}
	if d, ok := Find(p.Deadlines(i, now), KindNotify); ok && d.State != NA {
		fmt.Fprintf(&b, "_Notification deadline: %s (72 hours from awareness)._\n", ts(d.DueAt))
	}
	return b.String()
}

func count(n *int64) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf("approximately %d", *n)
}
