package httpapi

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// trendQuery reads GET /trends' filters: from and to (dates, to
// exclusive), school_id (repeated), dimension, indicator, grade_band,
// subject, kind, bucket (week, month or range), group (repeated) and
// rubric_id (the framework).
func trendQuery(c *gin.Context) (trends.Query, error) {
	q := newQuery(c)
	from, to := q.span(bothDates)
	tq := trends.Query{From: from, To: to, SchoolIDs: q.ids("school_id"), Dimension: q.text("dimension"), Indicator: q.text("indicator"),
		GradeBand: q.enum("grade_band", gradeBands...), Subject: q.text("subject"), Kind: q.enum("kind", kinds...),
		Bucket: q.enum("bucket", "week", "month", "range"), Group: q.enums("group", trends.Groupings...), RubricID: q.id("rubric_id")}
	return tq, q.err()
}

// trend reads the query and answers the trend, or the problem and false.
func (s *Server) trend(c *gin.Context) (trends.Result, bool) {
	q, err := trendQuery(c)
	if err == nil {
		var res trends.Result
		if res, err = s.trends.Trend(c.Request.Context(), principal(c), q); err == nil {
			return res, true
		}
	}
	s.fail(c, err)
	return trends.Result{}, false
}

// getTrends answers the trend with its tag as a weak ETag, or 304 without
// computing the figures when If-None-Match holds the tag: a dashboard
// opened again, or asked again by the browser's cache, costs a few small
// reads until a write changes the district's records. The answer must be
// revalidated every time (no-cache), and only the caller's browser keeps it.
func (s *Server) getTrends(c *gin.Context) {
	q, err := trendQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, tag, unchanged, err := s.trends.TrendIfChanged(c.Request.Context(), principal(c), q, entityTags(c.GetHeader("If-None-Match")))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("ETag", `W/"`+tag+`"`)
	c.Header("Cache-Control", "private, no-cache")
	if unchanged {
		c.Status(http.StatusNotModified)
		return
	}
	// The trend writes its own JSON (trends.Result.MarshalJSON), which
	// encoding/json would only check and copy again.
	body, err := res.MarshalJSON()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// entityTags are the tags of an If-None-Match header, weak or strong, with
// the suffix that compression adds to a compressed answer's tag taken off.
func entityTags(header string) []string {
	var tags []string
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		t = strings.TrimSuffix(strings.TrimPrefix(t, `"`), `"`)
		t = strings.TrimSuffix(strings.TrimSuffix(t, "-gzip"), "-zstd")
		if t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// getTrendsCSV answers the same cells as a CSV file: a header row, then one
// row per cell (the district's rows after the schools'), suppression kept,
// with the school periods left out of each cell. Each grouping column holds
// what people read (a school's name, a dimension's name); the ids and keys
// follow at the end of the row, as <group>_id or <group>_key, for joining.
func (s *Server) getTrendsCSV(c *gin.Context) {
	res, ok := s.trend(c)
	if !ok {
		return
	}
	labels, err := s.trends.Labels(c.Request.Context(), principal(c), res)
	if err != nil {
		s.fail(c, err)
		return
	}
	// The groupings whose values are ids or keys rather than words.
	var coded []string
	for _, g := range res.Group {
		if g == "school" || g == "dimension" || g == "indicator" || g == "kind" {
			coded = append(coded, g)
		}
	}
	levelSet := map[int]bool{}
	for _, cell := range append(append([]trends.Cell{}, res.Cells...), res.District...) {
		for l, n := range cell.Levels {
			if n != 0 {
				levelSet[l] = true
			}
		}
	}
	var levels []int
	for l := range levelSet {
		levels = append(levels, l)
	}
	sort.Ints(levels)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="trends.csv"`)
	c.Status(http.StatusOK)
	w := newCSVWriter(c.Writer)
	header := []string{"scope", "bucket"}
	header = append(header, res.Group...)
	header = append(header, "observations", "scores", "mean")
	for _, l := range levels {
		header = append(header, "level_"+strconv.Itoa(l))
	}
	header = append(header, "suppressed", "left_out", "submitted", "not_observed")
	for _, g := range coded {
		if g == "school" {
			header = append(header, "school_id")
		} else {
			header = append(header, g+"_key")
		}
	}
	_ = w.Write(header)
	row := func(scope string, cell trends.Cell) {
		r := []string{scope, cell.Bucket.Format(time.DateOnly)}
		for _, g := range res.Group {
			v := cell.Group[g]
			if name, ok := labels[g][v]; ok && name != "" {
				v = name
			}
			r = append(r, v)
		}
		obs, mean := "", ""
		if cell.Observations != nil {
			obs = strconv.FormatInt(*cell.Observations, 10)
		}
		if cell.Mean != nil {
			mean = strconv.FormatFloat(*cell.Mean, 'f', 3, 64)
		}
		scores := strconv.FormatInt(cell.Scores, 10)
		if cell.Suppressed {
			scores = ""
		}
		r = append(r, obs, scores, mean)
		for _, l := range levels {
			v := ""
			if !cell.Suppressed {
				v = strconv.FormatInt(cell.Levels[l], 10)
			}
			r = append(r, v)
		}
		submitted, notObserved := "", ""
		if cell.Submitted != nil && cell.NotObserved != nil {
			submitted, notObserved = strconv.FormatInt(*cell.Submitted, 10), strconv.FormatFloat(*cell.NotObserved, 'f', 3, 64)
		}
		r = append(r, strconv.FormatBool(cell.Suppressed), strconv.Itoa(cell.LeftOut), submitted, notObserved)
		for _, g := range coded {
			r = append(r, cell.Group[g])
		}
		_ = w.Write(r)
	}
	for _, cell := range res.Cells {
		row("selection", cell)
	}
	for _, cell := range res.District {
		row("district", cell)
	}
	w.Flush()
}

type coverageItem struct {
	Teacher      teacherResponse `json:"teacher"`
	LastObserved *time.Time      `json:"last_observed,omitempty"`
}

// getCoverage answers GET /coverage?from&to&school_id&cursor&limit: the
// active teachers not visited from the day from (until the day to),
// least recently visited first.
func (s *Server) getCoverage(c *gin.Context) {
	q := newQuery(c)
	from, to := q.span(fromDate)
	cq := trends.CoverageQuery{From: from, To: to, SchoolIDs: q.ids("school_id")}
	pg := q.page("coverage", keyOffset)
	if err := q.err(); err != nil {
		s.fail(c, err)
		return
	}
	cov, err := s.trends.Coverage(c.Request.Context(), principal(c), cq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, slicePage(pg, cov, func(t store.TeacherCoverage) coverageItem {
		return coverageItem{Teacher: toTeacher(t.Teacher), LastObserved: t.LastObserved}
	}))
}
