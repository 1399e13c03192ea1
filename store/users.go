package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sitrep/model"
)

func userNotFound(name string) error {
	return notFound{fmt.Sprintf("there is no user %s; add them with sitrep user add %s --role member", name, name)}
}

// getUser finds a current user by name, ignoring case, with their keys.
func getUser(ctx context.Context, q querier, name string) (model.User, error) {
	// A name no user can have is refused as such, not echoed back whole.
	if _, err := model.CleanUserName(name); err != nil {
		return model.User{}, err
	}
	users, err := loadUsers(ctx, q, "u.name = ? COLLATE NOCASE", name)
	if err != nil {
		return model.User{}, err
	}
	if len(users) == 0 {
		return model.User{}, userNotFound(name)
	}
	return users[0], nil
}

func loadUsers(ctx context.Context, q querier, where string, args ...any) ([]model.User, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.role, u.created_at, u.last_login_at,
		k.fingerprint, k.type, k.key, k.comment, k.created_at, k.last_used_at
		FROM users u LEFT JOIN user_keys k ON k.user_id = u.id
		WHERE u.deleted_at IS NULL AND `+where+` ORDER BY u.name COLLATE NOCASE, k.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	defer rows.Close()
	var users []model.User
	for rows.Next() {
		var (
			u                  model.User
			role               string
			created, login     sql.NullInt64
			fp, typ, key, comm sql.NullString
			added, used        sql.NullInt64
		)
		if err := rows.Scan(&u.ID, &u.Name, &role, &created, &login, &fp, &typ, &key, &comm, &added, &used); err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
		if len(users) == 0 || users[len(users)-1].ID != u.ID {
			u.Role, u.CreatedAt, u.LastLoginAt = model.Role(role), fromUnix(created), fromUnix(login)
			users = append(users, u)
		}
		if fp.Valid {
			last := &users[len(users)-1]
			last.Keys = append(last.Keys, model.Key{Fingerprint: fp.String, Type: typ.String, Text: key.String, Comment: comm.String,
				AddedAt: fromUnix(added), LastUsedAt: fromUnix(used)})
		}
	}
	return users, rows.Err()
}

// Users lists the current users with their keys.
func (s *Store) Users(ctx context.Context) ([]model.User, error) {
	return loadUsers(ctx, s.r, "1")
}

// User finds a user by name.
func (s *Store) User(ctx context.Context, name string) (model.User, error) {
	return getUser(ctx, s.r, name)
}

// UserByKey finds the user a public key (by SHA256 fingerprint) belongs to.
func (s *Store) UserByKey(ctx context.Context, fingerprint string) (model.User, error) {
	users, err := loadUsers(ctx, s.r, "u.id = (SELECT user_id FROM user_keys WHERE fingerprint = ?)", fingerprint)
	if err != nil {
		return model.User{}, err
	}
	if len(users) == 0 {
		return model.User{}, notFound{"no user has the key " + fingerprint}
	}
	return users[0], nil
}

// UserByID finds a current user by id; ErrNotFound once removed.
func (s *Store) UserByID(ctx context.Context, id int64) (model.User, error) {
	users, err := loadUsers(ctx, s.r, "u.id = ?", id)
	if err != nil {
		return model.User{}, err
	}
	if len(users) == 0 {
		return model.User{}, notFound{"that user has been removed"}
	}
	return users[0], nil
}

// ErrRemoved is the refusal of a write by a session whose user has been
// removed.
var ErrRemoved = model.Errorf("your user has been removed by an owner, so nothing more can be done in this session")

// currentRole is a user's role as the database holds it now.
func currentRole(ctx context.Context, q querier, id int64) (model.Role, error) {
	var role string
	err := q.QueryRowContext(ctx, "SELECT role FROM users WHERE id = ? AND deleted_at IS NULL", id).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrRemoved
	}
	if err != nil {
		return "", fmt.Errorf("look up your role: %w", err)
	}
	return model.Role(role), nil
}

func (w *wtx) addKey(userID int64, name string, k model.Key) error {
	var owner string
	err := w.tx.QueryRowContext(w.ctx, "SELECT u.name FROM user_keys k JOIN users u ON u.id = k.user_id WHERE k.fingerprint = ?", k.Fingerprint).Scan(&owner)
	switch {
	case err == nil && strings.EqualFold(owner, name):
		return model.Errorf("%s already has the key %s", owner, k.Fingerprint)
	case err == nil:
		return model.Errorf("the key %s already belongs to %s; each key identifies one person", k.Fingerprint, owner)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("look up key: %w", err)
	}
	if _, err := w.tx.ExecContext(w.ctx, "INSERT INTO user_keys (user_id, fingerprint, type, key, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		userID, k.Fingerprint, k.Type, k.Text, k.Comment, w.now.Unix()); err != nil {
		return fmt.Errorf("add key: %w", err)
	}
	// A new key changes who can act as the user: access reviews read it.
	if _, err := w.tx.ExecContext(w.ctx, "UPDATE users SET updated_at = ? WHERE id = ?", w.now.Unix(), userID); err != nil {
		return fmt.Errorf("add key: %w", err)
	}
	return nil
}

func userEvent(w *wtx, action model.Action, name string, data map[string]string) model.Event {
	data["name"] = name
	return model.Event{Time: w.now, Actor: w.actor.Name, Source: w.actor.Source, Action: action, Target: "user:" + name, Data: data}
}

// AddUser adds a user with a role and any number of keys (parsed first).
func (s *Store) AddUser(ctx context.Context, actor model.Actor, name string, role model.Role, keys []string) (model.Event, error) {
	return s.write(ctx, actor, model.ActManageUsers, func(w *wtx) (model.Event, error) {
		name, err := model.CleanUserName(name)
		if err != nil {
			return model.Event{}, err
		}
		role, err := model.ParseRole(string(role))
		if err != nil {
			return model.Event{}, err
		}
		parsed := make([]model.Key, 0, len(keys))
		for _, k := range keys {
			pk, err := model.ParseKey(k)
			if err != nil {
				return model.Event{}, err
			}
			parsed = append(parsed, pk)
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		for _, k := range parsed {
			if err := pol.CheckKeyForRole(role, k.Type); err != nil {
				return model.Event{}, err
			}
		}
		if u, err := getUser(w.ctx, w.tx, name); err == nil {
			return model.Event{}, model.Errorf("there is already a user %s; add keys with sitrep user key add %s KEY", u.Name, u.Name)
		} else if !errors.Is(err, ErrNotFound) {
			return model.Event{}, err
		}
		res, err := w.tx.ExecContext(w.ctx, "INSERT INTO users (name, role, created_at, updated_at) VALUES (?, ?, ?, ?)", name, role, w.now.Unix(), w.now.Unix())
		if err != nil {
			return model.Event{}, fmt.Errorf("add user: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return model.Event{}, fmt.Errorf("add user: %w", err)
		}
		fps := make([]string, 0, len(parsed))
		for _, k := range parsed {
			if err := w.addKey(id, name, k); err != nil {
				return model.Event{}, err
			}
			fps = append(fps, k.Fingerprint)
		}
		return userEvent(w, model.EvUserAdd, name, map[string]string{"role": string(role), "keys": strings.Join(fps, ", ")}), nil
	})
}

// AddUserKey adds a key to a user.
func (s *Store) AddUserKey(ctx context.Context, actor model.Actor, name, key string) (model.Event, error) {
	return s.write(ctx, actor, model.ActManageUsers, func(w *wtx) (model.Event, error) {
		k, err := model.ParseKey(key)
		if err != nil {
			return model.Event{}, err
		}
		u, err := getUser(w.ctx, w.tx, name)
		if err != nil {
			return model.Event{}, err
		}
		pol, err := w.policy()
		if err != nil {
			return model.Event{}, err
		}
		if err := pol.CheckKeyForRole(u.Role, k.Type); err != nil {
			return model.Event{}, err
		}
		if err := w.addKey(u.ID, u.Name, k); err != nil {
			return model.Event{}, err
		}
		return userEvent(w, model.EvUserKeyAdd, u.Name, map[string]string{"fingerprint": k.Fingerprint, "type": k.Type}), nil
	})
}

// RemoveUser removes a user: soft-deleted, their keys no longer let anyone
// in. The active incidents they command are handed over to handoverTo,
// which is needed when there are any (model.Handover).
func (s *Store) RemoveUser(ctx context.Context, actor model.Actor, name, handoverTo string) (model.Event, error) {
	return s.write(ctx, actor, model.ActManageUsers, func(w *wtx) (model.Event, error) {
		u, err := getUser(w.ctx, w.tx, name)
		if err != nil {
			return model.Event{}, err
		}
		if strings.EqualFold(u.Name, w.actor.Name) && !strings.HasPrefix(w.actor.Source, "local:") {
			return model.Event{}, model.Errorf("you cannot remove yourself over SSH; ask another owner, or do it locally")
		}
		commanding, err := loadIncidents(w.ctx, w.tx, loadFull, "i.deleted_at IS NULL AND i.status != 'closed' AND i.commander = ? COLLATE NOCASE", u.Name)
		if err != nil {
			return model.Event{}, err
		}
		var to *model.User
		if handoverTo != "" {
			t, err := getUser(w.ctx, w.tx, handoverTo)
			if err != nil {
				return model.Event{}, err
			}
			to = &t
		}
		handovers, err := model.Handover(u.Name, commanding, to)
		if err != nil {
			return model.Event{}, err
		}
		for k, inc := range commanding {
			if err := w.save(inc); err != nil {
				return model.Event{}, err
			}
			if err := w.also(w.event(inc, model.ActAssign, handovers[k])); err != nil {
				return model.Event{}, err
			}
		}
		if _, err := w.tx.ExecContext(w.ctx, "DELETE FROM user_keys WHERE user_id = ?", u.ID); err != nil {
			return model.Event{}, fmt.Errorf("remove keys: %w", err)
		}
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE users SET deleted_at = ?, updated_at = ? WHERE id = ?", w.now.Unix(), w.now.Unix(), u.ID); err != nil {
			return model.Event{}, fmt.Errorf("remove user: %w", err)
		}
		fps := make([]string, 0, len(u.Keys))
		for _, k := range u.Keys {
			fps = append(fps, k.Fingerprint)
		}
		data := map[string]string{"role": string(u.Role), "keys": strings.Join(fps, ", ")}
		if len(commanding) > 0 {
			refs := make([]string, len(commanding))
			for k, inc := range commanding {
				refs[k] = inc.Ref()
			}
			data["handover_to"], data["incidents"] = to.Name, strings.Join(refs, ", ")
		}
		return userEvent(w, model.EvUserRemove, u.Name, data), nil
	})
}

// SetUserRole gives a user another role. Every open session of theirs
// follows at once: their next write is authorised against the new role
// (see model.Actor.UserID), and servers tell their consoles.
func (s *Store) SetUserRole(ctx context.Context, actor model.Actor, name string, role model.Role) (model.Event, error) {
	return s.write(ctx, actor, model.ActManageUsers, func(w *wtx) (model.Event, error) {
		role, err := model.ParseRole(string(role))
		if err != nil {
			return model.Event{}, err
		}
		u, err := getUser(w.ctx, w.tx, name)
		if err != nil {
			return model.Event{}, err
		}
		if err := model.ChangeRole(w.actor, u.Name, u.Role, role); err != nil {
			return model.Event{}, err
		}
		if _, err := w.tx.ExecContext(w.ctx, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", role, w.now.Unix(), u.ID); err != nil {
			return model.Event{}, fmt.Errorf("change role: %w", err)
		}
		return userEvent(w, model.EvUserRole, u.Name, map[string]string{"from": string(u.Role), "to": string(role)}), nil
	})
}

// RecordLogin notes an accepted SSH login: the user's last login and an
// event (action login) with the key and address. Authentication events are
// the server's, not a user action, so no role check applies.
// A certificate's login also records its key ID, serial and CA.
func (s *Store) RecordLogin(ctx context.Context, u model.User, l model.Login, source string) error {
	data := map[string]string{"name": u.Name, "fingerprint": l.Fingerprint}
	if l.Cert {
		data["cert_key_id"] = l.CertKeyID
		data["cert_serial"] = strconv.FormatUint(l.CertSerial, 10)
		data["ca"] = l.CA
	}
	return s.recordAuth(ctx, model.Actor{Name: u.Name, Source: source}, model.EvLogin, "user:"+u.Name, data, u.ID, l.Fingerprint)
}

// RecordRefusedKey notes a key that no user has (action login_refused),
// with the user name the client asked for: the client chose it, so it is
// kept as one line of at most 100 characters.
func (s *Store) RecordRefusedKey(ctx context.Context, fingerprint, user, source string) error {
	user = model.SanitizeLine(user)
	if r := []rune(user); len(r) > model.MaxName {
		user = string(r[:model.MaxName]) + "…"
	}
	return s.recordAuth(ctx, model.Actor{Name: "-", Source: source}, model.EvLoginRefused, "key:"+fingerprint,
		map[string]string{"fingerprint": fingerprint, "user": user}, 0, "")
}

// A login (userID set) also stamps the user's last login and the key's
// last use (a certificate's key is no user key, so none is stamped).
func (s *Store) recordAuth(ctx context.Context, actor model.Actor, action model.Action, target string, data map[string]string, userID int64, keyFP string) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin %s: %w", action, err)
	}
	defer tx.Rollback()
	w := &wtx{ctx: ctx, tx: tx, actor: actor}
	w.now, w.realTime = s.stamp(false) // a login happens to sitrep, not in the game
	if userID != 0 {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", w.now.Unix(), userID); err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE user_keys SET last_used_at = ? WHERE fingerprint = ? AND user_id = ?", w.now.Unix(), keyFP, userID); err != nil {
			return fmt.Errorf("record key use: %w", err)
		}
	}
	if _, err := w.appendEvent(model.Event{Action: action, Target: target, Data: data}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %s: %w", action, err)
	}
	s.feed.Publish()
	return nil
}

// RecordAccessReview records that an owner reviewed who has access
// (action access_review), with how many users and how many were flagged,
// and an optional note. It meets the access-review deadline.
func (s *Store) RecordAccessReview(ctx context.Context, actor model.Actor, note string) (model.Event, error) {
	return s.write(ctx, actor, model.ActAccessReview, func(w *wtx) (model.Event, error) {
		note, err := model.CleanText("review note", note, model.MultiLine, 0, model.MaxSummary)
		if err != nil {
			return model.Event{}, err
		}
		users, err := loadUsers(w.ctx, w.tx, "1")
		if err != nil {
			return model.Event{}, err
		}
		flagged := 0
		for _, u := range users {
			if len(model.AccessFlags(u, w.now)) > 0 {
				flagged++
			}
		}
		return model.Event{Time: w.now, Action: model.EvAccessReview, Target: "users", Data: map[string]string{
			"users": strconv.Itoa(len(users)), "flagged": strconv.Itoa(flagged), "note": note}}, nil
	})
}

// LastAccessReview is the latest access_review event; ok is false before
// the first.
func (s *Store) LastAccessReview(ctx context.Context) (ev model.Event, ok bool, err error) {
	return lastAccessReview(ctx, s.r)
}

func lastAccessReview(ctx context.Context, q querier) (model.Event, bool, error) {
	evs, err := queryEvents(ctx, q, "action = ? ORDER BY seq DESC LIMIT 1", model.EvAccessReview)
	if err != nil || len(evs) == 0 {
		return model.Event{}, false, err
	}
	return evs[0], true, nil
}
