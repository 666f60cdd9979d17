package api

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/feedhound/feedhound/store"
)

// auth lets a request through with a valid token; write handlers need one
// that is not read-only.
func (a *API) auth(write, bigBody bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedhound"`)
			writeError(w, http.StatusUnauthorized, apiError{Error: "missing token: send Authorization: Bearer TOKEN (see feedhound token create)"})
			return
		}
		tok, err := a.store.Authenticate(r.Context(), strings.TrimSpace(secret), a.now())
		if errors.Is(err, store.ErrBadToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedhound", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, apiError{Error: "invalid or revoked token"})
			return
		}
		if err != nil {
			a.internal(w, err)
			return
		}
		if write && tok.ReadOnly {
			writeError(w, http.StatusForbidden, apiError{Error: fmt.Sprintf("token %q is read-only", tok.Name)})
			return
		}
		if !bigBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	}
}

// tokenKey keys the request's token in its context.
type tokenKey struct{}

// tokenOf is the token a request was let in with.
func tokenOf(r *http.Request) store.Token {
	tok, _ := r.Context().Value(tokenKey{}).(store.Token)
	return tok
}

// scope is the account whose subscriptions and sources a request sees:
// its token's, or "" (everyone's) for an admin's token.
func scope(r *http.Request) string {
	if tok := tokenOf(r); !tok.Admin {
		return tok.Account
	}
	return ""
}

// sees reports whether a request may see and change what owner owns.
func sees(r *http.Request, owner string) bool {
	s := scope(r)
	return s == "" || s == owner
}
