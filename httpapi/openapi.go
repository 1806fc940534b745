package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPI is the hand-written OpenAPI 3.1 description of the routes in
// routes(); TestOpenAPIMatchesRoutes keeps the two in step.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the API's OpenAPI 3.1 document, for tools that want it
// without a running server.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// handleOpenAPI serves the OpenAPI document.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.Write(openAPI) //nolint:errcheck // the client has gone; nothing to do
}
