package cycles

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/emersion/go-ical"
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
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Walkthrough//Cycles of support//EN")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	cal.Props.SetText("X-WR-CALNAME", "Walkthrough follow-ups: "+u.Name)
	cal.Props.SetText("X-WR-TIMEZONE", loc.String())
	refresh := ical.NewProp(ical.PropRefreshInterval)
	refresh.SetDuration(time.Hour)
	cal.Props.Set(refresh)
	cal.Props.SetText("X-PUBLISHED-TTL", "PT1H")
	cal.Children = append(cal.Children, timezone(loc, now.Add(-feedPast-366*24*time.Hour), now.Add(feedFuture+366*24*time.Hour)))
	for _, f := range fs {
		c := cycles[f.CycleID]
		focus := names[c.FocusIndicatorKey]
		if focus == "" {
			focus = c.FocusIndicatorKey
		}
		teacher := teachers[f.TeacherID].DisplayName()
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, f.ID+"@walkthrough")
		ev.Props.SetDateTime(ical.PropDateTimeStamp, now)
		ev.Props.SetDateTime(ical.PropDateTimeStart, f.StartsAt.In(loc))
		ev.Props.SetDateTime(ical.PropDateTimeEnd, f.EndsAt.In(loc))
		ev.Props.SetText(ical.PropSequence, strconv.Itoa(len(hist[f.ID])+cancelled(f)))
		ev.Props.SetDateTime(ical.PropLastModified, f.UpdatedAt.UTC())
		ev.Props.SetDateTime(ical.PropCreated, f.CreatedAt.UTC())
		ev.Props.SetText(ical.PropSummary, "Follow-up: "+teacher+" ("+focus+")")
		ev.Props.SetText(ical.PropLocation, schools[f.SchoolID].Name)
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
		ev.Props.SetText(ical.PropDescription, desc)
		status := ical.EventConfirmed
		if f.Status == domain.FollowUpCancelled {
			status = ical.EventCancelled
		}
		ev.Props.SetText(ical.PropStatus, string(status))
		ev.Props.SetText(ical.PropTransparency, "OPAQUE")
		cal.Children = append(cal.Children, ev.Component)
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

// timezone is a VTIMEZONE for loc with one observance per offset change
// between from and to (each with its own DTSTART, no RRULE, which RFC 5545
// allows and which holds any history of rule changes), or one standard
// observance for a zone without changes.
func timezone(loc *time.Location, from, to time.Time) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())
	observance := func(kind string, start time.Time, from, to int, name string) {
		o := ical.NewComponent(kind)
		// DTSTART is the local time of the change under the offset before it.
		o.Props.SetText(ical.PropDateTimeStart, start.Format("20060102T150405"))
		o.Props.SetText(ical.PropTimezoneOffsetFrom, utcOffset(from))
		o.Props.SetText(ical.PropTimezoneOffsetTo, utcOffset(to))
		o.Props.SetText(ical.PropTimezoneName, name)
		tz.Children = append(tz.Children, o)
	}
	name, offset := from.In(loc).Zone()
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
			kind := ical.CompTimezoneStandard
			if newOffset > offset {
				kind = ical.CompTimezoneDaylight
			}
			observance(kind, change.Add(time.Duration(offset)*time.Second).UTC(), offset, newOffset, newName)
			name, offset = newName, newOffset
			t = change
			continue
		}
		t = next
	}
	if len(tz.Children) == 0 {
		observance(ical.CompTimezoneStandard, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), offset, offset, name)
	}
	return tz
}

func utcOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	return fmt.Sprintf("%s%02d%02d", sign, seconds/3600, seconds%3600/60)
}
