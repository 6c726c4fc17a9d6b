package domain_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

func TestBuiltinFrameworkValidates(t *testing.T) {
	v := domain.BuiltinFramework()
	if err := v.Validate(); err != nil {
		t.Fatalf("Validate() = %v, fields %v", err, domain.ErrorFields(err))
	}
	if v.Status != domain.RubricDraft || v.Version != 1 {
		t.Errorf("status %q version %d, want draft version 1", v.Status, v.Version)
	}
	if v.ID != "" || v.RubricID != "" || v.DistrictID != "" || v.PublishedAt != nil {
		t.Errorf("a template carries no ids and no publication time: %+v", v)
	}
	if strings.TrimSpace(v.Description) == "" {
		t.Error("description is empty")
	}
}

func TestBuiltinFrameworkShape(t *testing.T) {
	v := domain.BuiltinFramework()

	wantLevels := []domain.Level{{Value: 1, Label: "Beginning"}, {Value: 2, Label: "Developing"}, {Value: 3, Label: "Proficient"}, {Value: 4, Label: "Exemplary"}}
	if !reflect.DeepEqual(v.Levels, wantLevels) {
		t.Errorf("levels = %v, want %v", v.Levels, wantLevels)
	}

	wantDims := []string{"classroom_culture", "lesson_content", "student_engagement", "access_to_content", "monitoring_student_progress"}
	var gotDims []string
	for _, d := range v.Dimensions {
		gotDims = append(gotDims, d.Key)
	}
	if !reflect.DeepEqual(gotDims, wantDims) {
		t.Fatalf("dimension keys = %v, want %v", gotDims, wantDims)
	}

	keys := map[string]bool{}
	for _, d := range v.Dimensions {
		if keys[d.Key] {
			t.Errorf("key %q is used twice", d.Key)
		}
		keys[d.Key] = true
		if n := len(d.Indicators); n < 2 || n > 4 {
			t.Errorf("dimension %s has %d indicators, want 2 to 4", d.Key, n)
		}
		for _, ind := range d.Indicators {
			if keys[ind.Key] {
				t.Errorf("key %q is used twice", ind.Key)
			}
			keys[ind.Key] = true
			if !domain.ValidKey(ind.Key) {
				t.Errorf("indicator key %q is not a valid key", ind.Key)
			}
			if len(ind.Descriptors) != 4 {
				t.Errorf("indicator %s has %d descriptors, want 4", ind.Key, len(ind.Descriptors))
				continue
			}
			for i, desc := range ind.Descriptors {
				if desc.Level != i+1 {
					t.Errorf("indicator %s descriptor %d has level %d, want %d", ind.Key, i, desc.Level, i+1)
				}
				if strings.TrimSpace(desc.Text) == "" {
					t.Errorf("indicator %s level %d has no text", ind.Key, desc.Level)
				}
			}
		}
	}
}

func TestBuiltinFrameworkIsFreshEachCall(t *testing.T) {
	a, b := domain.BuiltinFramework(), domain.BuiltinFramework()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls returned different frameworks")
	}

	// Changing one copy must not reach the other or later calls.
	a.Levels[0].Label = "changed"
	a.Dimensions[0].Name = "changed"
	a.Dimensions[0].Indicators[0].Descriptors[0].Text = "changed"
	if !reflect.DeepEqual(b, domain.BuiltinFramework()) {
		t.Error("changing one copy changed another")
	}
}
