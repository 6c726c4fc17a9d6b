package sync

import (
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Err is the domain error a change's result answers with when one change
// goes through REST instead of a push (PUT /observations/{id}, the cycle
// routes): nil when it was applied (or was before), else the code the API
// maps to its status. A conflict carries the server's record and revision, a clash the record in
// the way.
func (r Result) Err() error {
	msg := func(def string) string {
		if r.Error != nil && r.Error.Message != "" {
			return r.Error.Message
		}
		return def
	}
	switch r.Status {
	case StatusApplied, StatusDuplicate:
		return nil
	case StatusForbidden:
		return domain.Errorf(domain.EForbidden, "%s", msg("not allowed"))
	case StatusConflict:
		e := domain.Errorf(domain.EConflict, "%s", msg("the record changed since it was read"))
		if r.Current != nil {
			e.CurrentRev, e.Current = r.Current.Rev, r.Current
		}
		return e
	case StatusGone:
		return domain.Errorf(domain.EGone, "%s", msg("the record was deleted"))
	}
	if r.Error != nil && r.Error.Code == CodeServerError {
		return domain.Errorf(domain.EInternal, "%s", r.Error.Message) // logged by the sync service
	}
	field := "body"
	if r.Error != nil && r.Error.Field != "" {
		field = r.Error.Field
	}
	if r.Error != nil && r.Error.Code == domain.EClash {
		return &domain.Error{Code: domain.EClash, Message: r.Error.Message, Fields: []domain.FieldError{{Field: field, Message: r.Error.Message}},
			Record: r.Error.ClashesWith}
	}
	return domain.Invalid(msg("the change is not valid"), domain.FieldError{Field: field, Message: msg("is not valid")})
}
