package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/feedhound/feedhound/internal/password"
	"github.com/feedhound/feedhound/store"
)

// Failed sign-ins are slowed: at most maxFailures a window per user and
// per address.
const (
	maxFailures   = 5
	failureWindow = time.Minute
	// maxTracked bounds the users and addresses remembered; past it the
	// oldest are forgotten.
	maxTracked = 100_000
)

// maxName is the longest user name (config.ValidName).
const maxName = 64

// failures counts recent failed sign-ins by user and by address.
type failures struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

func newFailures() *failures { return &failures{seen: map[string][]time.Time{}} }

// recent returns the failures of a key in the window before now.
func (f *failures) recent(key string, now time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.prune(key, now))
}

func (f *failures) prune(key string, now time.Time) []time.Time {
	ts := f.seen[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= failureWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(f.seen, key)
	} else {
		f.seen[key] = ts
	}
	return ts
}

func (f *failures) add(now time.Time, keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) > maxTracked {
		for k := range f.seen {
			f.prune(k, now) // the failures out of the window first
		}
		for k := range f.seen {
			if len(f.seen) <= maxTracked/2 {
				break
			}
			delete(f.seen, k) // then some at random, rather than grow
		}
	}
	for _, k := range keys {
		f.seen[k] = append(f.prune(k, now), now)
	}
}

// dummyHash is verified against when there is no such user, so that a
// wrong name costs what a wrong password does. It is made on first use:
// every command of the binary links this package.
var dummyHash = sync.OnceValue(func() string {
	h, err := password.Hash("not anyone's password at all")
	if err != nil {
		panic(err)
	}
	return h
})

func (a *App) loginForm(w http.ResponseWriter, r *http.Request) {
	a.page(w, http.StatusOK, "login", pageData{Title: "Sign in", CSRF: a.loginToken(w, r)})
}

// loginToken is the sign-in form's CSRF token: a random value in a
// cookie of its own, which the form must repeat (before there is a
// session, there is nothing else to tie it to).
func (a *App) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	b := make([]byte, 24)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, a.cookie(csrfCookie, tok, 0))
	return tok
}

// cookie is one of the app's cookies: for the app's path, HttpOnly,
// SameSite=Lax, Secure when the app is reached over https. maxAge 0 is a
// cookie of the browser's session; negative deletes it.
func (a *App) cookie(name, value string, maxAge int) *http.Cookie {
	path := a.base
	if path == "" {
		path = "/"
	}
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode}
}

// sameToken reports whether a form carries the token it must.
func (a *App) sameToken(r *http.Request, want string) bool {
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	name := strings.TrimSpace(r.PostFormValue("username"))
	if len(name) > maxName {
		// No user's name is longer: such a name is a wrong one, kept
		// short for the log and the counts.
		name = strings.ToValidUTF8(name[:maxName], "")
	}
	pw := r.PostFormValue("password")
	c, err := r.Cookie(csrfCookie)
	if err != nil || !a.sameToken(r, c.Value) {
		a.page(w, http.StatusForbidden, "login", pageData{Title: "Sign in", Username: name, CSRF: a.loginToken(w, r),
			Error: "This form is out of date. Sign in again."})
		return
	}
	now := a.now()
	addr := clientAddress(r)
	userKey, addrKey := "user "+name, "addr "+addr
	if a.failures.recent(userKey, now) >= maxFailures || a.failures.recent(addrKey, now) >= maxFailures {
		a.log.Warn("sign-in refused: too many failures", "user", name, "address", addr)
		w.Header().Set("Retry-After", "60")
		a.page(w, http.StatusTooManyRequests, "login", pageData{Title: "Sign in", Username: name, CSRF: c.Value,
			Error: "Too many failed sign-ins. Wait a minute and try again."})
		return
	}
	u, err := a.store.UserNamed(r.Context(), name)
	hash := u.Password
	if errors.Is(err, store.ErrNotFound) {
		hash = dummyHash()
	} else if err != nil {
		a.internal(w, err)
		return
	}
	if err := password.Verify(pw, hash); err != nil || u.Name == "" {
		a.failures.add(now, userKey, addrKey)
		a.log.Warn("sign-in failed", "user", name, "address", addr)
		a.page(w, http.StatusUnauthorized, "login", pageData{Title: "Sign in", Username: name, CSRF: c.Value,
			Error: "Wrong username or password."})
		return
	}
	secret, _, err := a.store.CreateSession(r.Context(), u.Name, now)
	if err != nil {
		a.internal(w, err)
		return
	}
	// Sessions left idle, in browsers never used again, end here: the
	// table holds no more than the sessions of the last SessionIdle.
	if _, err := a.store.PruneSessions(r.Context(), now.Add(-SessionIdle)); err != nil {
		a.log.Warn("prune sessions", "error", err)
	}
	a.log.Info("signed in", "user", u.Name, "address", addr)
	http.SetCookie(w, a.cookie(cookieName, secret, int(SessionIdle/time.Second)))
	http.SetCookie(w, a.cookie(csrfCookie, "", -1))
	http.Redirect(w, r, a.base+"/", http.StatusSeeOther)
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := a.store.EndSession(r.Context(), c.Value); err != nil {
			a.internal(w, err)
			return
		}
	}
	http.SetCookie(w, a.cookie(cookieName, "", -1))
	http.Redirect(w, r, a.base+"/login", http.StatusSeeOther)
}

// clientAddress is the address a request came from, without its port.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
