// Package webui serves the web console: the assets built from web/ (npm run build writes them
// to dist/, which is committed so that `go build` needs no Node), embedded in the binary.
//
// Files under /assets/ have content hashes in their names and are cached for a year; every
// other path that names no file is a console route (/alerts/ID, /detections?...) and gets
// index.html, which is never cached, so a new binary's console is picked up at the next load.
// Responses are gzip-compressed when the browser accepts it (compressed once, on first use).
package webui

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed all:dist
var dist embed.FS

// securityHeaders are set on every response. The console loads nothing from elsewhere; style
// attributes and the editor's injected styles need 'unsafe-inline' for styles only.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "same-origin",
}

// Handler serves the console. It answers GET and HEAD only.
type Handler struct {
	files fs.FS
	mu    sync.Mutex
	cache map[string]*asset
}

type asset struct {
	plain, gz []byte
	ctype     string
}

// New returns the handler of the embedded console.
func New() *Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded: cannot fail
	}
	return NewFS(sub)
}

// NewFS returns a handler serving the console from files (a built dist directory).
func NewFS(files fs.FS) *Handler {
	return &Handler{files: files, cache: map[string]*asset{}}
}

// staticExt are the extensions of files a browser asks for on its own (scripts, styles, icons,
// fonts): such a path that names no file is a 404, never index.html, so a stale tab does not run
// HTML as a script. Any other path is a console route, even with a dot in it.
var staticExt = map[string]bool{
	".js": true, ".mjs": true, ".css": true, ".map": true, ".html": true, ".json": true, ".webmanifest": true,
	".ico": true, ".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".svg": true, ".webp": true,
	".woff": true, ".woff2": true, ".ttf": true, ".txt": true, ".xml": true,
}

// Built reports whether the embedded console has been built (dist/index.html exists).
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, r.Method+" is not allowed on "+r.URL.Path, http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	immutable := strings.HasPrefix(name, "assets/")
	a, err := h.load(name)
	if err != nil {
		// A missing asset is a 404; a path that names no file is a console route, dots
		// included (/detections/AWS.CloudTrail.Root, /log-types/AWS.CloudTrail).
		if immutable || staticExt[strings.ToLower(path.Ext(name))] {
			http.Error(w, "no such file: /"+name, http.StatusNotFound)
			return
		}
		if a, err = h.load("index.html"); err != nil {
			http.Error(w, "the console is not built into this binary: run `npm ci && npm run build` in web/", http.StatusNotFound)
			return
		}
		immutable = false
	}
	if immutable {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Add("Vary", "Accept-Encoding")
	body := a.plain
	if a.gz != nil && acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		body = a.gz
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// load reads a file of the console, compressing it the first time.
func (h *Handler) load(name string) (*asset, error) {
	if name == "" || name == "." {
		name = "index.html"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if a, ok := h.cache[name]; ok {
		return a, nil
	}
	st, err := fs.Stat(h.files, name)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fs.ErrNotExist
	}
	data, err := fs.ReadFile(h.files, name)
	if err != nil {
		return nil, err
	}
	a := &asset{plain: data, ctype: mime.TypeByExtension(path.Ext(name))}
	if a.ctype == "" {
		a.ctype = http.DetectContentType(data)
	}
	if compressible(a.ctype) && len(data) > 1024 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		if buf.Len() < len(data) {
			a.gz = buf.Bytes()
		}
	}
	h.cache[name] = a
	return a, nil
}

func compressible(ctype string) bool {
	for _, p := range []string{"text/", "application/javascript", "application/json", "image/svg+xml"} {
		if strings.HasPrefix(ctype, p) {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
