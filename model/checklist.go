package model

import (
	"fmt"
	"time"
)

// ItemState is a checklist item's state.
type ItemState string

const (
	ItemTodo ItemState = "todo"
	ItemDone ItemState = "done"
	ItemNA   ItemState = "n/a"
)

// Mark is the state as a checkbox: [ ] to do, [x] done, [-] n/a.
func (s ItemState) Mark() string {
	switch s {
	case ItemDone:
		return "[x]"
	case ItemNA:
		return "[-]"
	}
	return "[ ]"
}

// checklistMarkdown is a checklist as Markdown list items: the mark, the
// item and its key, and who settled it when (with the reason for n/a).
func checklistMarkdown(items []ChecklistItem, ts func(time.Time) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		extra := ""
		if it.State != ItemTodo {
			extra = fmt.Sprintf(" — %s by %s, %s", it.State, SanitizeLine(it.By), ts(it.At))
			if it.Reason != "" {
				extra += ": " + SanitizeLine(it.Reason)
			}
		}
		out = append(out, fmt.Sprintf("- %s %s (`%s`)%s", it.State.Mark(), SanitizeLine(it.Item), it.Key, extra))
	}
	return out
}

// ChecklistTmpl is one item of a checklist template.
type ChecklistTmpl struct {
	Key  string `json:"key"`
	Item string `json:"item"`
}

// ChecklistItem is one item of an incident's checklist.
type ChecklistItem struct {
	Key    string
	Item   string
	State  ItemState
	Reason string
	By     string
	At     time.Time
}

// Progress counts checklist items; n/a items count as settled.
type Progress struct {
	Done, NA, Total int
}

// Settled is the number of items done or n/a.
func (p Progress) Settled() int { return p.Done + p.NA }

// Checklist keys the model acts on.
const (
	CheckAck             = "ack"
	CheckAssignCommander = "assign-commander"
)

// DefaultChecklist is the containment checklist of the incident response
// procedure. The keys are stable: scripts rely on them.
func DefaultChecklist() []ChecklistTmpl {
	return []ChecklistTmpl{
		{"ack", "Acknowledge the alert or report; open the incident channel"},
		{"scope", "Determine initial scope: affected customers, data involved, suspected vector or failure mode"},
		{"rotate-credentials", "Rotate credentials"},
		{"block-ips", "Block offending IPs"},
		{"revoke-sessions", "Revoke sessions"},
		{"disable-features", "Disable affected features"},
		{"rollback", "Roll back recent deployments"},
		{"preserve-evidence", "Preserve logs, snapshots and other evidence"},
		{"assign-commander", "Assign an incident commander (P0/P1)"},
	}
}

// ValidChecklistKey checks a key: 1–40 lower-case letters, digits and
// dashes, starting with a letter.
func ValidChecklistKey(k string) error {
	ok := len(k) > 0 && len(k) <= 40 && k[0] >= 'a' && k[0] <= 'z'
	for i := 0; ok && i < len(k); i++ {
		c := k[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return Errorf("%q is not a checklist key; use 1–40 lower-case letters, digits and dashes, starting with a letter", k)
	}
	return nil
}

// CheckChange is a change to one checklist item.
type CheckChange struct {
	Key    string
	NA     bool   // mark n/a (needs Reason)
	Reason string // why it does not apply
	Undo   bool   // back to todo
}

// Apply decides the item's new state, or refuses.
func (c *CheckChange) Apply(ref string, it ChecklistItem) (ItemState, error) {
	switch {
	case c.Undo && c.NA:
		return "", Errorf("choose either --undo or --na, not both")
	case c.Undo:
		if it.State == ItemTodo {
			return "", Errorf("%s item %q is already to do", ref, it.Key)
		}
		return ItemTodo, nil
	case c.NA:
		r, err := CleanText("reason", c.Reason, SingleLine, 1, MaxReason)
		if err != nil {
			return "", Errorf("marking an item n/a needs a reason: containment actions apply as appropriate, so say why this one does not")
		}
		c.Reason = r
		if it.State == ItemNA {
			return "", Errorf("%s item %q is already n/a; --undo it first to change the reason", ref, it.Key)
		}
		return ItemNA, nil
	}
	if it.State == ItemDone {
		return "", Errorf("%s item %q is already done", ref, it.Key)
	}
	return ItemDone, nil
}
