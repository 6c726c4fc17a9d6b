package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/strictjson"
)

// maxJSONBody bounds an ordinary JSON request; sync has a larger limit.
const maxJSONBody = 1 << 20

// decodeJSON reads the request body strictly into v: the content type must
// be JSON, the body at most limit bytes, one value with no trailing data,
// no unknown fields (names match exactly, so a known name in another case
// is unknown), no key given twice, fields of the right type and no text
// holding U+0000 (NUL).
// Every refusal is an EInvalid or ETooLarge naming the field.
func decodeJSON(c *gin.Context, limit int64, v any) error {
	body, err := readBody(c, limit, "application/json")
	if err != nil {
		return err
	}
	return decodeBody(body, v)
}

// decodeBody reads a JSON body strictly into v, as decodeJSON says.
func decodeBody(body []byte, v any) error {
	var (
		nul     *strictjson.NULError
		unknown *strictjson.UnknownFieldError
		dup     *strictjson.DuplicateFieldError
		typeErr *strictjson.TypeError
		syntax  *strictjson.SyntaxError
	)
	switch err := strictjson.Decode(body, v); {
	case err == nil:
		return nil
	case errors.Is(err, strictjson.ErrTrailing):
		return domain.Invalid("the body holds more than one JSON value", domain.FieldError{Field: "body", Message: "trailing data after the JSON value"})
	case errors.As(err, &nul):
		return domain.Invalid("the body holds text with the NUL character", domain.FieldError{Field: bodyField(nul.Field), Message: domain.NULMessage})
	case errors.As(err, &unknown):
		return domain.Invalid("the body has a field this request does not take", domain.FieldError{Field: unknown.Field, Message: "unknown field"})
	case errors.As(err, &dup):
		return domain.Invalid("the body names a field twice", domain.FieldError{Field: dup.Field, Message: "duplicate key"})
	case errors.As(err, &typeErr):
		return domain.Invalid("a field has the wrong type", domain.FieldError{Field: bodyField(typeErr.Field), Message: typeErr.Message()})
	case errors.As(err, &syntax) && errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Invalid("the body is empty or cut short", domain.FieldError{Field: "body", Message: "incomplete JSON"})
	case errors.As(err, &syntax):
		return domain.Invalid("the body is not valid JSON", domain.FieldError{Field: "body", Message: fmt.Sprintf("syntax error at byte %d", syntax.Offset)})
	default:
		return domain.Invalid("the body is not valid JSON", domain.FieldError{Field: "body", Message: "invalid JSON"})
	}
}

// bodyField names a field of the body, "body" for the body itself.
func bodyField(field string) string {
	if field == "" {
		return "body"
	}
	return field
}

// readBody reads at most limit bytes of a body of one of the media types.
func readBody(c *gin.Context, limit int64, mediaTypes ...string) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !slices.Contains(mediaTypes, mt) {
		return nil, domain.Invalid("the body has the wrong media type",
			domain.FieldError{Field: "Content-Type", Message: "must be " + strings.Join(mediaTypes, " or ")})
	}
	var buf bytes.Buffer
	if n := c.Request.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead) // read in one go, not by doubling
	}
	_, err = buf.ReadFrom(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	body := buf.Bytes()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, domain.Errorf(domain.ETooLarge, "the body is larger than %d bytes", limit)
		}
		return nil, domain.Invalid("the body could not be read")
	}
	return body, nil
}
