package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/pwa"
	"github.com/walkthrough-edu/walkthrough/server/internal/attachments"
	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/config"
	"github.com/walkthrough-edu/walkthrough/server/internal/cycles"
	"github.com/walkthrough-edu/walkthrough/server/internal/demo"
	"github.com/walkthrough-edu/walkthrough/server/internal/httpapi"
	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
	"github.com/walkthrough-edu/walkthrough/server/internal/rubrics"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/support"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
	"github.com/walkthrough-edu/walkthrough/server/internal/visits"
	"github.com/walkthrough-edu/walkthrough/server/internal/web"
)

// shutdownGrace is how long in-flight requests (a sync batch, say) get to
// finish after SIGTERM.
const shutdownGrace = 30 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := loadConfig("serve", args, getenv, stdout)
	if isHelp(err) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(c, stderr)
	if c.Dev {
		gin.SetMode(gin.DebugMode)
	} else {
		gin.SetMode(gin.ReleaseMode)
	}

	s, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, jobsDatabase(c), log); err != nil {
		return err
	}
	signIns, err := bootstrap(ctx, c, s, log)
	if err != nil {
		return err
	}

	keys, err := openKeyring(ctx, c, s)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	tokens := auth.NewTokens(keys, "walkthrough", "walkthrough-api", auth.AccessTTL, time.Now)
	blobs, err := openBlobs(ctx, c, c.BlobURL)
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	metrics := httpapi.NewMetrics()
	stopping := make(chan struct{})
	syncs := sync.NewService(s, log, sync.NewMetrics(metrics.Registry()), time.Now)
	authService := auth.NewService(s, tokens, log, time.Now)
	if err := authService.ConfigureSSO(auth.SSOOptions{SecretKey: c.KeyEncryptionKey}); err != nil {
		return err
	}
	sender, err := mail.SenderFor(c.SMTPURL)
	if err != nil {
		return err
	}
	mails := mail.NewService(s, sender, log)
	mails.SetBaseURL(c.BaseURL)
	if err := metrics.Registry().Register(mails.Collector()); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	authService.SetMailer(mails, c.BaseURL)
	handler, _, err := httpapi.New(httpapi.Deps{
		Logger:         log,
		Metrics:        metrics,
		DB:             s,
		Auth:           authService,
		Roster:         roster.NewService(s),
		Rubrics:        rubrics.NewService(s),
		Sync:           syncs,
		Attachments:    attachments.NewService(s, blobs, attachments.DefaultMaxBytes),
		Visits:         visits.NewService(s),
		Trends:         trends.NewService(s),
		Cycles:         cycles.NewService(s, syncs, time.Now),
		Support:        support.NewService(s, syncs, time.Now),
		Mail:           mails,
		Web:            web.Handler(pwa.Files()),
		TrustedProxies: c.TrustedProxies,
		BaseURL:        c.BaseURL,
		Stopping:       stopping,
	})
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	printBanner(stdout, c, s.Dialect(), ln.Addr(), signIns)
	log.Info("serving", "addr", ln.Addr().String(), "database", s.Dialect(), "version", version)

	// Background work (periodic folding and compaction, messages) runs on
	// the job queue in the database: once across servers, retried with
	// backoff (see docs/decisions.md, "Background work on River").
	periodic := []jobs.Periodic{
		syncs.FoldRollupsJob(sync.FoldEvery),
		syncs.CompactChangeLogJob(sync.CompactEvery, c.ChangeLogHorizon),
		mails.RemindersJob(c.BaseURL, time.Now),
	}
	// On the embedded SQLite file (one server by definition) River's
	// workers, which keep a connection of their own to the file, held
	// pushes behind its write lock; there the periodic work runs on the
	// in-process runner, and messages are sent by a periodic job of their
	// own on the store's connection (see docs/decisions.md, "Messages on
	// the embedded database").
	embedded := c.Dialect() == store.SQLite
	var sending jobs.Periodic
	if embedded {
		sending = mails.SendingJob(time.Now)
	}
	opts := jobs.Options{Logger: log, Claims: s, Work: !embedded, Metrics: metrics.Registry(), Register: mails.Register}
	if !embedded {
		opts.Periodic = periodic
	}
	queue, err := jobs.Open(ctx, jobsDatabase(c), opts)
	if err != nil {
		return err
	}
	mails.SetQueue(queue)
	if embedded {
		rctx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
		defer stopRunner()
		go jobs.NewRunner(s, log, 0, periodic...).Run(rctx)
		// Its own runner, so that a slow mail server holds no folding back.
		go jobs.NewRunner(s, log, 0, sending).Run(rctx)
	}
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	defer func() {
		qctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := queue.Stop(qctx); err != nil {
			log.Error("stopping the job queue", "err", err)
		}
		// A server stopped cleanly leaves no deltas of its own behind.
		fctx, cancel2 := context.WithTimeout(context.Background(), time.Minute)
		defer cancel2()
		if _, err := s.CompactRollups(fctx); err != nil {
			log.Error("folding rollup deltas into the rollups", "err", err)
		}
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Out of readiness first, so that the load balancer sends no new
	// requests, while what is already on its way is still served.
	close(stopping)
	if c.ShutdownDelay > 0 {
		log.Info("stopping: no longer ready; serving what arrives meanwhile", "delay", c.ShutdownDelay.String())
		time.Sleep(c.ShutdownDelay)
	}
	log.Info("shutting down: finishing in-flight requests", "grace", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// bootstrap fills an empty database: the demo district when asked for, and
// the first district administrator when configured (in the demo district
// when there is one). It returns the sign-ins to print.
func bootstrap(ctx context.Context, c config.Config, s *store.Store, log *slog.Logger) ([]demo.SignIn, error) {
	n, err := s.CountDistricts(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		if c.AdminEmail != "" {
			log.Info("the database is not empty: WALKTHROUGH_ADMIN_EMAIL is used only on an empty database")
		}
		return nil, nil
	}
	var signIns []demo.SignIn
	districtID := ""
	if c.Demo {
		start := time.Now()
		res, err := demo.Load(ctx, s, time.Now())
		if err != nil {
			return nil, fmt.Errorf("demo district: %w", err)
		}
		signIns, districtID = res.SignIns, res.DistrictID
		log.Info("demo district loaded", "observations", res.Observations, "took", time.Since(start).Round(time.Millisecond).String())
	}
	if c.AdminEmail != "" {
		if _, err := auth.CreateFirstAdmin(ctx, s, districtID, c.AdminEmail, c.AdminPassword); err != nil {
			return nil, fmt.Errorf("first administrator: %w", err)
		}
		log.Info("first district administrator created", "email", c.AdminEmail)
		signIns = append(signIns, demo.SignIn{Role: "district_admin", Email: c.AdminEmail, Password: "(as configured)"})
	}
	return signIns, nil
}

func printBanner(w io.Writer, c config.Config, dialect string, addr net.Addr, signIns []demo.SignIn) {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	fmt.Fprintf(w, "\nWalkthrough %s is running on %s\n", version, dialect)
	fmt.Fprintf(w, "  Open http://%s\n", net.JoinHostPort(host, port))
	if len(signIns) > 0 {
		fmt.Fprintln(w, "\n  Sign in as:")
		for _, si := range signIns {
			fmt.Fprintf(w, "    %-16s %-34s %s\n", si.Role, si.Email, si.Password)
		}
	}
	fmt.Fprintln(w, "\n  Stop with Ctrl-C.")
}
