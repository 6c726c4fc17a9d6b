package trends

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// kindLabels are the walkthrough kinds as people say them.
var kindLabels = map[string]string{"classroom": "Classroom", "leadership": "Leadership", "follow_up": "Follow-up", "informal": "Informal"}

// Labels names what a trend's cells are grouped by, as people read them: a
// school's name, a dimension's or an indicator's name in the trend's
// framework, a walkthrough kind's label. Grade bands and subjects are
// already words. Only what the result names is looked up, in the caller's
// district; a key with no name found keeps its key.
func (s *Service) Labels(ctx context.Context, p auth.Principal, res Result) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	seen := map[string][]string{}
	for _, cells := range [][]Cell{res.Cells, res.District} {
		for _, c := range cells {
			for g, v := range c.Group {
				seen[g] = append(seen[g], v)
			}
		}
	}
	if ids := seen["school"]; len(ids) > 0 {
		out["school"] = map[string]string{}
		err := s.store.ReadTx(ctx, func(tx *store.Tx) error {
			schools, err := tx.SchoolsByID(ctx, p.DistrictID(), ids)
			for _, sc := range schools {
				out["school"][sc.ID] = sc.Name
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if len(seen["dimension"]) > 0 || len(seen["indicator"]) > 0 {
		out["dimension"], out["indicator"] = map[string]string{}, map[string]string{}
		if len(seen["indicator"]) > 0 {
			names, err := s.store.IndicatorNames(ctx, p.DistrictID())
			if err != nil {
				return nil, err
			}
			out["indicator"] = names
		}
		if res.RubricID != "" {
			dims, inds, err := s.store.RubricNames(ctx, p.DistrictID(), res.RubricID)
			if err != nil {
				return nil, err
			}
			out["dimension"] = dims
			for k, v := range inds {
				out["indicator"][k] = v
			}
		}
	}
	out["kind"] = kindLabels
	return out, nil
}
