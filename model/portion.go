package model

import (
	"fmt"
	"strings"
	"time"
)

// ApplyCustomerImpact writes one affected customer's impact into the
// review and returns the event's facts.
func ApplyCustomerImpact(i *Incident, customer, impact string) (map[string]string, error) {
	if len(i.Customers) == 0 {
		return nil, Errorf("%s has no affected customers; write the general impact with --impact alone", i.Ref())
	}
	name, err := i.ResolveCustomer(customer)
	if err != nil {
		return nil, err
	}
	impact, err = CleanText("customer impact", impact, MultiLine, 1, MaxNote)
	if err != nil {
		return nil, err
	}
	f := i.factsRef(name)
	if f.Impact == impact {
		return nil, Errorf("the review of %s already says that about %s; nothing changed", i.Ref(), SanitizeLine(name))
	}
	f.Impact = impact
	return map[string]string{"customer": name, "impact": impact, "sections": "customer impact for " + name}, nil
}

// CustomerPortion is the part of the post-incident review one customer
// receives on request: the title, severity, detection and resolution
// times, the root cause, that customer's impact (else the general one),
// the measures taken, the action items' titles and due dates, and the
// notices sent to that customer. Nothing else: no other customer, user
// name, note, address or key. hide are further names to keep out of the
// free text (the users).
func CustomerPortion(i *Incident, p Policy, customer string, hide []string, now time.Time) (string, error) {
	name, err := i.ResolveCustomer(customer)
	if err != nil {
		return "", err
	}
	others := newRedactor(i.others(name))
	var users []string
	for _, u := range hide {
		// A user who shares the customer's name would blank the addressee.
		if !strings.EqualFold(u, name) {
			users = append(users, u)
		}
	}
	team := newRedactorWith(users, "a team member")
	clean := func(s string) string { return team.call(others.call(s)) }
	loc := p.Location()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "not yet"
		}
		return t.In(loc).Format(noticeTime)
	}
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	cust := SanitizeLine(name)

	line("# %s — %s", i.Ref(), SanitizeLine(clean(i.Title)))
	line("")
	line("Post-incident review: the portion for %s, prepared %s.", cust, ts(now))
	line("")
	line("- Severity: %s (%s)", i.Severity, i.Severity.Info().Name)
	line("- Detected: %s", ts(i.DetectedAt))
	line("- Resolved: %s", ts(i.ResolvedAt))
	line("")
	line("## Root cause")
	line("")
	line("%s", orDefault(Sanitize(clean(i.Review.RootCause)), "Not yet established."))
	line("")
	line("## Impact on %s", cust)
	line("")
	impact := i.Facts(name).Impact
	if impact == "" {
		impact = i.Review.Impact
	}
	line("%s", orDefault(Sanitize(clean(impact)), "Not yet written."))
	line("")
	line("## Measures taken")
	line("")
	taken := i.NoticeView(p, name).Taken
	if len(taken) == 0 {
		line("None recorded yet.")
	}
	for _, m := range taken {
		line("- %s", bullet(clean(m)))
	}
	line("")
	line("## Action items")
	line("")
	if len(i.Review.Actions) == 0 {
		line("None.")
	}
	for _, a := range i.Review.Actions {
		line("- %s (due %s)", SanitizeLine(clean(a.Title)), a.Due)
	}
	line("")
	line("## Notices sent to %s", cust)
	line("")
	sent := 0
	for _, n := range i.Notifications {
		if !strings.EqualFold(n.Customer, name) {
			continue
		}
		sent++
		line("- %s notice, sent %s by %s (SHA-256 %s)", strings.ToUpper(n.Kind()[:1])+n.Kind()[1:], ts(n.SentAt), SanitizeLine(clean(n.Channel)), n.SHA256)
	}
	if sent == 0 {
		line("None.")
	}
	return b.String(), nil
}
