package visits

import (
	"context"
	"slices"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// NextStepItem is a next step as lists and the debrief show it: overdue
// when it is open and its due day has passed in the district's time zone.
type NextStepItem struct {
	ID            string     `json:"id"`
	Rev           int64      `json:"rev"`
	WalkthroughID string     `json:"walkthrough_id,omitempty"`
	SchoolID      string     `json:"school_id"`
	OwnerID       string     `json:"owner_id"`
	OwnerName     string     `json:"owner_name"`
	Action        string     `json:"action"`
	DueOn         *string    `json:"due_on"`
	IndicatorKey  string     `json:"indicator_key,omitempty"`
	Done          bool       `json:"done"`
	DoneAt        *time.Time `json:"done_at"`
	Overdue       bool       `json:"overdue"`
}

func nextStepItem(n domain.NextStep, owner string, today time.Time) NextStepItem {
	it := NextStepItem{ID: n.ID, Rev: n.Rev, WalkthroughID: n.WalkthroughID, SchoolID: n.SchoolID, OwnerID: n.OwnerID, OwnerName: owner,
		Action: n.Action, IndicatorKey: n.IndicatorKey, Done: n.Done, DoneAt: n.DoneAt}
	if n.DueOn != nil {
		s := n.DueOn.Format(time.DateOnly)
		it.DueOn = &s
		it.Overdue = !n.Done && n.DueOn.Before(today)
	}
	return it
}

// NextStepQuery is what a caller asks for. Status is "" (all), open,
// overdue or done.
type NextStepQuery struct {
	Mine           bool
	WalkthroughIDs []string
	SchoolIDs      []string
	Status         string
	Page           store.Keyset // after NextStepKey
}

// NextStepKey is an item's place in the order NextSteps lists.
func NextStepKey(it NextStepItem) []string {
	if it.DueOn == nil {
		return []string{"", it.ID}
	}
	return []string{*it.DueOn, it.ID}
}

// NextSteps lists the next steps the caller may see: their own, those of
// walkthroughs they lead, and every one at the schools they lead; with a
// walkthrough named, all of that walkthrough's (for its team and the
// leaders of its school).
func (s *Service) NextSteps(ctx context.Context, p auth.Principal, q NextStepQuery) ([]NextStepItem, error) {
	d, err := s.store.District(ctx, p.DistrictID())
	if err != nil {
		return nil, err
	}
	today := localDay(s.store.Now(), d.Location())
	f := store.NextStepFilter{Visible: p.LeadScope(), CallerID: p.User.ID, WalkthroughIDs: q.WalkthroughIDs,
		SchoolIDs: q.SchoolIDs, Page: q.Page}
	if q.Mine {
		f.OwnerID = p.User.ID
	}
	for _, id := range q.WalkthroughIDs {
		w, err := s.Walkthrough(ctx, p, id)
		if err != nil {
			return nil, err
		}
		if w.LeadID == p.User.ID || slices.Contains(w.Team, p.User.ID) {
			f.TeamOf = append(f.TeamOf, w.ID)
		}
	}
	switch q.Status {
	case "":
	case "open":
		f.Open = true
	case "overdue":
		f.Open, f.DueBefore = true, &today
	case "done":
		f.Done = true
	default:
		return nil, domain.Invalid("the filters are not valid", domain.FieldError{Field: "status", Message: "must be open, overdue or done"})
	}
	ns, err := s.store.NextStepsPage(ctx, f)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]NextStepItem, len(ns))
	for i, n := range ns {
		if _, ok := names[n.OwnerID]; !ok {
			names[n.OwnerID] = "Former user"
			if u, err := s.store.User(ctx, p.DistrictID(), n.OwnerID); err == nil {
				names[n.OwnerID] = u.Name
			} else if domain.ErrorCode(err) != domain.ENotFound {
				return nil, err
			}
		}
		out[i] = nextStepItem(n, names[n.OwnerID], today)
	}
	return out, nil
}
