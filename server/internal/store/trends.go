package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Rollup columns a trend may be grouped by.
var trendColumns = map[string]string{
	"school":     "school_id",
	"dimension":  "dimension_key",
	"indicator":  "indicator_key",
	"grade_band": "grade_band",
	"subject":    "subject",
	"kind":       "kind",
}

// TrendQuery selects rollup cells. Empty filters select everything.
type TrendQuery struct {
	DistrictID string
	RubricID   string
	From, To   time.Time // dates; To is exclusive
	SchoolIDs  []string  // nil: every school
	Dimension  string
	Indicator  string
	GradeBand  string
	Subject    string
	Kind       string
	Month      bool     // bucket by month, else by week
	Whole      bool     // one bucket for the whole range, named by its first week
	Group      []string // keys of trendColumns
}

// TrendRow is one bucket × group × level of the rollups.
type TrendRow struct {
	Bucket time.Time
	Group  []string // values in the order of TrendQuery.Group
	Level  int
	N      int64
}

// bucketDays is the most days a period may lie after its bucket's start.
const bucketDays = 31

func (q TrendQuery) where(db *gorm.DB, withIndicator bool) (*gorm.DB, error) {
	db = db.Where("district_id = ? AND rubric_id = ?", q.DistrictID, q.RubricID)
	col := "week_start"
	if q.Month {
		col = "month_start"
	}
	if q.Whole {
		col = "period_start"
	}
	db = db.Where(col+" >= ? AND "+col+" < ?", q.From, q.To)
	if !q.Whole && q.To.Year() < 9000 {
		// Implied by the bucket's range (a period lies in its week or month),
		// and a range of the primary key, which then serves the query.
		db = db.Where("period_start >= ? AND period_start < ?", q.From, q.To.AddDate(0, 0, bucketDays))
	}
	if q.SchoolIDs != nil {
		if len(q.SchoolIDs) == 0 {
			return db.Where("1 = 0"), nil
		}
		db = db.Where("school_id IN ?", q.SchoolIDs)
	}
	for col, v := range map[string]string{"grade_band": q.GradeBand, "subject": q.Subject, "kind": q.Kind} {
		if v != "" {
			db = db.Where(col+" = ?", v)
		}
	}
	if withIndicator {
		if q.Dimension != "" {
			db = db.Where("dimension_key = ?", q.Dimension)
		}
		if q.Indicator != "" {
			db = db.Where("indicator_key = ?", q.Indicator)
		}
	}
	return db, nil
}

func (q TrendQuery) columns() (bucket string, group []string, err error) {
	bucket = "week_start"
	if q.Month {
		bucket = "month_start"
	}
	if q.Whole {
		bucket = ""
	}
	for _, g := range q.Group {
		c, ok := trendColumns[g]
		if !ok {
			return "", nil, domain.Invalid("unknown grouping", domain.FieldError{Field: "group", Message: fmt.Sprintf("%q is not one of school, dimension, indicator, grade_band, subject, kind", g)})
		}
		group = append(group, c)
	}
	return bucket, group, nil
}

// TrendLevels sums rollups per bucket, group and level.
func (s *Store) TrendLevels(ctx context.Context, q TrendQuery) ([]TrendRow, error) {
	bucket, group, err := q.columns()
	if err != nil {
		return nil, err
	}
	var out []TrendRow
	err = s.trendRead(ctx, func(db *gorm.DB) error {
		rows, err := s.trendLevels(db, q, bucket, group)
		out = rows
		return err
	})
	return out, err
}

// trendRead runs a trend query; on PostgreSQL in a read-only transaction
// with enough memory to aggregate without spilling to disk, planned for
// its own parameters each time: the generic plan of a prepared statement
// guesses a few rows for any range and reads a whole district through the
// primary key, one row at a time, where a custom plan scans it in parallel.
func (s *Store) trendRead(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.dialect != Postgres {
		return fn(s.db.WithContext(ctx))
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL work_mem = '64MB'; SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
			return translate(err, "trend")
		}
		return fn(tx)
	}, &sql.TxOptions{ReadOnly: true})
}

func (s *Store) trendLevels(db *gorm.DB, q TrendQuery, bucket string, group []string) ([]TrendRow, error) {
	db, _ = q.where(db.Table(rollupsTable.read()), true)
	return trendRows(db, q, bucket, group, true)
}

// trendRows sums the counts per bucket and group, and scans them into rows:
// one per level that has scores when withLevel (the rollups hold a cell's
// levels side by side), else one of the observations counted in n. Both
// dialects answer an aggregate of dates differently (a time or text);
// anyTime reads either.
func trendRows(db *gorm.DB, q TrendQuery, bucket string, group []string, withLevel bool) ([]TrendRow, error) {
	var sel string
	var by []string
	if bucket == "" {
		sel = "MIN(week_start) AS bucket"
	} else {
		sel, by = bucket+" AS bucket", []string{bucket}
	}
	counts := []string{"n"}
	if withLevel {
		counts = levelCounts
	}
	for _, c := range counts {
		sel += fmt.Sprintf(", COALESCE(SUM(%s), 0)", c)
	}
	for i, c := range group {
		sel += fmt.Sprintf(", %s AS g%d", c, i)
		by = append(by, c)
	}
	if len(by) > 0 {
		db = db.Group(strings.Join(by, ", "))
	}
	rows, err := db.Select(sel).Rows()
	if err != nil {
		return nil, translate(err, "trend")
	}
	defer rows.Close()
	var out []TrendRow
	var bucketAt any
	n := make([]int64, len(counts))
	dest := []any{&bucketAt}
	for i := range n {
		dest = append(dest, &n[i])
	}
	groupOf := make([]string, len(group))
	for i := range groupOf {
		dest = append(dest, &groupOf[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, translate(err, "trend")
		}
		var at time.Time
		if b := anyTime(bucketAt); b != nil {
			at = dateOnly(*b)
		}
		if q.Whole {
			at = dateOnly(q.From)
		}
		g := slices.Clone(groupOf)
		if !withLevel {
			if n[0] != 0 { // no rows and no grouping: one row of nothing
				out = append(out, TrendRow{Bucket: at, Group: g, N: n[0]})
			}
			continue
		}
		for level, c := range n {
			if c != 0 {
				out = append(out, TrendRow{Bucket: at, Group: g, Level: level, N: c})
			}
		}
	}
	return out, translate(rows.Err(), "trend")
}

// TrendObservations counts observations per bucket and group (Level is
// unused); the group may not include dimension or indicator (an observation
// has many).
func (s *Store) TrendObservations(ctx context.Context, q TrendQuery) ([]TrendRow, error) {
	bucket, group, err := q.columns()
	if err != nil {
		return nil, err
	}
	for _, c := range group {
		if c == "dimension_key" || c == "indicator_key" {
			return nil, domain.Errorf(domain.EInvalid, "observation counts have no dimension or indicator")
		}
	}
	var out []TrendRow
	err = s.trendRead(ctx, func(db *gorm.DB) error {
		db, _ = q.where(db.Table(observationRollupsTable.read()), false)
		rows, err := trendRows(db, q, bucket, group, false)
		out = rows
		return err
	})
	return out, err
}

// LatestPublishedRubric is the district's most recently published rubric.
func (s *Store) LatestPublishedRubric(ctx context.Context, districtID string) (string, error) {
	var row rubricVersionRow
	err := s.db.WithContext(ctx).Where("district_id = ? AND status = ?", districtID, string(domain.RubricPublished)).
		Order("published_at DESC, id DESC").Take(&row).Error
	return row.RubricID, translate(err, "published rubric")
}

// TeacherCoverage is a teacher and when they were last visited.
type TeacherCoverage struct {
	Teacher      domain.Teacher
	LastObserved *time.Time
}

// Coverage lists the active teachers of the scope's schools not visited (no
// submitted observation) from the instant from until the instant to (no end
// when zero), least recently visited first; LastObserved is their last
// visit before to.
func (s *Store) Coverage(ctx context.Context, sc domain.Scope, from, to time.Time) ([]TeacherCoverage, error) {
	since := from
	last := s.db.Model(&observationRow{}).Select("teacher_id, MAX(counted_at) AS last_at").
		Where("district_id = ? AND status = 'submitted' AND deleted_at IS NULL", sc.DistrictID)
	if !to.IsZero() {
		last = last.Where("counted_at < ?", to.UTC())
	}
	last = last.Group("teacher_id")
	q := inScope(s.db.WithContext(ctx).Table("teachers"), "teachers.school_id", sc).
		Select("teachers.id AS id, l.last_at AS last_at").Joins("LEFT JOIN (?) l ON l.teacher_id = teachers.id", last).
		Where("teachers.active AND (l.last_at IS NULL OR l.last_at < ?)", since.UTC()).
		Order("l.last_at IS NOT NULL, l.last_at, teachers.family_name, teachers.id")
	rows, err := q.Rows()
	if err != nil {
		return nil, translate(err, "coverage")
	}
	defer rows.Close()
	var ids []string
	lastAt := map[string]*time.Time{}
	for rows.Next() {
		var id string
		var at any
		if err := rows.Scan(&id, &at); err != nil {
			return nil, translate(err, "coverage")
		}
		ids = append(ids, id)
		lastAt[id] = anyTime(at)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "coverage")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ts, err := s.read(ctx).TeachersByID(ctx, sc.DistrictID, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Teacher{}
	for _, t := range ts {
		byID[t.ID] = t
	}
	out := make([]TeacherCoverage, len(ids))
	for i, id := range ids {
		out[i] = TeacherCoverage{Teacher: byID[id], LastObserved: lastAt[id]}
	}
	return out, nil
}

// anyTime reads a time an aggregate returned: PostgreSQL gives a time,
// SQLite the text it stored.
func anyTime(v any) *time.Time {
	switch t := v.(type) {
	case time.Time:
		u := t.UTC()
		return &u
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
			if p, err := time.Parse(layout, t); err == nil {
				u := p.UTC()
				return &u
			}
		}
	case []byte:
		return anyTime(string(t))
	}
	return nil
}
