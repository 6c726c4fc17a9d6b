package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	Code      string              `json:"code"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []domain.FieldError `json:"errors,omitempty"`
	// ClashesWith, with the clash code, is the follow-up that holds the time.
	ClashesWith string `json:"clashes_with,omitempty"`
}

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	domain.EInvalid:      http.StatusUnprocessableEntity,
	domain.ENotFound:     http.StatusNotFound,
	domain.EConflict:     http.StatusConflict,
	domain.EUnauthorized: http.StatusUnauthorized,
	domain.EForbidden:    http.StatusForbidden,
	domain.ETooLarge:     http.StatusRequestEntityTooLarge,
	domain.ERateLimited:  http.StatusTooManyRequests,
	domain.EUnavailable:  http.StatusServiceUnavailable,
	domain.EGone:         http.StatusGone,
	domain.EClash:        http.StatusConflict,
	domain.EInternal:     http.StatusInternalServerError,
}

// fail answers err as a problem document. Internal errors are logged with
// the request id and answered without their text.
func fail(c *gin.Context, log *slog.Logger, err error) {
	code := domain.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := Problem{
		Type:      "https://walkthrough.example/problems/" + code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    domain.ErrorMessage(err),
		Instance:  c.Request.URL.Path,
		Code:      code,
		RequestID: c.GetString(requestIDKey),
		Errors:    domain.ErrorFields(err),
	}
	if code == domain.EClash {
		p.ClashesWith = domain.ErrorRecord(err)
	}
	var de *domain.Error
	if status == http.StatusInternalServerError && !errors.As(err, &de) {
		log.ErrorContext(c.Request.Context(), "request failed", "request_id", p.RequestID, "path", c.Request.URL.Path, "err", err)
	}
	writeProblem(c, p)
}

func writeProblem(c *gin.Context, p Problem) {
	c.Header("Cache-Control", "no-store")
	c.Render(p.Status, problemRender{p})
	c.Abort()
}

// problemRender writes JSON with the problem media type.
type problemRender struct{ p Problem }

func (r problemRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	return encodeJSON(w, r.p)
}

func (r problemRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/problem+json")
}
