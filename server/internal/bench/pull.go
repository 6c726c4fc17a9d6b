package bench

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
)

// Snapshot is what a new device's first pull cost.
type Snapshot struct {
	Records, Pages int
	Bytes          int64 // the records' JSON
	Wire           int64 // what came over the wire, compressed
	Elapsed        time.Duration
}

// PullSnapshot signs the coach in on a new device and pulls everything they
// may see from the empty cursor to the end.
func PullSnapshot(ctx context.Context, baseURL string, c Coach) (Snapshot, error) {
	s, err := loadgen.SignIn(ctx, loadgen.NewClient(1), baseURL, c.Email, c.Password)
	if err != nil {
		return Snapshot{}, err
	}
	before, wireBefore := s.Received(), s.OnTheWire()
	began := time.Now()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	return Snapshot{Records: snap.Records, Pages: snap.Pages, Bytes: s.Received() - before, Wire: s.OnTheWire() - wireBefore, Elapsed: time.Since(began)}, nil
}
