// Package auth holds passwords, tokens, sessions and the authorization rules:
// who may see or write what.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Argon2id parameters: OWASP's minimum of 19 MiB, two passes, one lane.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	saltLen        = 16

	// MinPasswordLength and MaxPasswordLength bound what may be hashed; the
	// cap keeps a megabyte "password" from costing anything.
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// CheckPasswordRules refuses passwords that are too short or too long.
func CheckPasswordRules(password string) error {
	if len(password) < MinPasswordLength {
		return domain.Invalid("the password is too short", domain.FieldError{Field: "password", Message: fmt.Sprintf("must be at least %d characters", MinPasswordLength)})
	}
	if len(password) > MaxPasswordLength {
		return domain.Invalid("the password is too long", domain.FieldError{Field: "password", Message: fmt.Sprintf("must be at most %d characters", MaxPasswordLength)})
	}
	return nil
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	if err := CheckPasswordRules(password); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// dummyHash is compared against when no user matches, so that an unknown
// email costs the same time as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Xj0ZbIsd5uGI1+Q40x9rU4bSzkcJGZhzcFbjdJQwQns"

// VerifyPassword reports whether password matches the encoded hash. An empty
// or malformed hash never matches, and still costs one hashing.
func VerifyPassword(encoded, password string) bool {
	if len(password) > MaxPasswordLength {
		password = password[:MaxPasswordLength]
	}
	ok := true
	if encoded == "" {
		encoded, ok = dummyHash, false
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		parts, ok = strings.Split(dummyHash, "$"), false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256*1024 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1 && ok
}
