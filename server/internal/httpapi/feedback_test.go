package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

const privateNote = "PRIVATE: raise pacing with the principal"

// feedbackChange is a pushed feedback on an observation.
func feedbackChange(id, observation string, baseRev int64, d sync.FeedbackData) sync.Change {
	d.ObservationID = observation
	if d.IndicatorKeys == nil {
		d.IndicatorKeys = []string{}
	}
	if d.NextSteps == nil {
		d.NextSteps = []domain.FeedbackStep{}
	}
	data, _ := json.Marshal(d)
	return sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityFeedback, Op: sync.OpUpsert, ID: id, BaseRev: baseRev, Data: data}
}

// setSharing sets the district's sharing of a kind.
func (w *world) setSharing(kind, sharing string) {
	w.t.Helper()
	r := w.do(admin, "PATCH", "/api/v1/district", map[string]any{"settings": map[string]any{"feedback_sharing": map[string]any{kind: sharing}}})
	if r.Code != http.StatusOK {
		w.t.Fatalf("sharing %s %s: %d %s", kind, sharing, r.Code, r.Body)
	}
}

func status(res sync.PushResponse) string {
	if len(res.Results) == 0 {
		return ""
	}
	return res.Results[0].Status
}

// feedbackIn finds a feedback in a pull.
func feedbackIn(t *testing.T, p sync.PullResponse, id string) (sync.Record, sync.FeedbackData, bool) {
	t.Helper()
	for _, r := range p.Changes {
		if r.Entity == sync.EntityFeedback && r.ID == id {
			var d sync.FeedbackData
			if r.Data != nil {
				raw, _ := json.Marshal(r.Data)
				if err := json.Unmarshal(raw, &d); err != nil {
					t.Fatal(err)
				}
			}
			return r, d, true
		}
	}
	return sync.Record{}, sync.FeedbackData{}, false
}

// rawPull is every pull page's body as the actor receives it.
func (w *world) rawPull(a actor) string {
	w.t.Helper()
	var all strings.Builder
	cursor := ""
	for {
		r := w.do(a, "GET", "/api/v1/sync/pull?limit=50&cursor="+cursor, nil)
		if r.Code != 200 {
			w.t.Fatalf("pull: %d %s", r.Code, r.Body)
		}
		all.WriteString(r.Body.String())
		var page sync.PullResponse
		r.decode(w.t, &page)
		if !page.More {
			return all.String()
		}
		cursor = page.Cursor
	}
}

// The district decides whether a kind is shared; the observer shares what
// they choose; the teacher observed reads it without private notes, marks
// it read, replies and marks a step done, and the observer sees that; an
// unshare takes it off the teacher's device.
func TestFeedbackReachesTheTeacherAndBack(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		keys := domain.BuiltinFramework().IndicatorKeys()
		obs := domain.NewID()
		if _, res := w.push(coach, domain.NewID(), w.obsChange(obs, 0, 3, 2, 4)); status(res) != sync.StatusApplied {
			t.Fatalf("observation: %+v", res)
		}
		fb, step := domain.NewID(), domain.NewID()
		notes := privateNote
		share := sync.FeedbackData{Shared: true, IndicatorKeys: keys[:2], ShareEvidence: true, Strength: "Students explained their thinking",
			NextMove: "Ask a second student to build on the first", PrivateNotes: &notes,
			NextSteps: []domain.FeedbackStep{{ID: step, Text: "Plan three probing questions"}}}

		// Classroom walkthroughs are never shared by default.
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, 0, share)); status(res) != sync.StatusForbidden {
			t.Fatalf("shared where the district says never: %+v", res)
		}
		w.setSharing("classroom", "chosen")
		// Another district's administrator cannot share it, and learns nothing.
		if _, res := w.push(otherAdmin, domain.NewID(), feedbackChange(domain.NewID(), obs, 0, share)); status(res) == sync.StatusApplied ||
			strings.Contains(res.Results[0].Error.Message, "Students") {
			t.Fatalf("another district shared: %+v", res)
		}
		// The observer of a draft cannot share it yet.
		draft := domain.NewID()
		ch := w.obsChange(draft, 0, 2)
		ch.Data = json.RawMessage(strings.Replace(string(ch.Data), `"submitted"`, `"draft"`, 1))
		w.push(coach, domain.NewID(), ch)
		if _, res := w.push(coach, domain.NewID(), feedbackChange(domain.NewID(), draft, 0, share)); status(res) != sync.StatusRejected {
			t.Fatalf("a draft shared: %+v", res)
		}
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, 0, share)); status(res) != sync.StatusApplied {
			t.Fatalf("share: %+v", res)
		}

		// The teacher reads it: the indicators shared, their evidence, the
		// feedback; never the private notes, in any answer.
		body := w.rawPull(teacher)
		if strings.Contains(body, "PRIVATE") || strings.Contains(body, "private_notes") {
			t.Fatalf("the teacher's pull carries private notes: %s", body)
		}
		rec, got, ok := feedbackIn(t, w.pull(teacher, ""), fb)
		if !ok || rec.Deleted || got.View == nil || len(got.View.Scores) != 2 || got.View.Evidence == "" || got.Strength != share.Strength || got.Read {
			t.Fatalf("the teacher's feedback: %+v %+v", rec, got)
		}
		// Another teacher of the school, and the coach of another district, see nothing of it.
		other := w.signedInTablet() // an observer of A1: not the teacher observed
		var page sync.PullResponse
		w.as(other, "GET", "/api/v1/sync/pull", nil).decode(t, &page)
		if _, _, ok := feedbackIn(t, page, fb); ok {
			t.Errorf("an observer of the school pulled the feedback")
		}
		if _, _, ok := feedbackIn(t, w.pull(otherAdmin, ""), fb); ok {
			t.Errorf("another district pulled the feedback")
		}

		// The teacher marks it read, replies, marks the step done; what else
		// they send is ignored.
		mine := got
		mine.Read, mine.Reply, mine.Strength = true, "I will try the questions on Thursday", "rewritten by the teacher"
		mine.NextSteps[0].Done = true
		_, res := w.push(teacher, domain.NewID(), feedbackChange(fb, obs, rec.Rev, mine))
		if status(res) != sync.StatusApplied {
			t.Fatalf("teacher's reply: %+v", res)
		}
		// A stale revision from the teacher is a conflict that shows no private notes.
		_, res = w.push(teacher, domain.NewID(), feedbackChange(fb, obs, rec.Rev, mine))
		if status(res) != sync.StatusConflict {
			t.Fatalf("stale reply: %+v", res)
		}
		if raw, _ := json.Marshal(res); strings.Contains(string(raw), "PRIVATE") {
			t.Errorf("a conflict shows the teacher the private notes: %s", raw)
		}
		// Someone else may not write the teacher's side.
		if _, res := w.push(observer, domain.NewID(), feedbackChange(fb, obs, rec.Rev+1, mine)); status(res) != sync.StatusForbidden {
			t.Errorf("an observer of the school wrote the feedback: %+v", res)
		}

		// The observer sees it was read, the reply and the step done, and keeps the notes.
		rec2, seen, ok := feedbackIn(t, w.pull(coach, ""), fb)
		if !ok || !seen.Read || seen.Reply != mine.Reply || !seen.NextSteps[0].Done || seen.NextSteps[0].DoneAt == nil ||
			seen.Strength != share.Strength || seen.PrivateNotes == nil || *seen.PrivateNotes != privateNote {
			t.Fatalf("the observer's view: %+v", seen)
		}

		// The district turns sharing off: an unshare still goes through; the
		// teacher's device drops it on the next pull.
		cursor := w.pull(teacher, "").Cursor
		unshare := share
		unshare.Shared = false
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, rec2.Rev, unshare)); status(res) != sync.StatusApplied {
			t.Fatalf("unshare: %+v", res)
		}
		if rec, _, ok := feedbackIn(t, w.pull(teacher, cursor), fb); !ok || !rec.Deleted {
			t.Errorf("after the unshare the teacher pulls %+v", rec)
		}
		// Unshared, the teacher may no longer write it.
		if _, res := w.push(teacher, domain.NewID(), feedbackChange(fb, obs, rec2.Rev+1, mine)); status(res) != sync.StatusForbidden {
			t.Errorf("the teacher wrote an unshared feedback: %+v", res)
		}
	})
}

// lastFeedbackIn is the latest state of a feedback in a pull.
func lastFeedbackIn(t *testing.T, p sync.PullResponse, id string) (sync.Record, sync.FeedbackData, bool) {
	t.Helper()
	for i := len(p.Changes) - 1; i >= 0; i-- {
		if p.Changes[i].Entity == sync.EntityFeedback && p.Changes[i].ID == id {
			return feedbackIn(t, sync.PullResponse{Changes: p.Changes[i : i+1]}, id)
		}
	}
	return sync.Record{}, sync.FeedbackData{}, false
}

// Where the district shares every observation of a kind, submitting one
// shares it with the teacher when the push is applied, under the id
// derived from the observation's; the observer's device then adds its feedback on top of
// that share. A draft is shared only when it is submitted, and a kind the
// observer chooses for is not shared by itself.
func TestFeedbackSharedOnSubmitWhereTheDistrictAlwaysShares(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.setSharing("classroom", "always")
		cursor := w.pull(teacher, "").Cursor
		obs, draft := domain.NewID(), domain.NewID()
		dch := w.obsChange(draft, 0, 2, 3)
		dch.Data = json.RawMessage(strings.Replace(string(dch.Data), `"submitted"`, `"draft"`, 1))
		// Two observations in one push go set-wise; one of them is a draft.
		if _, res := w.push(coach, domain.NewID(), w.obsChange(obs, 0, 3, 2, 4), dch); res.Results[0].Status != sync.StatusApplied || res.Results[1].Status != sync.StatusApplied {
			t.Fatalf("observations: %+v", res)
		}
		page := w.pull(teacher, cursor)
		auto := domain.FeedbackIDOf(obs)
		rec, got, ok := lastFeedbackIn(t, page, auto)
		if !ok || rec.Deleted || !got.Shared || got.View == nil || len(got.View.Scores) != 3 || got.View.Evidence == "" || got.PrivateNotes != nil {
			t.Fatalf("the teacher's automatic feedback: %+v %+v", rec, got)
		}
		if rec, _, ok := lastFeedbackIn(t, page, domain.FeedbackIDOf(draft)); ok && !rec.Deleted {
			t.Fatalf("a draft was shared: %+v", rec)
		}
		// The observer pulls it as shared, whole.
		orec, mine, ok := lastFeedbackIn(t, w.pull(coach, ""), auto)
		if !ok || !mine.Shared || mine.PrivateNotes == nil || len(mine.IndicatorKeys) != 3 {
			t.Fatalf("the observer's copy: %+v %+v", orec, mine)
		}

		// The observer's device, offline since the submit, writes its
		// feedback under the same id from revision 0: it lands on top.
		notes := privateNote
		add := sync.FeedbackData{Shared: true, IndicatorKeys: domain.BuiltinFramework().IndicatorKeys()[:1], ShareEvidence: false,
			Strength: "Wait time after each question", PrivateNotes: &notes}
		if _, res := w.push(coach, domain.NewID(), feedbackChange(auto, obs, 0, add)); status(res) != sync.StatusApplied || res.Results[0].Rev != 2 {
			t.Fatalf("the device's feedback on the automatic share: %+v", res)
		}
		rec, got, _ = lastFeedbackIn(t, w.pull(teacher, cursor), auto)
		if got.Strength != add.Strength || len(got.View.Scores) != 1 || got.View.Evidence != "" || got.PrivateNotes != nil {
			t.Fatalf("the teacher after the observer's edit: %+v %+v", rec, got)
		}
		// A second write from revision 0 is a conflict as ever.
		if _, res := w.push(coach, domain.NewID(), feedbackChange(auto, obs, 0, add)); status(res) != sync.StatusConflict {
			t.Fatalf("a stale write: %+v", res)
		}

		// The draft is shared when it is submitted.
		if _, res := w.push(coach, domain.NewID(), w.obsChange(draft, 1, 2, 3)); status(res) != sync.StatusApplied {
			t.Fatalf("submit: %+v", res)
		}
		if rec, got, ok := lastFeedbackIn(t, w.pull(teacher, cursor), domain.FeedbackIDOf(draft)); !ok || rec.Deleted || len(got.View.Scores) != 2 {
			t.Fatalf("the submitted draft: %+v %+v", rec, got)
		}

		// Where the observer chooses, submitting shares nothing.
		w.setSharing("classroom", "chosen")
		chosen := domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(chosen, 0, 1))
		if _, _, ok := lastFeedbackIn(t, w.pull(coach, ""), domain.FeedbackIDOf(chosen)); ok {
			t.Fatalf("an observation was shared where the observer chooses")
		}
	})
}

// A shared observation that is amended (its scores, its evidence) or whose
// feedback is edited reaches the teacher on their next pull; a deleted one
// leaves the teacher's device.
func TestFeedbackFollowsTheObservationAfterSharing(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.setSharing("classroom", "chosen")
		obs, fb := domain.NewID(), domain.NewID()
		w.push(coach, domain.NewID(), w.obsChange(obs, 0, 3, 2))
		keys := domain.BuiltinFramework().IndicatorKeys()
		share := sync.FeedbackData{Shared: true, IndicatorKeys: keys[:2], ShareEvidence: true, Strength: "Clear goal"}
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, 0, share)); status(res) != sync.StatusApplied {
			t.Fatalf("share: %+v", res)
		}
		cursor := w.pull(teacher, "").Cursor

		// The observer amends the scores and the evidence.
		amend := w.obsChange(obs, 1, 4, 1)
		amend.Data = json.RawMessage(strings.Replace(string(amend.Data), "Students explained their strategies.", "Amended: students compared two strategies.", 1))
		if _, res := w.push(coach, domain.NewID(), amend); status(res) != sync.StatusApplied {
			t.Fatalf("amend: %+v", res)
		}
		page := w.pull(teacher, cursor)
		rec, got, ok := lastFeedbackIn(t, page, fb)
		if !ok || rec.Deleted || got.View == nil || got.View.Evidence != "Amended: students compared two strategies." ||
			len(got.View.Scores) != 2 || *got.View.Scores[0].Level != 4 || *got.View.Scores[1].Level != 1 {
			t.Fatalf("the teacher after the amendment: %+v %+v", rec, got)
		}
		// The teacher's device still writes on the revision it holds.
		mine := got
		mine.Read = true
		if _, res := w.push(teacher, domain.NewID(), feedbackChange(fb, obs, rec.Rev, mine)); status(res) != sync.StatusApplied {
			t.Fatalf("the teacher's read after the amendment: %+v", res)
		}

		// The feedback text changes.
		cursor = page.Cursor
		crec, _, _ := lastFeedbackIn(t, w.pull(coach, ""), fb)
		share.Strength, share.NextMove = "Clear goal, posted and revisited", "Close with an exit ticket"
		if _, res := w.push(coach, domain.NewID(), feedbackChange(fb, obs, crec.Rev, share)); status(res) != sync.StatusApplied {
			t.Fatalf("edit: %+v", res)
		}
		page = w.pull(teacher, cursor)
		if _, got, ok := lastFeedbackIn(t, page, fb); !ok || got.Strength != share.Strength || got.NextMove != share.NextMove || !got.Read {
			t.Fatalf("the teacher after the edit: %+v", got)
		}

		// The observation is deleted: the teacher's device drops the feedback.
		cursor = page.Cursor
		del := sync.Change{ChangeID: domain.NewID(), Entity: sync.EntityObservation, Op: sync.OpDelete, ID: obs, BaseRev: 2}
		if _, res := w.push(coach, domain.NewID(), del); status(res) != sync.StatusApplied {
			t.Fatalf("delete: %+v", res)
		}
		if rec, _, ok := lastFeedbackIn(t, w.pull(teacher, cursor), fb); !ok || !rec.Deleted {
			t.Fatalf("after the delete the teacher pulls %+v", rec)
		}
	})
}
