package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if err := Verify("correct horse battery", h); err != nil {
		t.Errorf("the password: %v", err)
	}
	if err := Verify("correct horse battere", h); !errors.Is(err, ErrMismatch) {
		t.Errorf("another password: %v", err)
	}
	h2, _ := Hash("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are the same: no salt")
	}
	if err := Verify("anything at all", ""); !errors.Is(err, ErrMismatch) {
		t.Errorf("no password set: %v", err)
	}
	for _, bad := range []string{"$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=8,t=1,p=1$!!$aGFzaA"} {
		if err := Verify("anything at all", bad); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := Check("short"); err == nil || err.Error() != "a password needs at least 10 characters (this one has 5)" {
		t.Errorf("short: %v", err)
	}
	if err := Check("비밀번호는열글자입니다"); err != nil {
		t.Errorf("ten Hangul characters: %v", err)
	}
	if err := Check(strings.Repeat("x", MaxLength+1)); err == nil {
		t.Error("a password past the bound")
	}
}

// BenchmarkVerify is what one sign-in costs in CPU, beside its 19 MiB.
func BenchmarkVerify(b *testing.B) {
	h, _ := Hash("correct horse battery")
	for b.Loop() {
		if err := Verify("correct horse battery", h); err != nil {
			b.Fatal(err)
		}
	}
}
