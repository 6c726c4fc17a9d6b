package demo

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// SignIn is a demo login to print at start-up.
type SignIn struct {
	Role     string
	Email    string
	Password string
}

// Result says what Load did.
type Result struct {
	DistrictID   string
	Loaded       bool // false when the demo district was already there
	Observations int
	SignIns      []SignIn
}

// Load writes the demo district as it stands on today into the store, in one
// transaction, through the same store calls that synced records take, so the
// rollups and the change log hold what real use would have produced. Loading
// it again changes nothing; on a database that holds another district it
// refuses.
func Load(ctx context.Context, s *store.Store, today time.Time) (Result, error) {
	plan := Build(today, domain.BuiltinFramework())
	res := Result{DistrictID: plan.District.ID, Observations: len(plan.Observations)}
	for _, u := range plan.Users {
		// One sign-in per role is printed; the rest of the team shares a password.
		local, _, _ := strings.Cut(u.Email, "@")
		if len(u.Grants) > 0 && slices.Contains([]string{"admin", "supervisor", "principal", "coach", "observer", "teacher"}, local) {
			res.SignIns = append(res.SignIns, SignIn{Role: string(u.Grants[0].Role), Email: u.Email, Password: u.Password})
		}
	}
	districts, err := s.Districts(ctx)
	if err != nil {
		return res, err
	}
	for _, d := range districts {
		if d.Name != plan.District.Name {
			return res, domain.Errorf(domain.EConflict, "the database already holds district %q: the demo district loads only into an empty database", d.Name)
		}
	}
	if len(districts) > 0 {
		res.DistrictID = districts[0].ID
		return res, nil
	}
	users := make([]domain.User, len(plan.Users))
	for i, u := range plan.Users {
		hash, err := auth.HashPassword(u.Password)
		if err != nil {
			return res, err
		}
		users[i] = u.User
		users[i].PasswordHash = hash
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateDistrict(ctx, plan.District); err != nil {
			return err
		}
		for _, sc := range plan.Schools {
			if err := tx.CreateSchool(ctx, sc); err != nil {
				return err
			}
		}
		if err := tx.CreateTeachers(ctx, plan.Teachers); err != nil {
			return err
		}
		for _, u := range users {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.CreateRubricVersion(ctx, plan.RubricVersion); err != nil {
			return err
		}
		for _, w := range plan.Walkthroughs {
			if err := tx.PutWalkthrough(ctx, w); err != nil {
				return err
			}
		}
		for _, c := range plan.Cycles {
			if err := tx.PutCycle(ctx, c); err != nil {
				return err
			}
		}
		cycleSchool := map[string]string{}
		for _, c := range plan.Cycles {
			cycleSchool[c.ID] = c.SchoolID
		}
		for _, a := range plan.Activities {
			if err := tx.PutActivity(ctx, a, cycleSchool[a.CycleID]); err != nil {
				return err
			}
		}
		// A follow-up and the observation made from it name each other: the
		// follow-up is booked first, the observation synced, and then the
		// follow-up is marked done, as on a real device.
		for _, f := range plan.FollowUps {
			booked := f
			if f.ObservationID != "" {
				booked.ObservationID, booked.Status = "", domain.FollowUpScheduled
			}
			if err := tx.PutFollowUp(ctx, booked); err != nil {
				return err
			}
		}
		for _, o := range plan.Observations {
			if err := tx.PutObservation(ctx, o); err != nil {
				return err
			}
		}
		for _, f := range plan.FollowUps {
			if f.ObservationID != "" {
				f.Rev++
				if err := tx.PutFollowUp(ctx, f); err != nil {
					return err
				}
			}
		}
		for _, n := range plan.NextSteps {
			if err := tx.PutNextStep(ctx, n); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, store.AuditEntry{DistrictID: plan.District.ID, Action: "demo.load", Entity: "district",
			EntityID: plan.District.ID, Detail: map[string]any{"observations": len(plan.Observations)}})
	})
	if err != nil {
		return res, err
	}
	res.Loaded = true
	// The load's rollup deltas are folded in at once, as after any bulk write.
	_, err = s.CompactRollups(ctx)
	return res, err
}
