package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

func TestCheckLocalRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:8080/", "https://[::1]:8443", "http://127.0.0.1"} {
		if err := CheckLocal(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://example.org", "http://10.0.0.5:8080", "http://127.0.0.2:8080", "http://0.0.0.0:8080",
		"http://localhost.example.org", "ftp://127.0.0.1/", "127.0.0.1:8080", "http://[::2]:80", "http://127.0.0.1@example.org/"} {
		if err := CheckLocal(u); err == nil {
			t.Errorf("%s was accepted", u)
		}
	}
	_, err := Day{BaseURL: "http://192.0.2.1:8080", Observations: 1}.Run(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "only 127.0.0.1") {
		t.Fatalf("a day against another host: %v", err)
	}
}

func testSnapshot(indicators int) Snapshot {
	s := Snapshot{Schools: []string{domain.NewID(), domain.NewID()}, Rubric: Rubric{ID: domain.NewID(), Levels: []int{1, 2, 3, 4}}}
	for i := range 6 {
		s.Teachers = append(s.Teachers, Teacher{ID: domain.NewID(), SchoolID: s.Schools[i%2], Grades: []string{"3", "4"}, Subjects: []string{"Mathematics"}})
	}
	for i := range indicators {
		s.Rubric.Indicators = append(s.Rubric.Indicators, fmt.Sprintf("indicator_%02d", i))
	}
	return s
}

func TestPlanIsDeterministicAndWithinTheLimits(t *testing.T) {
	snap := testSnapshot(16)
	now := time.Date(2026, 11, 23, 15, 4, 5, 0, time.UTC)
	d := Day{Observations: 1234, ScoresEach: 15, BatchSize: 500, Devices: 3, Seed: 7}
	a, err := d.Plan(snap, now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Plan(snap, now.Add(3*time.Hour)) // later the same day
	if len(a.Batches) != 3 || len(b.Batches) != len(a.Batches) {
		t.Fatalf("%d and %d batches", len(a.Batches), len(b.Batches))
	}
	ids := map[string]bool{}
	week := now.Truncate(24*time.Hour).AddDate(0, 0, -7)
	for i := range a.Batches {
		if !bytes.Equal(a.Batches[i].Body, b.Batches[i].Body) {
			t.Fatalf("batch %d differs between two plans of one seed and day", i)
		}
		req := a.Batches[i].Request
		if err := req.Validate(); err != nil {
			t.Fatal(err)
		}
		if len(req.Changes) > sync.MaxChanges || len(a.Batches[i].Body) > sync.MaxPushBytes {
			t.Fatalf("batch %d: %d changes, %d bytes", i, len(req.Changes), len(a.Batches[i].Body))
		}
		for _, c := range req.Changes {
			ids[c.ID], ids[c.ChangeID] = true, true
			var o sync.ObservationData
			if err := json.Unmarshal(c.Data, &o); err != nil {
				t.Fatal(err)
			}
			if len(o.Scores) != 15 || a.Batches[i].Scores[c.ID] != 15 || o.Status != "submitted" || !domain.ValidID(c.ID) ||
				o.StartedAt.Before(week) || !o.StartedAt.Before(now.Truncate(24*time.Hour)) || len(o.Evidence) < 200 {
				t.Fatalf("observation %s: %+v", c.ID, o)
			}
		}
	}
	if len(ids) != 2*1234 {
		t.Fatalf("%d distinct ids for 1234 observations and their changes", len(ids))
	}
	other, _ := Day{Observations: 1234, ScoresEach: 15, BatchSize: 500, Devices: 3, Seed: 8}.Plan(snap, now)
	if other.Batches[0].Request.Changes[0].ID == a.Batches[0].Request.Changes[0].ID {
		t.Fatal("two seeds made the same ids")
	}
}

func TestPlanSplitsBatchesByBytes(t *testing.T) {
	// Two hundred scores with evidence make observations large enough that
	// 300 of them are far over 5 MiB.
	d := Day{Observations: 300, ScoresEach: 200, BatchSize: 500, Devices: 2, Seed: 1}
	p, err := d.Plan(testSnapshot(200), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, b := range p.Batches {
		if len(b.Body) > sync.MaxPushBytes || len(b.Request.Changes) > sync.MaxChanges {
			t.Fatalf("batch %d: %d bytes, %d changes", i, len(b.Body), len(b.Request.Changes))
		}
		total += len(b.Request.Changes)
	}
	if total != 300 || len(p.Batches) < 3 {
		t.Fatalf("%d changes in %d batches", total, len(p.Batches))
	}
}
