package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// successorInfo names what the key derived from a spent refresh token is
// for, so that it can never serve as a key for anything else.
const successorInfo = "walkthrough refresh successor v1"

// sealSuccessor seals the successor of a refresh token so that only the
// holder of the spent token can open it: AES-256-GCM with a key derived by
// HKDF-SHA256 from the spent token (32 random bytes, never stored; the
// database holds its SHA-256, from which the key cannot be derived), bound
// to the successor's id. The result is base64 text: nonce, then ciphertext.
func sealSuccessor(spent, successorID, successor string) (string, error) {
	aead, err := successorAEAD(spent)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(successor)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("auth: nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(successor), []byte(successorID))), nil
}

var errSealBroken = errors.New("auth: the sealed successor does not open with this token")

// openSuccessor opens what sealSuccessor sealed, given the same spent token
// and successor id.
func openSuccessor(spent, successorID, sealed string) (string, error) {
	aead, err := successorAEAD(spent)
	if err != nil {
		return "", err
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", errSealBroken
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(successorID))
	if err != nil {
		return "", errSealBroken
	}
	return string(plain), nil
}

func successorAEAD(spent string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(spent), nil, successorInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("auth: derive the successor key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: successor cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
