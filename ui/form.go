package ui

import (
	"strings"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"sitrep/model"
)

type fieldKind int

const (
	fieldText   fieldKind = iota // one line
	fieldArea                    // several lines
	fieldChoice                  // a picker
)

// choice is one option of a picker; desc is shown while picking (the
// severity definitions, a user's role).
type choice struct{ value, label, desc string }

// field is one input of a form.
type field struct {
	key, label string
	kind       fieldKind
	in         textinput.Model
	area       textarea.Model
	hint       string // shown while the field has the focus
	choices    []choice
	pick       int
	check      func(string) error // validation as you type: the model's sentence
	err        string
}

func textField(key, label, value string, check func(string) error) *field {
	in := textinput.New()
	in.Prompt = ""
	in.SetValue(model.SanitizeLine(value))
	in.CharLimit = 4000
	return &field{key: key, label: label, kind: fieldText, in: in, check: check}
}

func areaField(key, label, value string, check func(string) error) *field {
	a := textarea.New()
	a.ShowLineNumbers = false
	a.Prompt = ""
	a.CharLimit = model.MaxNote
	a.SetHeight(5)
	// enter moves on, as in every form; a new line is ctrl+j or alt+enter.
	a.KeyMap.InsertNewline.SetKeys("ctrl+j", "alt+enter")
	a.SetValue(model.Sanitize(value))
	return &field{key: key, label: label, kind: fieldArea, area: a, check: check}
}

func choiceField(key, label string, choices []choice, value string) *field {
	f := &field{key: key, label: label, kind: fieldChoice, choices: choices}
	for i, c := range choices {
		if c.value == value {
			f.pick = i
		}
	}
	return f
}

func (f *field) value() string {
	switch f.kind {
	case fieldArea:
		return f.area.Value()
	case fieldChoice:
		if len(f.choices) == 0 {
			return ""
		}
		return f.choices[f.pick].value
	}
	return f.in.Value()
}

func (f *field) validate() bool {
	f.err = ""
	if f.check != nil {
		if err := f.check(f.value()); err != nil {
			f.err = err.Error()
		}
	}
	return f.err == ""
}

func (f *field) focus() tea.Cmd {
	switch f.kind {
	case fieldText:
		return f.in.Focus()
	case fieldArea:
		return f.area.Focus()
	}
	return nil
}

func (f *field) blur() {
	switch f.kind {
	case fieldText:
		f.in.Blur()
	case fieldArea:
		f.area.Blur()
	}
}

// withHint sets the hint shown while the field has the focus.
func (f *field) withHint(h string) *field {
	f.hint = h
	return f
}

// values are a form's values by field key.
type values map[string]string

// form is a dialog that collects values and submits them as one write.
type form struct {
	title string
	// intro is what the form is about, shown under the title: the gates
	// an override passes.
	intro  []string
	fields []*field
	focus  int
	err    string // the store's refusal of the last submit
	busy   bool
	// submit turns the values into the write; its doneMsg comes back here.
	submit func(v values) tea.Cmd
	// confirm, when set, says what the write will do, to be confirmed first
	// (it names the clock an edit moves).
	confirm    func(v values) (string, error)
	confirming string
	// then, when set, runs once the write succeeded: the next question.
	then func() tea.Cmd
	// opened are the values the form opened with; esc on a form whose
	// values differ asks before it throws them away (discarding).
	opened     values
	discarding bool
}

// typed says whether the user changed anything since the form opened.
func (f *form) typed() bool {
	for k, v := range f.values() {
		if f.opened[k] != v {
			return true
		}
	}
	return false
}

func (f *form) values() values {
	v := values{}
	for _, fl := range f.fields {
		v[fl.key] = fl.value()
	}
	return v
}

func (f *form) resize(w int) {
	for _, fl := range f.fields {
		switch fl.kind {
		case fieldText:
			fl.in.SetWidth(w - 6)
		case fieldArea:
			fl.area.SetWidth(w - 6)
		}
	}
}

func (m *Model) openForm(f *form) tea.Cmd {
	m.form = f
	f.resize(m.formWidth())
	f.focus = 0
	f.opened = f.values()
	for _, fl := range f.fields {
		fl.validate()
		fl.err = "" // no complaints before the user typed
	}
	return f.fields[0].focus()
}

func (f *form) update(msg tea.Msg) tea.Cmd {
	fl := f.fields[f.focus]
	var cmd tea.Cmd
	switch fl.kind {
	case fieldText:
		fl.in, cmd = fl.in.Update(msg)
	case fieldArea:
		fl.area, cmd = fl.area.Update(msg)
	}
	return cmd
}

func (m *Model) formKey(msg tea.KeyPressMsg) tea.Cmd {
	f := m.form
	if f.busy {
		return nil // the write is under way; its answer comes as doneMsg
	}
	fl := f.fields[f.focus]
	k := msg.String()
	if f.confirming != "" {
		switch k {
		case "enter", "y":
			f.confirming, f.busy = "", true
			return f.submit(f.values())
		case "esc", "n":
			f.confirming = ""
		}
		return nil
	}
	if f.discarding {
		// Only esc again or y throws the typing away; any other key goes
		// back to the form.
		f.discarding = false
		if k == "esc" || k == "y" {
			m.form = nil
			m.setFlash("Discarded; nothing was written.", false)
		}
		return nil
	}
	switch k {
	case "esc":
		if f.typed() {
			f.discarding = true
			return nil
		}
		m.form = nil
		m.setFlash("Cancelled; nothing was written.", false)
		return nil
	case "tab", "shift+tab":
		return f.move(map[string]int{"tab": 1, "shift+tab": -1}[k])
	case "enter":
		if !fl.validate() {
			return nil
		}
		if f.focus < len(f.fields)-1 {
			return f.move(1)
		}
		for i, other := range f.fields {
			if !other.validate() {
				f.focus = i
				return other.focus()
			}
		}
		v := f.values()
		if f.confirm != nil {
			text, err := f.confirm(v)
			if err != nil {
				f.err = err.Error()
				return nil
			}
			if text != "" {
				f.confirming = text
				return nil
			}
		}
		f.err, f.busy = "", true
		return f.submit(v)
	}
	if fl.kind == fieldChoice {
		switch k {
		case "up", "k", "left", "h":
			fl.pick = (fl.pick - 1 + len(fl.choices)) % max(1, len(fl.choices))
		case "down", "j", "right", "l", "space":
			fl.pick = (fl.pick + 1) % max(1, len(fl.choices))
		}
		return nil
	}
	cmd := f.update(msg)
	fl.validate()
	return cmd
}

func (f *form) move(d int) tea.Cmd {
	f.fields[f.focus].blur()
	f.focus = (f.focus + d + len(f.fields)) % len(f.fields)
	return f.fields[f.focus].focus()
}

func (f *form) view(st Styles, w, h int) string {
	inner := w - 4
	var lines []string
	add := func(ls ...string) { lines = append(lines, ls...) }
	add(st.Title.Render(clip(f.title, inner)), "")
	for _, p := range f.intro {
		for _, l := range wrap(p, inner) {
			add(l)
		}
	}
	if len(f.intro) > 0 {
		add("")
	}
	headLen := len(lines)
	// The focused field's lines, and within them the ones that must stay
	// in view: the chosen option with its description.
	focusTop, focusEnd, pickTop, pickEnd := 0, 0, 0, 0
	for i, fl := range f.fields {
		if i != f.focus {
			// Unfocused: one line, label and value.
			v := fl.value()
			switch {
			case fl.kind == fieldChoice && len(fl.choices) > 0:
				v = fl.choices[fl.pick].label
			case fl.kind == fieldArea:
				v = strings.ReplaceAll(v, "\n", " ⏎ ")
			}
			line := st.Dim.Render("  "+fl.label+": ") + model.SanitizeLine(v)
			add(clip(line, inner))
			if fl.err != "" {
				add("    " + st.Error.Render(clip(fl.err, inner-4)))
			}
			continue
		}
		focusTop = len(lines)
		label := st.Key.Render("› " + fl.label)
		if fl.hint != "" {
			label += st.Dim.Render(" — " + fl.hint)
		}
		add(clip(label, inner))
		switch fl.kind {
		case fieldText:
			add("  " + fl.in.View())
		case fieldArea:
			for _, l := range strings.Split(fl.area.View(), "\n") {
				add("  " + l)
			}
		case fieldChoice:
			for j, c := range fl.choices {
				if j == fl.pick {
					pickTop = len(lines)
					add(st.Key.Render(clip(" ● "+c.label, inner)))
					for _, dl := range wrap(c.desc, inner-5) {
						if c.desc != "" {
							add("     " + st.Dim.Render(dl))
						}
					}
					pickEnd = len(lines)
				} else {
					add(clip("   "+c.label, inner))
				}
			}
		}
		for _, el := range wrap(fl.err, inner-2) {
			if fl.err != "" {
				add("  " + st.Error.Render(el))
			}
		}
		focusEnd = len(lines)
		if fl.kind != fieldChoice {
			pickTop, pickEnd = focusTop, focusEnd
		}
	}
	if f.err != "" {
		add("")
		for _, el := range wrap(f.err, inner) {
			add(st.Error.Render(el))
		}
	}
	add("")
	switch {
	case f.busy:
		add(st.Dim.Render("Saving…"))
	case f.discarding:
		add(st.Bold.Render(clip("Discard what you typed?", inner)))
		add(clip(st.Key.Render("esc")+"/"+st.Key.Render("y")+" discard  "+st.Key.Render("n")+" back to the form", inner))
	case f.confirming != "":
		for _, l := range wrap(f.confirming, inner) {
			add(st.Bold.Render(l))
		}
		add(st.Key.Render("enter") + " confirm  " + st.Key.Render("esc") + " back")
	default:
		next := " next  "
		if f.focus == len(f.fields)-1 {
			next = " save  "
		}
		hint := st.Key.Render("enter") + next + st.Key.Render("tab") + " move  " + st.Key.Render("esc") + " cancel"
		switch f.fields[f.focus].kind {
		case fieldArea:
			hint += "  " + st.Key.Render("ctrl+j") + " new line"
		case fieldChoice:
			hint += "  " + st.Key.Render("↑/↓") + " choose"
		}
		add(clip(hint, inner))
	}
	// Too tall for the screen: keep the title, the focused field and the
	// footer, and show what fits of the rest around the focus.
	if room := h - 2; room > 4 && len(lines) > room {
		footer := 2
		if f.confirming != "" || f.err != "" || f.discarding {
			footer = len(lines) - focusEnd
		}
		head := lines[:headLen]
		body := lines[headLen : len(lines)-footer]
		tail := lines[len(lines)-footer:]
		n := max(1, room-len(head)-len(tail))
		// From the field's label, moved down as far as the end of the
		// chosen option, never past the option itself.
		off := focusTop - headLen
		if end := pickEnd - headLen; end > off+n {
			off = end - n
		}
		off = max(0, min(off, pickTop-headLen, len(body)-n))
		vis := body[off:min(len(body), off+n)]
		lines = append(append(append([]string{}, head...), vis...), tail...)
	}
	return st.Box.Width(w).Render(strings.Join(lines, "\n"))
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w < 10 {
		w = 10
	}
	return strings.Split(lipgloss.Wrap(untab(s), w, " "), "\n")
}

// confirm is a yes/no question before a consequential write.
type confirm struct {
	text string
	yes  func() tea.Cmd
}

func (m *Model) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "y", "enter":
		c := m.ask
		m.ask = nil
		return c.yes()
	case "n", "esc", "q":
		m.ask = nil
		m.setFlash("Cancelled; nothing was written.", false)
	}
	return nil
}

func (c *confirm) view(st Styles, w int) string {
	var b strings.Builder
	for _, l := range wrap(c.text, w-4) {
		b.WriteString(st.Bold.Render(l) + "\n")
	}
	b.WriteString("\n" + st.Key.Render("y") + " yes  " + st.Key.Render("n/esc") + " no")
	return st.Box.Width(w).Render(b.String())
}
