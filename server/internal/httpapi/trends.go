package httpapi

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// trendQuery reads GET /trends' filters: from and to (YYYY-MM-DD, to
// exclusive), school_id (repeated or comma-separated), dimension, indicator,
// grade_band, subject, kind, bucket (week or month), group (comma-separated)
// and rubric_id.
func trendQuery(c *gin.Context) (trends.Query, error) {
	q := trends.Query{Dimension: c.Query("dimension"), Indicator: c.Query("indicator"), GradeBand: c.Query("grade_band"),
		Subject: c.Query("subject"), Kind: c.Query("kind"), Bucket: c.Query("bucket"), RubricID: c.Query("rubric_id")}
	var p domain.Problems
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		v := c.Query(name)
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			p.Add(name, "must be a date such as 2026-08-15")
		}
		*dst = t
	}
	for _, v := range c.QueryArray("school_id") {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				q.SchoolIDs = append(q.SchoolIDs, id)
			}
		}
	}
	if g := c.Query("group"); g != "" {
		for _, part := range strings.Split(g, ",") {
			q.Group = append(q.Group, strings.TrimSpace(part))
		}
	}
	return q, p.Err("the trend query is not valid")
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

func (s *Server) getTrends(c *gin.Context) {
	if res, ok := s.trend(c); ok {
		c.JSON(http.StatusOK, res)
	}
}

// getTrendsCSV answers the same cells as a CSV file: a header row, then one
// row per cell (the district's rows after the schools'), suppression kept.
func (s *Server) getTrendsCSV(c *gin.Context) {
	res, ok := s.trend(c)
	if !ok {
		return
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
	header = append(header, "suppressed")
	_ = w.Write(header)
	row := func(scope string, cell trends.Cell) {
		r := []string{scope, cell.Bucket.Format(time.DateOnly)}
		for _, g := range res.Group {
			r = append(r, cell.Group[g])
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
		r = append(r, strconv.FormatBool(cell.Suppressed))
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

// getCoverage answers GET /coverage?since=YYYY-MM-DD&school_id=…: teachers
// not visited since the date, least recently visited first.
func (s *Server) getCoverage(c *gin.Context) {
	since, err := time.Parse(time.DateOnly, c.Query("since"))
	if err != nil {
		s.fail(c, domain.Invalid("since is required", domain.FieldError{Field: "since", Message: "must be a date such as 2026-09-01"}))
		return
	}
	cov, err := s.trends.Coverage(c.Request.Context(), principal(c), since, c.Query("school_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[coverageItem]{Items: make([]coverageItem, len(cov))}
	for i, t := range cov {
		out.Items[i] = coverageItem{Teacher: toTeacher(t.Teacher), LastObserved: t.LastObserved}
	}
	c.JSON(http.StatusOK, out)
}
