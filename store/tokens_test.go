package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) { forEach(t, testTokens) }

func testTokens(t *testing.T, b backend) {
	ctx := context.Background()
	s := open(t, b.data(t))
	secret, err := s.CreateToken(ctx, TokenSpec{Name: "newsroom-app", ReadOnly: false}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "fh_") || len(secret) != 3+43 {
		t.Errorf("secret %q: want fh_ and 32 bytes in base64", secret)
	}
	ro, _ := s.CreateToken(ctx, TokenSpec{Name: "dashboard", ReadOnly: true}, t0)
	if _, err := s.CreateToken(ctx, TokenSpec{Name: "dashboard", ReadOnly: true}, t0); !errors.Is(err, ErrTokenExists) {
		t.Errorf("duplicate name: %v", err)
	}
	tok, err := s.Authenticate(ctx, secret, t0)
	if err != nil || tok.Name != "newsroom-app" || tok.ReadOnly {
		t.Errorf("Authenticate = %+v, %v", tok, err)
	}
	if tok, err := s.Authenticate(ctx, ro, t0); err != nil || !tok.ReadOnly {
		t.Errorf("read-only token = %+v, %v", tok, err)
	}
	for _, bad := range []string{"", "fh_", secret + "x", strings.ToUpper(secret), "Bearer " + secret} {
		if _, err := s.Authenticate(ctx, bad, t0); !errors.Is(err, ErrBadToken) {
			t.Errorf("Authenticate(%q) = %v, want ErrBadToken", bad, err)
		}
	}
	// Only the hash is stored.
	var n int
	s.read.QueryRow(`SELECT COUNT(*) FROM tokens WHERE hash = ? OR name = ?`, secret, secret).Scan(&n)
	if n != 0 {
		t.Error("the secret is stored as it is")
	}
	list, _ := s.Tokens(ctx)
	if len(list) != 2 || !list[0].LastUsed.Equal(t0) {
		t.Errorf("tokens %+v", list)
	}
	if ok, _ := s.RevokeToken(ctx, "newsroom-app"); !ok {
		t.Error("revoke failed")
	}
	if _, err := s.Authenticate(ctx, secret, t0); !errors.Is(err, ErrBadToken) {
		t.Errorf("revoked token still works: %v", err)
	}
	if ok, _ := s.RevokeToken(ctx, "newsroom-app"); ok {
		t.Error("revoked twice")
	}
}
