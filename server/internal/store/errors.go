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
