package httpapi

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// A change the server fails to store for a reason of its own (here a row a
// test trigger makes the database refuse) is kept out of its push, which
// answers 200 with the others applied; over REST the same change is the
// server's failure, 500.
func TestAChangeTheServerCannotStoreIsKeptOut(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, db := testdb.OpenWithSQL(t, dialect)
			testdb.RefuseValue(t, dialect, db, "observations", "evidence", "poison", "check_violation")
			w := newWorld(t, s)
			bad := w.obsChange(domain.NewID(), 0, 2)
			bad.Data = bytes.Replace(bad.Data, []byte(`"Students explained their strategies."`), []byte(`"poison"`), 1)
			changes := []sync.Change{w.obsChange(domain.NewID(), 0, 2), bad, w.obsChange(domain.NewID(), 0, 3)}
			code, res := w.push(coach, domain.NewID(), changes...)
			if code != http.StatusOK {
				t.Fatalf("the push answered %d", code)
			}
			if res.Results[0].Status != sync.StatusApplied || res.Results[2].Status != sync.StatusApplied {
				t.Errorf("the good changes: %+v", res.Results)
			}
			if r := res.Results[1]; r.Status != sync.StatusRejected || r.Error == nil || r.Error.Code != sync.CodeServerError {
				t.Errorf("the refused change: %+v", r)
			}

			r := w.do(coach, "PUT", "/api/v1/observations/"+bad.ID, map[string]any{"change_id": domain.NewID(), "device_id": domain.NewID(),
				"base_rev": 0, "data": bad.Data})
			var p Problem
			r.decode(t, &p)
			if r.Code != http.StatusInternalServerError || p.Code != domain.EInternal {
				t.Errorf("over REST: %d %s", r.Code, r.Body)
			}
		})
	}
}
