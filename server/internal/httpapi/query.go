package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// The API's convention for query parameters, written out in openapi.json
// (info.description) and checked against every route by
// TestEveryRouteFollowsTheConvention. Every query parameter is read through
// a queryReader, so each rule has one home:
//
//   - from and to are calendar dates (YYYY-MM-DD) in the district's time
//     zone, to exclusive;
//   - a list answers listResponse and takes cursor and limit;
//   - an id filter (school_id, teacher_id…) is a list: the parameter
//     repeated, each value a UUID;
//   - a boolean is true or false, an enumeration one of its values;
//   - a parameter the operation does not document is refused (checkQuery).
//
// Every refusal is a 422 naming the parameter.

// Every list's page size: the default and the most one page holds.
const (
	defaultLimit = 100
	maxLimit     = 500
)

// listResponse is every list's answer: a page of items, the cursor of the
// page after it and whether there is one. Cursor is empty when More is
// false.
type listResponse[T any] struct {
	Items  []T    `json:"items"`
	Cursor string `json:"cursor"`
	More   bool   `json:"more"`
}

// queryReader reads a request's query parameters and collects every
// problem, so one answer names them all.
type queryReader struct {
	c        *gin.Context
	problems domain.Problems
}

func newQuery(c *gin.Context) *queryReader { return &queryReader{c: c} }

// err is nil when every parameter read was valid.
func (q *queryReader) err() error { return q.problems.Err("the query parameters are not valid") }

// fail adds a problem of the caller's own (a rule between parameters).
func (q *queryReader) fail(name, message string) { q.problems.Add(name, "%s", message) }

// text is a free-text parameter; "" when absent.
func (q *queryReader) text(name string) string { return q.c.Query(name) }

// ids reads an id filter: the parameter repeated, each value a UUID. Empty
// values are left out; none at all is no filter.
func (q *queryReader) ids(name string) []string {
	var out []string
	bad := false
	for _, v := range q.c.QueryArray(name) {
		switch {
		case v == "":
		case domain.ValidID(v):
			out = append(out, strings.ToLower(v))
		default:
			bad = true
		}
	}
	if bad {
		q.problems.Add(name, "must be an id (a UUID); repeat the parameter for several")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// id reads one id: a parameter that picks one thing rather than filtering
// (the framework of a trend); "" when absent.
func (q *queryReader) id(name string) string {
	v := q.c.Query(name)
	if v != "" && !domain.ValidID(v) {
		q.problems.Add(name, "must be an id (a UUID)")
		return ""
	}
	return strings.ToLower(v)
}

// date reads a calendar date such as 2026-09-01, answered as midnight UTC
// of that day (the zero time when absent); the service reads it in the
// district's time zone.
func (q *queryReader) date(name string, required bool) time.Time {
	v := q.c.Query(name)
	if v == "" {
		if required {
			q.problems.Add(name, "is required: a date such as 2026-09-01")
		}
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		q.problems.Add(name, "must be a date such as 2026-09-01")
		return time.Time{}
	}
	return d
}

// span reads from and to, to exclusive and after from when both are given;
// need says which must be given.
func (q *queryReader) span(need needDates) (from, to time.Time) {
	from, to = q.date("from", need != anyDates), q.date("to", need == bothDates)
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		q.problems.Add("to", "must be after from (to is exclusive)")
	}
	return from, to
}

// needDates says which of from and to a route needs.
type needDates int

const (
	anyDates  needDates = iota // neither
	fromDate                   // from; to is optional
	bothDates                  // both
)

// boolean reads true or false; absent is false.
func (q *queryReader) boolean(name string) bool {
	switch q.c.Query(name) {
	case "", "false":
		return false
	case "true":
		return true
	}
	q.problems.Add(name, "must be true or false")
	return false
}

// revision reads a record's revision, a positive whole number; nil when
// absent.
func (q *queryReader) revision(name string) *int64 {
	v := q.c.Query(name)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		q.problems.Add(name, "must be a revision: a whole number from 1")
		return nil
	}
	return &n
}

// enum reads one of values; "" when absent.
func (q *queryReader) enum(name string, values ...string) string {
	v := q.c.Query(name)
	if v == "" || slices.Contains(values, v) {
		return v
	}
	q.problems.Add(name, "must be one of %s", strings.Join(values, ", "))
	return ""
}

// enums reads a list of values of an enumeration: the parameter repeated,
// each value once.
func (q *queryReader) enums(name string, values ...string) []string {
	var out []string
	for _, v := range q.c.QueryArray(name) {
		switch {
		case !slices.Contains(values, v):
			q.problems.Add(name, "%q is not one of %s", v, strings.Join(values, ", "))
		case slices.Contains(out, v):
			q.problems.Add(name, "%q is given twice", v)
		default:
			out = append(out, v)
		}
	}
	return out
}

// page is where a list request starts and how much it takes.
type page struct {
	list  string
	Limit int
	// After is the position the previous page ended at, as the list wrote
	// it into the cursor; nil on the first page.
	After []string
}

// keyPart is what one part of a list's sort key must be, checked when a
// cursor is read so that a forged cursor is refused, never sent to the
// database.
type keyPart int

const (
	keyID     keyPart = iota // a UUID
	keyText                  // any text
	keyDate                  // a date such as 2026-09-01, or "" for none
	keyOffset                // how many items came before, for a list computed whole
)

func (k keyPart) valid(v string) bool {
	switch k {
	case keyID:
		return domain.ValidID(v)
	case keyDate:
		_, err := time.Parse(time.DateOnly, v)
		return v == "" || err == nil
	case keyOffset:
		n, err := strconv.Atoi(v)
		return err == nil && n >= 0
	}
	return true
}

// page reads cursor and limit for the named list, whose sort key has the
// given parts. A cursor is opaque to clients: the base64url of the list's
// name and the position after which the next page starts (the last item's
// sort key or, for a list the server computes whole, how many items came
// before). A cursor that is not one this list wrote is refused.
func (q *queryReader) page(list string, key ...keyPart) page {
	pg := page{list: list, Limit: defaultLimit}
	if v := q.c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			q.problems.Add("limit", "must be 1 to %d", maxLimit)
		} else {
			pg.Limit = n
		}
	}
	if v := q.c.Query("cursor"); v != "" {
		var c cursorJSON
		raw, err := base64.RawURLEncoding.DecodeString(v)
		ok := err == nil && json.Unmarshal(raw, &c) == nil && c.List == list && len(c.After) == len(key)
		for i := 0; ok && i < len(key); i++ {
			ok = key[i].valid(c.After[i])
		}
		if !ok {
			q.problems.Add("cursor", "is not a cursor of this list: send the cursor of the previous page as it came")
		} else {
			pg.After = c.After
		}
	}
	return pg
}

type cursorJSON struct {
	List  string   `json:"l"`
	After []string `json:"a"`
}

// cursor is the opaque cursor of the page that starts after key.
func (pg page) cursor(key ...string) string {
	b, _ := json.Marshal(cursorJSON{List: pg.list, After: key})
	return base64.RawURLEncoding.EncodeToString(b)
}

// after is the i-th part of the position the page starts after, "" when
// there is none; the store reads it as the key it wrote.
func (pg page) after(i int) string {
	if i < len(pg.After) {
		return pg.After[i]
	}
	return ""
}

// fetch is how many items to ask the store for: one more than the page,
// to know whether there is another.
func (pg page) fetch() int { return pg.Limit + 1 }

// pageOf answers items read for pg (at most pg.fetch()), each converted
// for the API; key is the sort key of an item, written into the cursor.
func pageOf[T, R any](pg page, items []T, conv func(T) R, key func(T) []string) listResponse[R] {
	out := listResponse[R]{Items: make([]R, 0, min(len(items), pg.Limit))}
	if len(items) > pg.Limit {
		items = items[:pg.Limit]
		out.More = true
		out.Cursor = pg.cursor(key(items[len(items)-1])...)
	}
	for _, it := range items {
		out.Items = append(out.Items, conv(it))
	}
	return out
}

// slicePage answers a page of a list the server computes whole (bounded:
// a district's rubrics, a user's devices, the follow-ups of a window…),
// read with the single key part keyOffset: the cursor is the number of
// items before the next page.
func slicePage[T, R any](pg page, all []T, conv func(T) R) listResponse[R] {
	start := 0
	if s := pg.after(0); s != "" {
		start, _ = strconv.Atoi(s) // checked by page
	}
	start = min(start, len(all))
	end := min(start+pg.Limit, len(all))
	out := listResponse[R]{Items: make([]R, 0, end-start)}
	for _, it := range all[start:end] {
		out.Items = append(out.Items, conv(it))
	}
	if end < len(all) {
		out.More, out.Cursor = true, pg.cursor(strconv.Itoa(end))
	}
	return out
}

// same is the identity conversion, for items already in the API's shape.
func same[T any](v T) T { return v }
