package domain

import "github.com/google/uuid"

// NewID returns a time-ordered UUIDv7 as a string. Time-ordered keys keep
// inserts appending to the end of indexes on both databases.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// ValidID reports whether s is a UUID in canonical form.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
