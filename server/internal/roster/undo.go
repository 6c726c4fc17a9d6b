package roster

import (
	"context"
	"fmt"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// UndoReport says what undoing an import did.
type UndoReport struct {
	ImportID    string `json:"import_id"`
	Reactivated int    `json:"reactivated"`
	Deactivated int    `json:"deactivated"`
	Restored    int    `json:"restored"`
	// Kept names each record changed since the import: it is left as it is.
	Kept []KeptRecord `json:"kept"`
}

// KeptRecord is a record an undo left alone because it changed after the
// import.
type KeptRecord struct {
	Entity string `json:"entity"`
	ID     string `json:"id"`
	Name   string `json:"name"`
}

// UndoImport undoes an applied roster import within the district's undo
// window: what it deactivated is reactivated, what it created deactivated
// (never deleted), what it changed changed back. Each record is checked
// against its revision right after the import; one changed since is kept
// as it is and named in the answer. An import is undone once.
func (s *Service) UndoImport(ctx context.Context, p auth.Principal, importID string, c auth.Client) (UndoReport, error) {
	rep := UndoReport{ImportID: importID, Kept: []KeptRecord{}}
	if err := p.RequireAdmin(); err != nil {
		return rep, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		d, err := tx.District(ctx, p.DistrictID())
		if err != nil {
			return err
		}
		im, err := tx.RosterImportForUndo(ctx, p.DistrictID(), importID)
		if err != nil {
			return err
		}
		if im.UndoneAt != nil {
			return domain.Errorf(domain.EConflict, "this import was already undone")
		}
		days := d.Settings.ImportUndoDays
		if tx.Now().After(im.At.Add(time.Duration(days) * 24 * time.Hour)) {
			return domain.Invalid(fmt.Sprintf("an import can be undone within %d days; this one is older", days),
				domain.FieldError{Field: "import_id", Message: "past the district's undo window"})
		}
		u := undoer{tx: tx, districtID: p.DistrictID(), rep: &rep}
		// Undo in reverse order, so users and teachers go back before the
		// schools they belong to.
		for i := len(im.Steps) - 1; i >= 0; i-- {
			if err := u.step(ctx, im.Steps[i]); err != nil {
				return err
			}
		}
		if err := tx.MarkRosterImportUndone(ctx, p.DistrictID(), importID, p.User.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: p.DistrictID(), ActorID: p.User.ID, Action: "roster.undo",
			Entity: "roster_import", EntityID: importID, IP: c.IP, UserAgent: c.UserAgent, Detail: map[string]any{
				"reactivated": rep.Reactivated, "deactivated": rep.Deactivated, "restored": rep.Restored, "kept": len(rep.Kept)}})
	})
	return rep, err
}

type undoer struct {
	tx         *store.Tx
	districtID string
	rep        *UndoReport
}

func (u *undoer) count(wasActive, nowActive bool) {
	switch {
	case !wasActive && nowActive:
		u.rep.Deactivated++
	case wasActive && !nowActive:
		u.rep.Reactivated++
	default:
		u.rep.Restored++
	}
}

func (u *undoer) step(ctx context.Context, st store.ImportStep) error {
	switch st.Entity {
	case "school":
		cur, err := u.tx.School(ctx, u.districtID, st.ID)
		if err != nil {
			return err
		}
		if cur.Rev != st.Rev {
			u.rep.Kept = append(u.rep.Kept, KeptRecord{Entity: "school", ID: cur.ID, Name: cur.Name})
			return nil
		}
		next := cur
		if st.School == nil {
			next.Active = false
		} else {
			next = *st.School
			next.Rev = cur.Rev
		}
		u.count(next.Active, cur.Active)
		return u.tx.UpdateSchool(ctx, next)
	case "teacher":
		cur, err := u.tx.Teacher(ctx, u.districtID, st.ID)
		if err != nil {
			return err
		}
		if cur.Rev != st.Rev {
			u.rep.Kept = append(u.rep.Kept, KeptRecord{Entity: "teacher", ID: cur.ID, Name: cur.DisplayName()})
			return nil
		}
		next := cur
		if st.Teacher == nil {
			next.Active = false
		} else {
			next = *st.Teacher
			next.Rev = cur.Rev
		}
		u.count(next.Active, cur.Active)
		return u.tx.UpdateTeacher(ctx, next)
	case "user":
		cur, err := u.tx.User(ctx, u.districtID, st.ID)
		if err != nil {
			return err
		}
		if cur.Rev != st.Rev {
			u.rep.Kept = append(u.rep.Kept, KeptRecord{Entity: "user", ID: cur.ID, Name: cur.Name})
			return nil
		}
		next := cur
		next.PasswordHash = ""
		if st.User == nil {
			next.Active = false
		} else {
			next.Name, next.ExternalID, next.Active = st.User.Name, st.User.ExternalID, st.User.Active
		}
		u.count(next.Active, cur.Active)
		if next.Name != cur.Name || next.ExternalID != cur.ExternalID || next.Active != cur.Active {
			if err := u.tx.UpdateUser(ctx, next); err != nil {
				return err
			}
		}
		for _, g := range st.GrantsAdded {
			if _, err := u.tx.RevokeRole(ctx, u.districtID, cur.ID, g); err != nil {
				return err
			}
		}
		for _, g := range st.GrantsRevoked {
			if err := u.tx.GrantRole(ctx, u.districtID, cur.ID, g); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown import step %q", st.Entity)
}
