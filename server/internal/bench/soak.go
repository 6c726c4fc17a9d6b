package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	gosync "sync"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/loadgen"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// SoakReport is what a soak saw.
type SoakReport struct {
	Observations     int   // observations the server answered applied
	Errors           int   // requests that failed after their retries, and answers other than applied
	Retried          int   // requests that failed and were sent again, as a tablet does
	Photos           int   // photos uploaded and found again in the attachment store at the end
	PhotosLost       int   // photos uploaded that the store did not have at the end
	Lost, Duplicated int   // applied observations missing from, or repeated in, the coach's pulled observations
	RSSStart, RSSEnd int64 // the servers' resident memory after the first minute and at the end
}

// SoakTarget is what devices sync with: one server, or several behind a
// load balancer.
type SoakTarget interface {
	URL() string
	RSS() (int64, error) // resident memory now, of every server summed
}

// URL is where the server answers.
func (s *Server) URL() string { return s.BaseURL }

// RSS is the server's resident memory now.
func (s *Server) RSS() (int64, error) {
	rss, _, err := s.Memory()
	return rss, err
}

// URL is the load balancer's address.
func (c *Cluster) URL() string { return c.BaseURL }

// RSS is the servers' resident memory now, summed.
func (c *Cluster) RSS() (int64, error) { return c.Memory() }

// soakAttempts is how often a device sends a request that failed (a
// server that went away mid-request answers 502 through the load
// balancer), a second apart, before it counts as an error.
const soakAttempts = 5

// photo is a small PNG-looking body, different for each n.
func photo(n int) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for i := range 2000 {
		b = append(b, byte(n+i))
	}
	return b
}

// soakInterval is how often each device syncs: push a few observations,
// then pull.
const soakInterval = 5 * time.Second

// Soak has devices sync as the coach for the duration: each pushes three
// observations and pulls every few seconds, sending a request that failed
// again as a tablet does; with photos, the first observation of each push
// lists a photo, uploaded after the push. Then a new device pulls
// everything and every applied observation must be there exactly once,
// and every photo in the attachment store.
func Soak(ctx context.Context, srv SoakTarget, c Coach, devices int, duration time.Duration, photos bool) (SoakReport, error) {
	if duration > 14*time.Minute {
		return SoakReport{}, errors.New("soak: at most 14 minutes, within one access token's life")
	}
	s, err := loadgen.SignIn(ctx, loadgen.NewClient(devices), srv.URL(), c.Email, c.Password)
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
	var uploaded []string
	sample := time.AfterFunc(time.Minute, func() {
		rss, err := srv.RSS()
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
				req, photoID := b.Request, ""
				var err error
				if photos && len(req.Changes) > 0 {
					if req, photoID, err = withPhoto(req); err != nil {
						mu.Lock()
						r.Errors++
						mu.Unlock()
						return
					}
				}
				var res sync.PushResponse
				retried := 0
				err = retry(ctx, &retried, func() error {
					var err error
					res, err = s.Push(ctx, req)
					return err
				})
				mu.Lock()
				r.Retried += retried
				if err != nil {
					r.Errors++
				}
				for i, x := range res.Results {
					// A push that reached the server before it went away
					// answers duplicate when sent again: applied once.
					if x.Status == sync.StatusApplied || (retried > 0 && x.Status == sync.StatusDuplicate) {
						applied[req.Changes[i].ID] = true
					} else {
						r.Errors++
					}
				}
				mu.Unlock()
				if photoID != "" && err == nil {
					retried = 0
					err := retry(ctx, &retried, func() error {
						code, err := s.PutAttachment(ctx, photoID, "image/png", photo(len(photoID)+int(photoID[len(photoID)-1])))
						if err == nil && code != http.StatusCreated && code != http.StatusOK {
							err = fmt.Errorf("photo upload answered %d", code)
						}
						return err
					})
					mu.Lock()
					r.Retried += retried
					if err != nil {
						r.Errors++
					} else {
						uploaded = append(uploaded, photoID)
					}
					mu.Unlock()
				}
				for more := true; more; {
					retried = 0
					err := retry(ctx, &retried, func() error {
						var err error
						_, cursor, more, err = s.Pull(ctx, cursor)
						return err
					})
					mu.Lock()
					r.Retried += retried
					if err != nil {
						r.Errors++
					}
					mu.Unlock()
					if err != nil {
						break
					}
				}
				time.Sleep(time.Until(tick.Add(soakInterval)))
			}
		}()
	}
	wg.Wait()
	if r.RSSEnd, err = srv.RSS(); err != nil {
		return r, err
	}
	// A photo sent again with the same bytes is answered 200 only when the
	// store already holds exactly those bytes.
	for _, id := range uploaded {
		code, err := s.PutAttachment(ctx, id, "image/png", photo(len(id)+int(id[len(id)-1])))
		if err != nil {
			return r, err
		}
		if code == http.StatusOK {
			r.Photos++
		} else {
			r.PhotosLost++
		}
	}
	r.Observations = len(applied)
	seen, err := pulledObservations(ctx, srv.URL(), c)
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

// retry runs f until it succeeds, at most soakAttempts times a second
// apart, counting the attempts after the first in retried.
func retry(ctx context.Context, retried *int, f func() error) error {
	var err error
	for attempt := range soakAttempts {
		if attempt > 0 {
			*retried++
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
		}
		if err = f(); err == nil {
			return nil
		}
	}
	return err
}

// withPhoto lists a new photo with the push's first observation.
func withPhoto(req sync.PushRequest) (sync.PushRequest, string, error) {
	var data map[string]any
	if err := json.Unmarshal(req.Changes[0].Data, &data); err != nil {
		return req, "", err
	}
	id := domain.NewID()
	data["attachment_ids"] = []string{id}
	raw, err := json.Marshal(data)
	if err != nil {
		return req, "", err
	}
	changes := append([]sync.Change(nil), req.Changes...)
	changes[0].Data = raw
	req.Changes = changes
	return req, id, nil
}
