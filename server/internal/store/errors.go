package store

import "github.com/walkthrough-edu/walkthrough/server/internal/domain"

func notFound(what string) error {
	return domain.Errorf(domain.ENotFound, "%s not found", what)
}

func conflict(format string, args ...any) error {
	return domain.Errorf(domain.EConflict, format, args...)
}

func invalidRef(what string) error {
	return domain.Errorf(domain.EInvalid, "%s refers to a record that does not exist", what)
}

// otherDistrict is the refusal of a write whose id belongs to a record of
// another district: nothing of that record is read or changed.
func otherDistrict(what string) error {
	return domain.Errorf(domain.EForbidden, "this %s is not one you may change", what)
}
