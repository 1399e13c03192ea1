package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"sitrep/model"
)

// Styles is the console's small semantic palette: every colour on screen
// comes from here, chosen for a light or a dark background. Colour always
// comes with a symbol or text, so a monochrome projector or NO_COLOR loses
// nothing.
type Styles struct {
	Dark bool

	Critical, Warning, OK, Muted, Accent color.Color

	Title     lipgloss.Style // screen titles
	Header    lipgloss.Style // column headers
	Selected  lipgloss.Style // the selected row
	Dim       lipgloss.Style // secondary text
	Bold      lipgloss.Style
	Error     lipgloss.Style // refusals and failures
	Notice    lipgloss.Style // confirmations
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Key       lipgloss.Style // a key in help
	KeyOff    lipgloss.Style // a key the role forbids
	Banner    lipgloss.Style // EXERCISE and similar
	Box       lipgloss.Style // forms and dialogs
	Sev       map[model.Severity]lipgloss.Style
}

// NewStyles builds the palette for a dark or light background.
func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	s := Styles{
		Dark:     dark,
		Critical: ld(lipgloss.Color("#B3001B"), lipgloss.Color("#FF5F5F")),
		Warning:  ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#FFB84D")),
		OK:       ld(lipgloss.Color("#1B7A36"), lipgloss.Color("#5FD787")),
		Muted:    ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A")),
		Accent:   ld(lipgloss.Color("#0B5CAD"), lipgloss.Color("#5FAFFF")),
	}
	s.Title = lipgloss.NewStyle().Bold(true)
	s.Header = lipgloss.NewStyle().Foreground(s.Muted).Bold(true)
	s.Selected = lipgloss.NewStyle().Reverse(true)
	s.Dim = lipgloss.NewStyle().Foreground(s.Muted)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Error = lipgloss.NewStyle().Foreground(s.Critical).Bold(true)
	s.Notice = lipgloss.NewStyle().Foreground(s.OK)
	s.Tab = lipgloss.NewStyle().Foreground(s.Muted).Padding(0, 1)
	s.TabActive = lipgloss.NewStyle().Bold(true).Underline(true).Padding(0, 1)
	s.Key = lipgloss.NewStyle().Foreground(s.Accent).Bold(true)
	s.KeyOff = lipgloss.NewStyle().Foreground(s.Muted).Strikethrough(true)
	s.Banner = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(s.Warning).Padding(0, 1)
	s.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(s.Accent).Padding(0, 1)
	s.Sev = map[model.Severity]lipgloss.Style{
		model.P0: lipgloss.NewStyle().Foreground(s.Critical).Bold(true),
		model.P1: lipgloss.NewStyle().Foreground(s.Warning).Bold(true),
		model.P2: lipgloss.NewStyle().Foreground(s.Accent),
		model.P3: lipgloss.NewStyle().Foreground(s.Muted),
	}
	return s
}

// UrgencyColor is the colour of a countdown: green above 24 h, amber
// below, red below 6 h and when overdue; muted once met or n/a.
func (s Styles) UrgencyColor(u model.Urgency) color.Color {
	switch u {
	case model.UrgencyOK:
		return s.OK
	case model.UrgencyWarn:
		return s.Warning
	case model.UrgencyCritical, model.UrgencyOverdue:
		return s.Critical
	}
	return s.Muted
}

// Countdown renders a deadline as symbol and countdown, coloured by urgency.
func (s Styles) Countdown(d model.Deadline) string {
	return s.countdownText(d, model.FormatCountdown(d))
}

// countdownText is text, a deadline's countdown, in its urgency's style.
func (s Styles) countdownText(d model.Deadline, text string) string {
	u := model.UrgencyOf(d)
	st := lipgloss.NewStyle().Foreground(s.UrgencyColor(u))
	if u == model.UrgencyOverdue {
		st = st.Bold(true)
	}
	return st.Render(u.Symbol() + " " + text)
}
