package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

type attachmentResponse struct {
	ID            string `json:"id"`
	ObservationID string `json:"observation_id"`
	ContentType   string `json:"content_type"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
}

// putAttachment answers PUT /attachments/{id}: the photo's bytes as the body,
// their type as Content-Type and their SHA-256 in hex as X-Content-SHA256.
// Sending the same bytes again is harmless.
func (s *Server) putAttachment(c *gin.Context) {
	if s.attachments == nil {
		s.fail(c, domain.Errorf(domain.EUnavailable, "attachments are not configured"))
		return
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, s.attachments.MaxBytes()+1)
	a, created, err := s.attachments.Put(c.Request.Context(), principal(c), c.Param("id"), c.GetHeader("Content-Type"),
		c.GetHeader("X-Content-SHA256"), body)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, attachmentResponse{ID: a.ID, ObservationID: a.ObservationID, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256})
}
