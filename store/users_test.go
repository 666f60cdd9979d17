package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestUsersAndSessions: a user signs in with a session kept in the
// database, which lasts while it is used, ends when idle too long, and
// ends when the password changes or the user is removed; the last admin
// stays.
func TestUsersAndSessions(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := open(t, b.data(t))
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		if err := s.AddUser(ctx, User{Name: "ana", Admin: true, Password: "$argon2id$a"}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.AddUser(ctx, User{Name: "ana", Password: "$argon2id$b"}, now); !errors.Is(err, ErrExists) {
			t.Errorf("ana again: %v", err)
		}
		// The admin account of the tokens becomes a user too.
		if err := s.AddUser(ctx, User{Name: AdminAccount, Password: "$argon2id$c"}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.AddUser(ctx, User{Name: "min-jun", Password: "$argon2id$d"}, now); err != nil {
			t.Fatal(err)
		}
		users, err := s.Users(ctx)
		if err != nil || len(users) != 3 || users[0].Name != "admin" || !users[0].Admin || !users[1].Admin || users[2].Admin {
			t.Fatalf("users %+v, %v", users, err)
		}

		secret, sess, err := s.CreateSession(ctx, "min-jun", now)
		if err != nil || sess.CSRF == "" || secret == "" {
			t.Fatal(err)
		}
		got, err := s.SessionOf(ctx, secret, now.Add(20*24*time.Hour), 30*24*time.Hour)
		if err != nil || got.Account != "min-jun" || got.Admin || got.CSRF != sess.CSRF {
			t.Fatalf("session %+v, %v", got, err)
		}
		// Used on day 20, it lasts to day 50; not a day more idle.
		if _, err := s.SessionOf(ctx, secret, now.Add(49*24*time.Hour), 30*24*time.Hour); err != nil {
			t.Errorf("a session used 29 days ago: %v", err)
		}
		if _, err := s.SessionOf(ctx, secret, now.Add(80*24*time.Hour), 30*24*time.Hour); !errors.Is(err, ErrNoSession) {
			t.Errorf("a session idle 31 days: %v", err)
		}
		if _, err := s.SessionOf(ctx, "made-up", now, time.Hour); !errors.Is(err, ErrNoSession) {
			t.Errorf("a made-up session: %v", err)
		}

		// A new password ends every session of the user.
		one, _, _ := s.CreateSession(ctx, "min-jun", now)
		two, _, _ := s.CreateSession(ctx, "min-jun", now)
		kept, _, _ := s.CreateSession(ctx, "ana", now)
		if err := s.SetPassword(ctx, "min-jun", "$argon2id$e"); err != nil {
			t.Fatal(err)
		}
		for _, sec := range []string{one, two} {
			if _, err := s.SessionOf(ctx, sec, now, time.Hour); !errors.Is(err, ErrNoSession) {
				t.Errorf("a session after the password changed: %v", err)
			}
		}
		if _, err := s.SessionOf(ctx, kept, now, time.Hour); err != nil {
			t.Errorf("another user's session: %v", err)
		}
		if err := s.SetPassword(ctx, "nobody", "$x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a password for nobody: %v", err)
		}

		// Removing a user ends their sessions; the last admin stays.
		three, _, _ := s.CreateSession(ctx, "min-jun", now)
		if err := s.RemoveUser(ctx, "min-jun"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionOf(ctx, three, now, time.Hour); !errors.Is(err, ErrNoSession) {
			t.Errorf("a removed user's session: %v", err)
		}
		if _, err := s.UserNamed(ctx, "min-jun"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a removed user: %v", err)
		}
		if err := s.RemoveUser(ctx, "admin"); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveUser(ctx, "ana"); !errors.Is(err, ErrLastAdmin) {
			t.Errorf("the last admin removed: %v", err)
		}
		if err := s.SetAdmin(ctx, "ana", false); !errors.Is(err, ErrLastAdmin) {
			t.Errorf("the last admin made a user: %v", err)
		}
		if n, err := s.PruneSessions(ctx, now.Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("pruned %d, %v; want ana's one", n, err)
		}
	})
}
