package access

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/auth"
)

// MaxRESTBody bounds the body of a REST request.
const MaxRESTBody = 32 << 20

// Route is one REST route: the router registers exactly the routes of its table, each
// wrapped by Wrap, so a route cannot exist without a permission.
type Route struct {
	Method  string
	Pattern string
	// Name is the operation name (Panther's operationId, e.g. "alert.list").
	Name       string
	Permission auth.Permission
	Handler    http.HandlerFunc
}

// Mutating reports whether the route changes state (and is audited).
func (rt Route) Mutating() bool {
	switch rt.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// Wrap returns the route's handler behind its permission check. A mutating route's body is
// read (at most MaxRESTBody bytes) so that its arguments go into the audit entry along with
// the path parameters and the query; the entry records success for a 2xx answer.
func Wrap(rt Route, audit *Audit, write ErrorWriter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var args map[string]any
		if rt.Mutating() {
			body, err := io.ReadAll(io.LimitReader(r.Body, MaxRESTBody+1))
			if err != nil {
				write(w, r, apierr.Wrap(apierr.InvalidInput, err, "reading the request body: %v", err))
				return
			}
			if len(body) > MaxRESTBody {
				write(w, r, apierr.New(apierr.InvalidInput, "the request body is larger than %d bytes", MaxRESTBody))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			args = restArgs(r, body)
		}
		if err := Check(ctx, rt.Permission); err != nil {
			if rt.Mutating() {
				audit.REST(ctx, rt.Name, args, false)
			}
			write(w, r, err)
			return
		}
		if !rt.Mutating() {
			rt.Handler(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		rt.Handler(sw, r)
		audit.REST(ctx, rt.Name, args, sw.status() < 300)
	}
}

// restArgs gathers the path parameters, the query and the top level of a JSON object body.
func restArgs(r *http.Request, body []byte) map[string]any {
	args := map[string]any{}
	var obj map[string]any
	if len(body) > 0 && json.Unmarshal(body, &obj) == nil {
		for k, v := range obj {
			args[k] = v
		}
	}
	for k, v := range r.URL.Query() {
		if len(v) == 1 {
			args[k] = v[0]
		} else {
			args[k] = v
		}
	}
	if rc := chi.RouteContext(r.Context()); rc != nil {
		for i, k := range rc.URLParams.Keys {
			if k != "*" {
				args[k] = rc.URLParams.Values[i]
			}
		}
	}
	return args
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
