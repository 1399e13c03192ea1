package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"sitrep/model"
	"sitrep/store"
)

// exercise is the exercise's state, or nil on a live database.
func (m *Model) exercise() *store.ExerciseStatus {
	if m.snap == nil {
		return nil
	}
	return m.snap.Exercise
}

// message is the newest broadcast message not dismissed here, or nil.
func (m *Model) message() *model.Event {
	if m.snap == nil || len(m.snap.Messages) == 0 {
		return nil
	}
	last := &m.snap.Messages[len(m.snap.Messages)-1]
	if last.Seq <= m.dismissed {
		return nil
	}
	return last
}

// exerciseLines go under the header on an exercise: where the clock
// stands (the next inject's countdown for admins only, who run it), and
// the newest broadcast message until it is dismissed.
func (m *Model) exerciseLines(w int) []string {
	ex := m.exercise()
	if ex == nil {
		return nil
	}
	state := "running"
	switch {
	case !ex.Started:
		state = "not started"
	case ex.Paused:
		state = "paused"
	}
	status := fmt.Sprintf("exercise %s · %d× · injects %d of %d", state, ex.Speed, ex.InjectsFired, ex.InjectsTotal)
	if model.Authorize(m.o.Actor.Role, model.ActExercise) == nil && !ex.NextInject.IsZero() {
		status += " · next inject in " + model.FormatHMS(ex.NextInject.Sub(m.now))
	}
	lines := []string{m.st.Banner.Render("EXERCISE") + " " + m.st.Dim.Render(clip(status, w-10))}
	if msg := m.message(); msg != nil {
		// The whole message, up to four lines; the log (M) has the rest.
		const most = 4
		text := wrap(strings.Join(model.SanitizeLines(msg.Data["text"]), " "), w-8)
		more := len(text) > most
		if more {
			text = text[:most]
		}
		for i, l := range text {
			label := "       "
			if i == 0 {
				label = m.st.Banner.Render("MESSAGE")
			}
			lines = append(lines, label+" "+l)
		}
		hint := "d dismisses · M all messages"
		if more {
			hint = "… the rest in M, all messages · d dismisses"
		}
		lines = append(lines, "        "+m.st.Dim.Render(clip(hint, w-8)))
	}
	return lines
}

// openMessages shows the exercise's broadcast messages, newest last, in
// the pager.
func (m *Model) openMessages() {
	loc := m.policy().Location()
	var lines []string
	for _, e := range m.snap.Messages {
		lines = append(lines, m.st.Dim.Render(e.Time.In(loc).Format("Mon 2 Jan 15:04:05")+" (game time)"))
		for _, text := range model.SanitizeLines(e.Data["text"]) {
			for _, l := range wrap(text, max(10, m.width-4)) {
				lines = append(lines, "    "+l)
			}
		}
	}
	if len(lines) == 0 {
		lines = append(lines, m.st.Dim.Render("No messages yet."))
	}
	m.pager = pagerState{title: "Exercise messages, oldest first", lines: lines}
	m.pager.at.key("G", len(lines), m.height-3) // open on the newest
	m.back, m.page = m.page, pagePager
}

// exerciseForm drives the simulated clock (admins).
func (m *Model) exerciseForm() *form {
	ex := m.exercise()
	var actions []choice
	if !ex.Started {
		actions = append(actions, choice{"start", "start", "Start the simulated clock at the speed below."})
	} else if ex.Paused {
		actions = append(actions, choice{"resume", "resume", "Let the clock run again from where it stands."})
	} else {
		actions = append(actions, choice{"pause", "pause", "Stop the clock where it is."})
	}
	actions = append(actions,
		choice{"next", "next inject", "Jump the clock to the next inject and fire it; a paused clock stays paused."},
		choice{"speed", "set speed", "Change the speed; simulated time stays continuous."})
	speedHint := "simulated seconds per real second, 1–600; a change applies with the action"
	return &form{title: "Exercise clock", fields: []*field{
		choiceField("action", "Action", actions, actions[0].value),
		textField("speed", "Speed", strconv.Itoa(ex.Speed), func(v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return model.Errorf("the speed is a whole number from 1 to %d", model.MaxSpeed)
			}
			return model.ValidateSpeed(n)
		}).withHint(speedHint),
	}, submit: func(v values) tea.Cmd {
		speed, _ := strconv.Atoi(strings.TrimSpace(v["speed"]))
		action := v["action"]
		return m.write(m.form, func(c context.Context, st *store.Store, a model.Actor) (model.Event, error) {
			// A speed changed in the form applies with whichever action,
			// before it: a resumed clock runs at the speed asked for.
			if action != "start" && action != "speed" && speed != ex.Speed {
				if _, err := st.ExerciseSpeed(c, a, speed); err != nil {
					return model.Event{}, err
				}
			}
			switch action {
			case "start":
				return st.ExerciseStart(c, a, speed)
			case "pause":
				return st.ExercisePause(c, a)
			case "resume":
				return st.ExerciseResume(c, a)
			case "next":
				return st.ExerciseNext(c, a)
			}
			return st.ExerciseSpeed(c, a, speed)
		})
	}}
}
