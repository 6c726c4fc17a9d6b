package sync

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/strictjson"
)

// Service applies pushed changes and answers pulls.
type Service struct {
	store   *store.Store
	log     *slog.Logger
	metrics *Metrics
	now     func() time.Time
	// writers admits pushes to the database a few at a time; the rest wait
	// here, holding no transaction, lock or snapshot.
	writers chan struct{}
	// idMu guards dbID, the database's identity, read at the first pull.
	idMu gosync.Mutex
	dbID string
	// pushing counts the pushes in the database now, lastPush is when the
	// last one ended and lastFold when this server last folded the rollup
	// deltas (Unix nanoseconds), for FoldRollups.
	pushing  atomic.Int64
	lastPush atomic.Int64
	lastFold atomic.Int64
}

// pushesAtOnce is how many pushes are applied at once: one more than the
// server has processors, and at least three, since about one push at a time
// is committing (waiting for the disk, holding its district's change-log
// lock). When every tablet syncs after school, pushes beyond that only wait
// for each other's locks inside the database, holding a connection and a
// snapshot.
func pushesAtOnce() int { return max(3, runtime.GOMAXPROCS(0)+1) }

// NewService builds the sync service; metrics may be nil.
func NewService(s *store.Store, log *slog.Logger, m *Metrics, now func() time.Time) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, log: log, metrics: m, now: now, writers: make(chan struct{}, pushesAtOnce())}
}

// outcome ends a change's transaction without applying it: the transaction
// rolls back and the result is answered.
type outcome struct{ r Result }

func (o *outcome) Error() string { return o.r.Status }

func refuse(status, code, field, format string, args ...any) error {
	msg := format
	if len(args) > 0 {
		msg = sprintf(format, args...)
	}
	return &outcome{Result{Status: status, Error: &Problem{Code: code, Field: field, Message: msg}}}
}

func rejected(field, format string, args ...any) error {
	return refuse(StatusRejected, "invalid", field, format, args...)
}

func forbidden(format string, args ...any) error {
	return refuse(StatusForbidden, "forbidden", "", format, args...)
}

// Push applies every change of the request, each in a step of its own
// (a savepoint) of one transaction, and answers one result per change in
// order. One bad change never blocks the others; nothing is answered before
// everything applied is committed, so a retried push is always safe.
func (s *Service) Push(ctx context.Context, p auth.Principal, req PushRequest) (PushResponse, error) {
	start := time.Now()
	clock := clockOf(req.DeviceTime, s.now()) // before waiting for a turn
	if err := req.Validate(); err != nil {
		return PushResponse{}, err
	}
	pre := s.prepare(ctx, req.Changes)
	select {
	case s.writers <- struct{}{}:
		defer func() { <-s.writers }()
		defer s.pushed()()
	case <-ctx.Done():
		// The device gave up waiting; nothing was applied, and its retry is safe.
		return PushResponse{}, domain.Errorf(domain.EUnavailable, "the server was busy applying other pushes; nothing of this push was applied")
	}
	out := PushResponse{Results: make([]Result, len(req.Changes))}
	done := 0
	defer func() { s.metrics.uncommitted(-done) }()
	err := s.store.InBatch(ctx, func(b *store.Batch) error {
		answer := func(i int, r Result) {
			r.ChangeID = req.Changes[i].ChangeID
			out.Results[i] = r
			done++
			s.metrics.uncommitted(1)
		}
		oneByOne := 0 // changes before this index go one by one
		for i := 0; i < len(req.Changes); {
			// Observations, most of any push, go set-wise a run at a time.
			run := i
			for run < len(req.Changes) && setWise(req.Changes[run]) {
				run++
			}
			if run-i > 1 && i >= oneByOne {
				rs, err := s.applyObservations(ctx, b, p, req.DeviceID, clock, req.Changes[i:run], pre[i:run])
				if errors.Is(err, store.ErrBatchFailed) {
					s.log.ErrorContext(ctx, "sync: the push failed applying a run of observations", "err", err)
					return err
				}
				if err != nil {
					s.log.DebugContext(ctx, "sync: a run of observations goes change by change", "err", err)
					oneByOne = run
				}
				for _, r := range rs {
					answer(i, r)
					i++
				}
				if len(rs) > 0 {
					continue
				}
			}
			r, err := s.apply(ctx, b, p, req.DeviceID, clock, req.Changes[i], pre[i])
			if err != nil {
				return err
			}
			answer(i, r)
			i++
		}
		return nil
	})
	if err != nil {
		return PushResponse{}, err
	}
	for _, r := range out.Results {
		s.metrics.count(r.Status)
	}
	out.ServerTime = s.now().UTC()
	s.metrics.observePush(time.Since(start))
	return out, nil
}

// prepared is what applying a change needs of its content, worked out
// before the push waits for its turn, so that no transaction waits on it:
// the record id in lower case and the payload's hash (both empty when the
// envelope is refused), and an observation upsert's data when it decodes
// (else nil, and it is decoded again where its refusal is answered).
type prepared struct {
	id, hash    string
	observation *ObservationData
}

// prepare works out each change's prepared content. The data of changes
// applied before (a device sending again what it sent, as far as one read
// of the applied changes tells) is not decoded: their answers need only
// the hash. Whatever that read says, the transaction checks again.
func (s *Service) prepare(ctx context.Context, cs []Change) []prepared {
	out := make([]prepared, len(cs))
	var upserts []string
	for i, c := range cs {
		if c.envelopeProblem() != nil {
			continue
		}
		out[i].id, out[i].hash = strings.ToLower(c.ID), c.payloadHash()
		if c.Entity == EntityObservation && c.Op == OpUpsert {
			upserts = append(upserts, c.ChangeID)
		}
	}
	if len(upserts) == 0 {
		return out
	}
	seen, err := s.store.AppliedChangeIDs(ctx, upserts)
	if err != nil {
		s.log.DebugContext(ctx, "sync: the applied changes could not be read before the push's turn", "err", err)
	}
	for i, c := range cs {
		if out[i].hash == "" || c.Entity != EntityObservation || c.Op != OpUpsert || seen[c.ChangeID] {
			continue
		}
		var d ObservationData
		if decodeData(c.Data, &d) == nil {
			out[i].observation = &d
		}
	}
	return out
}

// setWise tells a change applyObservations can take.
func setWise(c Change) bool {
	return c.Entity == EntityObservation && c.envelopeProblem() == nil
}

// apply applies one change exactly once. Only failures of the machinery
// (the database down, the context ended: store.ErrBatchFailed) are errors;
// everything about the change itself is a result, an unexpected error
// confined to its step included (rejected with CodeServerError).
func (s *Service) apply(ctx context.Context, b *store.Batch, p auth.Principal, deviceID string, clock deviceClock, c Change, pre prepared) (Result, error) {
	if prob := c.envelopeProblem(); prob != nil {
		return Result{Status: StatusRejected, Error: prob}, nil
	}
	c.ID = pre.id
	hash := pre.hash
	var res Result
	for attempt := 0; ; attempt++ {
		err := b.Step(ctx, func(tx *store.Tx) error {
			// Changes to one record, and retries of one change, go one at a time.
			if err := tx.LockRecord(ctx, c.ID); err != nil {
				return err
			}
			prev, err := tx.AppliedChange(ctx, c.ChangeID)
			switch {
			case err == nil:
				res, err = answerAgain(prev, hash, p.DistrictID())
				return err
			case domain.ErrorCode(err) != domain.ENotFound:
				return err
			}
			rev, err := s.applyEntity(ctx, tx, p, deviceID, clock, c)
			if err != nil {
				return err
			}
			res = Result{Status: StatusApplied, Rev: rev}
			return tx.RecordAppliedChange(ctx, appliedRecord(p, deviceID, c, hash, res))
		})
		var o *outcome
		switch {
		case err == nil:
			return res, nil
		case errors.As(err, &o):
			return o.r, nil
		case domain.ErrorCode(err) == domain.EConflict && attempt < 2:
			// A concurrent twin committed first; the next attempt sees it.
			continue
		case domain.ErrorCode(err) == domain.EForbidden:
			// The store refused to move a record of another district.
			return notYours().(*outcome).r, nil
		case domain.ErrorCode(err) == domain.EInvalid || domain.ErrorCode(err) == domain.EConflict:
			return Result{Status: StatusRejected, Error: problemOf(err)}, nil
		case errors.Is(err, store.ErrBatchFailed):
			s.log.ErrorContext(ctx, "sync: the push failed applying a change", "change_id", c.ChangeID, "entity", c.Entity, "err", err)
			return Result{}, err
		default:
			// The step was undone and the batch goes on: the change is kept
			// out, and the device moves on to its next change rather than
			// retry this one forever.
			s.log.ErrorContext(ctx, "sync: a change could not be stored and was kept out of the push",
				"change_id", c.ChangeID, "entity", c.Entity, "record_id", c.ID, "err", err)
			return serverError(), nil
		}
	}
}

// serverError answers a change that failed for a reason of the server's
// (a bug, a rule the database holds that validation missed), not one the
// device can fix or retry: its step was undone and the rest of the push
// applied.
func serverError() Result {
	return Result{Status: StatusRejected, Error: &Problem{Code: CodeServerError,
		Message: "the server could not store this change, so it was kept out; the rest of the push was applied"}}
}

// answerAgain answers a change whose id was applied before: its stored
// result as a duplicate, or a refusal when the id comes with other content.
func answerAgain(prev store.AppliedChange, hash, districtID string) (Result, error) {
	if prev.PayloadHash != hash || prev.DistrictID != districtID {
		return Result{Status: StatusRejected, Error: &Problem{Code: "change_id_reused", Field: "change_id",
			Message: "this change id was used before for a different change"}}, nil
	}
	var res Result
	if err := json.Unmarshal([]byte(prev.Result), &res); err != nil {
		return Result{}, err
	}
	res.Status = StatusDuplicate
	return res, nil
}

// appliedRecord is the record that the change was applied with result res.
func appliedRecord(p auth.Principal, deviceID string, c Change, hash string, res Result) store.AppliedChange {
	stored, _ := json.Marshal(res)
	return store.AppliedChange{ChangeID: c.ChangeID, DistrictID: p.DistrictID(), DeviceID: deviceID, UserID: p.User.ID,
		Entity: c.Entity, RecordID: c.ID, PayloadHash: hash, Result: string(stored)}
}

func problemOf(err error) *Problem {
	pr := &Problem{Code: domain.ErrorCode(err), Message: domain.ErrorMessage(err)}
	if f := domain.ErrorFields(err); len(f) > 0 {
		pr.Field, pr.Message = "data."+f[0].Field, f[0].Message
	}
	return pr
}

// applyEntity checks the change against the current record and the rules,
// writes it, and returns the record's new revision. clock is what the push
// told of the device's clock.
func (s *Service) applyEntity(ctx context.Context, tx *store.Tx, p auth.Principal, deviceID string, clock deviceClock, c Change) (int64, error) {
	switch c.Entity {
	case EntityObservation:
		return s.applyObservation(ctx, tx, p, deviceID, clock, c)
	case EntityWalkthrough:
		return s.applyWalkthrough(ctx, tx, p, deviceID, c)
	case EntityNextStep:
		return s.applyNextStep(ctx, tx, p, deviceID, c)
	case EntityCycle:
		return s.applyCycle(ctx, tx, p, c)
	case EntityCycleActivity:
		return s.applyActivity(ctx, tx, p, deviceID, c)
	case EntityFollowUp:
		return s.applyFollowUp(ctx, tx, p, deviceID, c)
	case EntitySupportRequest:
		return s.applySupportRequest(ctx, tx, p, deviceID, c)
	case EntityFeedback:
		return s.applyFeedback(ctx, tx, p, deviceID, c)
	}
	return 0, rejected("entity", "unknown entity")
}

// checkRev compares the change's base revision with the current record's:
// a create must name base_rev 0, an edit the revision it was made on.
func checkRev(c Change, exists, deleted bool, rev int64, current func() *Record) error {
	switch {
	case !exists && c.Op == OpDelete:
		return refuse(StatusGone, "not_found", "id", "there is no such record to delete")
	case !exists && c.BaseRev != 0:
		return refuse(StatusGone, "not_found", "id", "the record this change edits does not exist on the server")
	case exists && deleted:
		return &outcome{Result{Status: StatusGone, Current: current(), Error: &Problem{Code: "deleted",
			Message: "the record was deleted on the server; the change was not applied"}}}
	case exists && c.BaseRev != rev:
		return &outcome{Result{Status: StatusConflict, Current: current(), Error: &Problem{Code: "stale",
			Message: "the record changed on the server since this device saw it"}}}
	}
	return nil
}

// decodeData reads a change's data strictly into v.
func decodeData(raw json.RawMessage, v any) error {
	var (
		nul     *strictjson.NULError
		unknown *strictjson.UnknownFieldError
		dup     *strictjson.DuplicateFieldError
		typeErr *strictjson.TypeError
		syntax  *strictjson.SyntaxError
	)
	switch err := strictjson.Decode(raw, v); {
	case err == nil:
		return nil
	case errors.Is(err, strictjson.ErrTrailing):
		return rejected("data", "holds more than one JSON value")
	case errors.As(err, &nul):
		return rejected(dataField(nul.Field), domain.NULMessage)
	case errors.As(err, &unknown):
		return rejected(dataField(unknown.Field), "is not a field of this entity")
	case errors.As(err, &dup):
		return rejected(dataField(dup.Field), "is given twice")
	case errors.As(err, &typeErr):
		return rejected(dataField(typeErr.Field), "%s", typeErr.Message())
	case errors.As(err, &syntax):
		return rejected(dataField(syntax.Field), "is not valid JSON at byte %d", syntax.Offset)
	default:
		return rejected("data", "is not valid: %v", err)
	}
}

// dataField is the path of a field of a change's data.
func dataField(field string) string {
	if field == "" {
		return "data"
	}
	return "data." + field
}
