package domain_test

import (
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

func TestFrameworksApplyWhereAndWhenAssigned(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	ended := t0.Add(48 * time.Hour)
	retired := t0.Add(72 * time.Hour)
	published := []domain.RubricVersionSummary{{ID: "v", Version: 1, Status: domain.RubricPublished}}
	main := domain.Framework{ID: "main", Main: true, Versions: published}
	k2 := domain.Framework{ID: "k2", Versions: published, RetiredAt: &retired, Assignments: []domain.Assignment{
		{ID: "a1", SchoolIDs: []string{"cedar"}, Kinds: []domain.WalkthroughKind{domain.KindClassroom}, StartsAt: t0, EndedAt: &ended},
		{ID: "a2", SchoolIDs: []string{"oak"}, StartsAt: t0.Add(time.Hour)},
	}}
	draft := domain.Framework{ID: "draft", Versions: []domain.RubricVersionSummary{{ID: "d", Status: domain.RubricDraft}},
		Assignments: []domain.Assignment{{ID: "a3", StartsAt: t0}}}
	all := []domain.Framework{main, k2, draft}
	ids := func(fs []domain.Framework) (out []string) {
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	for _, c := range []struct {
		name   string
		school string
		kind   domain.WalkthroughKind
		at     time.Time
		want   []string
	}{
		{"before the assignment", "cedar", domain.KindClassroom, t0.Add(-time.Minute), []string{"main"}},
		{"assigned school and kind, assigned one first", "cedar", domain.KindClassroom, t0.Add(time.Hour), []string{"k2", "main"}},
		{"another kind", "cedar", domain.KindLeadership, t0.Add(time.Hour), []string{"main"}},
		{"another school", "elm", domain.KindClassroom, t0.Add(time.Hour), []string{"main"}},
		{"every kind at oak", "oak", domain.KindInformal, t0.Add(2 * time.Hour), []string{"k2", "main"}},
		{"rolled back", "cedar", domain.KindClassroom, ended, []string{"main"}},
		{"retired", "oak", domain.KindInformal, retired, []string{"main"}},
	} {
		if got := ids(domain.Applicable(all, c.school, c.kind, c.at)); !equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if err := (domain.Assignment{SchoolIDs: []string{"not-an-id"}, Kinds: []domain.WalkthroughKind{"hallway"}}).Validate(); len(domain.ErrorFields(err)) != 2 {
		t.Errorf("a bad school id and kind: %v", domain.ErrorFields(err))
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
