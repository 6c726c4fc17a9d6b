package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected parameters: %s", h)
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Fatal("the right password was refused")
	}
	if VerifyPassword(h, "correct horse batterz") {
		t.Fatal("a wrong password was accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password share a salt")
	}
	if VerifyPassword("", "anything at all") || VerifyPassword("garbage", "anything at all") {
		t.Fatal("an empty or malformed hash matched")
	}
}

func TestPasswordRules(t *testing.T) {
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("a short password was hashed")
	}
	if _, err := HashPassword(strings.Repeat("x", MaxPasswordLength+1)); err == nil {
		t.Fatal("an over-long password was hashed")
	}
}
