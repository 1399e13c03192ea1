package model

import (
	"fmt"
	"strings"
	"time"
)

// Event is one append-only record of a write: the timeline, the audit log
// and the change feed at once. Data holds the facts; Text renders them.
type Event struct {
	Seq        int64
	Time       time.Time
	Actor      string
	Source     string
	Action     string
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

// Event actions that are not incident actions.
const (
	EvLogin        = "login"
	EvLoginRefused = "login_refused"
	EvUserAdd      = "user_add"
	EvUserRemove   = "user_remove"
	EvUserKeyAdd   = "user_key_add"
	EvUserRole     = "user_role"
	EvAccessReview = "access_review"
	EvPolicy       = "policy"
	EvBackup       = "backup"
	EvTokenAdd     = "token_add"
	EvTokenRemove  = "token_remove"
	// EvIntakeRefused is an HTTP intake request refused for a missing or
	// wrong token (rate-limited, as refused keys are).
	EvIntakeRefused = "intake_refused"
	EvRestore       = "restore"
	EvPurge         = "purge" // refs and counts, never content
)

// Text is the event as a sentence for people.
func (e Event) Text() string {
	d := e.Data
	g := func(k string) string { return d[k] }
	switch e.Action {
	case string(ActDeclare):
		return fmt.Sprintf("declared %s %s %q", e.Target, g("severity"), g("title"))
	case string(ActAck):
		return "acknowledged " + e.Target
	case string(ActContain), string(ActResolve), string(ActClose):
		return fmt.Sprintf("marked %s %s (was %s)", e.Target, g("to"), g("from"))
	case string(ActReopen):
		return fmt.Sprintf("re-opened %s (resolved → acknowledged)", e.Target)
	case string(ActAssign):
		if g("from") == "" {
			return fmt.Sprintf("assigned %s as incident commander of %s", g("to"), e.Target)
		}
		return fmt.Sprintf("handed %s over from commander %s to %s", e.Target, g("from"), g("to"))
	case string(ActSeverity):
		return fmt.Sprintf("changed severity of %s from %s to %s", e.Target, g("from"), g("to"))
	case string(ActBreach):
		return "updated breach facts of " + e.Target + ": " + g("changes")
	case string(ActContact):
		return fmt.Sprintf("set the point of contact of %s to %s", e.Target, g("name"))
	case string(ActSharePIR):
		return fmt.Sprintf("shared the post-incident review of %s with %s", e.Target, g("customer"))
	case string(ActAware):
		return fmt.Sprintf("moved awareness of %s from %s to %s", e.Target, g("from"), g("to"))
	case string(ActCheck):
		switch g("state") {
		case string(ItemNA):
			return fmt.Sprintf("marked %s n/a on %s: %s", g("key"), e.Target, g("reason"))
		case string(ItemTodo):
			return fmt.Sprintf("reset %s to do on %s", g("key"), e.Target)
		}
		return fmt.Sprintf("marked %s done on %s", g("key"), e.Target)
	case string(ActChecklistAdd):
		return fmt.Sprintf("added checklist item %s to %s: %s", g("key"), e.Target, g("item"))
	case string(ActNote):
		return fmt.Sprintf("noted on %s: %s", e.Target, g("text"))
	case string(ActNotify):
		kind := "initial notification"
		if g("follow_up") == "true" {
			kind = "follow-up notification"
		}
		return fmt.Sprintf("recorded %s of %s by %s on %s, sent %s", kind, g("customer"), g("channel"), e.Target, g("sent_at"))
	case string(ActStatusUpdate):
		switch {
		case g("public") != "true":
			return fmt.Sprintf("recorded a status update on %s: %s", e.Target, g("text"))
		case g("was_public_title") != "":
			return fmt.Sprintf("posted a public status update on %s, retitled from %q to %q: %s", e.Target, g("was_public_title"), g("public_title"), g("text"))
		case g("public_title") != "":
			return fmt.Sprintf("posted a public status update on %s as %q: %s", e.Target, g("public_title"), g("text"))
		}
		return fmt.Sprintf("posted a public status update on %s: %s", e.Target, g("text"))
	case string(ActReport):
		return fmt.Sprintf("recorded the %s report on %s, submitted %s", g("kind"), e.Target, g("at"))
	case string(ActReviewWrite):
		if g("complete") == "true" {
			return fmt.Sprintf("wrote the review of %s: %s; marked it complete", e.Target, g("sections"))
		}
		if g("completion_cleared") == "true" {
			return fmt.Sprintf("wrote the review of %s: %s; it is no longer complete", e.Target, g("sections"))
		}
		return fmt.Sprintf("wrote the review of %s: %s", e.Target, g("sections"))
	case string(ActReviewDone):
		return fmt.Sprintf("marked the review of %s complete", e.Target)
	case "action_add":
		if g("completion_cleared") == "true" {
			return fmt.Sprintf("added action item %s to %s: %s (owner %s, due %s); the review is no longer complete", g("n"), e.Target, g("title"), g("owner"), g("due"))
		}
		return fmt.Sprintf("added action item %s to %s: %s (owner %s, due %s)", g("n"), e.Target, g("title"), g("owner"), g("due"))
	case "action_done":
		return fmt.Sprintf("marked action item %s of %s done: %s", g("n"), e.Target, g("title"))
	case string(ActDelete):
		return "deleted " + e.Target
	case EvLogin:
		if g("ca") != "" {
			return fmt.Sprintf("logged in with certificate %q (serial %s) of key %s, signed by CA %s", g("cert_key_id"), g("cert_serial"), g("fingerprint"), g("ca"))
		}
		return fmt.Sprintf("logged in with key %s", g("fingerprint"))
	case EvLoginRefused:
		if g("user") == "" { // written before the name was kept
			return fmt.Sprintf("refused key %s", g("fingerprint"))
		}
		return fmt.Sprintf("refused key %s for user %q", g("fingerprint"), g("user"))
	case EvUserAdd:
		return fmt.Sprintf("added user %s as %s", g("name"), g("role"))
	case EvUserRemove:
		return fmt.Sprintf("removed user %s", g("name"))
	case EvUserRole:
		return fmt.Sprintf("changed the role of user %s from %s to %s", g("name"), g("from"), g("to"))
	case EvAccessReview:
		txt := fmt.Sprintf("recorded an access review of %s users (%s flagged)", g("users"), g("flagged"))
		if g("note") != "" {
			txt += ": " + g("note")
		}
		return txt
	case EvUserKeyAdd:
		return fmt.Sprintf("added key %s to user %s", g("fingerprint"), g("name"))
	case EvPolicy:
		return "changed the policy: " + g("changes")
	case EvTokenAdd:
		return fmt.Sprintf("added intake token %s", g("name"))
	case EvTokenRemove:
		return fmt.Sprintf("removed intake token %s", g("name"))
	case EvIntakeRefused:
		return fmt.Sprintf("refused HTTP intake at %s: %s", g("path"), g("reason"))
	case EvBackup:
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
	case EvPurge:
		s := fmt.Sprintf("purged %s incident(s) closed over %s days ago and their %s event(s): %s", g("incidents"), g("retention_days"), g("events"), g("refs"))
		if n := g("held"); n != "" && n != "0" {
			s += fmt.Sprintf("; kept %s with an open deadline", n)
		}
		return s
	case EvRestore:
		if g("replica") != "" {
			if g("at") != "" {
				return fmt.Sprintf("restored this database from the replica %s as of %s", g("replica"), g("at"))
			}
			return "restored this database from the replica " + g("replica")
		}
		return "restored this database from the backup " + g("from")
	case "exercise_new":
		return fmt.Sprintf("created the exercise %q: %s injects from %s", g("title"), g("injects"), g("start"))
	case "exercise_start":
		return fmt.Sprintf("started the exercise clock at %s×", g("speed"))
	case "exercise_pause":
		return "paused the exercise clock"
	case "exercise_resume":
		return "resumed the exercise clock"
	case "exercise_speed":
		return fmt.Sprintf("set the exercise clock to %s×", g("speed"))
	case "exercise_next":
		return "jumped the exercise clock to the next inject"
	case "message":
		return "message: " + g("text")
	}
	keys := make([]string, 0, len(d))
	for k, v := range d {
		keys = append(keys, k+"="+v)
	}
	return strings.TrimSpace(e.Action + " " + e.Target + " " + strings.Join(keys, " "))
}
