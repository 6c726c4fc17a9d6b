package bench

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// SoakReport is what a soak saw.
type SoakReport struct {
	Observations     int   // observations the server answered applied
	Errors           int   // failed requests and answers other than applied
	Lost, Duplicated int   // applied observations missing from, or repeated in, the coach's pulled observations
	RSSStart, RSSEnd int64 // the server's resident memory after the first minute and at the end
}

// soakInterval is how often each device syncs: push a few observations,
// then pull.
const soakInterval = 5 * time.Second

// Soak has devices sync as the coach for the duration: each pushes three
// observations and pulls every few seconds. Then a new device pulls
// everything and every applied observation must be there exactly once.
func Soak(ctx context.Context, srv *Server, c Coach, devices int, duration time.Duration) (SoakReport, error) {
	if duration > 14*time.Minute {
		return SoakReport{}, errors.New("soak: at most 14 minutes, within one access token's life")
	}
	s, err := loadgen.SignIn(ctx, loadgen.NewClient(devices), srv.BaseURL, c.Email, c.Password)
	if err != nil {
		return SoakReport{}, err
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return SoakReport{}, err
	}
	rounds := int(duration/soakInterval) + 1
	day := loadgen.Day{Observations: devices * rounds * 3, BatchSize: 3, Devices: devices, Seed: uint64(time.Now().UnixNano())}
	plan, err := day.Plan(snap, time.Now())
	if err != nil {
		return SoakReport{}, err
	}
	var r SoakReport
	var mu gosync.Mutex
	applied := map[string]bool{}
	deadline := time.Now().Add(duration)
	sample := time.AfterFunc(time.Minute, func() {
		rss, _, err := srv.Memory()
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			r.RSSStart = rss
		}
	})
	defer sample.Stop()
	var wg gosync.WaitGroup
	for dev := range devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Devices start spread over the interval, as tablets do.
			time.Sleep(time.Duration(dev) * soakInterval / time.Duration(devices))
			cursor := ""
			for _, b := range plan.Batches {
				if b.Device != dev {
					continue
				}
				if time.Now().After(deadline) || ctx.Err() != nil {
					return
				}
				tick := time.Now()
				res, err := s.Push(ctx, b.Request)
				mu.Lock()
				if err != nil {
					r.Errors++
				}
				for i, x := range res.Results {
					if x.Status == sync.StatusApplied {
						applied[b.Request.Changes[i].ID] = true
					} else {
						r.Errors++
					}
				}
				mu.Unlock()
				for more := true; more; {
					var err error
					if _, cursor, more, err = s.Pull(ctx, cursor); err != nil {
						mu.Lock()
						r.Errors++
						mu.Unlock()
						break
					}
				}
				time.Sleep(time.Until(tick.Add(soakInterval)))
			}
		}()
	}
	wg.Wait()
	if r.RSSEnd, _, err = srv.Memory(); err != nil {
		return r, err
	}
	r.Observations = len(applied)
	seen, err := pulledObservations(ctx, srv.BaseURL, c)
	if err != nil {
		return r, err
	}
	for id := range applied {
		switch seen[id] {
		case 0:
			r.Lost++
		case 1:
		default:
			r.Duplicated++
		}
	}
	if r.RSSStart == 0 {
		return r, fmt.Errorf("soak: no memory sample after the first minute (ran %s)", duration)
	}
	return r, nil
}

// pulledObservations counts, by id, the observations a new device of the
// coach receives.
func pulledObservations(ctx context.Context, baseURL string, c Coach) (map[string]int, error) {
	s, err := loadgen.SignIn(ctx, loadgen.NewClient(1), baseURL, c.Email, c.Password)
	if err != nil {
		return nil, err
	}
	return s.PulledIDs(ctx, sync.EntityObservation)
}
