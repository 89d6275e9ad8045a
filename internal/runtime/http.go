package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/pantherlabs/panther/internal/webui"
)

// router builds the one HTTP handler of the server.
func (s *Server) router() (http.Handler, error) {
	r := chi.NewRouter()
	r.Use(s.recoverer)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.readyz)
	opsAuth, err := s.metricsAuth()
	if err != nil {
		return nil, err
	}
	r.Get("/metrics", opsAuth(s.metrics.Handler()).ServeHTTP)
	if s.cfg.Metrics.Pprof {
		r.Mount("/debug/pprof", opsAuth(pprofHandler()))
	}
	r.Post("/http/{sourceID}", func(w http.ResponseWriter, r *http.Request) {
		s.push.ServeSource(w, r, chi.URLParam(r, "sourceID"))
	})
	{
		api, err := s.apiHandler(context.Background())
		if err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
		r.Handle("/graphql", api)
		r.Handle("/public/graphql", api)
		r.Handle("/v1/*", api)
		r.Handle("/auth/*", api)
	}
	// The web console answers every other GET and HEAD (its assets, and its routes such as
	// /alerts/ID, which get index.html); the API's paths keep their JSON errors.
	console := webui.New()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !apiPath(r.URL.Path) {
			console.ServeHTTP(w, r)
			return
		}
		msg := "no such path: " + r.URL.Path
		if strings.HasPrefix(r.URL.Path, "/debug/pprof") {
			msg += " (Go's profiles are served only with metrics.pprof: true)"
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": msg})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": r.Method + " is not allowed on " + r.URL.Path})
	})
	return r, nil
}

// apiPath reports whether a path belongs to the API or the server's own endpoints, not the console.
func apiPath(p string) bool {
	for _, prefix := range []string{"/graphql", "/public/", "/v1/", "/auth/", "/http/", "/metrics", "/healthz", "/readyz", "/debug/"} {
		if p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// recoverer answers 500 to a request whose handler panicked, and logs the stack once.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("a request handler panicked", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// metricsAuth returns the check of the operations endpoints (/metrics, /debug/pprof/):
// none, or the bearer token of metrics.token_file when metrics.auth is on.
func (s *Server) metricsAuth() (func(http.Handler) http.Handler, error) {
	if !s.cfg.Metrics.Auth {
		return func(h http.Handler) http.Handler { return h }, nil
	}
	token, err := s.metricsToken()
	if err != nil {
		return nil, err
	}
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || !constantTimeEqual(strings.TrimSpace(got), token) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="panther-metrics"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": r.URL.Path + " needs Authorization: Bearer TOKEN (metrics.token_file)"})
				return
			}
			h.ServeHTTP(w, r)
		})
	}, nil
}

// pprofHandler serves Go's profiles under /debug/pprof/ (metrics.pprof).
func pprofHandler() http.Handler {
	r := chi.NewRouter()
	r.Get("/", pprof.Index)
	r.Get("/cmdline", pprof.Cmdline)
	r.Get("/profile", pprof.Profile)
	r.Get("/symbol", pprof.Symbol)
	r.Post("/symbol", pprof.Symbol)
	r.Get("/trace", pprof.Trace)
	r.Get("/{name}", func(w http.ResponseWriter, r *http.Request) { pprof.Handler(chi.URLParam(r, "name")).ServeHTTP(w, r) })
	return r
}

// Status describes the server for /readyz and the API.
type Status struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"` // "ok" or what is wrong
	// Checkpoint is the queue sequence covered by the last checkpoint.
	Checkpoint uint64 `json:"checkpoint"`
	// Processed is the sequence of the last payload processed.
	Processed uint64 `json:"processed"`
	// Rules is the number of rules running.
	Rules int `json:"rules"`
}

// Status checks every part the server needs.
func (s *Server) Status(ctx context.Context) Status {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st := Status{Checks: map[string]string{}, Ready: true}
	check := func(name string, err error) {
		if err != nil {
			st.Checks[name] = err.Error()
			st.Ready = false
		} else {
			st.Checks[name] = "ok"
		}
	}
	check("queue", s.q.Ready(ctx))
	check("state", s.st.DB.PingContext(ctx))
	check("lake", writable(s.lakeDir))
	s.detMu.Lock()
	detErr := s.detErr
	s.detMu.Unlock()
	check("detections", detErr)
	check("pipeline", s.cons.health())
	if eng := s.engine.Load(); eng != nil {
		st.Rules = len(eng.Rules())
	}
	st.Checkpoint = s.cons.checkpointed()
	st.Processed = s.cons.Processed()
	return st
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	st := s.Status(r.Context())
	code := http.StatusOK
	if !st.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, st)
}

// writable checks that files can be created in dir.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".readyz-*")
	if err != nil {
		return fmt.Errorf("cannot create files in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Services returns what the server offers the API.
func (s *Server) Services() Services {
	return Services{Config: s.cfg, State: s.st, Auth: s.auth, Queue: s.q, Series: s.series, Metrics: s.metrics, LogTypes: s.registry,
		Logger: s.log.With("component", "api"), Status: s.Status}
}
