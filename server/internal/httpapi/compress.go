package httpapi

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// secretPaths answer secrets (tokens, a calendar's secret address) beside
// what the request sent: they are never compressed, so that the size of
// an answer cannot tell an eavesdropper how much of a guess matched a
// secret (BREACH).
var secretPaths = []string{"/api/v1/auth/", "/api/v1/me/calendar"}

// compressed wraps h so that an answer of 1 KiB or more is sent compressed
// when the client accepts it: zstd where the client prefers it or accepts
// both, else gzip, as it is written (a CSV export or a pull page streams out
// compressed, never buffered whole). Images and other compressed types go
// as they are. A compressed answer's ETag gets the encoding as a suffix, as
// RFC 9110 wants a different tag for a different representation.
func compressed(h http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.SuffixETag("-gzip"))
	if err != nil {
		return nil, err
	}
	zipped := wrap(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range secretPaths {
			if strings.HasPrefix(r.URL.Path, p) {
				h.ServeHTTP(w, r)
				return
			}
		}
		zipped.ServeHTTP(w, r)
	}), nil
}
