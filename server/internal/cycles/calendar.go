package cycles

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// The calendar feed covers follow-ups from this long ago to this far ahead.
const (
	feedPast   = 120 * 24 * time.Hour
	feedFuture = 400 * 24 * time.Hour
)

// CalendarPath is where a calendar secret's feed is served.
func CalendarPath(secret string) string { return "/api/v1/calendar/" + secret + ".ics" }

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ResetCalendar makes a new calendar secret for the caller and returns it;
// the old feed URL stops working. Only the secret's hash is stored.
func (s *Service) ResetCalendar(ctx context.Context, p auth.Principal) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	if err := s.store.SetCalendarToken(ctx, p.DistrictID(), p.User.ID, hashSecret(secret)); err != nil {
		return "", err
	}
	return secret, nil
}

// HasCalendar reports whether the caller has a calendar feed.
func (s *Service) HasCalendar(ctx context.Context, p auth.Principal) (bool, error) {
	return s.store.HasCalendarToken(ctx, p.DistrictID(), p.User.ID)
}

var errNoFeed = domain.Errorf(domain.ENotFound, "no such calendar feed")

// Calendar writes the iCalendar feed (RFC 5545) of the follow-ups the
// secret's owner is invited to or coaches: one event per follow-up, its UID
// fixed by the follow-up's id, times in the district's time zone with a
// VTIMEZONE that holds its changes, and cancelled follow-ups as cancelled
// events so that subscribed calendars remove them.
func (s *Service) Calendar(ctx context.Context, secret string) ([]byte, error) {
	if len(secret) < 40 || len(secret) > 64 {
		return nil, errNoFeed
	}
	u, err := s.store.UserByCalendarToken(ctx, hashSecret(secret))
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil, errNoFeed
	}
	if err != nil {
		return nil, err
	}
	d, err := s.store.District(ctx, u.DistrictID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	fs, err := s.store.FollowUpsWhere(ctx, store.FollowUpFilter{DistrictID: u.DistrictID, UserID: u.ID,
		EndsAfter: now.Add(-feedPast), StartsBefore: now.Add(feedFuture)})
	if err != nil {
		return nil, err
	}
	hist, err := s.store.Reschedules(ctx, u.DistrictID, followUpIDs(fs))
	if err != nil {
		return nil, err
	}
	names, err := s.store.IndicatorNames(ctx, u.DistrictID)
	if err != nil {
		return nil, err
	}
	var cycleIDs, teacherIDs, schoolIDs []string
	for _, f := range fs {
		cycleIDs, teacherIDs, schoolIDs = append(cycleIDs, f.CycleID), append(teacherIDs, f.TeacherID), append(schoolIDs, f.SchoolID)
	}
	cycles := map[string]domain.Cycle{}
	teachers := map[string]domain.Teacher{}
	schools := map[string]domain.School{}
	if len(fs) > 0 {
		err = s.store.ReadTx(ctx, func(tx *store.Tx) error {
			cs, err := tx.Cycles(ctx, u.DistrictID, sortedUnique(cycleIDs))
			if err != nil {
				return err
			}
			for _, c := range cs {
				cycles[c.ID] = c
			}
			ts, err := tx.TeachersByID(ctx, u.DistrictID, sortedUnique(teacherIDs))
			if err != nil {
				return err
			}
			for _, t := range ts {
				teachers[t.ID] = t
			}
			ss, err := tx.SchoolsByID(ctx, u.DistrictID, sortedUnique(schoolIDs))
			if err != nil {
				return err
			}
			for _, sc := range ss {
				schools[sc.ID] = sc
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	loc := d.Location()
	tzid := loc.String()
	w := &icsWriter{}
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//Walkthrough//Cycles of support//EN")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	w.prop("X-WR-CALNAME", "Walkthrough follow-ups: "+u.Name)
	w.prop("X-WR-TIMEZONE", tzid)
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	w.line("X-PUBLISHED-TTL:PT1H")
	writeTimezone(w, loc, now.Add(-feedPast-366*24*time.Hour), now.Add(feedFuture+366*24*time.Hour))
	for _, f := range fs {
		c := cycles[f.CycleID]
		focus := names[c.FocusIndicatorKey]
		if focus == "" {
			focus = c.FocusIndicatorKey
		}
		teacher := teachers[f.TeacherID].DisplayName()
		w.line("BEGIN:VEVENT")
		w.line("UID:" + f.ID + "@walkthrough")
		w.line("DTSTAMP:" + now.Format("20060102T150405Z"))
		w.line("DTSTART;TZID=" + tzid + ":" + f.StartsAt.In(loc).Format("20060102T150405"))
		w.line("DTEND;TZID=" + tzid + ":" + f.EndsAt.In(loc).Format("20060102T150405"))
		w.line(fmt.Sprintf("SEQUENCE:%d", len(hist[f.ID])+cancelled(f)))
		w.line("LAST-MODIFIED:" + f.UpdatedAt.UTC().Format("20060102T150405Z"))
		w.line("CREATED:" + f.CreatedAt.UTC().Format("20060102T150405Z"))
		w.prop("SUMMARY", "Follow-up: "+teacher+" ("+focus+")")
		w.prop("LOCATION", schools[f.SchoolID].Name)
		desc := "Cycle of support focus: " + focus
		if c.FocusShift != "" {
			desc += "\nShift: " + c.FocusShift
		}
		if f.Notes != "" {
			desc += "\nNotes: " + f.Notes
		}
		if f.Status == domain.FollowUpDone {
			desc += "\nDone: the observation is recorded."
		}
		w.prop("DESCRIPTION", desc)
		switch f.Status {
		case domain.FollowUpCancelled:
			w.line("STATUS:CANCELLED")
		default:
			w.line("STATUS:CONFIRMED")
		}
		w.line("TRANSP:OPAQUE")
		w.line("END:VEVENT")
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes(), nil
}

func cancelled(f domain.FollowUp) int {
	if f.Status == domain.FollowUpCancelled {
		return 1
	}
	return 0
}

func followUpIDs(fs []domain.FollowUp) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

// writeTimezone writes a VTIMEZONE for loc with one observance per offset
// change between from and to (each with its own DTSTART, no RRULE, which
// RFC 5545 allows and which holds any history of rule changes), or one
// standard observance for a zone without changes.
func writeTimezone(w *icsWriter, loc *time.Location, from, to time.Time) {
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + loc.String())
	name, offset := from.In(loc).Zone()
	any := false
	for t := from; t.Before(to); {
		next := t.Add(24 * time.Hour)
		if _, o := next.In(loc).Zone(); o != offset {
			// Find the instant of the change within the day.
			lo, hi := t, next
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.In(loc).Zone(); o == offset {
					lo = mid
				} else {
					hi = mid
				}
			}
			change := hi.Truncate(time.Second)
			newName, newOffset := change.In(loc).Zone()
			kind := "STANDARD"
			if newOffset > offset {
				kind = "DAYLIGHT"
			}
			w.line("BEGIN:" + kind)
			// DTSTART is the local time of the change under the offset before it.
			w.line("DTSTART:" + change.Add(time.Duration(offset)*time.Second).UTC().Format("20060102T150405"))
			w.line("TZOFFSETFROM:" + utcOffset(offset))
			w.line("TZOFFSETTO:" + utcOffset(newOffset))
			w.prop("TZNAME", newName)
			w.line("END:" + kind)
			any = true
			name, offset = newName, newOffset
			t = change
			continue
		}
		t = next
	}
	if !any {
		w.line("BEGIN:STANDARD")
		w.line("DTSTART:19700101T000000")
		w.line("TZOFFSETFROM:" + utcOffset(offset))
		w.line("TZOFFSETTO:" + utcOffset(offset))
		w.prop("TZNAME", name)
		w.line("END:STANDARD")
	}
	w.line("END:VTIMEZONE")
}

func utcOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	return fmt.Sprintf("%s%02d%02d", sign, seconds/3600, seconds%3600/60)
}

// icsWriter writes content lines: CRLF endings, folded at 75 octets
// without splitting a character.
type icsWriter struct{ buf bytes.Buffer }

func (w *icsWriter) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // a continuation line starts with a space
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}

// prop writes a TEXT property with its value escaped.
func (w *icsWriter) prop(name, value string) {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	w.line(name + ":" + r.Replace(value))
}
