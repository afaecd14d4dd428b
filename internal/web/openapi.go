package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// openAPIDocument is the hand-written OpenAPI 3.1 description of the JSON
// API. openapi_test.go keeps it true to the route table and the input types.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag is a strong validator for openAPIDocument. Computing it at
// package initialisation also checks the document: a broken one stops the
// program at start-up rather than being served.
var openAPIETag = mustOpenAPIETag(openAPIDocument)

func mustOpenAPIETag(doc []byte) string {
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		panic(fmt.Sprintf("web: embedded openapi.json is not valid JSON: %v", err))
	}
	sum := sha256.Sum256(doc)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// openAPI serves the API description. It changes only with the binary, so
// clients may cache it for a while and revalidate cheaply with the ETag.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", openAPIETag)
	// ServeContent answers If-None-Match with 304 and HEAD without a body.
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(openAPIDocument))
}
