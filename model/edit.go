package model

import (
	"strconv"
	"strings"
	"time"
)

// Edit is a correction of an incident's facts; nil leaves a field as it is.
type Edit struct {
	Title, Summary         *string
	Source                 *Source
	DetectedAt             *time.Time
	Availability, DataLoss *bool
}

// EditField is a field an edit corrects, as its event records it
// (<key>_from and <key>_to) and its sentence names it.
type EditField struct {
	Key, Label string
	Time       bool // a time, stored RFC 3339 and shown in the reader's zone
}

// EditFields are the correctable fields, in the order a sentence names them.
var EditFields = []EditField{
	{Key: "title", Label: "title"},
	{Key: "summary", Label: "summary"},
	{Key: "source", Label: "source"},
	{Key: "detected_at", Label: "detected", Time: true},
	{Key: "availability", Label: "availability"},
	{Key: "data_loss", Label: "data loss"},
}

// ApplyEdit corrects an incident at now and returns the event's facts:
// each changed field before and after. An edit that changes nothing is
// refused, as is a detection time in the future or after acknowledgement.
func ApplyEdit(i *Incident, e Edit, now time.Time) (map[string]string, error) {
	ref := i.Ref()
	data := map[string]string{}
	set := func(key, from, to string) {
		if from != to {
			data[key+"_from"], data[key+"_to"] = from, to
		}
	}
	if e.Title != nil {
		t, err := CleanText("title", *e.Title, SingleLine, 1, MaxTitle)
		if err != nil {
			return nil, err
		}
		set("title", i.Title, t)
		i.Title = t
	}
	if e.Summary != nil {
		s, err := CleanText("summary", *e.Summary, MultiLine, 0, MaxSummary)
		if err != nil {
			return nil, err
		}
		set("summary", i.Summary, s)
		i.Summary = s
	}
	if e.Source != nil {
		s, err := ParseSource(string(*e.Source))
		if err != nil {
			return nil, err
		}
		set("source", string(i.Source), string(s))
		i.Source = s
	}
	if e.DetectedAt != nil {
		t := e.DetectedAt.UTC().Truncate(time.Second)
		if t.After(now) {
			return nil, Errorf("the detection time %s is in the future; detection is a time that has passed", t.Format(time.RFC3339))
		}
		if !i.AcknowledgedAt.IsZero() && t.After(i.AcknowledgedAt) {
			return nil, Errorf("the detection time %s is after %s was acknowledged (%s); detection comes first", t.Format(time.RFC3339), ref, i.AcknowledgedAt.UTC().Format(time.RFC3339))
		}
		set("detected_at", i.DetectedAt.UTC().Format(time.RFC3339), t.Format(time.RFC3339))
		i.DetectedAt = t
	}
	if e.Availability != nil {
		set("availability", strconv.FormatBool(i.Availability), strconv.FormatBool(*e.Availability))
		i.Availability = *e.Availability
	}
	if e.DataLoss != nil {
		set("data_loss", strconv.FormatBool(i.DataLoss), strconv.FormatBool(*e.DataLoss))
		i.DataLoss = *e.DataLoss
	}
	if len(data) == 0 {
		if e == (Edit{}) {
			return nil, Errorf("nothing to correct; give --title, --summary, --source, --detected, --availability or --data-loss")
		}
		return nil, Errorf("%s already says that; nothing changed", ref)
	}
	var fields []string
	for _, f := range EditFields {
		if _, ok := data[f.Key+"_to"]; ok {
			fields = append(fields, f.Key)
		}
	}
	data["fields"] = strings.Join(fields, ", ")
	return data, nil
}
