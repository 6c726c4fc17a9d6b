package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type schoolRow struct {
	ID         string
	DistrictID string
	ExternalID *string
	Name       string
	GradeBand  string
	Active     bool
	Rev        int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (schoolRow) TableName() string { return "schools" }

func (r schoolRow) toDomain() domain.School {
	return domain.School{ID: r.ID, DistrictID: r.DistrictID, ExternalID: deref(r.ExternalID), Name: r.Name,
		GradeBand: r.GradeBand, Active: r.Active, Rev: r.Rev, UpdatedAt: r.UpdatedAt}
}

// CreateSchool inserts a school.
func (tx *Tx) CreateSchool(ctx context.Context, s domain.School) error {
	if err := s.Validate(); err != nil {
		return err
	}
	row := schoolRow{ID: s.ID, DistrictID: s.DistrictID, ExternalID: nullable(s.ExternalID), Name: s.Name,
		GradeBand: s.GradeBand, Active: s.Active, Rev: 1, CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.db.Create(&row).Error; err != nil {
		return translate(err, "school")
	}
	return tx.AppendChange(ctx, Change{DistrictID: s.DistrictID, Entity: "school", RecordID: s.ID, SchoolID: s.ID, Rev: 1})
}

// inScope narrows a query on a table with a school_id column to the scope.
func inScope(db *gorm.DB, column string, sc domain.Scope) *gorm.DB {
	db = db.Where("district_id = ?", sc.DistrictID)
	if !sc.AllSchools {
		if len(sc.SchoolIDs) == 0 {
			return db.Where("1 = 0")
		}
		db = db.Where(column+" IN ?", sc.SchoolIDs)
	}
	return db
}

// Schools lists the schools in scope by name, a page at a time (SchoolKey).
func (s *Store) Schools(ctx context.Context, sc domain.Scope, ks Keyset) ([]domain.School, error) {
	var rows []schoolRow
	if err := ks.apply(inScope(s.db.WithContext(ctx), "id", sc), "name", "id").Find(&rows).Error; err != nil {
		return nil, translate(err, "school")
	}
	out := make([]domain.School, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

type teacherRow struct {
	ID         string
	DistrictID string
	SchoolID   string
	ExternalID *string
	GivenName  string
	FamilyName string
	Email      string
	Grades     string
	Subjects   string
	Active     bool
	Rev        int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (teacherRow) TableName() string { return "teachers" }

func (r teacherRow) toDomain() domain.Teacher {
	return domain.Teacher{ID: r.ID, DistrictID: r.DistrictID, SchoolID: r.SchoolID, ExternalID: deref(r.ExternalID),
		GivenName: r.GivenName, FamilyName: r.FamilyName, Email: r.Email, Grades: decodeList(r.Grades),
		Subjects: decodeList(r.Subjects), Active: r.Active, Rev: r.Rev, UpdatedAt: r.UpdatedAt}
}

// CreateTeachers inserts roster entries in one statement per batch.
func (tx *Tx) CreateTeachers(ctx context.Context, ts []domain.Teacher) error {
	rows := make([]teacherRow, 0, len(ts))
	changes := make([]Change, 0, len(ts))
	for _, t := range ts {
		if err := t.Validate(); err != nil {
			return err
		}
		rows = append(rows, teacherRow{ID: t.ID, DistrictID: t.DistrictID, SchoolID: t.SchoolID, ExternalID: nullable(t.ExternalID),
			GivenName: t.GivenName, FamilyName: t.FamilyName, Email: t.Email, Grades: encodeList(t.Grades),
			Subjects: encodeList(t.Subjects), Active: t.Active, Rev: 1, CreatedAt: tx.now, UpdatedAt: tx.now})
		changes = append(changes, Change{DistrictID: t.DistrictID, Entity: "teacher", RecordID: t.ID, SchoolID: t.SchoolID, Rev: 1})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.db.CreateInBatches(rows, 500).Error; err != nil {
		return translate(err, "teacher")
	}
	return tx.AppendChanges(ctx, changes)
}

// SchoolKey is a school's place in the order of Schools.
func SchoolKey(sc domain.School) []string { return []string{sc.Name, sc.ID} }

// Teachers lists the teachers of the schools in scope by name, a page at a
// time (TeacherKey).
func (s *Store) Teachers(ctx context.Context, sc domain.Scope, ks Keyset) ([]domain.Teacher, error) {
	var rows []teacherRow
	if err := ks.apply(inScope(s.db.WithContext(ctx), "school_id", sc), "family_name", "given_name", "id").Find(&rows).Error; err != nil {
		return nil, translate(err, "teacher")
	}
	out := make([]domain.Teacher, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// TeacherKey is a teacher's place in the order of Teachers.
func TeacherKey(t domain.Teacher) []string { return []string{t.FamilyName, t.GivenName, t.ID} }

type userRow struct {
	ID            string
	DistrictID    string
	ExternalID    *string
	Email         string
	Name          string
	PasswordHash  string
	Active        bool
	Rev           int64
	CalendarToken *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (userRow) TableName() string { return "users" }

type roleGrantRow struct {
	ID         string
	DistrictID string
	UserID     string
	Role       string
	SchoolID   *string
	CreatedAt  time.Time
}

func (roleGrantRow) TableName() string { return "role_grants" }

func (r userRow) toDomain(grants []roleGrantRow) domain.User {
	u := domain.User{ID: r.ID, DistrictID: r.DistrictID, ExternalID: deref(r.ExternalID), Email: r.Email, Name: r.Name,
		PasswordHash: r.PasswordHash, Active: r.Active, Rev: r.Rev, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, g := range grants {
		u.Grants = append(u.Grants, domain.RoleGrant{Role: domain.Role(g.Role), SchoolID: deref(g.SchoolID)})
	}
	return u
}

// CreateUser inserts a user and its role grants.
func (tx *Tx) CreateUser(ctx context.Context, u domain.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	row := userRow{ID: u.ID, DistrictID: u.DistrictID, ExternalID: nullable(u.ExternalID), Email: u.Email, Name: u.Name,
		PasswordHash: u.PasswordHash, Active: u.Active, Rev: 1, CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.db.Create(&row).Error; err != nil {
		return translate(err, "user with this email")
	}
	for _, g := range u.Grants {
		if err := tx.GrantRole(ctx, u.DistrictID, u.ID, g); err != nil {
			return err
		}
	}
	return nil
}

// GrantRole gives a user a role over the district or a school; granting the
// same role twice is a no-op.
func (tx *Tx) GrantRole(ctx context.Context, districtID, userID string, g domain.RoleGrant) error {
	if err := g.Validate(); err != nil {
		return err
	}
	var n int64
	q := tx.db.Model(&roleGrantRow{}).Where("user_id = ? AND role = ?", userID, string(g.Role))
	if g.SchoolID == "" {
		q = q.Where("school_id IS NULL")
	} else {
		q = q.Where("school_id = ?", g.SchoolID)
	}
	if err := q.Count(&n).Error; err != nil {
		return translate(err, "role grant")
	}
	if n > 0 {
		return nil
	}
	row := roleGrantRow{ID: domain.NewID(), DistrictID: districtID, UserID: userID, Role: string(g.Role), SchoolID: nullable(g.SchoolID), CreatedAt: tx.now}
	return translate(tx.db.Create(&row).Error, "role grant")
}

func (tx *Tx) grants(userIDs ...string) (map[string][]roleGrantRow, error) {
	var rows []roleGrantRow
	if err := tx.db.Where("user_id IN ?", userIDs).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "role grant")
	}
	out := map[string][]roleGrantRow{}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r)
	}
	return out, nil
}

func (tx *Tx) userWhere(what string, query string, args ...any) (domain.User, error) {
	var row userRow
	if err := tx.db.Where(query, args...).Take(&row).Error; err != nil {
		return domain.User{}, translate(err, what)
	}
	g, err := tx.grants(row.ID)
	if err != nil {
		return domain.User{}, err
	}
	return row.toDomain(g[row.ID]), nil
}

// UserByEmail returns the user with this (normalised) email and its grants.
func (s *Store) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	return s.read(ctx).userWhere("user", "email = ?", domain.NormalizeEmail(email))
}

// UserByEmail returns the user of any district with this (normalised)
// email and its grants, inside tx.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	return tx.userWhere("user", "email = ?", domain.NormalizeEmail(email))
}

// User returns a user of the district with its grants.
func (s *Store) User(ctx context.Context, districtID, id string) (domain.User, error) {
	return s.read(ctx).userWhere("user", "district_id = ? AND id = ?", districtID, id)
}

// Users lists a district's users with their grants, by name.
func (s *Store) Users(ctx context.Context, districtID string) ([]domain.User, error) {
	return s.UsersPage(ctx, districtID, Keyset{})
}

// UserKey is a user's place in the order of UsersPage.
func UserKey(u domain.User) []string { return []string{u.Name, u.ID} }

// UsersPage lists a district's users with their grants by name, a page at
// a time (UserKey).
func (s *Store) UsersPage(ctx context.Context, districtID string, ks Keyset) ([]domain.User, error) {
	tx := s.read(ctx)
	var rows []userRow
	if err := ks.apply(tx.db.Where("district_id = ?", districtID), "name", "id").Find(&rows).Error; err != nil {
		return nil, translate(err, "user")
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	if len(ids) == 0 {
		return nil, nil
	}
	g, err := tx.grants(ids...)
	if err != nil {
		return nil, err
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(g[r.ID])
	}
	return out, nil
}

// UpdateUser changes a user's name, activity and password hash (when set)
// and moves the revision on, if it is still at u.Rev.
func (tx *Tx) UpdateUser(ctx context.Context, u domain.User) error {
	updates := map[string]any{"name": u.Name, "active": u.Active, "external_id": nullable(u.ExternalID), "rev": gorm.Expr("rev + 1"), "updated_at": tx.now}
	if u.PasswordHash != "" {
		updates["password_hash"] = u.PasswordHash
	}
	res := tx.db.Model(&userRow{}).Where("district_id = ? AND id = ? AND rev = ?", u.DistrictID, u.ID, u.Rev).Updates(updates)
	if res.Error != nil {
		return translate(res.Error, "user")
	}
	if res.RowsAffected == 0 {
		cur, err := tx.User(ctx, u.DistrictID, u.ID)
		if err != nil {
			return err
		}
		return domain.Stale("the user", u.Rev, cur.Rev)
	}
	return nil
}

// RevokeRole removes a grant; revoking one the user does not hold is a no-op
// reported as false.
func (tx *Tx) RevokeRole(ctx context.Context, districtID, userID string, g domain.RoleGrant) (bool, error) {
	q := tx.db.Where("district_id = ? AND user_id = ? AND role = ?", districtID, userID, string(g.Role))
	if g.SchoolID == "" {
		q = q.Where("school_id IS NULL")
	} else {
		q = q.Where("school_id = ?", g.SchoolID)
	}
	res := q.Delete(&roleGrantRow{})
	return res.RowsAffected > 0, translate(res.Error, "role grant")
}

// User returns a user of the district with its grants, inside tx.
func (tx *Tx) User(ctx context.Context, districtID, id string) (domain.User, error) {
	return tx.userWhere("user", "district_id = ? AND id = ?", districtID, id)
}

// SchoolsExist reports which of ids are schools of the district.
func (tx *Tx) SchoolsExist(ctx context.Context, districtID string, ids []string) (map[string]bool, error) {
	var found []string
	if err := tx.db.Model(&schoolRow{}).Where("district_id = ? AND id IN ?", districtID, ids).Pluck("id", &found).Error; err != nil {
		return nil, translate(err, "school")
	}
	out := map[string]bool{}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// SchoolsExist reports which of ids are schools of the district.
func (s *Store) SchoolsExist(ctx context.Context, districtID string, ids []string) (map[string]bool, error) {
	return s.read(ctx).SchoolsExist(ctx, districtID, ids)
}

// NarrowScope is sc narrowed to the schools ids (sc itself when ids is
// empty); a school outside sc or not in the district answers not found,
// the one answer for both.
func (s *Store) NarrowScope(ctx context.Context, sc domain.Scope, ids []string) (domain.Scope, error) {
	if len(ids) == 0 {
		return sc, nil
	}
	for _, id := range ids {
		if !domain.ValidID(id) || !sc.HasSchool(id) {
			return sc, notFound("school")
		}
	}
	found, err := s.SchoolsExist(ctx, sc.DistrictID, ids)
	if err != nil {
		return sc, err
	}
	for _, id := range ids {
		if !found[id] {
			return sc, notFound("school")
		}
	}
	return domain.Scope{DistrictID: sc.DistrictID, SchoolIDs: ids}, nil
}

// SchoolExists reports whether id is a school of the district.
func (s *Store) SchoolExists(ctx context.Context, districtID, id string) (bool, error) {
	found, err := s.read(ctx).SchoolsExist(ctx, districtID, []string{id})
	return found[id], err
}

// School returns a school of the district.
func (tx *Tx) School(ctx context.Context, districtID, id string) (domain.School, error) {
	var row schoolRow
	if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
		return domain.School{}, translate(err, "school")
	}
	return row.toDomain(), nil
}

// School returns a school of the district.
func (s *Store) School(ctx context.Context, districtID, id string) (domain.School, error) {
	return s.read(ctx).School(ctx, districtID, id)
}

// UpdateSchool writes a school's fields and moves its revision on, if it
// is still at sc.Rev.
func (tx *Tx) UpdateSchool(ctx context.Context, sc domain.School) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	res := tx.db.Model(&schoolRow{}).Where("district_id = ? AND id = ? AND rev = ?", sc.DistrictID, sc.ID, sc.Rev).Updates(map[string]any{
		"name": sc.Name, "grade_band": sc.GradeBand, "active": sc.Active, "external_id": nullable(sc.ExternalID),
		"rev": gorm.Expr("rev + 1"), "updated_at": tx.now})
	if res.Error != nil {
		return translate(res.Error, "school")
	}
	got, err := tx.School(ctx, sc.DistrictID, sc.ID)
	if err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return domain.Stale("the school", sc.Rev, got.Rev)
	}
	return tx.AppendChange(ctx, Change{DistrictID: sc.DistrictID, Entity: "school", RecordID: sc.ID, SchoolID: sc.ID, Rev: got.Rev})
}

// Teacher returns a teacher of the district.
func (tx *Tx) Teacher(ctx context.Context, districtID, id string) (domain.Teacher, error) {
	var row teacherRow
	if err := tx.db.Where("district_id = ? AND id = ?", districtID, id).Take(&row).Error; err != nil {
		return domain.Teacher{}, translate(err, "teacher")
	}
	return row.toDomain(), nil
}

// Teacher returns a teacher of the district.
func (s *Store) Teacher(ctx context.Context, districtID, id string) (domain.Teacher, error) {
	return s.read(ctx).Teacher(ctx, districtID, id)
}

// UpdateTeacher writes a teacher's fields and moves the revision on, if it
// is still at t.Rev.
func (tx *Tx) UpdateTeacher(ctx context.Context, t domain.Teacher) error {
	if err := t.Validate(); err != nil {
		return err
	}
	res := tx.db.Model(&teacherRow{}).Where("district_id = ? AND id = ? AND rev = ?", t.DistrictID, t.ID, t.Rev).Updates(map[string]any{
		"school_id": t.SchoolID, "external_id": nullable(t.ExternalID), "given_name": t.GivenName, "family_name": t.FamilyName,
		"email": t.Email, "grades": encodeList(t.Grades), "subjects": encodeList(t.Subjects), "active": t.Active,
		"rev": gorm.Expr("rev + 1"), "updated_at": tx.now})
	if res.Error != nil {
		return translate(res.Error, "teacher")
	}
	if res.RowsAffected == 0 {
		cur, err := tx.Teacher(ctx, t.DistrictID, t.ID)
		if err != nil {
			return err
		}
		return domain.Stale("the teacher", t.Rev, cur.Rev)
	}
	got, err := tx.Teacher(ctx, t.DistrictID, t.ID)
	if err != nil {
		return err
	}
	return tx.AppendChange(ctx, Change{DistrictID: t.DistrictID, Entity: "teacher", RecordID: t.ID, SchoolID: t.SchoolID, Rev: got.Rev})
}

// AllSchools lists every school of the district, inactive ones included.
func (tx *Tx) AllSchools(ctx context.Context, districtID string) ([]domain.School, error) {
	var rows []schoolRow
	if err := tx.db.Where("district_id = ?", districtID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "school")
	}
	out := make([]domain.School, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// AllTeachers lists every teacher of the district, inactive ones included.
func (tx *Tx) AllTeachers(ctx context.Context, districtID string) ([]domain.Teacher, error) {
	var rows []teacherRow
	if err := tx.db.Where("district_id = ?", districtID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "teacher")
	}
	out := make([]domain.Teacher, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// AllUsers lists every user with this district's id or one of the emails
// (an email belongs to one user across districts).
func (tx *Tx) AllUsers(ctx context.Context, districtID string, emails []string) ([]domain.User, error) {
	var rows []userRow
	q := tx.db.Where("district_id = ?", districtID)
	if len(emails) > 0 {
		q = q.Or("email IN ?", emails)
	}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "user")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	g, err := tx.grants(ids...)
	if err != nil {
		return nil, err
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(g[r.ID])
	}
	return out, nil
}
