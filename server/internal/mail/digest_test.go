package mail_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/mail"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// digestWorld is a district in Chicago with a minimum cell of 5: Adams
// (three teachers, one never visited) and Baker, the supervisor's schools,
// and Outside, a school of the district that is not theirs. The week
// before Monday, December 7, 2026 crosses into December, so it is two
// rollup periods: Monday, November 30, and December 1 to 6.
type digestWorld struct {
	district, other          string
	adams, baker, outside    string
	supervisor, quiet, later domain.User
	principal                domain.User
	loc                      *time.Location
}

func newDigestWorld(t *testing.T, s *store.Store) digestWorld {
	t.Helper()
	ctx := context.Background()
	loc, _ := time.LoadLocation("America/Chicago")
	w := digestWorld{district: domain.NewID(), other: domain.NewID(), adams: domain.NewID(), baker: domain.NewID(), outside: domain.NewID(), loc: loc}
	user := func(district, name string, grants ...domain.RoleGrant) domain.User {
		return domain.User{ID: domain.NewID(), DistrictID: district, Email: strings.ToLower(name) + "-" + domain.NewID()[28:] + "@example.org", Name: name, Active: true, Grants: grants}
	}
	otherSchool := domain.NewID()
	w.supervisor = user(w.district, "Sam", domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.adams}, domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.baker})
	w.quiet = user(w.district, "Quinn", domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: w.adams})
	w.principal = user(w.district, "Pat", domain.RoleGrant{Role: domain.RolePrincipal, SchoolID: w.adams})
	w.later = user(w.other, "Lee", domain.RoleGrant{Role: domain.RoleSupervisor, SchoolID: otherSchool})
	v := domain.BuiltinFramework()
	v.ID, v.RubricID, v.DistrictID, v.Status = domain.NewID(), domain.NewID(), w.district, domain.RubricPublished
	at := func(month time.Month, day, hour int) time.Time {
		return time.Date(2026, month, day, hour, 0, 0, 0, loc)
	}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateDistrict(ctx, domain.District{ID: w.district, Name: "Digest", TimeZone: "America/Chicago", Settings: domain.DefaultDistrictSettings()}); err != nil {
			return err
		}
		tuesdays := domain.DefaultDistrictSettings()
		tuesdays.SchoolDays = "2345" // Monday is not a school day there
		if err := tx.CreateDistrict(ctx, domain.District{ID: w.other, Name: "Four days", TimeZone: "America/Chicago", Settings: tuesdays}); err != nil {
			return err
		}
		for id, name := range map[string]string{w.adams: "Adams Elementary", w.baker: "Baker Middle", w.outside: "Outside High"} {
			if err := tx.CreateSchool(ctx, domain.School{ID: id, DistrictID: w.district, Name: name, Active: true}); err != nil {
				return err
			}
		}
		if err := tx.CreateSchool(ctx, domain.School{ID: otherSchool, DistrictID: w.other, Name: "Elsewhere", Active: true}); err != nil {
			return err
		}
		for _, u := range []domain.User{w.supervisor, w.quiet, w.principal, w.later} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		if err := tx.CreateRubricVersion(ctx, v); err != nil {
			return err
		}
		teachers := map[string][]domain.Teacher{}
		for _, school := range []string{w.adams, w.adams, w.adams, w.baker, w.outside} {
			tc := domain.Teacher{ID: domain.NewID(), DistrictID: w.district, SchoolID: school, FamilyName: "T" + domain.NewID()[30:], Active: true}
			if err := tx.CreateTeachers(ctx, []domain.Teacher{tc}); err != nil {
				return err
			}
			teachers[school] = append(teachers[school], tc)
		}
		observe := func(school string, when time.Time, levels ...int) error {
			for i, l := range levels {
				level := l
				// Adams's third teacher is never visited.
				o := domain.Observation{ID: domain.NewID(), DistrictID: w.district, SchoolID: school, TeacherID: teachers[school][i%min(2, len(teachers[school]))].ID,
					ObserverID: w.principal.ID, RubricVersionID: v.ID, Kind: domain.KindClassroom, Status: domain.ObservationSubmitted,
					StartedAt: when.Add(time.Duration(i) * time.Minute), Rev: 1, Scores: []domain.Score{{IndicatorKey: "respectful_relationships", Level: &level}}}
				if err := tx.PutObservation(ctx, o); err != nil {
					return err
				}
			}
			return nil
		}
		for _, o := range []struct {
			school string
			when   time.Time
			levels []int
		}{
			{w.adams, at(11, 17, 10), []int{2, 2, 2, 3, 2, 2}}, // the weeks before
			{w.adams, at(11, 30, 10), []int{4}},                // Monday, November 30: a small period
			{w.adams, at(12, 2, 10), []int{3, 3, 4, 3, 3, 4}},  // December 2
			{w.baker, at(11, 18, 10), []int{1, 1, 1, 1, 1, 1}},
			{w.baker, at(12, 2, 11), []int{4, 4}}, // a small period: never told
			{w.outside, at(12, 2, 9), []int{1, 2, 3, 4, 1, 2, 3}},
			{w.adams, at(12, 8, 10), []int{1}}, // this week: not in the digest
		} {
			if err := observe(o.school, o.when, o.levels...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// recount counts, from the observations and their scores, the submitted
// visits of a school from from to to, and the sum and number of its
// classroom-culture scores.
func recount(t *testing.T, s *store.Store, school string, from, to time.Time) (visits, sum, scores int64) {
	t.Helper()
	q := `SELECT COUNT(DISTINCT o.id), COALESCE(SUM(sc.level), 0), COUNT(sc.level) FROM observations o
		LEFT JOIN scores sc ON sc.observation_id = o.id AND sc.indicator_key IN (%s)
		WHERE o.school_id = ? AND o.status = 'submitted' AND o.deleted_at IS NULL AND o.counted_at >= ? AND o.counted_at < ?`
	var keys []string
	for _, d := range domain.BuiltinFramework().Dimensions {
		if d.Key == "classroom_culture" {
			for _, in := range d.Indicators {
				keys = append(keys, "'"+in.Key+"'")
			}
		}
	}
	q = fmt.Sprintf(q, strings.Join(keys, ", "))
	args := []any{school, from.UTC(), to.UTC()}
	if s.Dialect() == store.Postgres {
		q = strings.Replace(strings.Replace(strings.Replace(q, "?", "$1", 1), "?", "$2", 1), "?", "$3", 1)
	}
	if err := s.SQL().QueryRowContext(context.Background(), q, args...).Scan(&visits, &sum, &scores); err != nil {
		t.Fatal(err)
	}
	return visits, sum, scores
}

// TestTheMondayDigest decides the reminders on two servers at once at
// times around Monday, December 7, 2026, 07:00 in Chicago: the supervisor
// gets one digest from 07:00 (not on Sunday, not at 06:59), once that week
// however often it is decided, and again the next Monday; a supervisor who
// turned it off and a principal get none; a district where Monday is no
// school day gets it on Tuesday. The digest's figures are recounted from
// the observations: visits and means only from school periods of at least
// the minimum, nothing of the school outside the supervisor's scope, no
// figure of a small period, no teacher named.
func TestTheMondayDigest(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, db, _ := openDatabase(t, dialect)
			in := startInbox(t)
			sender, err := mail.SenderFor(in.url())
			if err != nil {
				t.Fatal(err)
			}
			a, b := startServer(t, s, db, sender), startServer(t, s, db, sender)
			defer a.queue.Stop(context.Background())
			defer b.queue.Stop(context.Background())
			w := newDigestWorld(t, s)
			ctx := context.Background()
			prefs, err := a.mail.Preferences(ctx, w.district, w.quiet.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.mail.SetPreferences(ctx, w.district, w.quiet.ID, prefs.Rev, map[string]bool{mail.WeeklyDigest: false}); err != nil {
				t.Fatal(err)
			}
			decide := func(at time.Time) {
				t.Helper()
				var wg gosync.WaitGroup
				for _, srv := range []*server{a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := srv.mail.QueueReminders(ctx, "https://walkthrough.example", at); err != nil {
							t.Error(err)
						}
					}()
				}
				wg.Wait()
			}
			digests := func() map[string][]store.Message {
				t.Helper()
				out := map[string][]store.Message{}
				for _, district := range []string{w.district, w.other} {
					ms, err := s.Messages(ctx, district, "", 100)
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range ms {
						if m.Kind == mail.WeeklyDigest {
							out[m.Recipient] = append(out[m.Recipient], m)
						}
					}
				}
				return out
			}
			at := func(month time.Month, day, hour, minute int) time.Time {
				return time.Date(2026, month, day, hour, minute, 0, 0, w.loc)
			}
			decide(at(12, 6, 10, 0)) // Sunday
			decide(at(12, 7, 6, 59)) // Monday, a minute early
			if got := digests(); len(got) != 0 {
				t.Fatalf("digests before Monday 07:00: %v", got)
			}
			decide(at(12, 7, 7, 0))
			decide(at(12, 7, 12, 0))
			got := digests()
			if n := len(got[w.supervisor.Email]); n != 1 {
				t.Fatalf("the supervisor has %d digests on Monday, want 1", n)
			}
			if n := len(got[w.later.Email]); n != 0 {
				t.Errorf("the supervisor of a district without school on Mondays has %d digests on Monday, want 0", n)
			}
			decide(at(12, 8, 7, 0)) // Tuesday
			decide(at(12, 14, 7, 30))
			got = digests()
			if n := len(got[w.supervisor.Email]); n != 2 {
				t.Errorf("the supervisor has %d digests after two Mondays, want 2", n)
			}
			if n := len(got[w.later.Email]); n != 1 {
				t.Errorf("the supervisor of a district without school on Mondays has %d digests on Tuesday, want 1", n)
			}
			for _, u := range []domain.User{w.quiet, w.principal} {
				if n := len(got[u.Email]); n != 0 {
					t.Errorf("%s has %d digests, want none", u.Name, n)
				}
			}
			waitFor(t, "three digests in the inbox", func() bool { return len(in.messages()) >= 3 })
			time.Sleep(time.Second)
			sent := map[string]int{}
			for _, m := range in.messages() {
				sent[strings.Join(m.To, ",")]++
				if !strings.Contains(m.Data, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
					t.Errorf("a digest without the one-click unsubscribe: %s", m.Data)
				}
			}
			if sent[w.supervisor.Email] != 2 || sent[w.later.Email] != 1 || len(sent) != 2 {
				t.Errorf("the inbox received %v, want two digests for %s and one for %s", sent, w.supervisor.Email, w.later.Email)
			}

			// The first digest's figures, recounted.
			var first store.Message
			for _, m := range got[w.supervisor.Email] {
				if m.Day == "2026-12-07" {
					first = m
				}
			}
			body := first.Body
			minimum := int64(5)
			type part struct{ from, to time.Time }
			week := []part{{at(11, 30, 0, 0), at(12, 1, 0, 0)}, {at(12, 1, 0, 0), at(12, 7, 0, 0)}}
			kept := func(school string, parts []part) (visits, sum, scores int64, small bool) {
				for _, p := range parts {
					v, su, sc := recount(t, s, school, p.from, p.to)
					if v > 0 && v < minimum {
						small = true
						continue
					}
					visits, sum, scores = visits+v, sum+su, scores+sc
				}
				return
			}
			link := func(school, dim string, from, to string) string {
				l := "https://walkthrough.example/dashboard?"
				if dim != "" {
					l += "dimension=" + dim + "&"
				}
				return l + "from=" + from + "&schools=" + school + "&to=" + to
			}
			adamsVisits, adamsSum, adamsScores, adamsSmall := kept(w.adams, week)
			if !adamsSmall || adamsVisits == 0 {
				t.Fatalf("the world is not as meant: Adams kept %d visits, small part %v", adamsVisits, adamsSmall)
			}
			wantLines := []string{
				"Your schools in the week of Monday, November 30 to Sunday, December 6.",
				fmt.Sprintf("- Adams Elementary: %d visits, and a part of the week with fewer than 5 left out as on the dashboard. %s", adamsVisits, link(w.adams, "", "2026-11-30", "2026-12-07")),
				"- Baker Middle: fewer than 5 visits, left out as on the dashboard. " + link(w.baker, "", "2026-11-30", "2026-12-07"),
				"- Adams Elementary: 1 of 3 teachers.",
				"- Baker Middle: 0 of 1 teacher.",
			}
			// The weeks before: November 2 to 29, every period kept.
			before := []part{{at(11, 2, 0, 0), at(11, 30, 0, 0)}}
			_, bSum, bScores, _ := kept(w.adams, before)
			lastMean, beforeMean := float64(adamsSum)/float64(adamsScores), float64(bSum)/float64(bScores)
			if math.Abs(lastMean-beforeMean) < mail.MovedBy {
				t.Fatalf("the world is not as meant: Adams moved from %.2f to %.2f", beforeMean, lastMean)
			}
			wantLines = append(wantLines, fmt.Sprintf("- Adams Elementary, Classroom culture: up from %.1f to %.1f (%d observations last week). %s",
				beforeMean, lastMean, adamsVisits, link(w.adams, "classroom_culture", "2026-11-02", "2026-12-07")))
			for _, l := range wantLines {
				if !strings.Contains(body, l+"\n") {
					t.Errorf("the digest lacks the line\n%s\nin\n%s", l, body)
				}
			}
			// Baker's small week (two visits at level 4) moved its mean from
			// 1.0 to 4.0 but is left out; Outside is not the supervisor's.
			for _, never := range []string{"Baker Middle, Classroom culture", "4.0", "2 visits", "Outside High", w.outside} {
				if strings.Contains(body, never) {
					t.Errorf("the digest tells %q:\n%s", never, body)
				}
			}
			if strings.Count(body, "Baker Middle") != 2 {
				t.Errorf("Baker appears other than in its visits and teachers lines:\n%s", body)
			}
		})
	}
}
