package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// TestATrendIsRevalidatedUntilAWriteChangesIt asks the administrator's
// trend, then again with its ETag: 304 with nothing computed, whether the
// tag came back as sent or with the suffix compression gave it, and after
// the rollups are folded; a push to the district changes the tag and the
// figures. Another district's administrator, or a teacher, sending the tag
// gets their own answer or their refusal, never a 304.
func TestATrendIsRevalidatedUntilAWriteChangesIt(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		from, to := w.clock.now.AddDate(0, 0, -60).Format(time.DateOnly), w.clock.now.AddDate(0, 0, 7).Format(time.DateOnly)
		path := "/api/v1/trends?bucket=week&group=school&group=indicator&from=" + from + "&to=" + to
		get := func(a actor, headers ...string) response {
			t.Helper()
			return w.doRaw(a, "GET", path, "", nil, headers...)
		}
		scores := func(r response) int64 {
			t.Helper()
			var res struct {
				Cells []struct {
					Scores int64 `json:"scores"`
				} `json:"cells"`
			}
			r.decode(t, &res)
			var n int64
			for _, c := range res.Cells {
				n += c.Scores
			}
			return n
		}
		// Every indicator scored, so that the answer is long enough to be
		// compressed.
		var levels []int
		for i := range domain.BuiltinFramework().IndicatorKeys() {
			levels = append(levels, 1+i%4)
		}
		if code, res := w.push(coach, domain.NewID(), w.obsChange(domain.NewID(), 0, levels...)); code != 200 || res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("push: %d %+v", code, res)
		}
		first := get(admin)
		tag := first.Header().Get("ETag")
		if first.Code != 200 || !strings.HasPrefix(tag, `W/"`) || first.Header().Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("first answer: %d, ETag %q, Cache-Control %q: %s", first.Code, tag, first.Header().Get("Cache-Control"), first.Body)
		}
		before := scores(first)
		if before == 0 {
			t.Fatal("the world's trend has no scores")
		}
		again := get(admin, "If-None-Match", tag)
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != tag {
			t.Fatalf("revalidated: %d, ETag %q, body %q; want 304 with %q", again.Code, again.Header().Get("ETag"), again.Body, tag)
		}
		// Compressed, the answer's tag carries the encoding; sent back so,
		// among other tags, it still names the answer.
		zipped := w.getEncoded(admin, path, "gzip")
		ztag := zipped.Header().Get("ETag")
		if zipped.Code != 200 || zipped.Header().Get("Content-Encoding") != "gzip" || ztag != strings.TrimSuffix(tag, `"`)+`-gzip"` {
			t.Fatalf("compressed answer: %d, Content-Encoding %q, ETag %q", zipped.Code, zipped.Header().Get("Content-Encoding"), ztag)
		}
		if r := get(admin, "If-None-Match", `"other", `+ztag); r.Code != http.StatusNotModified {
			t.Fatalf("revalidated with the compressed answer's tag: %d", r.Code)
		}
		// The tag is the caller's: another district's administrator gets
		// their own district's answer, a teacher the refusal.
		if r := get(otherAdmin, "If-None-Match", tag); r.Code != 200 || r.Header().Get("ETag") == tag {
			t.Fatalf("another district's administrator with the tag: %d, ETag %q", r.Code, r.Header().Get("ETag"))
		}
		if r := get(teacher, "If-None-Match", tag); r.Code != http.StatusForbidden || r.Header().Get("ETag") != "" {
			t.Fatalf("a teacher with the tag: %d, ETag %q", r.Code, r.Header().Get("ETag"))
		}
		// Folding the deltas changes no figure, and so not the tag.
		if _, err := w.store.CompactRollups(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r := get(admin, "If-None-Match", tag); r.Code != http.StatusNotModified {
			t.Fatalf("after folding: %d %s", r.Code, r.Body)
		}
		// A push changes the figures: the old tag is answered in full.
		if code, res := w.push(coach, domain.NewID(), w.obsChange(domain.NewID(), 0, 3, 2, 4)); code != 200 || res.Results[0].Status != sync.StatusApplied {
			t.Fatalf("push: %d %+v", code, res)
		}
		after := get(admin, "If-None-Match", tag)
		if after.Code != 200 || after.Header().Get("ETag") == tag {
			t.Fatalf("after a push: %d, ETag %q (before %q)", after.Code, after.Header().Get("ETag"), tag)
		}
		if n := scores(after); n != before+3 {
			t.Fatalf("after a push of three scores: %d scores, before %d", n, before)
		}
		if r := get(admin, "If-None-Match", after.Header().Get("ETag")); r.Code != http.StatusNotModified {
			t.Fatalf("revalidated after the push: %d", r.Code)
		}
	})
}
