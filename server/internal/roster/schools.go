package roster

import (
	"context"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Schools lists the schools the caller may see, a page at a time.
func (s *Service) Schools(ctx context.Context, p auth.Principal, ks store.Keyset) ([]domain.School, error) {
	return s.store.Schools(ctx, p.Scope(), ks)
}

// Teachers lists the teachers of the schools the caller may see, of the
// schools named when schoolIDs is not empty, a page at a time. A school
// outside the caller's scope answers not found, the same as a school that
// does not exist.
func (s *Service) Teachers(ctx context.Context, p auth.Principal, schoolIDs []string, ks store.Keyset) ([]domain.Teacher, error) {
	sc, err := s.store.NarrowScope(ctx, p.ObserveScope(), schoolIDs)
	if err != nil {
		return nil, err
	}
	return s.store.Teachers(ctx, sc, ks)
}

// School returns a school the caller may see.
func (s *Service) School(ctx context.Context, p auth.Principal, id string) (domain.School, error) {
	if !domain.ValidID(id) || !p.Scope().HasSchool(id) {
		return domain.School{}, domain.Errorf(domain.ENotFound, "school not found")
	}
	return s.store.School(ctx, p.DistrictID(), id)
}

// CreateSchool adds a school to the district.
func (s *Service) CreateSchool(ctx context.Context, p auth.Principal, sc domain.School, c auth.Client) (domain.School, error) {
	if err := p.RequireAdmin(); err != nil {
		return sc, err
	}
	sc.ID, sc.DistrictID, sc.Active = domain.NewID(), p.DistrictID(), true
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSchool(ctx, sc); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "school.create",
			Entity: "school", EntityID: sc.ID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"name": sc.Name}})
	})
	if err != nil {
		return sc, err
	}
	return s.store.School(ctx, p.DistrictID(), sc.ID)
}

// SchoolChange is a partial update of a school.
type SchoolChange struct {
	Name, GradeBand, ExternalID *string
	Active                      *bool
	// Rev, when set, is the revision the change was made on.
	Rev *int64
}

// UpdateSchool renames, re-bands or (de)activates a school.
func (s *Service) UpdateSchool(ctx context.Context, p auth.Principal, id string, ch SchoolChange, c auth.Client) (domain.School, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.School{}, err
	}
	if !domain.ValidID(id) {
		return domain.School{}, domain.Errorf(domain.ENotFound, "school not found")
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		sc, err := tx.School(ctx, p.DistrictID(), id)
		if err != nil {
			return err
		}
		if ch.Rev != nil && *ch.Rev != sc.Rev {
			return domain.Stale("the school", *ch.Rev, sc.Rev)
		}
		set(&sc.Name, ch.Name)
		set(&sc.GradeBand, ch.GradeBand)
		set(&sc.ExternalID, ch.ExternalID)
		if ch.Active != nil {
			sc.Active = *ch.Active
		}
		if err := tx.UpdateSchool(ctx, sc); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "school.update",
			Entity: "school", EntityID: id, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return domain.School{}, err
	}
	return s.store.School(ctx, p.DistrictID(), id)
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

// Teacher returns a teacher of a school the caller may list.
func (s *Service) Teacher(ctx context.Context, p auth.Principal, id string) (domain.Teacher, error) {
	notFound := domain.Errorf(domain.ENotFound, "teacher not found")
	if !domain.ValidID(id) {
		return domain.Teacher{}, notFound
	}
	t, err := s.store.Teacher(ctx, p.DistrictID(), id)
	if domain.ErrorCode(err) == domain.ENotFound || (err == nil && !p.ObserveScope().HasSchool(t.SchoolID)) {
		return domain.Teacher{}, notFound
	}
	return t, err
}

// CreateTeacher adds a roster entry.
func (s *Service) CreateTeacher(ctx context.Context, p auth.Principal, t domain.Teacher, c auth.Client) (domain.Teacher, error) {
	if err := p.RequireAdmin(); err != nil {
		return t, err
	}
	t.ID, t.DistrictID, t.Active = domain.NewID(), p.DistrictID(), true
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := requireSchool(ctx, tx, p.DistrictID(), t.SchoolID); err != nil {
			return err
		}
		if err := tx.CreateTeachers(ctx, []domain.Teacher{t}); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "teacher.create",
			Entity: "teacher", EntityID: t.ID, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return t, err
	}
	return s.store.Teacher(ctx, p.DistrictID(), t.ID)
}

// TeacherChange is a partial update of a teacher.
type TeacherChange struct {
	SchoolID, GivenName, FamilyName, Email, ExternalID *string
	Grades, Subjects                                   *[]string
	Active                                             *bool
	// Rev, when set, is the revision the change was made on.
	Rev *int64
}

// UpdateTeacher changes a roster entry; moving a teacher keeps their history.
func (s *Service) UpdateTeacher(ctx context.Context, p auth.Principal, id string, ch TeacherChange, c auth.Client) (domain.Teacher, error) {
	if err := p.RequireAdmin(); err != nil {
		return domain.Teacher{}, err
	}
	if !domain.ValidID(id) {
		return domain.Teacher{}, domain.Errorf(domain.ENotFound, "teacher not found")
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		t, err := tx.Teacher(ctx, p.DistrictID(), id)
		if err != nil {
			return err
		}
		if ch.Rev != nil && *ch.Rev != t.Rev {
			return domain.Stale("the teacher", *ch.Rev, t.Rev)
		}
		ApplyTeacherChange(&t, ch)
		if ch.SchoolID != nil {
			if err := requireSchool(ctx, tx, p.DistrictID(), t.SchoolID); err != nil {
				return err
			}
		}
		if err := tx.UpdateTeacher(ctx, t); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "teacher.update",
			Entity: "teacher", EntityID: id, IP: c.IP, UserAgent: c.UserAgent})
	})
	if err != nil {
		return domain.Teacher{}, err
	}
	return s.store.Teacher(ctx, p.DistrictID(), id)
}

func requireSchool(ctx context.Context, tx *store.Tx, districtID, id string) error {
	if !domain.ValidID(id) {
		return domain.Invalid("the teacher needs a school", domain.FieldError{Field: "school_id", Message: "must name a school"})
	}
	found, err := tx.SchoolsExist(ctx, districtID, []string{id})
	if err != nil {
		return err
	}
	if !found[id] {
		return domain.Invalid("no such school in this district", domain.FieldError{Field: "school_id", Message: "no such school"})
	}
	return nil
}

// ApplyTeacherChange writes the fields a change sets onto t.
func ApplyTeacherChange(t *domain.Teacher, ch TeacherChange) {
	set(&t.SchoolID, ch.SchoolID)
	set(&t.GivenName, ch.GivenName)
	set(&t.FamilyName, ch.FamilyName)
	set(&t.Email, ch.Email)
	set(&t.ExternalID, ch.ExternalID)
	if ch.Grades != nil {
		t.Grades = *ch.Grades
	}
	if ch.Subjects != nil {
		t.Subjects = *ch.Subjects
	}
	if ch.Active != nil {
		t.Active = *ch.Active
	}
}
