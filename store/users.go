package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is an account a person signs in as: it has a password.
type User struct {
	Name    string
	Admin   bool
	Created time.Time
	// Password is the encoded hash of its password (internal/password).
	Password string
}

// ErrLastAdmin refuses to take the last admin with a password away:
// nobody could then manage users in the web app.
var ErrLastAdmin = errors.New("the last admin who can sign in")

// AddUser gives an account a password, making the account if there is
// none (an existing one keeps its tokens and what it owns). A user of
// that name is ErrExists.
func (s *Store) AddUser(ctx context.Context, u User, now time.Time) error {
	return s.noteWrite(s.inTx(ctx, func(tx *tx) error {
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT password FROM accounts WHERE name = ?`, u.Name).Scan(&hash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO accounts (name, admin, created, password) VALUES (?, ?, ?, ?)`, u.Name, u.Admin, millis(now), u.Password)
			return err
		case err != nil:
			return err
		case hash != "":
			return ErrExists
		}
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET password = ?, admin = CASE WHEN ? = 1 THEN 1 ELSE admin END WHERE name = ?`, u.Password, u.Admin, u.Name)
		return err
	}))
}

// Users lists the accounts that have a password, by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, admin, created, password FROM accounts WHERE password != '' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.Name, &u.Admin, &created, &u.Password); err != nil {
			return nil, err
		}
		u.Created = fromMillis(created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserNamed returns a user; ErrNotFound for an account without a password
// or none.
func (s *Store) UserNamed(ctx context.Context, name string) (User, error) {
	u := User{Name: name}
	var created int64
	err := s.read.QueryRowContext(ctx, `SELECT admin, created, password FROM accounts WHERE name = ? AND password != ''`, name).Scan(&u.Admin, &created, &u.Password)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", name, err)
	}
	u.Created = fromMillis(created)
	return u, nil
}

// SetPassword changes a user's password and signs the user out
// everywhere: every session of theirs ends.
func (s *Store) SetPassword(ctx context.Context, name, hash string) error {
	return s.changeUser(ctx, name, false, true, `UPDATE accounts SET password = ? WHERE name = ? AND password != ''`, hash, name)
}

// SetAdmin makes a user an admin, or not; the last admin who can sign in
// stays one (ErrLastAdmin).
func (s *Store) SetAdmin(ctx context.Context, name string, admin bool) error {
	return s.changeUser(ctx, name, !admin, false, `UPDATE accounts SET admin = ? WHERE name = ? AND password != ''`, admin, name)
}

// RemoveUser takes a user's password away and ends their sessions: they
// can no longer sign in. The account keeps what it owns — its alerts and
// sources go on, and admins see them — and its API tokens, which an
// admin revokes with the token command. The last admin who can sign in is
// not removed (ErrLastAdmin).
func (s *Store) RemoveUser(ctx context.Context, name string) error {
	return s.changeUser(ctx, name, true, true, `UPDATE accounts SET password = '' WHERE name = ? AND password != ''`, name)
}

// changeUser changes a user with one UPDATE, in a transaction:
// ErrNotFound when there is no such user; ErrLastAdmin, when keepAdmin,
// for the last admin who can sign in; and, with signOut, ending every
// session of the user.
func (s *Store) changeUser(ctx context.Context, name string, keepAdmin, signOut bool, update string, args ...any) error {
	return s.noteWrite(s.inTx(ctx, func(tx *tx) error {
		if keepAdmin {
			if err := notLastAdmin(ctx, tx, name); err != nil {
				return err
			}
		}
		r, err := tx.ExecContext(ctx, update, args...)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if signOut {
			_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE account = ?`, name)
		}
		return err
	}))
}

// notLastAdmin is ErrLastAdmin when name is the only admin with a
// password.
func notLastAdmin(ctx context.Context, tx *tx, name string) error {
	var others, self int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN name != ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN name = ? THEN 1 ELSE 0 END), 0)
		FROM accounts WHERE admin = 1 AND password != ''`, name, name).Scan(&others, &self)
	if err != nil {
		return err
	}
	if self > 0 && others == 0 {
		return ErrLastAdmin
	}
	return nil
}

// Session is a signed-in user's session.
type Session struct {
	Account string
	Admin   bool
	// CSRF is the token every form that changes something must carry.
	CSRF     string
	Created  time.Time
	LastSeen time.Time
}

// ErrNoSession is a session secret that is unknown, ended or expired.
var ErrNoSession = errors.New("no such session")

// sessionTouch is how stale a session's last_seen may be before a
// request writes it again: most requests then write nothing.
const sessionTouch = time.Minute

// CreateSession starts a session for a user, returning its secret (for
// the cookie, never stored) and its CSRF token.
func (s *Store) CreateSession(ctx context.Context, account string, now time.Time) (secret string, sess Session, err error) {
	secret, csrf := randomText(32), randomText(24)
	sess = Session{Account: account, CSRF: csrf, Created: now, LastSeen: now}
	h := sha256.Sum256([]byte(secret))
	_, err = s.write.ExecContext(ctx, `INSERT INTO sessions (hash, account, csrf, created, last_seen) VALUES (?, ?, ?, ?, ?)`,
		h[:], account, sess.CSRF, millis(now), millis(now))
	if s.noteWrite(err) != nil {
		return "", Session{}, fmt.Errorf("start a session: %w", err)
	}
	return secret, sess, nil
}

// SessionOf returns the session of a secret, unless it has been idle for
// longer than idle (it is then ended), or its user can no longer sign in.
// Using it keeps it alive.
func (s *Store) SessionOf(ctx context.Context, secret string, now time.Time, idle time.Duration) (Session, error) {
	h := sha256.Sum256([]byte(secret))
	var sess Session
	var created, seen int64
	err := s.read.QueryRowContext(ctx, `SELECT s.account, a.admin, s.csrf, s.created, s.last_seen FROM sessions s
		JOIN accounts a ON a.name = s.account AND a.password != '' WHERE s.hash = ?`, h[:]).
		Scan(&sess.Account, &sess.Admin, &sess.CSRF, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	sess.Created, sess.LastSeen = fromMillis(created), fromMillis(seen)
	if now.Sub(sess.LastSeen) > idle {
		s.EndSession(ctx, secret)
		return Session{}, ErrNoSession
	}
	if now.Sub(sess.LastSeen) > sessionTouch {
		if _, err := s.write.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE hash = ?`, millis(now), h[:]); s.noteWrite(err) != nil {
			return Session{}, fmt.Errorf("session: %w", err)
		}
		sess.LastSeen = now
	}
	return sess, nil
}

// EndSession ends a session (signing out).
func (s *Store) EndSession(ctx context.Context, secret string) error {
	h := sha256.Sum256([]byte(secret))
	_, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, h[:])
	return s.noteWrite(err)
}

// PruneSessions deletes the sessions idle since before a time.
func (s *Store) PruneSessions(ctx context.Context, before time.Time) (int64, error) {
	r, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen < ?`, millis(before))
	if s.noteWrite(err) != nil {
		return 0, err
	}
	return r.RowsAffected()
}
