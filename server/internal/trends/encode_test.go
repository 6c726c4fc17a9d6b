package trends_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

// refCell and refResult are a trend's fields as encoding/json writes them,
// tagged as the API documents them: the reference the appending encoder is
// held to, byte for byte.
type refCell struct {
	Bucket       string            `json:"bucket"`
	Group        map[string]string `json:"group"`
	Observations *int64            `json:"observations,omitempty"`
	Scores       int64             `json:"scores"`
	Mean         *float64          `json:"mean,omitempty"`
	Levels       map[string]int64  `json:"levels,omitempty"`
	Suppressed   bool              `json:"suppressed,omitempty"`
	LeftOut      int               `json:"left_out,omitempty"`
	Partial      bool              `json:"partial,omitempty"`
	Submitted    *int64            `json:"submitted,omitempty"`
	NotObserved  *float64          `json:"not_observed,omitempty"`
}

type refResult struct {
	RubricID        string    `json:"rubric_id"`
	Bucket          string    `json:"bucket"`
	Group           []string  `json:"group"`
	MinCellSize     int       `json:"min_cell_size"`
	From            string    `json:"from"`
	To              string    `json:"to"`
	Cells           []refCell `json:"cells"`
	District        []refCell `json:"district"`
	DistrictLeftOut bool      `json:"district_left_out,omitempty"`
}

func TestATrendEncodesAsEncodingJSONWouldWriteIt(t *testing.T) {
	// A field added to a cell or a trend must be added to the encoder and
	// to the reference here, or this test would not see it.
	if c, r := reflect.TypeFor[trends.Cell]().NumField(), reflect.TypeFor[refCell]().NumField(); c != r {
		t.Fatalf("a cell has %d fields, the reference %d", c, r)
	}
	if c, r := reflect.TypeFor[trends.Result]().NumField(), reflect.TypeFor[refResult]().NumField(); c != r {
		t.Fatalf("a trend has %d fields, the reference %d", c, r)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	values := []string{"0193a7c2-5d1e-7b3a-9c4f-2e8d6a1b3c5d", "classroom_culture", "Social Studies", `say "why"`, "<b>&</b>", "café", "tab\there", "\x01", ""}
	means := []float64{0, 1, 2.5, 3.3333333333333335, 1e-7, 4e21, 9.999999e-7, 1.0000000000000002}
	cells := func(n int, names []string) ([]trends.Cell, []refCell) {
		if n < 0 {
			return nil, nil
		}
		out, ref := make([]trends.Cell, n), make([]refCell, n)
		for i := range out {
			c := trends.Cell{Bucket: time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*rng.IntN(40)), Scores: rng.Int64N(1000)}
			r := refCell{Bucket: c.Bucket.Format(time.DateOnly), Scores: c.Scores}
			if names != nil {
				c.Group, r.Group = map[string]string{}, map[string]string{}
				for _, name := range names {
					v := values[rng.IntN(len(values))]
					c.Group[name], r.Group[name] = v, v
				}
			}
			if rng.IntN(4) > 0 {
				o := rng.Int64N(500)
				c.Observations, r.Observations = &o, &o
			}
			if rng.IntN(4) > 0 {
				m := means[rng.IntN(len(means))]
				if rng.IntN(2) == 0 {
					m = rng.Float64() * 4
				}
				c.Mean, r.Mean = &m, &m
			}
			for l := range c.Levels {
				if rng.IntN(3) == 0 {
					n := rng.Int64N(100)
					c.Levels[l] = n
					if n != 0 {
						if r.Levels == nil {
							r.Levels = map[string]int64{}
						}
						r.Levels[strconv.Itoa(l)] = n
					}
				}
			}
			if rng.IntN(2) == 0 {
				n, share := rng.Int64N(500), means[rng.IntN(len(means))]
				c.Submitted, r.Submitted, c.NotObserved, r.NotObserved = &n, &n, &share, &share
			}
			c.Suppressed, c.Partial, c.LeftOut = rng.IntN(5) == 0, rng.IntN(5) == 0, rng.IntN(3)
			r.Suppressed, r.Partial, r.LeftOut = c.Suppressed, c.Partial, c.LeftOut
			out[i], ref[i] = c, r
		}
		return out, ref
	}
	for i, shape := range []struct {
		group             []string
		cells, district   int
		districtLeftOut   bool
		rubric, bucketFor string
	}{
		{[]string{"school", "dimension"}, 500, 40, false, "r", "week"},
		{[]string{"indicator"}, 300, 0, true, "", "month"},
		{nil, 20, -1, false, `"odd"`, "range"},
		{[]string{}, -1, 10, false, "r", "week"},
		{[]string{"school", "kind"}, 0, 0, false, "<r>", "week"},
	} {
		res := trends.Result{RubricID: shape.rubric, Bucket: shape.bucketFor, Group: shape.group, MinCellSize: 5, From: "2026-08-17", To: "2027-06-01", DistrictLeftOut: shape.districtLeftOut}
		ref := refResult{RubricID: res.RubricID, Bucket: res.Bucket, Group: res.Group, MinCellSize: 5, From: res.From, To: res.To, DistrictLeftOut: res.DistrictLeftOut}
		res.Cells, ref.Cells = cells(shape.cells, shape.group)
		res.District, ref.District = cells(shape.district, shape.group)
		got, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		direct, _ := res.MarshalJSON()
		want, err := json.Marshal(ref)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || !bytes.Equal(direct, want) {
			for j := range min(len(got), len(want)) {
				if got[j] != want[j] {
					t.Fatalf("shape %d: differs at byte %d: %q, encoding/json %q", i, j, got[max(0, j-80):min(len(got), j+80)], want[max(0, j-80):min(len(want), j+80)])
				}
			}
			t.Fatalf("shape %d: %d bytes (%d written directly), encoding/json %d", i, len(got), len(direct), len(want))
		}
		var back trends.Result
		if err := json.Unmarshal(got, &back); err != nil || len(back.Cells) != len(res.Cells) {
			t.Fatalf("shape %d: read back %d cells: %v", i, len(back.Cells), err)
		}
	}
}
