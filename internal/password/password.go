// Package password hashes people's passwords with argon2id (RFC 9106)
// and checks them, in the PHC string format that other tools read:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinLength is the fewest characters a password may have.
const MinLength = 10

// MaxLength bounds a password, so that hashing one costs what any costs.
const MaxLength = 1024

// The cost of a hash: OWASP's first recommended setting for argon2id,
// 19 MiB of memory and two passes: 25–27 ms on one core of the 2-core
// AMD EPYC VM of docs/BENCHMARKS.md (BenchmarkVerify).
const (
	memory  = 19 * 1024 // KiB
	passes  = 2
	threads = 1
	keyLen  = 32
	saltLen = 16
)

// slots bounds the hashes computed at once to one per CPU: each holds
// 19 MiB, and a burst of sign-ins must queue, not take the memory of
// hundreds.
var slots = make(chan struct{}, runtime.GOMAXPROCS(0))

// key computes an argon2id key in one of the slots.
func key(pw string, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	return argon2.IDKey([]byte(pw), salt, t, m, p, n)
}

// Check says what is wrong with a new password, or nil.
func Check(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinLength:
		return fmt.Errorf("a password needs at least %d characters (this one has %d)", MinLength, n)
	case len(pw) > MaxLength:
		return fmt.Errorf("a password of at most %d bytes", MaxLength)
	}
	return nil
}

// Hash returns the encoded hash of a password, with a new random salt.
func Hash(pw string) (string, error) {
	if err := Check(pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	k := key(pw, salt, passes, memory, threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, passes, threads, enc.EncodeToString(salt), enc.EncodeToString(k)), nil
}

// ErrMismatch is a password that is not the one hashed.
var ErrMismatch = errors.New("wrong password")

// Verify reports whether pw is the password of an encoded hash, in
// constant time; it reads the parameters the hash was made with. An
// empty hash (no password set) never matches.
func Verify(pw, encoded string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		if encoded == "" {
			return ErrMismatch
		}
		return errors.New("not an argon2id hash")
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("an argon2id hash of another version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 100 {
		return errors.New("an argon2id hash with unusable parameters")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return errors.New("a malformed argon2id hash")
	}
	if len(pw) > MaxLength {
		return ErrMismatch
	}
	got := key(pw, salt, t, m, p, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}
