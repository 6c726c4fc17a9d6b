package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// CheckLocal refuses a base URL that does not point at this machine.
func CheckLocal(baseURL string) error {
	u, err := url.Parse(baseURL)
	if err != nil {
		return fmt.Errorf("loadgen: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("loadgen: base URL %q: the scheme must be http or https", baseURL)
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	return fmt.Errorf("loadgen: base URL %q: only 127.0.0.1, localhost or [::1] may be loaded", baseURL)
}

// Session is a signed-in client of one server.
type Session struct {
	client   *http.Client
	baseURL  string
	token    string
	received atomic.Int64 // response bytes read, decompressed
	wire     atomic.Int64 // response bytes as they came over the wire
}

// Received is the number of response bytes the session has read, once
// decompressed.
func (s *Session) Received() int64 { return s.received.Load() }

// OnTheWire is the number of response bytes the session was sent: what
// Received came to compressed, as a browser asks for it (zstd or gzip).
func (s *Session) OnTheWire() int64 { return s.wire.Load() }

// SignIn signs in with email and password.
func SignIn(ctx context.Context, client *http.Client, baseURL, email, password string) (*Session, error) {
	if err := CheckLocal(baseURL); err != nil {
		return nil, err
	}
	if client == nil {
		client = NewClient(1)
	}
	s := &Session{client: client, baseURL: strings.TrimRight(baseURL, "/")}
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	var res struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.do(ctx, http.MethodPost, "/api/v1/auth/login", body, &res); err != nil {
		return nil, fmt.Errorf("loadgen: sign in as %s: %w", email, err)
	}
	if res.AccessToken == "" {
		return nil, fmt.Errorf("loadgen: sign in as %s: no access token", email)
	}
	s.token = res.AccessToken
	return s, nil
}

type pullRecord struct {
	Entity  string          `json:"entity"`
	ID      string          `json:"id"`
	Deleted bool            `json:"deleted"`
	Data    json.RawMessage `json:"data"`
}

type pullPage struct {
	Changes []pullRecord `json:"changes"`
	Cursor  string       `json:"cursor"`
	More    bool         `json:"more"`
}

// Snapshot pulls from the empty cursor to the end and keeps the active
// schools, their active teachers and the newest published rubric version.
func (s *Session) Snapshot(ctx context.Context) (Snapshot, error) {
	schools := map[string]bool{}
	var order []string
	var teachers []Teacher
	var rubric Rubric
	var newest sync.RubricVersionData
	pages, records := 0, 0
	cursor := ""
	for {
		page, err := s.page(ctx, cursor)
		if err != nil {
			return Snapshot{}, err
		}
		pages, records = pages+1, records+len(page.Changes)
		for _, r := range page.Changes {
			if r.Deleted {
				continue
			}
			var err error
			switch r.Entity {
			case sync.EntitySchool:
				var d sync.SchoolData
				if err = json.Unmarshal(r.Data, &d); err == nil && d.Active && !schools[r.ID] {
					schools[r.ID] = true
					order = append(order, r.ID)
				}
			case sync.EntityTeacher:
				var d sync.TeacherData
				if err = json.Unmarshal(r.Data, &d); err == nil && d.Active {
					teachers = append(teachers, Teacher{ID: r.ID, SchoolID: d.SchoolID, Grades: d.Grades, Subjects: d.Subjects})
				}
			case sync.EntityRubricVersion:
				var d sync.RubricVersionData
				if err = json.Unmarshal(r.Data, &d); err == nil && newerRubric(d, newest) {
					newest = d
					rubric = Rubric{ID: r.ID}
					for _, l := range d.Levels {
						rubric.Levels = append(rubric.Levels, l.Value)
					}
					for _, dim := range d.Dimensions {
						for _, ind := range dim.Indicators {
							rubric.Indicators = append(rubric.Indicators, ind.Key)
						}
					}
				}
			}
			if err != nil {
				return Snapshot{}, fmt.Errorf("loadgen: pull: %s %s: %w", r.Entity, r.ID, err)
			}
		}
		cursor = page.Cursor
		if !page.More {
			break
		}
	}
	snap := Snapshot{Schools: order, Rubric: rubric, Records: records, Pages: pages}
	for _, t := range teachers {
		if schools[t.SchoolID] {
			snap.Teachers = append(snap.Teachers, t)
		}
	}
	return snap, nil
}

func newerRubric(a, b sync.RubricVersionData) bool {
	switch {
	case b.PublishedAt == nil:
		return true
	case a.PublishedAt == nil:
		return false
	}
	return a.PublishedAt.After(*b.PublishedAt)
}

// Pull asks for one page of changes after cursor, as a device's sync loop
// does after it pushes, and answers how many records came and where to go
// on from.
func (s *Session) Pull(ctx context.Context, cursor string) (records int, next string, more bool, err error) {
	page, err := s.page(ctx, cursor)
	if err != nil {
		return 0, cursor, false, err
	}
	return len(page.Changes), page.Cursor, page.More, nil
}

// PulledIDs pulls from the empty cursor to the end and counts the live
// records of the entity by id: each must come once.
func (s *Session) PulledIDs(ctx context.Context, entity string) (map[string]int, error) {
	out := map[string]int{}
	for cursor, more := "", true; more; {
		page, err := s.page(ctx, cursor)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Changes {
			if r.Entity == entity && !r.Deleted {
				out[r.ID]++
			}
		}
		cursor, more = page.Cursor, page.More
	}
	return out, nil
}

func (s *Session) page(ctx context.Context, cursor string) (pullPage, error) {
	var page pullPage
	q := url.Values{"limit": {fmt.Sprint(sync.MaxPullLimit)}, "cursor": {cursor}}
	if err := s.do(ctx, http.MethodGet, "/api/v1/sync/pull?"+q.Encode(), nil, &page); err != nil {
		return pullPage{}, fmt.Errorf("loadgen: pull: %w", err)
	}
	return page, nil
}

// Push sends one push request once, with no retry, and returns the
// server's answer.
func (s *Session) Push(ctx context.Context, req sync.PushRequest) (sync.PushResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return sync.PushResponse{}, err
	}
	var res sync.PushResponse
	err = s.do(ctx, http.MethodPost, "/api/v1/sync/push", body, &res)
	return res, err
}

// pushBody sends an encoded push, again after a network error or a 5xx as
// a device's sync loop does, and answers how many times it retried.
func (s *Session) pushBody(ctx context.Context, body []byte) (sync.PushResponse, int, error) {
	backoff := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		var res sync.PushResponse
		err := s.do(ctx, http.MethodPost, "/api/v1/sync/push", body, &res)
		var st *statusError
		retry := err != nil && ctx.Err() == nil && (!errors.As(err, &st) || st.code >= 500 || st.code == http.StatusTooManyRequests)
		if !retry || attempt == 3 {
			return res, attempt, err
		}
		select {
		case <-ctx.Done():
			return res, attempt, ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// statusError is an answer other than 200.
type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.code, e.body) }

func (s *Session) do(ctx context.Context, method, path string, body []byte, out any) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.baseURL+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	// Asked for by hand, as a browser does, the answer comes as it was
	// sent, so that both its sizes can be counted.
	req.Header.Set("Accept-Encoding", "zstd, gzip")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sent, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	s.wire.Add(int64(len(sent)))
	raw, err := decompress(resp.Header.Get("Content-Encoding"), sent)
	if err != nil {
		return err
	}
	s.received.Add(int64(len(raw)))
	if resp.StatusCode != http.StatusOK {
		if len(raw) > 500 {
			raw = raw[:500]
		}
		return &statusError{code: resp.StatusCode, body: string(raw)}
	}
	return json.Unmarshal(raw, out)
}

// decompress undoes the answer's Content-Encoding.
func decompress(encoding string, sent []byte) ([]byte, error) {
	switch encoding {
	case "":
		return sent, nil
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(sent))
		if err != nil {
			return nil, fmt.Errorf("loadgen: gzip answer: %w", err)
		}
		return io.ReadAll(r)
	case "zstd":
		r, err := zstd.NewReader(bytes.NewReader(sent))
		if err != nil {
			return nil, fmt.Errorf("loadgen: zstd answer: %w", err)
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	return nil, fmt.Errorf("loadgen: an answer in %q, which was not asked for", encoding)
}

// On is the same signed-in session sending to another server: a replica
// behind the same load balancer, which must accept the same token.
func (s *Session) On(baseURL string) *Session {
	return &Session{client: s.client, baseURL: strings.TrimRight(baseURL, "/"), token: s.token}
}

// PutAttachment uploads the bytes of a photo an observation lists, with
// their SHA-256, and answers the HTTP status (201 stored, 200 already
// stored with these bytes).
func (s *Session) PutAttachment(ctx context.Context, id, contentType string, body []byte) (int, error) {
	sum := sha256.Sum256(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.baseURL+"/api/v1/attachments/"+id, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Content-SHA256", hex.EncodeToString(sum[:]))
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return resp.StatusCode, &statusError{code: resp.StatusCode, body: string(raw)}
	}
	return resp.StatusCode, nil
}

// Me asks the server who the session's user is: a request any replica
// answers only if it accepts the session's token.
func (s *Session) Me(ctx context.Context) error {
	var out map[string]any
	return s.do(ctx, http.MethodGet, "/api/v1/me", nil, &out)
}
