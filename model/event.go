package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event is one append-only record of a write: the timeline, the audit log
// and the change feed at once. Data holds the facts; Text renders them
// when the event is shown.
type Event struct {
	Seq        int64
	Time       time.Time
	Actor      string
	Source     string
	Action     Action
	Target     string // INC-7, user:alice, policy, ...
	IncidentID int64  // 0 when the event is not about an incident
	Data       map[string]string
}

// On an exercise database an event stamped with real time rather than
// the game's simulated time says so in its data: clock "real".
const (
	DataClock = "clock"
	ClockReal = "real"
)

// GameTime says whether the event's time is the game's (or the only one,
// on a live database).
func (e Event) GameTime() bool { return e.Data[DataClock] != ClockReal }

// Event actions that are not themselves authorised actions: the server's
// own (logins), or one of several events an authorised action writes.
const (
	EvLogin          Action = "login"
	EvLoginRefused   Action = "login_refused"
	EvUserAdd        Action = "user_add"
	EvUserRemove     Action = "user_remove"
	EvUserKeyAdd     Action = "user_key_add"
	EvPolicy                = ActPolicy
	EvBackup                = ActBackup
	EvActionAdd      Action = "action_add"
	EvActionDone     Action = "action_done"
	EvOverride       Action = "override"
	EvExerciseNew    Action = "exercise_new"
	EvExerciseStart  Action = "exercise_start"
	EvExercisePause  Action = "exercise_pause"
	EvExerciseResume Action = "exercise_resume"
	EvExerciseSpeed  Action = "exercise_speed"
	EvExerciseNext   Action = "exercise_next"
	EvMessage        Action = "message"
	EvUserRole       Action = "user_role"
	EvAccessReview          = ActAccessReview
	EvTokenAdd       Action = "token_add"
	EvTokenRemove    Action = "token_remove"
	// EvIntakeRefused is an HTTP intake request refused for a missing or
	// wrong token (rate-limited, as refused keys are).
	EvIntakeRefused Action = "intake_refused"
	EvRestore       Action = "restore"
	EvPurge                = ActPurge // refs and counts, never content
)

// sentence renders one kind of event from its facts; times are shown in loc.
type sentence func(e Event, g func(string) string, at func(string) string) string

// sentences is every event action with its sentence. An action missing
// here is a bug (TestEveryEventActionRenders).
var sentences = map[Action]sentence{
	ActDeclare: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("declared %s %s %q", e.Target, g("severity"), g("title"))
	},
	ActAck: func(e Event, g, _ func(string) string) string { return "acknowledged " + e.Target + overridden(g) },
	ActContain: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("marked %s %s (was %s)", e.Target, g("to"), g("from")) + overridden(g)
	},
	ActResolve: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("marked %s %s (was %s)", e.Target, g("to"), g("from")) + overridden(g)
	},
	ActClose: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("marked %s %s (was %s)", e.Target, g("to"), g("from")) + overridden(g)
	},
	ActReopen: func(e Event, _, _ func(string) string) string {
		return fmt.Sprintf("re-opened %s (resolved → acknowledged)", e.Target)
	},
	EvOverride: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("overrode the %s gate of %s (%s): %s", g("action"), e.Target, g("gates"), g("reason"))
	},
	ActAssign: func(e Event, g, _ func(string) string) string {
		why := ""
		if g("reason") != "" {
			why = " (" + g("reason") + ")"
		}
		if g("from") == "" {
			return fmt.Sprintf("assigned %s as incident commander of %s%s", g("to"), e.Target, why)
		}
		return fmt.Sprintf("handed %s over from commander %s to %s%s", e.Target, g("from"), g("to"), why)
	},
	ActSeverity: func(e Event, g, _ func(string) string) string {
		s := fmt.Sprintf("changed severity of %s from %s to %s", e.Target, g("from"), g("to"))
		if g("reason") != "" {
			s += ": " + g("reason")
		}
		return s
	},
	ActEdit: func(e Event, g, at func(string) string) string {
		var parts []string
		for _, f := range EditFields {
			if _, ok := e.Data[f.Key+"_to"]; !ok {
				continue
			}
			from, to := g(f.Key+"_from"), g(f.Key+"_to")
			if f.Time {
				from, to = at(from), at(to)
			}
			parts = append(parts, fmt.Sprintf("%s %q → %q", f.Label, from, to))
		}
		return fmt.Sprintf("corrected %s: %s", e.Target, strings.Join(parts, "; "))
	},
	ActBreach: func(e Event, g, _ func(string) string) string {
		return "updated breach facts of " + e.Target + ": " + g("changes")
	},
	ActContact: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("set the point of contact of %s to %s", e.Target, g("name"))
	},
	ActSharePIR: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("shared the post-incident review of %s with %s", e.Target, g("customer"))
	},
	ActAware: func(e Event, g, at func(string) string) string {
		return fmt.Sprintf("moved awareness of %s from %s to %s", e.Target, at(g("from")), at(g("to")))
	},
	ActCheck: func(e Event, g, _ func(string) string) string {
		switch g("state") {
		case string(ItemNA):
			return fmt.Sprintf("marked %s n/a on %s: %s", g("key"), e.Target, g("reason"))
		case string(ItemTodo):
			return fmt.Sprintf("reset %s to do on %s", g("key"), e.Target)
		}
		return fmt.Sprintf("marked %s done on %s", g("key"), e.Target)
	},
	ActChecklistAdd: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("added checklist item %s to %s: %s", g("key"), e.Target, g("item"))
	},
	ActNote: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("noted on %s: %s", e.Target, g("text"))
	},
	ActNotify: func(e Event, g, at func(string) string) string {
		kind := "initial notification"
		if g("follow_up") == "true" {
			kind = "follow-up notification"
		}
		return fmt.Sprintf("recorded %s of %s by %s on %s, sent %s", kind, g("customer"), g("channel"), e.Target, at(g("sent_at")))
	},
	ActStatusUpdate: func(e Event, g, _ func(string) string) string {
		switch {
		case g("public") != "true":
			return fmt.Sprintf("recorded a status update on %s: %s", e.Target, g("text"))
		case g("was_public_title") != "":
			return fmt.Sprintf("posted a public status update on %s, retitled from %q to %q: %s", e.Target, g("was_public_title"), g("public_title"), g("text"))
		case g("public_title") != "":
			return fmt.Sprintf("posted a public status update on %s as %q: %s", e.Target, g("public_title"), g("text"))
		}
		return fmt.Sprintf("posted a public status update on %s: %s", e.Target, g("text"))
	},
	ActReport: func(e Event, g, at func(string) string) string {
		return fmt.Sprintf("recorded the %s report on %s, submitted %s", g("kind"), e.Target, at(g("at")))
	},
	ActPostmortem: func(e Event, g, at func(string) string) string {
		if g("published") == "true" {
			return fmt.Sprintf("recorded the post-mortem of %s as published, %s", e.Target, at(g("at")))
		}
		return fmt.Sprintf("recorded the post-mortem of %s as sent to %s, %s", e.Target, g("customer"), at(g("at")))
	},
	ActRestored: func(e Event, g, at func(string) string) string {
		s := fmt.Sprintf("recorded service of %s restored at %s", e.Target, at(g("at")))
		if g("recovery_point") != "" {
			s += ", data recovered to " + at(g("recovery_point"))
		}
		return s
	},
	ActClassify: func(e Event, g, at func(string) string) string {
		return fmt.Sprintf("classified %s as a major ICT-related incident (DORA) at %s", e.Target, at(g("at")))
	},
	ActReviewWrite: func(e Event, g, _ func(string) string) string {
		if g("complete") == "true" {
			return fmt.Sprintf("wrote the review of %s: %s; marked it complete", e.Target, g("sections"))
		}
		if g("completion_cleared") == "true" {
			return fmt.Sprintf("wrote the review of %s: %s; it is no longer complete", e.Target, g("sections"))
		}
		return fmt.Sprintf("wrote the review of %s: %s", e.Target, g("sections"))
	},
	ActReviewDone: func(e Event, _, _ func(string) string) string {
		return fmt.Sprintf("marked the review of %s complete", e.Target)
	},
	EvActionAdd: func(e Event, g, _ func(string) string) string {
		s := fmt.Sprintf("added action item %s to %s: %s (owner %s, due %s)", g("n"), e.Target, g("title"), g("owner"), g("due"))
		if g("completion_cleared") == "true" {
			s += "; the review is no longer complete"
		}
		return s
	},
	EvActionDone: func(e Event, g, _ func(string) string) string {
		return fmt.Sprintf("marked action item %s of %s done: %s", g("n"), e.Target, g("title"))
	},
	ActDelete: func(e Event, _, _ func(string) string) string { return "deleted " + e.Target },
	EvLogin: func(_ Event, g, _ func(string) string) string {
		if g("ca") != "" {
			return fmt.Sprintf("logged in with certificate %q (serial %s) of key %s, signed by CA %s", g("cert_key_id"), g("cert_serial"), g("fingerprint"), g("ca"))
		}
		return fmt.Sprintf("logged in with key %s", g("fingerprint"))
	},
	EvLoginRefused: func(_ Event, g, _ func(string) string) string {
		if g("user") == "" { // written before the name was kept
			return fmt.Sprintf("refused key %s", g("fingerprint"))
		}
		return fmt.Sprintf("refused key %s for user %q", g("fingerprint"), g("user"))
	},
	EvUserAdd: func(_ Event, g, _ func(string) string) string {
		return fmt.Sprintf("added user %s as %s", g("name"), g("role"))
	},
	EvUserRemove: func(_ Event, g, _ func(string) string) string {
		if g("handover_to") != "" {
			return fmt.Sprintf("removed user %s, handing %s over to %s", g("name"), g("incidents"), g("handover_to"))
		}
		return fmt.Sprintf("removed user %s", g("name"))
	},
	EvUserKeyAdd: func(_ Event, g, _ func(string) string) string {
		return fmt.Sprintf("added key %s to user %s", g("fingerprint"), g("name"))
	},
	EvPolicy: func(_ Event, g, _ func(string) string) string { return "changed the policy: " + g("changes") },
	EvUserRole: func(_ Event, g, _ func(string) string) string {
		return fmt.Sprintf("changed the role of user %s from %s to %s", g("name"), g("from"), g("to"))
	},
	EvAccessReview: func(_ Event, g, _ func(string) string) string {
		txt := fmt.Sprintf("recorded an access review of %s users (%s flagged)", g("users"), g("flagged"))
		if g("note") != "" {
			txt += ": " + g("note")
		}
		return txt
	},
	EvTokenAdd:    func(_ Event, g, _ func(string) string) string { return "added intake token " + g("name") },
	EvTokenRemove: func(_ Event, g, _ func(string) string) string { return "removed intake token " + g("name") },
	EvIntakeRefused: func(_ Event, g, _ func(string) string) string {
		return fmt.Sprintf("refused HTTP intake at %s: %s", g("path"), g("reason"))
	},
	EvBackup: func(_ Event, g, _ func(string) string) string {
		s := "took a backup to " + g("path")
		if g("scheduled") == "true" {
			s = "took a scheduled backup to " + g("path")
		}
		if g("encrypted") != "" {
			s += fmt.Sprintf(", encrypted to %s recipient(s)", g("recipients"))
		}
		if n := g("pruned"); n != "" && n != "0" {
			s += fmt.Sprintf("; removed the %s oldest", n)
		}
		return s
	},
	EvPurge: func(_ Event, g, _ func(string) string) string {
		s := fmt.Sprintf("purged %s incident(s) closed over %s days ago and their %s event(s): %s", g("incidents"), g("retention_days"), g("events"), g("refs"))
		if n := g("held"); n != "" && n != "0" {
			s += fmt.Sprintf("; kept %s with an open deadline", n)
		}
		return s
	},
	EvRestore: func(_ Event, g, at func(string) string) string {
		if g("replica") != "" {
			if g("at") != "" {
				return fmt.Sprintf("restored this database from the replica %s as of %s", g("replica"), at(g("at")))
			}
			return "restored this database from the replica " + g("replica")
		}
		return "restored this database from the backup " + g("from")
	},
	EvExerciseNew: func(_ Event, g, at func(string) string) string {
		return fmt.Sprintf("created the exercise %q: %s injects from %s", g("title"), g("injects"), at(g("start")))
	},
	EvExerciseStart: func(_ Event, g, _ func(string) string) string {
		return fmt.Sprintf("started the exercise clock at %s×", g("speed"))
	},
	EvExercisePause:  func(Event, func(string) string, func(string) string) string { return "paused the exercise clock" },
	EvExerciseResume: func(Event, func(string) string, func(string) string) string { return "resumed the exercise clock" },
	EvExerciseSpeed: func(_ Event, g, _ func(string) string) string {
		return fmt.Sprintf("set the exercise clock to %s×", g("speed"))
	},
	EvExerciseNext: func(Event, func(string) string, func(string) string) string {
		return "jumped the exercise clock to the next inject"
	},
	EvMessage: func(_ Event, g, _ func(string) string) string { return "message: " + g("text") },
}

// overridden is the note a transition's sentence carries when it passed a
// gate by override (the override event beside it says which and why).
func overridden(g func(string) string) string {
	if g("override") == "" {
		return ""
	}
	return " by override: " + g("override")
}

// EventActions lists every action an event can have, sorted.
func EventActions() []Action {
	out := make([]Action, 0, len(sentences))
	for a := range sentences {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Text is the event as a sentence for people, with the times it holds
// shown in loc (the policy's zone; nil means UTC).
func (e Event) Text(loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	g := func(k string) string { return e.Data[k] }
	at := func(v string) string { return ShowTime(v, loc) }
	if s, ok := sentences[e.Action]; ok {
		return s(e, g, at)
	}
	// An action this build does not know (written by a newer one).
	return strings.TrimSpace(string(e.Action) + " " + e.Target)
}

// ShowTime shows a time stored as RFC 3339 in loc; anything else as it is.
func ShowTime(v string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return v
	}
	return t.In(loc).Format(TimeFormat)
}
