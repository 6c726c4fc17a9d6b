package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument is the API's contract. The API tests validate every
// answer against it, so it cannot drift from the handlers.
//
//go:embed openapi.json
var openAPIDocument string

// openAPI answers GET /api/v1/openapi.json: the document as it is embedded.
func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json", []byte(openAPIDocument))
}
