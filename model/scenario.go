package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits on scenario files.
const (
	MaxScenarioBytes = 1 << 20 // 1 MiB
	MaxInjects       = 500
	// MaxOffsetHours bounds an inject's offset so that it stays far from
	// time.Duration's range; hours are otherwise unbounded (T+50:00 is
	// fifty hours in).
	MaxOffsetHours = 1_000_000
	// MaxScenarioNames bounds each list of customers or data categories,
	// which keeps checking them for duplicates cheap.
	MaxScenarioNames = 200
)

// Scenario is a tabletop exercise script (SPEC §4).
type Scenario struct {
	Title       string
	Description string
	Start       time.Time // simulated start
	Injects     []Inject  // in file order, offsets never decreasing
}

// InjectKind says what an inject does when it fires.
type InjectKind string

// The kinds of inject.
const (
	InjectDeclare InjectKind = "declare"
	InjectNote    InjectKind = "note"
	InjectFact    InjectKind = "fact"
	InjectMessage InjectKind = "message"
)

// InjectKinds lists the kinds in the order the format documents them.
var InjectKinds = []InjectKind{InjectDeclare, InjectNote, InjectFact, InjectMessage}

// Inject is one timed event of a scenario.
type Inject struct {
	N    int           // 1-based position in the scenario
	Line int           // line in the file
	At   time.Duration // offset from Start ("T+H:MM")
	Kind InjectKind
	// InjectDeclare: Title, Summary, Severity, Source, Breach, Availability
	// and Customers, validated. DetectedAt and AwareAt are zero: the store
	// fills them with the inject's simulated time.
	Declare *Declaration
	// InjectNote and InjectFact: the N-th incident this scenario declared
	// (1-based), always declared by an earlier inject.
	Incident int
	Text     string       // InjectNote: the note; InjectMessage: the message
	Fact     *BreachFacts // InjectFact: what becomes known of the breach
}

// The years a scenario may start in.
const (
	minScenarioYear = 1970
	maxScenarioYear = 2200
)

// TimeOf returns the inject's scheduled simulated time: Start + in.At.
func (s *Scenario) TimeOf(in Inject) time.Time { return s.Start.Add(in.At) }

// FormatOffset writes an offset as T+H:MM, hours at least two digits
// (T+00:25, T+50:00). Seconds are dropped; negative offsets are written as
// T+00:00.
func FormatOffset(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	m := int64(d / time.Minute)
	return fmt.Sprintf("T+%02d:%02d", m/60, m%60)
}

// Keys allowed at each level of a scenario, in the order they are listed
// to the user.
var (
	scenarioKeys = []string{"title", "description", "start", "injects"}
	injectKeys   = []string{"at", "declare", "note", "fact", "message"}
	declareKeys  = []string{"title", "summary", "severity", "source", "breach", "availability", "customers"}
	noteKeys     = []string{"incident", "text"}
	factKeys     = []string{"incident", "breach", "subjects_approx", "records_approx", "categories", "customers", "consequences"}
)

// ParseScenario reads and validates a scenario. Its errors are one
// sentence naming the line, such as: line 12: unknown key "sevrity" in
// declare; use title, summary, severity, source, breach, availability,
// customers.
func ParseScenario(data []byte) (*Scenario, error) {
	if len(data) > MaxScenarioBytes {
		return nil, Errorf("the scenario is %d bytes; the limit is 1 MiB (%d bytes)", len(data), MaxScenarioBytes)
	}
	root, err := yDecodeOne(data)
	if err != nil {
		return nil, err
	}
	p := scenarioParser{}
	return p.scenario(root)
}

// decodeOne reads exactly one YAML document and returns its root node.
func yDecodeOne(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errorf("the scenario is empty; give its title, start and injects")
		}
		return nil, yamlError(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, lineErrorf(next.Line, "the file holds more than one YAML document; a scenario is one document")
	case !errors.Is(err, io.EOF):
		return nil, yamlError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) != 1 {
			return nil, Errorf("the scenario is empty; give its title, start and injects")
		}
		root = root.Content[0]
	}
	return root, nil
}

// yamlError turns the YAML library's error into one sentence naming the
// line when the library knows it.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.Join(strings.Fields(msg), " ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				return lineErrorf(n, "the scenario is not valid YAML (%s)", rest[i+2:])
			}
		}
	}
	return Errorf("the scenario is not valid YAML (%s)", msg)
}

// lineErr builds a user-facing error naming a line of the file.
func lineErrorf(line int, format string, args ...any) error {
	return Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

// atLine prefixes a model error (from CleanText, ParseSeverity and the like)
// with a line.
func atLine(line int, err error) error {
	return Errorf("line %d: %s", line, err.Error())
}

// short quotes a user-given string for an error, shortened so a huge key
// or value cannot flood the message.
func quoteShort(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}

type scenarioParser struct {
	s        *Scenario
	declared int // declare injects seen so far
}

func (p *scenarioParser) scenario(root *yaml.Node) (*Scenario, error) {
	if root.Kind != yaml.MappingNode {
		return nil, lineErrorf(root.Line, "the scenario must be a mapping with title, description, start and injects")
	}
	fs, err := yFields(root, "at the top level", scenarioKeys)
	if err != nil {
		return nil, err
	}
	p.s = &Scenario{}
	s := p.s

	f, ok := fs["title"]
	if !ok {
		return nil, lineErrorf(root.Line, "the scenario has no title; add title: with a one-line name")
	}
	if s.Title, err = yClean(f.val, "title", SingleLine, 1, MaxTitle); err != nil {
		return nil, err
	}
	if f, ok := fs["description"]; ok {
		if s.Description, err = yClean(f.val, "description", MultiLine, 0, MaxSummary); err != nil {
			return nil, err
		}
	}

	f, ok = fs["start"]
	if !ok {
		return nil, lineErrorf(root.Line, "the scenario has no start; add start: with the simulated start time, such as 2026-05-04T02:00:00+02:00")
	}
	v, err := yText(f.val, "start")
	if err != nil {
		return nil, err
	}
	if s.Start, err = time.Parse(time.RFC3339, strings.TrimSpace(v)); err != nil {
		return nil, lineErrorf(f.val.Line, "start %s is not an RFC 3339 time; write it as 2026-05-04T02:00:00+02:00", quoteShort(v))
	}
	// Deadlines computed from the simulated clock must stay in range.
	if y := s.Start.UTC().Year(); y < minScenarioYear || y > maxScenarioYear {
		return nil, lineErrorf(f.val.Line, "start %s is outside the years %d to %d; give a time such as 2026-05-04T02:00:00+02:00", quoteShort(v), minScenarioYear, maxScenarioYear)
	}

	f, ok = fs["injects"]
	if !ok {
		return nil, lineErrorf(root.Line, "the scenario has no injects; add injects: with a list of timed injects")
	}
	seq := f.val
	if seq.Kind != yaml.SequenceNode && !yNull(seq) {
		return nil, lineErrorf(seq.Line, "injects must be a list, each item starting with - at: T+H:MM")
	}
	if len(seq.Content) == 0 {
		return nil, lineErrorf(seq.Line, "the scenario has no injects; add at least one under injects:")
	}
	if len(seq.Content) > MaxInjects {
		return nil, lineErrorf(seq.Content[MaxInjects].Line, "the scenario has %d injects; the limit is %d", len(seq.Content), MaxInjects)
	}
	s.Injects = make([]Inject, 0, len(seq.Content))
	for i, n := range seq.Content {
		in, err := p.inject(i+1, n)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			if prev := s.Injects[i-1].At; in.At < prev {
				return nil, lineErrorf(in.Line, "injects must be in time order; %s comes after %s", FormatOffset(in.At), FormatOffset(prev))
			}
		}
		s.Injects = append(s.Injects, in)
	}
	return s, nil
}

func (p *scenarioParser) inject(n int, node *yaml.Node) (Inject, error) {
	in := Inject{N: n, Line: node.Line}
	if err := yNoAlias(node); err != nil {
		return in, err
	}
	if node.Kind != yaml.MappingNode {
		return in, lineErrorf(node.Line, "inject %d must be a mapping such as {at: T+00:25, message: ...}", n)
	}
	fs, err := yFields(node, "in an inject", injectKeys)
	if err != nil {
		return in, err
	}
	f, ok := fs["at"]
	if !ok {
		return in, lineErrorf(node.Line, "the inject has no at; give its offset from the start as T+H:MM, such as T+00:25")
	}
	if in.At, err = yOffset(f.val); err != nil {
		return in, err
	}

	var kinds []string
	for _, k := range InjectKinds {
		if _, ok := fs[string(k)]; ok {
			kinds = append(kinds, string(k))
		}
	}
	switch len(kinds) {
	case 0:
		return in, lineErrorf(node.Line, "the inject has no kind; give one of declare, note, fact or message")
	case 1:
	default:
		return in, lineErrorf(node.Line, "the inject has both %s and %s; give one kind per inject", kinds[0], kinds[1])
	}
	in.Kind = InjectKind(kinds[0])
	val := fs[kinds[0]].val

	switch in.Kind {
	case InjectDeclare:
		in.Declare, err = p.declare(val, p.s.Start.Add(in.At))
		if err == nil {
			p.declared++
		}
	case InjectNote:
		in.Incident, in.Text, err = p.note(val)
	case InjectFact:
		in.Incident, in.Fact, err = p.fact(val)
	case InjectMessage:
		in.Text, err = yClean(val, "message", MultiLine, 1, MaxNote)
	}
	return in, err
}

func (p *scenarioParser) declare(node *yaml.Node, sim time.Time) (*Declaration, error) {
	if node.Kind != yaml.MappingNode {
		return nil, lineErrorf(node.Line, "declare must be a mapping such as {title: ..., severity: P1}")
	}
	fs, err := yFields(node, "in declare", declareKeys)
	if err != nil {
		return nil, err
	}
	d := &Declaration{}
	if f, ok := fs["title"]; ok {
		if d.Title, err = yClean(f.val, "title", SingleLine, 1, MaxTitle); err != nil {
			return nil, err
		}
	}
	if f, ok := fs["summary"]; ok {
		if d.Summary, err = yClean(f.val, "summary", MultiLine, 0, MaxSummary); err != nil {
			return nil, err
		}
	}
	if f, ok := fs["severity"]; ok {
		v, err := yText(f.val, "severity")
		if err != nil {
			return nil, err
		}
		if d.Severity, err = ParseSeverity(v); err != nil {
			return nil, atLine(f.val.Line, err)
		}
	}
	if f, ok := fs["source"]; ok {
		v, err := yText(f.val, "source")
		if err != nil {
			return nil, err
		}
		if d.Source, err = ParseSource(v); err != nil {
			return nil, atLine(f.val.Line, err)
		}
	}
	if f, ok := fs["breach"]; ok {
		if d.Breach, err = yBreach(f.val); err != nil {
			return nil, err
		}
	}
	if f, ok := fs["availability"]; ok {
		if d.Availability, err = yBool(f.val, "availability"); err != nil {
			return nil, err
		}
	}
	if f, ok := fs["customers"]; ok {
		if d.Customers, err = yNames(f.val, "customers", "customer", "[Acme, Globex]"); err != nil {
			return nil, err
		}
	}
	// Missing title or severity, defaults for source and breach: the same
	// rules as a declaration typed by a user, at the inject's simulated time.
	if err := d.Validate(sim); err != nil {
		return nil, atLine(node.Line, err)
	}
	d.DetectedAt, d.AwareAt = time.Time{}, time.Time{}
	return d, nil
}

func (p *scenarioParser) note(node *yaml.Node) (int, string, error) {
	if node.Kind != yaml.MappingNode {
		return 0, "", lineErrorf(node.Line, "note must be a mapping such as {incident: 1, text: ...}")
	}
	fs, err := yFields(node, "in note", noteKeys)
	if err != nil {
		return 0, "", err
	}
	inc, err := p.incident(node, fs, "note")
	if err != nil {
		return 0, "", err
	}
	f, ok := fs["text"]
	if !ok {
		return 0, "", lineErrorf(node.Line, "the note has no text; add text: with the note")
	}
	text, err := yClean(f.val, "note", MultiLine, 1, MaxNote)
	return inc, text, err
}

func (p *scenarioParser) fact(node *yaml.Node) (int, *BreachFacts, error) {
	if node.Kind != yaml.MappingNode {
		return 0, nil, lineErrorf(node.Line, `fact must be a mapping such as {incident: 1, breach: "yes"}`)
	}
	fs, err := yFields(node, "in fact", factKeys)
	if err != nil {
		return 0, nil, err
	}
	inc, err := p.incident(node, fs, "fact")
	if err != nil {
		return 0, nil, err
	}
	// A scenario states the incident's numbers, not one customer's.
	fact := &BreachFacts{Overall: true}
	if f, ok := fs["breach"]; ok {
		b, err := yBreach(f.val)
		if err != nil {
			return 0, nil, err
		}
		fact.Breach = &b
	}
	if f, ok := fs["subjects_approx"]; ok {
		if fact.Subjects, err = yCount(f.val, "subjects_approx"); err != nil {
			return 0, nil, err
		}
	}
	if f, ok := fs["records_approx"]; ok {
		if fact.Records, err = yCount(f.val, "records_approx"); err != nil {
			return 0, nil, err
		}
	}
	if f, ok := fs["categories"]; ok {
		if fact.Categories, err = yNames(f.val, "categories", "data category", "[name, email]"); err != nil {
			return 0, nil, err
		}
	}
	if f, ok := fs["customers"]; ok {
		if fact.Customers, err = yNames(f.val, "customers", "customer", "[Acme, Globex]"); err != nil {
			return 0, nil, err
		}
	}
	if f, ok := fs["consequences"]; ok {
		c, err := yClean(f.val, "consequences text", MultiLine, 1, MaxNote)
		if err != nil {
			return 0, nil, err
		}
		fact.Consequences = &c
	}
	if fact.Breach == nil && fact.Subjects == nil && fact.Records == nil &&
		len(fact.Categories) == 0 && len(fact.Customers) == 0 && fact.Consequences == nil {
		return 0, nil, lineErrorf(node.Line, "the fact states nothing; give breach, subjects_approx, records_approx, categories, customers or consequences")
	}
	if err := fact.Validate(); err != nil {
		return 0, nil, atLine(node.Line, err)
	}
	return inc, fact, nil
}

// incident reads the incident a note or fact is about: one declared by an
// earlier inject.
func (p *scenarioParser) incident(node *yaml.Node, fs map[string]yField, kind string) (int, error) {
	f, ok := fs["incident"]
	if !ok {
		return 0, lineErrorf(node.Line, "the %s has no incident; add incident: N for the N-th incident this scenario declared", kind)
	}
	n, err := yInt(f.val, "incident", "1")
	if err != nil {
		return 0, err
	}
	if n < 1 || n > int64(p.declared) {
		switch p.declared {
		case 0:
			return 0, lineErrorf(f.val.Line, "incident %d is not declared by an earlier inject; no inject before this one declares an incident", n)
		case 1:
			return 0, lineErrorf(f.val.Line, "incident %d is not declared by an earlier inject; only incident 1 is declared before this line", n)
		default:
			return 0, lineErrorf(f.val.Line, "incident %d is not declared by an earlier inject; use 1 to %d, counting the declare injects above", n, p.declared)
		}
	}
	return int(n), nil
}

type yField struct{ key, val *yaml.Node }

// fields reads a mapping's keys, refusing unknown and duplicate keys and
// aliases.
func yFields(m *yaml.Node, where string, allowed []string) (map[string]yField, error) {
	fs := make(map[string]yField, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if err := yNoAlias(k); err != nil {
			return nil, err
		}
		if k.Kind != yaml.ScalarNode {
			return nil, lineErrorf(k.Line, "keys must be plain names; use %s", strings.Join(allowed, ", "))
		}
		known := false
		for _, a := range allowed {
			if k.Value == a {
				known = true
				break
			}
		}
		if !known {
			return nil, lineErrorf(k.Line, "unknown key %s %s; use %s", quoteShort(k.Value), where, strings.Join(allowed, ", "))
		}
		if prev, dup := fs[k.Value]; dup {
			return nil, lineErrorf(k.Line, "key %s appears twice %s (first on line %d)", quoteShort(k.Value), where, prev.key.Line)
		}
		if err := yNoAlias(v); err != nil {
			return nil, err
		}
		fs[k.Value] = yField{k, v}
	}
	return fs, nil
}

// noAlias refuses YAML aliases (*name): scenarios write every value out,
// which keeps line numbers meaningful and rules out alias cycles.
func yNoAlias(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return lineErrorf(n.Line, "aliases such as *%s are not supported in scenarios; write the value out", n.Value)
	}
	return nil
}

func yNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// scalarText returns a scalar's text: null is empty, and numbers, booleans
// and timestamps are taken as written.
func yText(n *yaml.Node, name string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", lineErrorf(n.Line, "%s must be text, not a list or mapping", name)
	}
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return "", nil
	case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
		return n.Value, nil
	default:
		return "", lineErrorf(n.Line, "%s has the tag %s, which scenarios do not use; write plain text", name, quoteShort(tag))
	}
}

// cleanScalar reads a scalar and validates it with CleanText.
func yClean(n *yaml.Node, name string, kind TextKind, min, max int) (string, error) {
	v, err := yText(n, name)
	if err != nil {
		return "", err
	}
	if v, err = CleanText(name, v, kind, min, max); err != nil {
		return "", atLine(n.Line, err)
	}
	return v, nil
}

// offset reads T+H:MM: unbounded hours, minutes 00 to 59.
func yOffset(n *yaml.Node) (time.Duration, error) {
	v, err := yText(n, "at")
	if err != nil {
		return 0, err
	}
	bad := func() (time.Duration, error) {
		return 0, lineErrorf(n.Line, "at %s is not an offset; write it as T+H:MM, such as T+00:25 or T+50:00, minutes 00 to 59", quoteShort(v))
	}
	rest, ok := strings.CutPrefix(v, "T+")
	if !ok {
		return bad()
	}
	h, m, ok := strings.Cut(rest, ":")
	if !ok || h == "" || len(m) != 2 || !allDigits(h) || !allDigits(m) {
		return bad()
	}
	mins, _ := strconv.Atoi(m)
	if mins > 59 {
		return bad()
	}
	hours, err := strconv.ParseInt(h, 10, 64)
	if err != nil || hours > MaxOffsetHours {
		return 0, lineErrorf(n.Line, "at %s is too far ahead; hours go up to %d", quoteShort(v), MaxOffsetHours)
	}
	return time.Duration(hours)*time.Hour + time.Duration(mins)*time.Minute, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// whole reads an integer scalar.
func yInt(n *yaml.Node, name, example string) (int64, error) {
	var v int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		return 0, lineErrorf(n.Line, "%s must be a whole number such as %s", name, example)
	}
	return v, nil
}

// count reads an approximate number of subjects or records.
func yCount(n *yaml.Node, name string) (*int64, error) {
	v, err := yInt(n, name, "1200")
	if err != nil {
		return nil, err
	}
	if v < 0 {
		return nil, lineErrorf(n.Line, "%s cannot be negative", name)
	}
	return &v, nil
}

func yBool(n *yaml.Node, name string) (bool, error) {
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		return false, lineErrorf(n.Line, "%s must be true or false", name)
	}
	return v, nil
}

// breach reads yes, no or unknown. A bare true or false (and, for YAML 1.1
// readers, a bare yes or no) is a boolean, not a breach state.
func yBreach(n *yaml.Node) (Breach, error) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		return "", lineErrorf(n.Line, `breach %s is a boolean; write breach: "yes" or breach: "no" (in quotes), or unknown`, n.Value)
	}
	v, err := yText(n, "breach")
	if err != nil {
		return "", err
	}
	b, err := ParseBreach(v)
	if err != nil {
		return "", atLine(n.Line, err)
	}
	return b, nil
}

// names reads a list of names and validates it with CleanNames.
func yNames(n *yaml.Node, key, field, example string) ([]string, error) {
	if yNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, lineErrorf(n.Line, "%s must be a list such as %s", key, example)
	}
	if len(n.Content) > MaxScenarioNames {
		return nil, lineErrorf(n.Line, "%s lists %d names; the limit is %d", key, len(n.Content), MaxScenarioNames)
	}
	raw := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if err := yNoAlias(item); err != nil {
			return nil, err
		}
		v, err := yText(item, "each "+field)
		if err != nil {
			return nil, err
		}
		// Checked one by one for the line; CleanNames below drops duplicates.
		if _, err := CleanText(field+" name", v, SingleLine, 1, MaxName); err != nil {
			return nil, atLine(item.Line, err)
		}
		raw = append(raw, v)
	}
	out, err := CleanNames(field, raw)
	if err != nil {
		return nil, atLine(n.Line, err)
	}
	return out, nil
}
