package httpapi

import (
	"cmp"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

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
	// CurrentRev, with the conflict code of a write made on a stale
	// revision, is the revision the record is at now.
	CurrentRev int64 `json:"current_rev,omitempty"`
	// Current, with the conflict code, is the record as the server holds
	// it, where the route says so (PUT /observations/{id}).
	Current any `json:"current,omitempty"`
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
		Errors:    sortedFields(domain.ErrorFields(err)),
	}
	switch code {
	case domain.EClash:
		p.ClashesWith = domain.ErrorRecord(err)
	case domain.EConflict:
		p.CurrentRev, p.Current = domain.ErrorCurrent(err)
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

// sortedFields is a copy of fs in a stable order, so the same request gets
// the same answer: by field, then message. Numbers inside a field compare
// as numbers, so changes[2] comes before changes[10] and a roster's line 9
// before its line 10.
func sortedFields(fs []domain.FieldError) []domain.FieldError {
	if len(fs) == 0 {
		return nil
	}
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b domain.FieldError) int {
		if c := naturalCompare(a.Field, b.Field); c != 0 {
			return c
		}
		return naturalCompare(a.Message, b.Message)
	})
	return out
}

// naturalCompare orders strings byte by byte except that runs of digits
// compare by their value.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			if c := cmp.Compare(da, db); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// digits is the length of the run of ASCII digits s starts with.
func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
