package bench

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// The benchmark loads scores by COPY and rebuilds the rollups in SQL; its
// figures mean something only if the rebuild equals what the server
// maintains write by write.
func TestRebuiltRollupsEqualTheMaintainedOnes(t *testing.T) {
	ctx := context.Background()
	url, _ := testdb.NewDatabase(t, store.Postgres)
	s, err := store.Open(ctx, store.Options{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	d, err := NewDistrict(ctx, s, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC) // six weeks, the last running into October
	n, _, err := d.LoadByCopy(ctx, conn, start, 6, 6, 1)  // six a week: no cell below the minimum of five
	if err != nil || n != 4*6*6*15 {
		t.Fatalf("loaded %d scores: %v", n, err)
	}
	if err := d.BuildRollups(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := testdb.CheckRollups(ctx, s, d.ID); err != nil {
		t.Fatal(err)
	}
	// A supervisor of two schools gets their two schools' cells and the
	// whole district's line. The sixth week (29 September) runs into
	// October, so each school's week is two periods of fewer than five
	// observations: a supervisor, who may not see teachers, gets it left
	// out of every figure and counted as left out.
	res, err := trends.NewService(s).Trend(ctx, d.Reader(2), trends.Query{From: start, To: start.AddDate(0, 0, 42), Bucket: "week", Group: []string{"school", "dimension"}})
	if err != nil {
		t.Fatal(err)
	}
	split := start.AddDate(0, 0, 35)
	schools := map[string]bool{}
	var scores, district int64
	for _, c := range res.Cells {
		schools[c.Group["school"]] = true
		scores += c.Scores
		if c.Bucket.Equal(split) != (c.LeftOut > 0) {
			t.Errorf("cell %v of %s: %d periods left out", c.Group, c.Bucket.Format(time.DateOnly), c.LeftOut)
		}
	}
	for _, c := range res.District {
		district += c.Scores
	}
	whole := n / 6 * 5 // five whole weeks of six
	if len(schools) != 2 || !schools[d.Schools[0]] || !schools[d.Schools[1]] || scores != whole/2 || district != whole {
		t.Fatalf("schools %v, scores %d of %d, district %d of %d", schools, scores, whole/2, district, whole)
	}
}
