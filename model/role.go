package model

import (
	"strings"
)

// Role is a user's role, least to most: viewer < member < admin < owner.
type Role string

const (
	Viewer Role = "viewer"
	Member Role = "member"
	Admin  Role = "admin"
	Owner  Role = "owner"
)

// Roles lists the roles, least privileged first.
var Roles = []Role{Viewer, Member, Admin, Owner}

func (r Role) rank() int {
	for i, v := range Roles {
		if v == r {
			return i
		}
	}
	return -1
}

// AtLeast reports whether r holds at least the rights of min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= 0 && r.rank() >= min.rank() }

// ParseRole accepts one of Roles.
func ParseRole(v string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(v)))
	if r.rank() >= 0 {
		return r, nil
	}
	return "", Errorf("%q is not a role; use viewer, member, admin or owner", v)
}

// Action is something a user may try to do. Every write names one.
type Action string

// InGame says whether, on an exercise database, the action happens in the
// game and is stamped with simulated time. Managing users and keys, the
// policy, backups, access reviews and intake tokens happen to sitrep
// itself, in real time, as do logins.
func (a Action) InGame() bool {
	switch a {
	case ActManageUsers, ActPolicy, ActBackup, ActAccessReview, ActTokens, ActPurge:
		return false
	}
	return true
}

// The actions, each with the least role that may take it (see minRole).
const (
	ActRead         Action = "read"
	ActDeclare      Action = "declare"
	ActAck          Action = "ack"
	ActNote         Action = "note"
	ActCheck        Action = "check"
	ActChecklistAdd Action = "checklist_add"
	ActDraft        Action = "draft"
	ActReviewWrite  Action = "review"
	ActActionItem   Action = "action"
	ActAssign       Action = "assign"
	ActSeverity     Action = "severity"
	ActAware        Action = "aware"
	ActBreach       Action = "breach"
	ActContact      Action = "contact"
	ActSharePIR     Action = "pir_shared"
	ActNotify       Action = "notify"
	ActStatusUpdate Action = "update"
	ActReport       Action = "report"
	ActEdit         Action = "edit"
	ActPostmortem   Action = "postmortem"
	ActRestored     Action = "restored"
	ActClassify     Action = "classify"
	ActContain      Action = "contain"
	ActResolve      Action = "resolve"
	ActClose        Action = "close"
	ActReopen       Action = "reopen"
	ActReviewDone   Action = "review_complete"
	ActDelete       Action = "delete"
	ActExercise     Action = "exercise"
	ActManageUsers  Action = "users"
	ActAccessReview Action = "access_review"
	ActBackup       Action = "backup"
	ActPolicy       Action = "policy"
	ActTokens       Action = "tokens"
	ActPurge        Action = "purge" // hard-deleting incidents past retention
)

// actionInfo is the least role for an action and how to say it in a refusal.
var actionInfo = map[Action]struct {
	min  Role
	verb string
}{
	ActRead:         {Viewer, "read incidents"},
	ActAudit:        {Viewer, "read the audit log"},
	ActDraft:        {Viewer, "read notification drafts"},
	ActDeclare:      {Member, "declare incidents"},
	ActAck:          {Member, "acknowledge incidents"},
	ActNote:         {Member, "add notes"},
	ActCheck:        {Member, "work checklist items"},
	ActChecklistAdd: {Member, "add checklist items"},
	ActReviewWrite:  {Member, "write the review"},
	ActActionItem:   {Member, "manage review action items"},
	ActAssign:       {Admin, "assign the incident commander"},
	ActSeverity:     {Admin, "change severity"},
	ActAware:        {Admin, "move the awareness time"},
	ActBreach:       {Admin, "change breach facts"},
	ActContact:      {Admin, "set the point of contact"},
	ActSharePIR:     {Member, "share the post-incident review with a customer"},
	ActNotify:       {Admin, "record notifications sent"},
	ActStatusUpdate: {Admin, "record status updates sent"},
	ActReport:       {Admin, "record regulatory reports"},
	ActEdit:         {Admin, "correct incidents"},
	ActPostmortem:   {Admin, "record post-mortems"},
	ActRestored:     {Admin, "record service restored"},
	ActClassify:     {Admin, "classify incidents"},
	ActContain:      {Admin, "mark incidents contained"},
	ActResolve:      {Admin, "resolve incidents"},
	ActClose:        {Admin, "close incidents"},
	ActReopen:       {Admin, "re-open incidents"},
	ActReviewDone:   {Admin, "mark reviews complete"},
	ActDelete:       {Admin, "delete incidents"},
	ActExercise:     {Admin, "run exercises"},
	ActManageUsers:  {Owner, "manage users and keys"},
	ActAccessReview: {Owner, "record access reviews"},
	ActBackup:       {Owner, "take backups"},
	ActPurge:        {Owner, "purge incidents past retention"},
	ActPolicy:       {Owner, "change the policy"},
	ActTokens:       {Owner, "manage intake tokens"},
}

// ActAudit is reading the audit log (every event); viewers may.
const ActAudit Action = "audit"

// Authorize is the one place that decides whether a role may take an
// action. Every write in the store calls it, and interfaces ask it to show
// which actions are available. A refusal says who can.
func Authorize(role Role, a Action) error {
	info, ok := actionInfo[a]
	if !ok {
		return Errorf("%q is not a known action", a)
	}
	if role.rank() < 0 {
		return Errorf("no role is set, so nothing can be done; ask an owner to give you one")
	}
	if role.AtLeast(info.min) {
		return nil
	}
	who := map[Role]string{Member: "members, admins and owners", Admin: "admins and owners", Owner: "owners"}[info.min]
	return Errorf("%s %s cannot %s; only %s can", article(role), role, info.verb, who)
}

// MinRole is the least role that may take an action.
func MinRole(a Action) Role { return actionInfo[a].min }

// Actor is who does something and from where; it goes into every event.
type Actor struct {
	Name   string
	Role   Role
	Source string // local:<user>@<host>, ssh:<ip>:<port> or exercise
	// UserID is the user an SSH session acts for (0 for local use, an
	// exercise or a token). When set, every write is authorised against
	// the user's role as the database holds it at that moment, not the
	// role the session started with: a removed or demoted user's next
	// write is refused at once.
	UserID int64
}

// ChangeRole checks that actor may move the user name from role from to
// role to: a real change, and never the actor's own role over SSH (an
// owner could lock themselves out, or have a stolen session keep a
// foothold by demoting its own user). Authorisation is Authorize's.
func ChangeRole(actor Actor, name string, from, to Role) error {
	if from == to {
		return Errorf("%s is already %s %s; nothing changed", name, article(to), to)
	}
	if strings.EqualFold(name, actor.Name) && !strings.HasPrefix(actor.Source, "local:") {
		return Errorf("you cannot change your own role over SSH; ask another owner, or do it locally")
	}
	return nil
}

func article(r Role) string {
	if r == Admin || r == Owner {
		return "an"
	}
	return "a"
}
