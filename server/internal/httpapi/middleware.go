package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

const requestIDKey = "request_id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID takes a well-formed X-Request-Id from the caller or makes one,
// and echoes it back.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if !validRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("request_id", c.GetString(requestIDKey)),
			slog.String("method", c.Request.Method),
			slog.String("route", routeLabel(c)),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", c.Writer.Size()),
			slog.Duration("duration", time.Since(start)),
			slog.String("client", c.ClientIP()),
		)
	}
}

// recoverer answers a panic with a problem document that reveals nothing of
// internals, and logs the panic with the request id.
func recoverer(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(c.Request.Context(), "panic", "request_id", c.GetString(requestIDKey), "panic", fmt.Sprint(v))
				fail(c, log, domain.Errorf(domain.EInternal, "internal error"))
			}
		}()
		c.Next()
	}
}

// refuseNUL answers 422 when a path or query parameter holds U+0000 (NUL),
// which PostgreSQL cannot store or compare with text: every route runs it
// before its handler, so no handler reads one. Each such parameter is
// named, query parameters in the order of their names.
func (s *Server) refuseNUL(c *gin.Context) {
	var p domain.Problems
	for _, param := range c.Params {
		if domain.HasNUL(param.Value) {
			p.Add(param.Key, domain.NULMessage)
		}
	}
	// Only the escape %00 brings a NUL: net/url refuses control bytes.
	if raw := c.Request.URL.RawQuery; strings.Contains(raw, "%00") {
		q := c.Request.URL.Query()
		keys := slices.Sorted(maps.Keys(q))
		for _, k := range keys {
			switch {
			case domain.HasNUL(k):
				p.Add(strconv.Quote(k), "the name of a query parameter "+domain.NULMessage)
			case slices.ContainsFunc(q[k], domain.HasNUL):
				p.Add(k, domain.NULMessage)
			}
		}
	}
	if err := p.Err("a parameter holds the NUL character"); err != nil {
		s.fail(c, err)
		return
	}
	c.Next()
}

// securityHeaders sets the hardening headers on every answer. The policy
// allows only same-origin scripts, styles, images and connections.
func securityHeaders() gin.HandlerFunc {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; " +
		"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		c.Next()
	}
}

// routeLabel is the matched route's pattern, never the raw path, so that
// metrics and logs do not grow with ids.
func routeLabel(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return "unmatched"
}

// instrument records per-route latency and counts.
func instrument(m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		m.requests.WithLabelValues(c.Request.Method, routeLabel(c), strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
	}
}
