package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// TestScoresWrittenInABatchReadBackAsWritten writes observations in a
// batch, as a push does (on PostgreSQL they and their scores go in by a
// binary COPY), with evidence that holds what text encodings trip on, a
// score not observed, times to the microsecond and missing, tags and a
// skewed clock, and reads every observation and score back as it was
// written, through the store and in SQL.
func TestScoresWrittenInABatchReadBackAsWritten(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s)
		evidence := []string{"", "T: why?\tS: because\n\"two groups\" \\ back\\slash", "é, ß, 数学, 🧮 and a combining é",
			strings.Repeat("A long note of what students said. ", 400), `\N`, "\r\n", "'; DROP TABLE scores; --"}
		var obs []domain.Observation
		for i := range 3 {
			o := f.observation(domain.ObservationSubmitted)
			for j, key := range f.rubric.IndicatorKeys() {
				sc := domain.Score{IndicatorKey: key, Evidence: evidence[(i+j)%len(evidence)]}
				if (i+j)%5 != 0 { // every fifth one not observed
					lv := 1 + (i+j)%4
					sc.Level = &lv
				}
				o.Scores = append(o.Scores, sc)
			}
			o.StartedAt = o.StartedAt.Add(time.Duration(i)*time.Hour + 123456*time.Microsecond)
			o.CountedAt = o.StartedAt.Add(-24 * time.Hour)
			o.ClockSkewed = i == 1
			o.Evidence = evidence[i]
			o.Tags = []string{"math talk", "é\t\"quoted\"", strings.Repeat("t", i+1)}
			o.DeviceID = domain.NewID()
			o.ReceivedAt = o.StartedAt.Add(time.Hour)
			if i != 2 {
				ended := o.StartedAt.Add(20*time.Minute + time.Microsecond)
				o.EndedAt, o.SubmittedAt = &ended, &ended
			}
			obs = append(obs, o)
		}
		err := s.InBatch(ctx, func(b *store.Batch) error {
			return b.Step(ctx, func(tx *store.Tx) error { return tx.PutObservations(ctx, obs, nil) })
		})
		if err != nil {
			t.Fatal(err)
		}
		notObserved := 0
		for _, o := range obs {
			got, err := s.Observation(ctx, f.district.ID, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
			if !got.StartedAt.Equal(o.StartedAt) || !got.CountedAt.Equal(o.CountedAt) || !got.ReceivedAt.Equal(o.ReceivedAt) ||
				!same(got.EndedAt, o.EndedAt) || !same(got.SubmittedAt, o.SubmittedAt) || got.ClockSkewed != o.ClockSkewed ||
				got.Evidence != o.Evidence || !slices.Equal(got.Tags, o.Tags) || got.DeviceID != o.DeviceID || got.Rev != o.Rev || got.Deleted {
				t.Errorf("observation read back as %+v, written as %+v", got, o)
			}
			want := slices.Clone(o.Scores)
			byKey := func(a, b domain.Score) int { return strings.Compare(a.IndicatorKey, b.IndicatorKey) }
			slices.SortFunc(want, byKey)
			slices.SortFunc(got.Scores, byKey)
			if len(got.Scores) != len(want) {
				t.Fatalf("%d scores read back, %d written", len(got.Scores), len(want))
			}
			for i, w := range want {
				g := got.Scores[i]
				if g.IndicatorKey != w.IndicatorKey || g.Evidence != w.Evidence || (g.Level == nil) != (w.Level == nil) ||
					g.Level != nil && *g.Level != *w.Level {
					t.Errorf("score %s read back as %+v (level %v), written as %+v (level %v)", w.IndicatorKey, g, g.Level, w, w.Level)
				}
				if w.Level == nil {
					notObserved++
				}
			}
		}
		q := "SELECT COUNT(*), SUM(LENGTH(evidence)) FROM scores WHERE district_id = ? AND level IS NULL"
		if s.Dialect() == store.Postgres {
			q = "SELECT COUNT(*), SUM(LENGTH(evidence)) FROM scores WHERE district_id = $1 AND level IS NULL"
		}
		var n, length int64
		if err := s.SQL().QueryRowContext(ctx, q, f.district.ID).Scan(&n, &length); err != nil {
			t.Fatal(err)
		}
		wantLength := 0
		for _, o := range obs {
			for _, sc := range o.Scores {
				if sc.Level == nil {
					wantLength += len([]rune(sc.Evidence))
				}
			}
		}
		if n != int64(notObserved) || length != int64(wantLength) {
			t.Errorf("SQL counts %d scores not observed with %d characters of evidence, want %d with %d", n, length, notObserved, wantLength)
		}
	})
}
