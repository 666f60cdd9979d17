package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token is an API token, without its secret.
type Token struct {
	ID       int64
	Name     string
	ReadOnly bool
	Created  time.Time
	LastUsed time.Time
	// Account owns the token; Admin is whether the account is an admin's,
	// who sees and changes every account's subscriptions and sources.
	Account string
	Admin   bool
}

// AdminAccount is the account that owns what was made before accounts,
// and the tokens made without naming one.
const AdminAccount = "admin"

// Account is who owns tokens, subscriptions and API sources.
type Account struct {
	Name    string
	Admin   bool
	Created time.Time
}

// TokenSpec is what CreateToken makes: a token's name, and the account it
// belongs to, made on first use (an admin's if Admin; an existing account
// named with Admin becomes an admin's).
type TokenSpec struct {
	Name     string
	Account  string // "" is AdminAccount
	Admin    bool
	ReadOnly bool
}

// randomText is n random bytes as URL-safe text: a secret.
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenPrefix starts every token, so one found in a log or a repository
// is recognisable.
const tokenPrefix = "fh_"

// ErrTokenExists is returned for a token name already in use.
var ErrTokenExists = errors.New("a token with that name exists")

// CreateToken makes a token of 32 random bytes and keeps only its hash,
// making its account if there is none. The returned secret is the only
// copy.
func (s *Store) CreateToken(ctx context.Context, spec TokenSpec, now time.Time) (secret string, err error) {
	if spec.Account == "" {
		spec.Account = AdminAccount
	}
	secret = tokenPrefix + randomText(32)
	h := sha256.Sum256([]byte(secret))
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (name, admin, created) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		spec.Account, spec.Admin, millis(now)); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	if spec.Admin {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET admin = 1 WHERE name = ?`, spec.Account); err != nil {
			return "", fmt.Errorf("create token: %w", err)
		}
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO tokens (name, hash, read_only, created, account) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		spec.Name, h[:], spec.ReadOnly, millis(now), spec.Account)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return "", ErrTokenExists
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return secret, nil
}

// Accounts lists the accounts by name.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, admin, created FROM accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		var created int64
		if err := rows.Scan(&a.Name, &a.Admin, &created); err != nil {
			return nil, err
		}
		a.Created = fromMillis(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Tokens lists the tokens, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT t.id, t.name, t.read_only, t.created, t.last_used, t.account, COALESCE(a.admin, 0)
		FROM tokens t LEFT JOIN accounts a ON a.name = t.account ORDER BY t.id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created, used int64
		if err := rows.Scan(&t.ID, &t.Name, &t.ReadOnly, &created, &used, &t.Account, &t.Admin); err != nil {
			return nil, err
		}
		t.Created, t.LastUsed = fromMillis(created), fromMillis(used)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken deletes the named token; ok is false if there is none.
func (s *Store) RevokeToken(ctx context.Context, name string) (ok bool, err error) {
	r, err := s.write.ExecContext(ctx, `DELETE FROM tokens WHERE name = ?`, name)
	if err != nil {
		return false, fmt.Errorf("revoke token: %w", err)
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

// ErrBadToken is returned for a token that is not, or no longer, valid.
var ErrBadToken = errors.New("invalid or revoked token")

// Authenticate returns the token a secret belongs to, comparing hashes in
// constant time, and notes its use.
func (s *Store) Authenticate(ctx context.Context, secret string, now time.Time) (Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Token{}, ErrBadToken
	}
	h := sha256.Sum256([]byte(secret))
	var t Token
	var stored []byte
	var created, used int64
	err := s.read.QueryRowContext(ctx, `SELECT t.id, t.name, t.hash, t.read_only, t.created, t.last_used, t.account, COALESCE(a.admin, 0)
		FROM tokens t LEFT JOIN accounts a ON a.name = t.account WHERE t.hash = ?`, h[:]).
		Scan(&t.ID, &t.Name, &stored, &t.ReadOnly, &created, &used, &t.Account, &t.Admin)
	if errors.Is(err, sql.ErrNoRows) || err == nil && subtle.ConstantTimeCompare(stored, h[:]) != 1 {
		return Token{}, ErrBadToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	t.Created, t.LastUsed = fromMillis(created), now
	if _, err := s.write.ExecContext(ctx, `UPDATE tokens SET last_used = ? WHERE id = ?`, millis(now), t.ID); err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	return t, nil
}
