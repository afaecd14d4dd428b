package web

import "net/http"

// TEMPORARY: replaced by the OpenAPI document handler.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
