package trends

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// addNotObserved gives each dimension or indicator cell that counts its
// observations the share of "not observed": of the submitted observations
// in the cell's schools, days and filters (Submitted, from the
// observation rollups), the share that did not score the cell's dimension
// or indicator. It is exact: the dimension rollups count each observation
// that scored the dimension once, and an observation gives an indicator
// one score at most. Cells with no count of their observations (a
// dimension filtered by grade band, subject or kind) get none.
func (s *Service) addNotObserved(ctx context.Context, q rollup.Query, cells []Cell) error {
	if !slices.Contains(q.Group, "dimension") && !slices.Contains(q.Group, "indicator") && q.Dimension == "" && q.Indicator == "" {
		return nil
	}
	oq := q
	oq.Group = without(without(q.Group, "dimension"), "indicator")
	rows, err := s.store.TrendObservations(ctx, oq)
	if err != nil {
		return err
	}
	submitted := make(map[string]int64, len(rows))
	for _, r := range rows {
		submitted[r.Bucket.Format(time.DateOnly)+"\x00"+strings.Join(r.Group, "\x00")] = r.N
	}
	for i := range cells {
		c := &cells[i]
		if c.Observations == nil || c.Suppressed {
			continue
		}
		vals := make([]string, len(oq.Group))
		for j, g := range oq.Group {
			vals[j] = c.Group[g]
		}
		n, ok := submitted[c.Bucket.Format(time.DateOnly)+"\x00"+strings.Join(vals, "\x00")]
		if !ok || n == 0 || n < *c.Observations {
			continue
		}
		share := float64(n-*c.Observations) / float64(n)
		c.Submitted, c.NotObserved = &n, &share
	}
	return nil
}
