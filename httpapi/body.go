package httpapi

import (
	"bytes"
	"net/http"
)

// readBody reads a request body of at most limit bytes (else the
// *http.MaxBytesError that s.error maps to 413). It sizes its buffer from
// Content-Length when the sender gives one, so that a body costs its own
// size once rather than the 2 to 3 times that growing a buffer by doubling
// allocates; a body that is not as long as it claims costs at most limit.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	size := int64(0)
	if r.ContentLength > 0 {
		size = min(r.ContentLength, limit)
	}
	// bytes.MinRead of room past the body lets the last Read see EOF
	// without growing the buffer.
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
