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
}

// tokenPrefix starts every token, so one found in a log or a repository
// is recognisable.
const tokenPrefix = "fh_"

// ErrTokenExists is returned for a token name already in use.
var ErrTokenExists = errors.New("a token with that name exists")

// CreateToken makes a token of 32 random bytes and keeps only its hash.
// The returned secret is the only copy.
func (s *Store) CreateToken(ctx context.Context, name string, readOnly bool, now time.Time) (secret string, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	h := sha256.Sum256([]byte(secret))
	r, err := s.write.ExecContext(ctx, `INSERT INTO tokens (name, hash, read_only, created) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, h[:], readOnly, millis(now))
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return "", ErrTokenExists
	}
	return secret, nil
}

// Tokens lists the tokens, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, read_only, created, last_used FROM tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created, used int64
		if err := rows.Scan(&t.ID, &t.Name, &t.ReadOnly, &created, &used); err != nil {
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
	err := s.read.QueryRowContext(ctx, `SELECT id, name, hash, read_only, created, last_used FROM tokens WHERE hash = ?`, h[:]).
		Scan(&t.ID, &t.Name, &stored, &t.ReadOnly, &created, &used)
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
