package rollup

import (
	"fmt"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// groupColumns are the rollup columns a trend may be grouped by.
var groupColumns = map[string]string{
	"school":     "school_id",
	"dimension":  "dimension_key",
	"indicator":  "indicator_key",
	"grade_band": "grade_band",
	"subject":    "subject",
	"kind":       "kind",
}

// Query selects rollup cells. Empty filters select everything.
type Query struct {
	DistrictID string
	RubricID   string
	// From and To are dates, To exclusive, at the starts of rollup periods
	// (PeriodBounds): a query reads whole periods, and a week or month at
	// either end holds only its periods within the range.
	From, To  time.Time
	SchoolIDs []string // nil: every school
	Dimension string
	Indicator string
	GradeBand string
	Subject   string
	Kind      string
	Month     bool     // bucket by month, else by week
	Whole     bool     // one bucket for the whole range, named by its first week
	Group     []string // school, dimension, indicator, grade_band, subject, kind
}

// Row is one bucket × group × level of the rollups.
type Row struct {
	Bucket time.Time
	Group  []string // values in the order of Query.Group
	Level  int
	N      int64
}

// DimensionCell is one bucket × group of the dimension rollups: the
// observations that scored the dimension and the scores at each level.
type DimensionCell struct {
	Bucket       time.Time
	Group        []string // values in the order of Query.Group
	Observations int64
	Levels       [MaxLevel + 1]int64
}

// BucketDays is the most days a period may lie after its bucket's start.
const BucketDays = 31

// Columns are the rollup columns of q's bucket (empty when the bucket is
// the whole range) and of its group, in order.
func (q Query) Columns() (bucket string, group []string, err error) {
	bucket = "week_start"
	if q.Month {
		bucket = "month_start"
	}
	if q.Whole {
		bucket = ""
	}
	for _, g := range q.Group {
		c, ok := groupColumns[g]
		if !ok {
			return "", nil, domain.Invalid("unknown grouping", domain.FieldError{Field: "group", Message: fmt.Sprintf("%q is not one of school, dimension, indicator, grade_band, subject, kind", g)})
		}
		group = append(group, c)
	}
	return bucket, group, nil
}

// DimensionTrendable reports whether q can be answered from the dimension
// rollups: a dimension's figures by school or for the district, without
// filters or groups below the dimension.
func (q Query) DimensionTrendable() bool {
	if q.Indicator != "" || q.GradeBand != "" || q.Subject != "" || q.Kind != "" {
		return false
	}
	byDimension := q.Dimension != ""
	for _, g := range q.Group {
		switch g {
		case "dimension":
			byDimension = true
		case "school":
		default:
			return false
		}
	}
	return byDimension
}

// IndicatorTrendable reports whether q can be answered from the indicator
// rollups: an indicator's figures by school or for the district, without
// grade band, subject or kind, grouped by at most two of school, dimension
// and indicator, one of them the indicator unless the query names one.
func (q Query) IndicatorTrendable() bool {
	if q.GradeBand != "" || q.Subject != "" || q.Kind != "" || len(q.Group) > 2 {
		return false
	}
	byIndicator := q.Indicator != ""
	for _, g := range q.Group {
		switch g {
		case "indicator":
			byIndicator = true
		case "school", "dimension":
		default:
			return false
		}
	}
	return byIndicator
}

// KeptCell is one bucket × group of a dimension trend summed from whole
// school periods (one school's figures for one dimension in one rollup
// period: a week, or the part of a week in one month), the grain at which
// suppression keeps or leaves out: the figures of the periods kept, and how
// many were left out. A cell of periods all left out has no observations
// and no scores.
type KeptCell struct {
	DimensionCell
	LeftOut int64 // school periods left out
	// Submitted is the submitted observations of the school periods the
	// cell counts: every period of a school whose teachers are seen, and
	// for another school the periods kept (each such period's visits
	// counted whole, whether or not they scored the dimension).
	Submitted int64
}

// PeriodBounds widens the days from (inclusive) and to (exclusive) to whole
// rollup periods: from to the start of its period, to to the start of the
// next period unless it starts one. A period is a week (from Monday) or the
// part of a week in one month, so the bounds are days at 00:00 UTC.
func PeriodBounds(from, to time.Time) (time.Time, time.Time) {
	from = domain.PeriodStart(from, time.UTC)
	if p := domain.PeriodStart(to, time.UTC); !p.Equal(to) {
		next := domain.WeekStart(p, time.UTC).AddDate(0, 0, 7)
		if m := domain.MonthStart(p).AddDate(0, 1, 0); m.Before(next) {
			next = m
		}
		to = next
	}
	return from, to
}
