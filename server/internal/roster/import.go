package roster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rosterfile"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// Kinds of roster file.
const (
	KindSchools   = "schools"
	KindTeachers  = "teachers"
	KindUsers     = "users"
	KindOneRoster = "oneroster"
)

// Modes of import: add and update only (the default, nothing is
// deactivated), or the full roster (whoever is missing is deactivated).
const (
	ModeAdd  = "add"
	ModeFull = "full"
)

// Counts say what an import did, or would do, to one kind of record.
type Counts struct {
	Created     int `json:"created"`
	Updated     int `json:"updated"`
	Unchanged   int `json:"unchanged"`
	Deactivated int `json:"deactivated"`
}

// ImportReport is the answer to an import, dry run or real.
type ImportReport struct {
	Kind    string `json:"kind"`
	Mode    string `json:"mode"`
	DryRun  bool   `json:"dry_run"`
	Applied bool   `json:"applied"`
	// ImportID names the applied import, to undo it.
	ImportID string `json:"import_id,omitempty"`
	// ActiveTeachers counts the district's active teachers before the
	// import, and Deactivations names each teacher it deactivates.
	ActiveTeachers int                  `json:"active_teachers"`
	Deactivations  []Deactivated        `json:"deactivations"`
	Schools        Counts               `json:"schools"`
	Teachers       Counts               `json:"teachers"`
	Users          Counts               `json:"users"`
	Skipped        int                  `json:"skipped"`
	Problems       []rosterfile.Problem `json:"problems"`
}

// Deactivated names a teacher a full roster import deactivates.
type Deactivated struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	School string `json:"school"`
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// ImportRoster reads a roster file and brings the district's roster in line
// with it: records are matched by their external id (users also by email),
// created or updated. Only a full roster (mode full) deactivates: teachers
// missing from it are deactivated, never deleted, and users lose the roles
// it no longer gives them; an import that adds and updates (mode add, the
// default) takes nothing away. Each teacher deactivated is named. A file with any bad row changes nothing and
// every bad row is reported. A dry run does the same work in a transaction
// that is rolled back, so its report is exactly what a real run would do.
// The same file imported twice changes nothing the second time.
func (s *Service) ImportRoster(ctx context.Context, p auth.Principal, kind, mode string, file []byte, dryRun bool, c auth.Client) (ImportReport, error) {
	if mode == "" {
		mode = ModeAdd
	}
	rep := ImportReport{Kind: kind, Mode: mode, DryRun: dryRun, Problems: []rosterfile.Problem{}, Deactivations: []Deactivated{}}
	if err := p.RequireAdmin(); err != nil {
		return rep, err
	}
	if mode != ModeAdd && mode != ModeFull {
		return rep, domain.Invalid("unknown import mode", domain.FieldError{Field: "mode", Message: "must be add (add and update only) or full (full roster)"})
	}
	var b rosterfile.Batch
	switch kind {
	case KindSchools:
		b = rosterfile.ParseSchools(strings.NewReader(string(file)))
	case KindTeachers:
		b = rosterfile.ParseTeachers(strings.NewReader(string(file)))
	case KindUsers:
		b = rosterfile.ParseUsers(strings.NewReader(string(file)))
	case KindOneRoster:
		b = rosterfile.ParseOneRoster(file)
	default:
		return rep, domain.Invalid("unknown roster kind", domain.FieldError{Field: "kind", Message: "must be schools, teachers, users or oneroster"})
	}
	rep.Skipped = b.Skipped
	for _, pr := range b.Problems {
		if pr.File == "" {
			pr.File = kind + ".csv"
		}
		rep.Problems = append(rep.Problems, pr)
	}
	// The rows that parsed are checked against the database too (unknown
	// schools, emails of another district), so that one answer lists every
	// bad row; any problem rolls the whole transaction back.
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		im := importer{tx: tx, districtID: p.DistrictID(), rep: &rep, full: mode == ModeFull, teacherFile: "teachers.csv", userFile: "users.csv"}
		if kind == KindOneRoster {
			im.teacherFile = "users.csv"
		}
		if err := im.schools(ctx, b.Schools); err != nil {
			return err
		}
		if kind == KindTeachers || kind == KindOneRoster {
			if err := im.teachers(ctx, b.Teachers); err != nil {
				return err
			}
		}
		if err := im.users(ctx, b.Users); err != nil {
			return err
		}
		if len(rep.Problems) > 0 {
			return errDryRun // nothing is half-written
		}
		if dryRun {
			return errDryRun
		}
		rep.ImportID = domain.NewID()
		if err := tx.RecordRosterImport(ctx, store.RosterImport{ID: rep.ImportID, DistrictID: p.DistrictID(), ActorID: p.User.ID,
			Kind: kind, Mode: mode, Steps: im.steps}); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "roster.import",
			Entity: "roster_import", EntityID: rep.ImportID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{"kind": kind, "mode": mode,
				"schools": rep.Schools, "teachers": rep.Teachers, "users": rep.Users}})
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return rep, err
	}
	rep.Applied = err == nil && len(rep.Problems) == 0
	if !rep.Applied {
		rep.ImportID = ""
	}
	return rep, nil
}

type importer struct {
	tx         *store.Tx
	districtID string
	rep        *ImportReport
	full       bool              // a full roster: deactivate whoever is missing
	schoolIDs  map[string]string // external id -> id
	schoolName map[string]string // id -> name
	steps      []store.ImportStep
	// teacherFile and userFile name the files rows came from, for problems.
	teacherFile, userFile string
}

func (im *importer) problem(file string, line int, field, format string, args ...any) {
	im.rep.Problems = append(im.rep.Problems, rosterfile.Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (im *importer) schools(ctx context.Context, in []rosterfile.School) error {
	existing, err := im.tx.AllSchools(ctx, im.districtID)
	if err != nil {
		return err
	}
	im.schoolIDs, im.schoolName = map[string]string{}, map[string]string{}
	byExt := map[string]domain.School{}
	for _, sc := range existing {
		im.schoolName[sc.ID] = sc.Name
		if sc.ExternalID != "" {
			byExt[sc.ExternalID] = sc
			im.schoolIDs[sc.ExternalID] = sc.ID
		}
	}
	for _, f := range in {
		cur, ok := byExt[f.ExternalID]
		if !ok {
			sc := domain.School{ID: domain.NewID(), DistrictID: im.districtID, ExternalID: f.ExternalID, Name: f.Name, GradeBand: f.GradeBand, Active: true}
			if err := im.tx.CreateSchool(ctx, sc); err != nil {
				return err
			}
			im.schoolIDs[f.ExternalID] = sc.ID
			im.schoolName[sc.ID] = sc.Name
			im.steps = append(im.steps, store.ImportStep{Entity: "school", ID: sc.ID, Rev: 1})
			im.rep.Schools.Created++
			continue
		}
		next := cur
		next.Name, next.Active = f.Name, true
		if f.GradeBand != "" {
			next.GradeBand = f.GradeBand
		}
		if next.Name == cur.Name && next.GradeBand == cur.GradeBand && cur.Active {
			im.rep.Schools.Unchanged++
			continue
		}
		if err := im.tx.UpdateSchool(ctx, next); err != nil {
			return err
		}
		im.schoolName[cur.ID] = next.Name
		im.steps = append(im.steps, store.ImportStep{Entity: "school", ID: cur.ID, Rev: cur.Rev + 1, School: &cur})
		im.rep.Schools.Updated++
	}
	return nil
}

func (im *importer) teachers(ctx context.Context, in []rosterfile.Teacher) error {
	existing, err := im.tx.AllTeachers(ctx, im.districtID)
	if err != nil {
		return err
	}
	byExt := map[string]domain.Teacher{}
	for _, t := range existing {
		if t.ExternalID != "" {
			byExt[t.ExternalID] = t
		}
	}
	for _, t := range existing {
		if t.Active {
			im.rep.ActiveTeachers++
		}
	}
	seen := map[string]bool{}
	var created []domain.Teacher
	for _, f := range in {
		seen[f.ExternalID] = true
		schoolID, ok := im.schoolIDs[f.SchoolExternalID]
		if !ok {
			im.problem(im.teacherFile, f.Line, "school_external_id", "no school %q in this district or this file", f.SchoolExternalID)
			continue
		}
		next := domain.Teacher{DistrictID: im.districtID, SchoolID: schoolID, ExternalID: f.ExternalID, GivenName: f.GivenName,
			FamilyName: f.FamilyName, Email: f.Email, Grades: f.Grades, Subjects: f.Subjects, Active: true}
		cur, ok := byExt[f.ExternalID]
		if !ok {
			next.ID = domain.NewID()
			created = append(created, next)
			continue
		}
		next.ID, next.Rev = cur.ID, cur.Rev
		if sameTeacher(cur, next) {
			im.rep.Teachers.Unchanged++
			continue
		}
		if err := im.tx.UpdateTeacher(ctx, next); err != nil {
			return err
		}
		im.steps = append(im.steps, store.ImportStep{Entity: "teacher", ID: cur.ID, Rev: cur.Rev + 1, Teacher: &cur})
		im.rep.Teachers.Updated++
	}
	if err := im.tx.CreateTeachers(ctx, created); err != nil {
		return err
	}
	im.rep.Teachers.Created += len(created)
	for _, t := range created {
		im.steps = append(im.steps, store.ImportStep{Entity: "teacher", ID: t.ID, Rev: 1})
	}
	if !im.full {
		return nil
	}
	var gone []domain.Teacher
	for _, t := range existing {
		if t.ExternalID != "" && t.Active && !seen[t.ExternalID] {
			gone = append(gone, t)
		}
	}
	slices.SortFunc(gone, func(a, b domain.Teacher) int {
		return cmp.Or(cmp.Compare(a.FamilyName, b.FamilyName), cmp.Compare(a.GivenName, b.GivenName), cmp.Compare(a.ID, b.ID))
	})
	for _, t := range gone {
		before := t
		t.Active = false
		if err := im.tx.UpdateTeacher(ctx, t); err != nil {
			return err
		}
		im.steps = append(im.steps, store.ImportStep{Entity: "teacher", ID: t.ID, Rev: t.Rev + 1, Teacher: &before})
		im.rep.Deactivations = append(im.rep.Deactivations, Deactivated{ID: t.ID, Name: t.DisplayName(), School: im.schoolName[t.SchoolID]})
		im.rep.Teachers.Deactivated++
	}
	return nil
}

func sameTeacher(a, b domain.Teacher) bool {
	return a.SchoolID == b.SchoolID && a.GivenName == b.GivenName && a.FamilyName == b.FamilyName && a.Email == b.Email &&
		a.Active == b.Active && slices.Equal(a.Grades, b.Grades) && slices.Equal(a.Subjects, b.Subjects)
}

func (im *importer) users(ctx context.Context, in []rosterfile.User) error {
	if len(in) == 0 {
		return nil
	}
	emails := make([]string, len(in))
	for i, f := range in {
		emails[i] = f.Email
	}
	existing, err := im.tx.AllUsers(ctx, im.districtID, emails)
	if err != nil {
		return err
	}
	byExt, byEmail := map[string]domain.User{}, map[string]domain.User{}
	for _, u := range existing {
		if u.ExternalID != "" && u.DistrictID == im.districtID {
			byExt[u.ExternalID] = u
		}
		byEmail[u.Email] = u
	}
	for _, f := range in {
		var grants []domain.RoleGrant
		bad := false
		for _, r := range f.Roles {
			if r.Role.DistrictWide() {
				grants = append(grants, domain.RoleGrant{Role: r.Role})
			}
			for _, ext := range r.SchoolExternalIDs {
				id, ok := im.schoolIDs[ext]
				if !ok {
					im.problem(im.userFile, f.Line, "school_external_ids", "no school %q in this district or this file", ext)
					bad = true
					continue
				}
				grants = append(grants, domain.RoleGrant{Role: r.Role, SchoolID: id})
			}
		}
		if bad {
			continue
		}
		cur, ok := byExt[f.ExternalID]
		if !ok {
			cur, ok = byEmail[f.Email]
		}
		if ok && cur.DistrictID != im.districtID {
			im.problem(im.userFile, f.Line, "email", "%s belongs to a user of another district", f.Email)
			continue
		}
		if !ok {
			u := domain.User{ID: domain.NewID(), DistrictID: im.districtID, ExternalID: f.ExternalID, Email: f.Email, Name: f.Name,
				Active: true, Grants: grants}
			if err := im.tx.CreateUser(ctx, u); err != nil {
				return err
			}
			im.steps = append(im.steps, store.ImportStep{Entity: "user", ID: u.ID, Rev: 1})
			im.rep.Users.Created++
			continue
		}
		step := store.ImportStep{Entity: "user", ID: cur.ID, Rev: cur.Rev,
			User: &store.UserBefore{Name: cur.Name, ExternalID: cur.ExternalID, Active: cur.Active}}
		changed := cur.Name != f.Name || cur.ExternalID != f.ExternalID || !cur.Active
		cur.Name, cur.ExternalID, cur.Active, cur.PasswordHash = f.Name, f.ExternalID, true, ""
		if changed {
			if err := im.tx.UpdateUser(ctx, cur); err != nil {
				return err
			}
			step.Rev++
		}
		for _, g := range grants {
			if !slices.Contains(cur.Grants, g) {
				if err := im.tx.GrantRole(ctx, im.districtID, cur.ID, g); err != nil {
					return err
				}
				step.GrantsAdded = append(step.GrantsAdded, g)
				changed = true
			}
		}
		for _, g := range cur.Grants {
			if im.full && !slices.Contains(grants, g) && g.Role != domain.RoleDistrictAdmin {
				if _, err := im.tx.RevokeRole(ctx, im.districtID, cur.ID, g); err != nil {
					return err
				}
				step.GrantsRevoked = append(step.GrantsRevoked, g)
				changed = true
			}
		}
		if changed {
			im.steps = append(im.steps, step)
			im.rep.Users.Updated++
		} else {
			im.rep.Users.Unchanged++
		}
	}
	return nil
}
