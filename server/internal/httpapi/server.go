// Package httpapi is the HTTP surface: one table of routes, thin handlers,
// the error-to-problem mapping and the middleware around them.
package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/attachments"
	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/cycles"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/rubrics"
	"github.com/walkthrough-edu/walkthrough/server/internal/support"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
)

// Database is what the operations routes need of the store.
type Database interface {
	Ping(ctx context.Context) error
	AtHead(ctx context.Context) (bool, error)
	// OnStandby marks ctx so that its lag-tolerant reads go to a standby
	// that has the user's last write; RecordWrite notes that write.
	OnStandby(ctx context.Context, userID string) context.Context
	RecordWrite(ctx context.Context, districtID, userID string) error
	HasStandby() bool
}

// Deps are what the HTTP layer is built from.
type Deps struct {
	Logger      *slog.Logger
	Metrics     *Metrics
	DB          Database
	Auth        *auth.Service
	Roster      *roster.Service
	Rubrics     *rubrics.Service
	Sync        *sync.Service
	Attachments *attachments.Service
	// Stopping is closed when the server begins to stop: /readyz answers
	// 503 from then on while requests are still served.
	Stopping       <-chan struct{}
	Visits         *visits.Service
	Trends         *trends.Service
	Cycles         *cycles.Service
	Support        *support.Service
	Mail           *mail.Service
	Web            http.Handler // the embedded PWA
	TrustedProxies []string     // none by default
	// BaseURL is the public URL; the address a request came to when empty.
	BaseURL string
}

// Server answers HTTP requests.
type Server struct {
	log         *slog.Logger
	metrics     *Metrics
	db          Database
	auth        *auth.Service
	roster      *roster.Service
	rubrics     *rubrics.Service
	sync        *sync.Service
	attachments *attachments.Service
	stopping    <-chan struct{}
	hasStandby  bool
	visits      *visits.Service
	trends      *trends.Service
	cycles      *cycles.Service
	support     *support.Service
	mail        *mail.Service
	web         http.Handler
	baseURL     string
}

// Route is one row of the routing table.
type Route struct {
	Method string
	Path   string
	// Public routes need no access token.
	Public bool
	// LagTolerant routes (figures, dashboards, exports, pulls) may read from a
	// standby that has replayed the caller's own writes.
	LagTolerant bool
	handle      gin.HandlerFunc
}

// Routes is the whole HTTP surface, read top to bottom. The authorization
// matrix test walks it, so a route cannot be added without a row there.
func (s *Server) Routes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/healthz", Public: true, handle: s.healthz},
		{Method: http.MethodGet, Path: "/readyz", Public: true, handle: s.readyz},
		{Method: http.MethodGet, Path: "/metrics", Public: true, handle: gin.WrapH(s.metrics.handler())},
		{Method: http.MethodGet, Path: "/api/v1/openapi.json", Public: true, handle: s.openAPI},

		{Method: http.MethodPost, Path: "/api/v1/auth/login", Public: true, handle: s.login},
		{Method: http.MethodPost, Path: "/api/v1/auth/refresh", Public: true, handle: s.refresh},
		{Method: http.MethodPost, Path: "/api/v1/auth/forgot-password", Public: true, handle: s.forgotPassword},
		{Method: http.MethodPost, Path: "/api/v1/auth/reset-password", Public: true, handle: s.resetPassword},
		{Method: http.MethodPost, Path: "/api/v1/auth/logout", handle: s.logout},
		{Method: http.MethodGet, Path: "/api/v1/me", handle: s.me},
		{Method: http.MethodGet, Path: "/api/v1/auth/sso/button", Public: true, handle: s.ssoButton},
		{Method: http.MethodGet, Path: "/api/v1/auth/sso/start", Public: true, handle: s.ssoStart},
		{Method: http.MethodGet, Path: "/api/v1/auth/sso/callback", Public: true, handle: s.ssoCallback},
		{Method: http.MethodPost, Path: "/api/v1/auth/sso/exchange", Public: true, handle: s.ssoExchange},

		{Method: http.MethodGet, Path: "/api/v1/schools", handle: s.listSchools},
		{Method: http.MethodPost, Path: "/api/v1/schools", handle: s.createSchool},
		{Method: http.MethodGet, Path: "/api/v1/schools/:id", handle: s.getSchool},
		{Method: http.MethodPatch, Path: "/api/v1/schools/:id", handle: s.updateSchool},
		{Method: http.MethodGet, Path: "/api/v1/teachers", handle: s.listTeachers},
		{Method: http.MethodPost, Path: "/api/v1/teachers", handle: s.createTeacher},
		{Method: http.MethodGet, Path: "/api/v1/teachers/:id", handle: s.getTeacher},
		{Method: http.MethodPatch, Path: "/api/v1/teachers/:id", handle: s.updateTeacher},
		{Method: http.MethodPost, Path: "/api/v1/imports/roster", handle: s.importRoster},
		{Method: http.MethodPost, Path: "/api/v1/imports/:id/undo", handle: s.undoImport},
		{Method: http.MethodGet, Path: "/api/v1/directory", handle: s.directory},
		{Method: http.MethodGet, Path: "/api/v1/users", handle: s.listUsers},
		{Method: http.MethodPost, Path: "/api/v1/users", handle: s.createUser},
		{Method: http.MethodGet, Path: "/api/v1/users/:id", handle: s.getUser},
		{Method: http.MethodPatch, Path: "/api/v1/users/:id", handle: s.updateUser},

		{Method: http.MethodGet, Path: "/api/v1/rubrics", handle: s.listRubrics},
		{Method: http.MethodPost, Path: "/api/v1/rubrics", handle: s.createRubric},
		{Method: http.MethodGet, Path: "/api/v1/rubrics/template", handle: s.rubricTemplate},
		{Method: http.MethodGet, Path: "/api/v1/rubrics/:id", handle: s.getRubric},
		{Method: http.MethodPut, Path: "/api/v1/rubrics/:id", handle: s.updateRubric},
		{Method: http.MethodPost, Path: "/api/v1/rubrics/:id/publish", handle: s.publishRubric},
		{Method: http.MethodGet, Path: "/api/v1/rubrics/:id/export", handle: s.exportRubric},
		{Method: http.MethodGet, Path: "/api/v1/frameworks", handle: s.listFrameworks},
		{Method: http.MethodGet, Path: "/api/v1/frameworks/:id/reach", handle: s.frameworkReach},
		{Method: http.MethodPost, Path: "/api/v1/frameworks/:id/assignments", handle: s.assignFramework},
		{Method: http.MethodPost, Path: "/api/v1/frameworks/:id/assignments/:assignment/rollback", handle: s.rollbackAssignment},
		{Method: http.MethodPost, Path: "/api/v1/frameworks/:id/retire", handle: s.retireFramework},
		{Method: http.MethodPost, Path: "/api/v1/frameworks/:id/main", handle: s.makeMainFramework},

		{Method: http.MethodGet, Path: "/api/v1/walkthroughs", handle: s.listWalkthroughs},
		{Method: http.MethodGet, Path: "/api/v1/walkthroughs/:id", handle: s.getWalkthrough},
		{Method: http.MethodGet, Path: "/api/v1/walkthroughs/:id/debrief", handle: s.getDebrief},
		{Method: http.MethodGet, Path: "/api/v1/next-steps", handle: s.listNextSteps},
		{Method: http.MethodGet, Path: "/api/v1/calibration", LagTolerant: true, handle: s.getCalibration},
		{Method: http.MethodGet, Path: "/api/v1/observations", handle: s.listObservations},
		{Method: http.MethodGet, Path: "/api/v1/observations/:id", handle: s.getObservation},
		{Method: http.MethodPut, Path: "/api/v1/observations/:id", handle: s.putObservation},
		{Method: http.MethodPost, Path: "/api/v1/sync/push", handle: s.push},
		{Method: http.MethodGet, Path: "/api/v1/sync/pull", LagTolerant: true, handle: s.pull},
		{Method: http.MethodPut, Path: "/api/v1/attachments/:id", handle: s.putAttachment},

		{Method: http.MethodGet, Path: "/api/v1/trends", LagTolerant: true, handle: s.getTrends},
		{Method: http.MethodGet, Path: "/api/v1/trends.csv", LagTolerant: true, handle: s.getTrendsCSV},
		{Method: http.MethodGet, Path: "/api/v1/coverage", LagTolerant: true, handle: s.getCoverage},

		{Method: http.MethodGet, Path: "/api/v1/cycles", handle: s.listCycles},
		{Method: http.MethodPost, Path: "/api/v1/cycles", handle: s.openCycle},
		{Method: http.MethodGet, Path: "/api/v1/cycles/:id", handle: s.getCycle},
		{Method: http.MethodPatch, Path: "/api/v1/cycles/:id", handle: s.updateCycle},
		{Method: http.MethodPost, Path: "/api/v1/cycles/:id/activities", handle: s.logActivity},
		{Method: http.MethodPost, Path: "/api/v1/cycles/:id/followups", handle: s.scheduleFollowUp},
		{Method: http.MethodGet, Path: "/api/v1/cycles/:id/evidence", handle: s.cycleEvidence},
		{Method: http.MethodGet, Path: "/api/v1/followups", handle: s.dueFollowUps},
		{Method: http.MethodPatch, Path: "/api/v1/followups/:id", handle: s.updateFollowUp},
		{Method: http.MethodGet, Path: "/api/v1/coaches/workload", LagTolerant: true, handle: s.coachWorkload},
		{Method: http.MethodGet, Path: "/api/v1/reports/cycle-effectiveness", LagTolerant: true, handle: s.cycleEffectiveness},
		{Method: http.MethodGet, Path: "/api/v1/teacher-view", LagTolerant: true, handle: s.getTeacherView},
		{Method: http.MethodGet, Path: "/api/v1/support-requests", handle: s.listSupportRequests},
		{Method: http.MethodPost, Path: "/api/v1/support-requests", handle: s.askSupport},
		{Method: http.MethodGet, Path: "/api/v1/support-requests/:id", handle: s.getSupportRequest},
		{Method: http.MethodPatch, Path: "/api/v1/support-requests/:id", handle: s.decideSupport},
		{Method: http.MethodGet, Path: "/api/v1/calendar/:file", Public: true, handle: s.calendarFeed},
		{Method: http.MethodGet, Path: "/api/v1/me/calendar", handle: s.getCalendar},
		{Method: http.MethodPost, Path: "/api/v1/me/calendar", handle: s.resetCalendar},
		{Method: http.MethodGet, Path: "/api/v1/me/message-preferences", handle: s.getMessagePreferences},
		{Method: http.MethodPut, Path: "/api/v1/me/message-preferences", handle: s.putMessagePreferences},
		{Method: http.MethodGet, Path: "/api/v1/unsubscribe", Public: true, handle: s.unsubscribePage},
		{Method: http.MethodPost, Path: "/api/v1/unsubscribe", Public: true, handle: s.unsubscribe},

		{Method: http.MethodGet, Path: "/api/v1/audit", handle: s.listAudit},
		{Method: http.MethodGet, Path: "/api/v1/audit.csv", handle: s.listAuditCSV},
		{Method: http.MethodGet, Path: "/api/v1/district", handle: s.getDistrict},
		{Method: http.MethodPatch, Path: "/api/v1/district", handle: s.updateDistrict},
		{Method: http.MethodGet, Path: "/api/v1/district/identity-provider", handle: s.getIdentityProvider},
		{Method: http.MethodPut, Path: "/api/v1/district/identity-provider", handle: s.putIdentityProvider},
		{Method: http.MethodDelete, Path: "/api/v1/district/identity-provider", handle: s.deleteIdentityProvider},
		{Method: http.MethodGet, Path: "/api/v1/mailbox", handle: s.listMailbox},
		{Method: http.MethodGet, Path: "/api/v1/mailbox/:id", handle: s.getMailboxMessage},
		{Method: http.MethodGet, Path: "/api/v1/jobs", handle: s.listJobs},
		{Method: http.MethodPost, Path: "/api/v1/jobs/:id/retry", handle: s.retryJob},
		{Method: http.MethodGet, Path: "/api/v1/users/:id/devices", handle: s.listDevices},
		{Method: http.MethodPost, Path: "/api/v1/users/:id/devices/:device/sign-out", handle: s.signOutDevice},
	}
}

// ginParam is a Gin path parameter such as :id; the OpenAPI document
// writes it {id}.
var ginParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// New builds the router.
func New(d Deps) (http.Handler, *Server, error) {
	s := &Server{log: d.Logger, metrics: d.Metrics, db: d.DB, auth: d.Auth, roster: d.Roster, rubrics: d.Rubrics, sync: d.Sync, attachments: d.Attachments, visits: d.Visits, trends: d.Trends, cycles: d.Cycles, support: d.Support, mail: d.Mail, web: d.Web, stopping: d.Stopping, baseURL: d.BaseURL}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if d.DB != nil {
		s.hasStandby = d.DB.HasStandby()
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RemoveExtraSlash = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, nil, err
	}
	queries, err := documentedQueries(openAPIDocument)
	if err != nil {
		return nil, nil, err
	}
	r.Use(requestID(), recoverer(s.log), securityHeaders(), accessLog(s.log), instrument(s.metrics))
	for _, rt := range s.Routes() {
		key := rt.Method + " " + ginParam.ReplaceAllString(rt.Path, "{$1}")
		allowed, ok := queries[key]
		if !ok {
			return nil, nil, fmt.Errorf("route %s is not in openapi.json", key)
		}
		chain := []gin.HandlerFunc{s.authenticate, s.refuseNUL, s.checkQuery(allowed)}
		switch {
		case rt.Public:
			chain = chain[1:]
		case rt.LagTolerant:
			chain = append(chain, s.readFromStandby)
		case rt.Method != http.MethodGet:
			chain = append(chain, s.recordWrite)
		}
		chain = append(chain, rt.handle)
		r.Handle(rt.Method, rt.Path, chain...)
	}
	r.NoRoute(s.noRoute)
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, Problem{Type: "about:blank", Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed,
			Code: "method_not_allowed", Detail: "method " + c.Request.Method + " is not allowed here",
			Instance: c.Request.URL.Path, RequestID: c.GetString(requestIDKey)})
	})
	h, err := compressed(r)
	if err != nil {
		return nil, nil, err
	}
	return h, s, nil
}

// noRoute answers unknown API paths with a problem and everything else with
// the PWA.
func (s *Server) noRoute(c *gin.Context) {
	p := c.Request.URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/api" || s.web == nil {
		fail(c, s.log, domain.Errorf(domain.ENotFound, "no such resource"))
		return
	}
	s.web.ServeHTTP(c.Writer, c.Request)
}

// readFromStandby lets the route's reads go to the standby when it has the
// caller's last write.
func (s *Server) readFromStandby(c *gin.Context) {
	c.Request = c.Request.WithContext(s.db.OnStandby(c.Request.Context(), principal(c).User.ID))
	c.Next()
}

// recordWrite notes, once a write route's handler has committed and
// before its answer leaves, how far a standby must have replayed before
// the caller's reads may go to it. The answer is held back until then, so
// that no read the client sends after it can reach a standby without the
// write. Without a standby the route runs as it is.
func (s *Server) recordWrite(c *gin.Context) {
	if !s.hasStandby {
		c.Next()
		return
	}
	held := &heldWriter{ResponseWriter: c.Writer}
	c.Writer = held
	c.Next()
	c.Writer = held.ResponseWriter
	p := principal(c)
	if held.Status() < 400 && p.User.ID != "" {
		if err := s.db.RecordWrite(context.WithoutCancel(c.Request.Context()), p.DistrictID(), p.User.ID); err != nil {
			s.log.WarnContext(c.Request.Context(), "noting a write for reads from the standby", "err", err)
		}
	}
	held.release()
}

// heldWriter keeps an answer's status and body until release.
type heldWriter struct {
	gin.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *heldWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *heldWriter) WriteHeaderNow() {}
func (w *heldWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *heldWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }
func (w *heldWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
func (w *heldWriter) Written() bool { return w.status != 0 }
func (w *heldWriter) Size() int     { return w.body.Len() }

func (w *heldWriter) release() {
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(w.status)
	}
	w.ResponseWriter.Write(w.body.Bytes())
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when the database answers and every migration is
// applied, and the server is not stopping, so a load balancer sends no
// traffic to a replica that cannot serve it or is about to stop.
func (s *Server) readyz(c *gin.Context) {
	ctx := c.Request.Context()
	select {
	case <-s.stopping:
		fail(c, s.log, domain.Errorf(domain.EUnavailable, "the server is stopping"))
		return
	default:
	}
	if err := s.db.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready: database", "err", err)
		fail(c, s.log, domain.Errorf(domain.EUnavailable, "the database does not answer"))
		return
	}
	ok, err := s.db.AtHead(ctx)
	if err != nil || !ok {
		fail(c, s.log, domain.Errorf(domain.EUnavailable, "the database schema is not at the latest migration"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
