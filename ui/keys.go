package ui

import (
	"charm.land/bubbles/v2/key"

	"sitrep/model"
)

// binding is a key with the action it takes, if it writes: help shows it
// disabled, and pressing it is refused with the reason, when the actor's
// role may not take that action.
type binding struct {
	key.Binding
	act model.Action // "" for navigation
}

func bind(act model.Action, help, desc string, keys ...string) binding {
	return binding{key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc)), act}
}

// keyMap is every key of the console, in one place. Help is generated
// from it.
type keyMap struct {
	Help, Quit, Up, Down, Top, Bottom, Open, Back, NextTab, PrevTab, Filter binding

	Declare, Ack, Assign, Severity, Toggle, NA, Note, Contain, Resolve, Close, Reopen binding
	Notify, Update, Breach, Aware, Edit, Export, NextCustomer                         binding
	EditSection, AddAction, Complete                                                  binding
	Exercise, Dismiss, Messages                                                       binding
}

func newKeyMap() keyMap {
	return keyMap{
		Help:    bind("", "?", "help", "?"),
		Quit:    bind("", "q", "quit", "q", "ctrl+c"),
		Up:      bind("", "↑/k", "up", "up", "k"),
		Down:    bind("", "↓/j", "down", "down", "j"),
		Top:     bind("", "g", "first", "g", "home"),
		Bottom:  bind("", "G", "last", "G", "end"),
		Open:    bind("", "enter", "open", "enter"),
		Back:    bind("", "esc", "back", "esc"),
		NextTab: bind("", "tab", "next tab", "tab"),
		PrevTab: bind("", "shift+tab", "previous tab", "shift+tab"),
		Filter:  bind("", "/", "filter", "/"),

		Declare:  bind(model.ActDeclare, "n", "declare", "n"),
		Ack:      bind(model.ActAck, "a", "acknowledge", "a"),
		Assign:   bind(model.ActAssign, "i", "assign commander", "i"),
		Severity: bind(model.ActSeverity, "s", "severity", "s"),
		Toggle:   bind(model.ActCheck, "space", "toggle item", "space"),
		NA:       bind(model.ActCheck, "x", "item n/a", "x"),
		Note:     bind(model.ActNote, "m", "note", "m"),
		Contain:  bind(model.ActContain, "c", "contain", "c"),
		Resolve:  bind(model.ActResolve, "r", "resolve", "r"),
		Close:    bind(model.ActClose, "C", "close", "C"),
		Reopen:   bind(model.ActReopen, "o", "re-open", "o"),
		Notify:   bind(model.ActNotify, "N", "record notification", "N"),
		Update:   bind(model.ActStatusUpdate, "u", "status update", "u"),
		Breach:   bind(model.ActBreach, "b", "breach facts", "b"),
		Aware:    bind(model.ActAware, "w", "awareness time", "w"),
		Edit:     bind(model.ActEdit, "E", "correct facts", "E"),
		Export:   bind(model.ActRead, "e", "export", "e"),
		// A free key: the Notification tab drafts one customer's notice at a time.
		NextCustomer: bind(model.ActDraft, "]", "next customer's draft", "]"),

		EditSection: bind(model.ActReviewWrite, "enter", "edit section", "enter"),
		AddAction:   bind(model.ActActionItem, "+", "add action item", "+"),
		Complete:    bind(model.ActReviewDone, "y", "review complete", "y"),

		Exercise: bind(model.ActExercise, "X", "exercise clock", "X"),
		Dismiss:  bind("", "d", "dismiss message", "d"),
		Messages: bind("", "M", "all messages", "M"),
	}
}

// helpGroup is a titled column of the help screen.
type helpGroup struct {
	title string
	keys  []binding
}

// exerciseHelp is the group shown on an exercise database.
func (k keyMap) exerciseHelp() helpGroup {
	return helpGroup{"Exercise", []binding{k.Exercise, k.Dismiss, k.Messages}}
}

// boardHelp and incidentHelp list what each page offers, for the help
// screen and the footer.
func (k keyMap) boardHelp() []helpGroup {
	return []helpGroup{
		{"Move", []binding{k.Up, k.Down, k.Top, k.Bottom, k.Open, k.Filter, k.Help, k.Quit}},
		{"Act on the selected incident", []binding{k.Declare, k.Ack, k.Assign, k.Severity, k.Note, k.Contain, k.Resolve, k.Close}},
	}
}

func (k keyMap) incidentHelp() []helpGroup {
	return []helpGroup{
		{"Move", []binding{k.Up, k.Down, k.NextTab, k.PrevTab, k.Back, k.Help, k.Quit}},
		{"Incident", []binding{k.Ack, k.Assign, k.Severity, k.Note, k.Contain, k.Resolve, k.Close, k.Reopen, k.Export}},
		{"Checklist tab", []binding{k.Toggle, k.NA}},
		{"Notification tab", []binding{k.NextCustomer, k.Notify, k.Update}},
		{"Review tab", []binding{k.EditSection, k.AddAction, k.Toggle, k.Complete}},
		{"Details tab", []binding{k.Breach, k.Aware, k.Edit}},
	}
}
