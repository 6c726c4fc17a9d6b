package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/sync"
)

// push answers POST /sync/push: one result per change, in order.
func (s *Server) push(c *gin.Context) {
	var req sync.PushRequest
	if err := decodeJSON(c, sync.MaxPushBytes, &req); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.sync.Push(c.Request.Context(), principal(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, res)
}

// pull answers GET /sync/pull?cursor=…&limit=….
func (s *Server) pull(c *gin.Context) {
	limit := 0
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > sync.MaxPullLimit {
			s.fail(c, domain.Invalid("limit is out of range", domain.FieldError{Field: "limit", Message: "must be 1 to " + strconv.Itoa(sync.MaxPullLimit)}))
			return
		}
		limit = n
	}
	res, err := s.sync.Pull(c.Request.Context(), principal(c), c.Query("cursor"), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, res)
}

type putObservationRequest struct {
	ChangeID string          `json:"change_id"`
	DeviceID string          `json:"device_id"`
	BaseRev  int64           `json:"base_rev"`
	Data     json.RawMessage `json:"data"`
}

// putObservation answers PUT /observations/{id}: one change through the
// same code path as a push, answered with the status that fits it.
func (s *Server) putObservation(c *gin.Context) {
	var req putObservationRequest
	if err := decodeJSON(c, sync.MaxPushBytes, &req); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.sync.Push(c.Request.Context(), principal(c), sync.PushRequest{DeviceID: req.DeviceID, Changes: []sync.Change{{
		ChangeID: req.ChangeID, Entity: sync.EntityObservation, Op: sync.OpUpsert, ID: c.Param("id"), BaseRev: req.BaseRev, Data: req.Data}}})
	if err != nil {
		s.fail(c, err)
		return
	}
	r := res.Results[0]
	if err := r.Err(); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
