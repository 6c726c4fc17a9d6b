package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/attachments"
	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/cycles"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/rubrics"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/support"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// actor names a signed-in test user by what it is.
type actor string

const (
	anonymous  actor = "anonymous"
	admin      actor = "district_admin"
	supervisor actor = "supervisor"
	principalA actor = "principal"
	coach      actor = "coach"
	observer   actor = "observer"
	teacher    actor = "teacher"
	otherAdmin actor = "other_district_admin"
	password         = "a long enough password"
)

// actors are every caller the matrix tries.
var actors = []actor{anonymous, admin, supervisor, principalA, coach, observer, teacher, otherAdmin}

// world is two districts: A with schools A1 and A2 and a user per role
// scoped to A1, and B with school B1 and its own administrator.
type world struct {
	t       *testing.T
	store   *store.Store
	handler http.Handler
	tokens  *auth.Tokens
	clock   *fakeClock
	syncs   *sync.Service
	mail    *mail.Service

	districtA, districtB string
	schoolA1, schoolA2   string
	schoolB1             string
	teacherA1, teacherA2 string
	teacherB1            string
	rubricA, rubricB     string // published versions
	draftA, draftA2      string // drafts of district A
	matrixObservation    string // the id the matrix's PUT /observations row uses
	attachment           string // listed by the coach's observation obsA1
	obsA1                string // a submitted observation by the coach at A1
	walkA1               string // a walkthrough at A1 led by the principal with the observer on the team
	users                map[actor]domain.User
	access               map[actor]string
	refresh              map[actor]string
}

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func newWorld(t *testing.T, s *store.Store) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, store: s, users: map[actor]domain.User{}, access: map[actor]string{}, refresh: map[actor]string{},
		clock: &fakeClock{now: time.Now()}}
	w.districtA, w.districtB = domain.NewID(), domain.NewID()
	w.schoolA1, w.schoolA2, w.schoolB1 = domain.NewID(), domain.NewID(), domain.NewID()
	w.teacherA1, w.teacherA2, w.teacherB1 = domain.NewID(), domain.NewID(), domain.NewID()
	w.matrixObservation, w.attachment, w.obsA1, w.walkA1 = domain.NewID(), domain.NewID(), domain.NewID(), domain.NewID()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	mkUser := func(a actor, district string, g domain.RoleGrant) domain.User {
		return domain.User{ID: domain.NewID(), DistrictID: district, Email: string(a) + "@example.org", Name: string(a),
			PasswordHash: hash, Active: true, Grants: []domain.RoleGrant{g}}
	}
	w.users[admin] = mkUser(admin, w.districtA, domain.RoleGrant{Role: domain.RoleDistrictAdmin})
	w.users[otherAdmin] = mkUser(otherAdmin, w.districtB, domain.RoleGrant{Role: domain.RoleDistrictAdmin})
	for _, a := range []actor{supervisor, principalA, coach, observer, teacher} {
		w.users[a] = mkUser(a, w.districtA, domain.RoleGrant{Role: domain.Role(a), SchoolID: w.schoolA1})
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		for _, d := range []domain.District{
			{ID: w.districtA, Name: "District A", TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()},
			{ID: w.districtB, Name: "District B", TimeZone: "America/New_York", Settings: domain.DefaultDistrictSettings()},
		} {
			if err := tx.CreateDistrict(ctx, d); err != nil {
				return err
			}
		}
		for _, sc := range []domain.School{
			{ID: w.schoolA1, DistrictID: w.districtA, Name: "A1 Elementary", Active: true},
			{ID: w.schoolA2, DistrictID: w.districtA, Name: "A2 Middle", Active: true},
			{ID: w.schoolB1, DistrictID: w.districtB, Name: "B1 High", Active: true},
		} {
			if err := tx.CreateSchool(ctx, sc); err != nil {
				return err
			}
		}
		for _, tc := range []domain.Teacher{
			{ID: w.teacherA1, DistrictID: w.districtA, SchoolID: w.schoolA1, FamilyName: "Rivera", Email: string(teacher) + "@example.org", Active: true},
			{ID: w.teacherA2, DistrictID: w.districtA, SchoolID: w.schoolA2, FamilyName: "Okafor", Active: true},
			{ID: w.teacherB1, DistrictID: w.districtB, SchoolID: w.schoolB1, FamilyName: "Lindqvist", Active: true},
		} {
			if err := tx.CreateTeachers(ctx, []domain.Teacher{tc}); err != nil {
				return err
			}
		}
		for _, a := range actors[1:] {
			if err := tx.CreateUser(ctx, w.users[a]); err != nil {
				return err
			}
		}
		for _, r := range []struct {
			id, district *string
			status       domain.RubricStatus
		}{{&w.rubricA, &w.districtA, domain.RubricPublished}, {&w.rubricB, &w.districtB, domain.RubricPublished},
			{&w.draftA, &w.districtA, domain.RubricDraft}, {&w.draftA2, &w.districtA, domain.RubricDraft}} {
			v := domain.BuiltinFramework()
			v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), *r.district, r.status
			*r.id = v.ID
			if err := tx.CreateRubricVersion(ctx, v); err != nil {
				return err
			}
		}
		level := 3
		obs := domain.Observation{ID: w.obsA1, DistrictID: w.districtA, SchoolID: w.schoolA1, TeacherID: w.teacherA1,
			ObserverID: w.users[coach].ID, RubricVersionID: w.rubricA, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted,
			StartedAt: w.clock.now.Add(-2 * time.Hour), Rev: 1, Scores: []domain.Score{{IndicatorKey: "respectful_relationships", Level: &level}}}
		if err := tx.PutObservation(ctx, obs); err != nil {
			return err
		}
		if err := tx.SetObservationAttachments(ctx, w.districtA, w.obsA1, []string{w.attachment}); err != nil {
			return err
		}
		return tx.PutWalkthrough(ctx, domain.Walkthrough{ID: w.walkA1, DistrictID: w.districtA, SchoolID: w.schoolA1, RubricVersionID: w.rubricA,
			Kind: domain.KindLeadership, Date: w.clock.now, LeadID: w.users[principalA].ID, Team: []string{w.users[observer].ID}, Rev: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	w.tokens = auth.NewTokens(keys, "walkthrough", "walkthrough-api", auth.AccessTTL, w.clock.Now)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	metrics := NewMetrics()
	syncs := sync.NewService(s, nil, sync.NewMetrics(metrics.Registry()), w.clock.Now)
	// Messages are recorded and not sent: nothing runs the sending job.
	w.mail = mail.NewService(s, nil, nil)
	w.mail.SetBaseURL("https://walkthrough.example")
	w.mail.SendingJob(w.clock.Now)
	h, _, err := New(Deps{DB: s, Metrics: metrics, Logger: testLogger(t), Auth: auth.NewService(s, w.tokens, nil, w.clock.Now), Roster: roster.NewService(s),
		Rubrics: rubrics.NewService(s), Sync: syncs, Attachments: attachments.NewService(s, blobs, 1<<20), Visits: visits.NewService(s),
		Trends: trends.NewService(s), Cycles: cycles.NewService(s, syncs, w.clock.Now),
		Support: support.NewService(s, syncs, w.clock.Now), Mail: w.mail})
	if err != nil {
		t.Fatal(err)
	}
	w.handler, w.syncs = h, syncs
	for _, a := range actors[1:] {
		w.signIn(a)
	}
	return w
}

// eachWorld runs fn on a fresh world on each database.
func eachWorld(t *testing.T, fn func(t *testing.T, w *world)) {
	testdb.Each(t, func(t *testing.T, s *store.Store) { fn(t, newWorld(t, s)) })
}

func (w *world) signIn(a actor) {
	w.t.Helper()
	res := w.do(anonymous, "POST", "/api/v1/auth/login", map[string]string{"email": w.users[a].Email, "password": password})
	if res.Code != 200 {
		w.t.Fatalf("sign in as %s: %d %s", a, res.Code, res.Body)
	}
	var sess sessionResponse
	res.decode(w.t, &sess)
	w.access[a], w.refresh[a] = sess.AccessToken, sess.RefreshToken
}

type response struct {
	*httptest.ResponseRecorder
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// doRaw sends a request as the actor with a body of the given media type
// and any extra headers.
func (w *world) doRaw(a actor, method, path, contentType string, body []byte, headers ...string) response {
	w.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	req.RemoteAddr = "192.0.2.10:4321"
	req.Header.Set("Content-Type", contentType)
	if tok := w.access[a]; tok != "" && a != anonymous {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	w.handler.ServeHTTP(rec, req)
	w.checkContract(req, rec)
	return response{rec}
}

// do sends a request as the actor, with body encoded as JSON when not nil.
func (w *world) do(a actor, method, path string, body any) response {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		if raw, ok := body.([]byte); ok {
			r = bytes.NewReader(raw)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				w.t.Fatal(err)
			}
			r = bytes.NewReader(b)
		}
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = "192.0.2.10:4321"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := w.access[a]; tok != "" && a != anonymous {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	w.handler.ServeHTTP(rec, req)
	w.checkContract(req, rec)
	return response{rec}
}

func ids[T any](items []T, id func(T) string) map[string]bool {
	out := map[string]bool{}
	for _, it := range items {
		out[id(it)] = true
	}
	return out
}

// testLogger writes the server's error lines into the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// keepEveryPeriod sets district A's minimum to one observation, so that a
// supervisor's drill-down lists the world's few observations (a smaller
// school period is left out for roles that may not see teachers).
func (w *world) keepEveryPeriod() {
	w.t.Helper()
	ctx := context.Background()
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		d, err := w.store.District(ctx, w.districtA)
		if err != nil {
			return err
		}
		d.Settings.MinCellSize = 1
		return tx.UpdateDistrict(ctx, d)
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// mailboxMessage records a message to the district's user a as delivered
// to the development mailbox, and answers its id.
func (w *world) mailboxMessage(a actor) string {
	w.t.Helper()
	ctx := context.Background()
	u := w.users[a]
	id, _, err := w.store.QueueMessage(ctx, store.Message{DistrictID: u.DistrictID, Kind: "password_reset", Recipient: u.Email,
		SubjectID: u.ID, Day: "2026-12-07", Subject: "Choose a new password", Body: "Open this link to choose a new password."})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.store.MessageSent(ctx, id, mail.Mailbox); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// failedMessage records a message to the user a whose send failed, as the
// sending job leaves it, and answers its id.
func (w *world) failedMessage(a actor) string {
	w.t.Helper()
	ctx := context.Background()
	u := w.users[a]
	id, _, err := w.store.QueueMessage(ctx, store.Message{DistrictID: u.DistrictID, Kind: "password_reset", Recipient: u.Email,
		SubjectID: domain.NewID(), Day: "2026-12-07", Subject: "Choose a new password", Body: "Open this link to choose a new password."})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, mine, err := w.store.ClaimMessage(ctx, id, time.Minute); err != nil || !mine {
		w.t.Fatalf("claiming the message: %v %v", mine, err)
	}
	if err := w.store.ReleaseMessage(ctx, id, "The mail server refused the connection."); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// unsubscribeToken records a next-step message to the user a and answers
// the token of its one-click unsubscribe link.
func (w *world) unsubscribeToken(a actor) string {
	w.t.Helper()
	ctx := context.Background()
	u := w.users[a]
	if _, err := w.mail.Queue(ctx, store.Message{DistrictID: u.DistrictID, Kind: mail.NextStepDue, Recipient: u.Email,
		SubjectID: domain.NewID(), Day: "2026-12-07", Subject: "A next step is due", Body: "A next step of yours is due."}); err != nil {
		w.t.Fatal(err)
	}
	ms, err := w.store.Messages(ctx, u.DistrictID, "", 100)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, m := range ms {
		if m.Kind == mail.NextStepDue && m.Recipient == u.Email {
			h := m.Headers["List-Unsubscribe"]
			if i := strings.Index(h, "token="); i >= 0 {
				return strings.TrimSuffix(h[i+len("token="):], ">")
			}
		}
	}
	w.t.Fatal("no unsubscribe link in the message")
	return ""
}

// messagesOff answers the kinds of message a turned off, and the revision.
func (w *world) messagesOff(a actor) ([]string, int64) {
	w.t.Helper()
	if a == anonymous {
		return nil, 0
	}
	p, err := w.store.MessagePreferences(context.Background(), w.users[a].DistrictID, w.users[a].ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return p.Off, p.Rev
}
