package store

import (
	"context"
	"fmt"

	"sitrep/model"
)

// SetPolicy changes the policy: change edits a copy and says what it
// changed; the result is validated before it is stored.
func (s *Store) SetPolicy(ctx context.Context, actor model.Actor, change func(p *model.Policy) (string, error)) (model.Policy, error) {
	var out model.Policy
	_, err := s.write(ctx, actor, model.ActPolicy, func(w *wtx) (model.Event, error) {
		p, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		desc, err := change(&p)
		if err != nil {
			return model.Event{}, err
		}
		if err := p.Validate(); err != nil {
			return model.Event{}, err
		}
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE meta SET value = ? WHERE key = 'policy'", string(p.JSON())); err != nil {
			return model.Event{}, fmt.Errorf("save policy: %w", err)
		}
		if err := w.refreshAllHeld(); err != nil {
			return model.Event{}, err
		}
		out = p
		return model.Event{Time: w.now, Action: model.EvPolicy, Target: "policy", Data: map[string]string{"changes": desc}}, nil
	})
	return out, err
}
