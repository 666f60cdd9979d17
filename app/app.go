// Package app is the web app where people sign in and manage their own
// alerts: sign-in with sessions kept in the database, CSRF tokens on
// every form that changes something, and the pages, rendered on the
// server from embedded templates, under a Content-Security-Policy of
// default-src 'self'.
package app

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/feedhound/feedhound/store"
)

// SessionIdle is how long a session lasts unused.
const SessionIdle = 30 * 24 * time.Hour

// cookieName is the session's cookie; csrfCookie the sign-in form's
// CSRF token, before there is a session.
const (
	cookieName = "feedhound_session"
	csrfCookie = "feedhound_csrf"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
}).ParseFS(templateFiles, "templates/*.html"))

// Options configure an App.
type Options struct {
	Store *store.Store
	// BaseURL is where people reach feedhound: its path prefixes every
	// link and the cookies' path, and https makes the cookies Secure.
	BaseURL string
	Log     *slog.Logger
	Now     func() time.Time // default time.Now
}

// App serves the web app.
type App struct {
	store    *store.Store
	base     string // the path of BaseURL, without its last slash
	secure   bool
	log      *slog.Logger
	now      func() time.Time
	failures *failures
}

// New returns the web app.
func New(o Options) *App {
	a := &App{store: o.Store, log: o.Log, now: o.Now, failures: newFailures()}
	if a.now == nil {
		a.now = time.Now
	}
	if u, err := url.Parse(o.BaseURL); err == nil {
		a.base = strings.TrimRight(u.Path, "/")
		a.secure = u.Scheme == "https"
	}
	return a
}

// Handler returns the app's routes alone.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Mount(mux)
	return mux
}

// Mount adds the app's routes to mux: / (the alerts of the user signed
// in), /login, /logout and the app's assets under /app/.
func (a *App) Mount(mux *http.ServeMux) {
	for pattern, h := range map[string]http.Handler{
		"GET /{$}":     a.signedIn(a.alerts),
		"GET /login":   http.HandlerFunc(a.loginForm),
		"POST /login":  http.HandlerFunc(a.login),
		"POST /logout": a.signedIn(a.logout),
		"GET /app/":    http.StripPrefix("/app/", http.FileServerFS(mustSub(assets, "assets"))),
	} {
		mux.Handle(pattern, secureHeaders(h))
	}
}

func mustSub(fsys embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// secureHeaders sets what every page of the app is served with.
func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// sessionKey keys the signed-in user's session in a request's context.
type sessionKey struct{}

// maxForm bounds the body of a form.
const maxForm = 64 << 10

// signedIn serves h to a signed-in user, whose session is in the
// request's context; others go to the sign-in page. A request that
// changes something must carry the session's CSRF token.
func (a *App) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := a.now()
		c, err := r.Cookie(cookieName)
		var sess store.Session
		if err == nil {
			sess, err = a.store.SessionOf(r.Context(), c.Value, now, SessionIdle)
		}
		if errors.Is(err, store.ErrNoSession) || errors.Is(err, http.ErrNoCookie) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, a.base+"/login", http.StatusSeeOther)
			} else {
				a.page(w, http.StatusUnauthorized, "message", pageData{Title: "Signed out", Message: "Your session has ended. Sign in again."})
			}
			return
		}
		if err != nil {
			a.internal(w, err)
			return
		}
		if sess.LastSeen.Equal(now) {
			// The session was used again (SessionOf noted it): its cookie
			// lasts SessionIdle from now, as the session does.
			http.SetCookie(w, a.cookie(cookieName, c.Value, int(SessionIdle/time.Second)))
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if r.Method != http.MethodGet && !a.sameToken(r, sess.CSRF) {
			a.page(w, http.StatusForbidden, "message", pageData{Title: "Refused", Message: "This form is out of date or was not sent from feedhound. Go back, reload the page and try again."})
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	}
}

func sessionOf(r *http.Request) store.Session {
	s, _ := r.Context().Value(sessionKey{}).(store.Session)
	return s
}

// pageData is what the templates are given.
type pageData struct {
	Title   string
	Base    string
	Session store.Session
	Message string
	Error   string
	// The sign-in form.
	Username, CSRF string
	Alerts         []alertRow
	Truncated      bool // the alerts listed are the first maxListed
}

func (a *App) page(w http.ResponseWriter, status int, name string, d pageData) {
	d.Base = a.base
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name+".html", d); err != nil {
		a.log.Error("render page", "page", name, "error", err)
	}
}

func (a *App) internal(w http.ResponseWriter, err error) {
	a.log.Error("web app", "error", err)
	a.page(w, http.StatusInternalServerError, "message", pageData{Title: "Something went wrong", Message: "feedhound could not do that; the log says why."})
}
