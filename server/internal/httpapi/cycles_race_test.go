package httpapi

import (
	"net/http"
	stdsync "sync"
	"testing"
	"time"
)

// Bookings of one teacher that race each other: exactly one wins, whatever
// the order the transactions commit in.
func TestConcurrentBookingsOfOneTeacherNeverDoubleBook(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		c := w.openCycle(w.teacherA1)
		start := w.clock.now.Add(72 * time.Hour).Truncate(time.Hour)
		const n = 12
		codes := make([]int, n)
		var wg stdsync.WaitGroup
		ready := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				// Each a few minutes apart: all overlap one another.
				s := start.Add(time.Duration(i) * time.Minute)
				r := w.do(coach, "POST", "/api/v1/cycles/"+c.ID+"/followups", map[string]any{"teacher_id": w.teacherA1, "starts_at": s, "ends_at": s.Add(30 * time.Minute)})
				codes[i] = r.Code
			}()
		}
		close(ready)
		wg.Wait()
		won, clashed := 0, 0
		for _, code := range codes {
			switch code {
			case http.StatusCreated:
				won++
			case http.StatusConflict:
				clashed++
			default:
				t.Errorf("a racing booking answered %d", code)
			}
		}
		if won != 1 || clashed != n-1 {
			t.Errorf("%d bookings won and %d clashed, want 1 and %d", won, clashed, n-1)
		}
		var d cycleDetailResponse
		w.do(coach, "GET", "/api/v1/cycles/"+c.ID, nil).decode(t, &d)
		if len(d.FollowUps) != 1 {
			t.Errorf("%d follow-ups stored", len(d.FollowUps))
		}
	})
}
