package ssh

import (
	"context"
	"errors"
	"slices"

	"sitrep/model"
	"sitrep/store"
)

// Revocation is immediate: every session follows its user through the
// hub, which reloads the users after each change to the database, by
// this process or another (the store's change feed polls for those). A
// session whose user is removed ends, saying why; one whose role changes
// is told the new role. The store authorises each write against the
// role the database holds at that moment (model.Actor.UserID), so
// nothing rests on this reaching a session first.

// errUserRemoved is the cause a removed user's session ends with.
var errUserRemoved = errors.New("an owner removed your user from sitrep, so this session has ended")

// follow watches the user id holding role until ctx ends, calling onRole
// with each new role and onRemoved once when the user is removed (then it
// stops). Callbacks run on the follower's goroutine.
func (s *Server) follow(ctx context.Context, id int64, role model.Role, onRole func(model.Role), onRemoved func()) {
	sub, stop := s.cfg.Hub.Subscribe()
	go func() {
		defer stop()
		// check reports whether to keep following.
		check := func() bool {
			if snap := s.cfg.Hub.Snapshot(); snap != nil {
				i := slices.IndexFunc(snap.Users, func(u model.User) bool { return u.ID == id })
				if i >= 0 && snap.Users[i].Role == role {
					return true
				}
			}
			// The snapshot says otherwise, or it predates the user: the
			// database decides, so a stale snapshot never ends a session.
			u, err := s.cfg.Store.UserByID(ctx, id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				onRemoved()
				return false
			case err != nil:
				return ctx.Err() == nil // a failed look-up: the next change looks again
			case u.Role != role:
				role = u.Role
				onRole(role)
			}
			return true
		}
		if !check() {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-sub:
				if !ok || !check() {
					return
				}
			}
		}
	}()
}
