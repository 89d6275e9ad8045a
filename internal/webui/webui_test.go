package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":           {Data: []byte(`<!doctype html><div id="root"></div><script src="/assets/index-abc.js"></script>`)},
		"assets/index-abc.js":  {Data: bytes.Repeat([]byte("console.log('panther');\n"), 200)},
		"assets/index-abc.css": {Data: []byte("body{}")},
	}
}

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRoutesGetIndex(t *testing.T) {
	h := NewFS(testFS())
	for _, p := range []string{"/", "/alerts", "/alerts/0123abcd", "/detections?severity=HIGH", "/sources/x/y"} {
		rec := get(t, h, http.MethodGet, p, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
		if !strings.Contains(rec.Body.String(), `<div id="root">`) {
			t.Errorf("GET %s: not index.html: %q", p, rec.Body)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", p, got)
		}
		if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
			t.Errorf("GET %s: Content-Type %q", p, got)
		}
		if rec.Header().Get("Content-Security-Policy") == "" || rec.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: security headers missing: %v", p, rec.Header())
		}
	}
}

func TestAssets(t *testing.T) {
	h := NewFS(testFS())
	rec := get(t, h, http.MethodGet, "/assets/index-abc.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if rec.Code != http.StatusOK {
		t.Fatalf("asset: %d", rec.Code)
	}
	if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("asset Cache-Control %q, want immutable", got)
	}
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("asset not gzipped for a browser that accepts gzip: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, testFS()["assets/index-abc.js"].Data) {
		t.Error("gzipped asset does not decompress to the file")
	}

	// Without Accept-Encoding, or with gzip refused, the plain file.
	for _, ae := range []string{"", "gzip;q=0"} {
		rec = get(t, h, http.MethodGet, "/assets/index-abc.js", map[string]string{"Accept-Encoding": ae})
		if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), testFS()["assets/index-abc.js"].Data) {
			t.Errorf("Accept-Encoding %q: got encoding %q", ae, rec.Header().Get("Content-Encoding"))
		}
	}

	// A missing asset is a 404, not index.html (a stale tab must not run HTML as a script).
	for _, p := range []string{"/assets/index-old.js", "/favicon.ico", "/robots.txt", "/assets/AWS.CloudTrail"} {
		if rec := get(t, h, http.MethodGet, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
	// Routes with dots in them (detection IDs, log type names) are console routes.
	for _, p := range []string{"/detections/AWS.CloudTrail.RootActivity", "/log-types/AWS.CloudTrail", "/alerts/a.b.c"} {
		rec := get(t, h, http.MethodGet, p, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: %d %q, want the console's index.html", p, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	// HEAD: headers, no body.
	rec = get(t, h, http.MethodHead, "/assets/index-abc.css", nil)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "6" {
		t.Errorf("HEAD: %d, body %d bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

func TestMethodsAndTraversal(t *testing.T) {
	h := NewFS(testFS())
	if rec := get(t, h, http.MethodPost, "/alerts", nil); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	// A path climbing out stays inside the files: a missing script is a 404, any other path the
	// console's index.html, never a file from outside.
	rec := get(t, h, http.MethodGet, "/assets/../../webui.js", nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("traversal: %d", rec.Code)
	}
	rec = get(t, h, http.MethodGet, "/assets/../../webui.go", nil)
	if strings.Contains(rec.Body.String(), "package webui") || (rec.Code != http.StatusOK && rec.Code != http.StatusNotFound) {
		t.Errorf("traversal: %d %.40q", rec.Code, rec.Body.String())
	}
}

func TestNotBuilt(t *testing.T) {
	h := NewFS(fstest.MapFS{})
	rec := get(t, h, http.MethodGet, "/", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "npm run build") {
		t.Errorf("unbuilt console: %d %q", rec.Code, rec.Body)
	}
}

// The embedded console is the built one: index.html names assets that exist.
func TestEmbedded(t *testing.T) {
	if !Built() {
		t.Fatal("internal/webui/dist has no index.html: run `npm ci && npm run build` in web/")
	}
	h := New()
	rec := get(t, h, http.MethodGet, "/", nil)
	body := rec.Body.String()
	i := strings.Index(body, "/assets/")
	if rec.Code != http.StatusOK || i < 0 {
		t.Fatalf("index: %d %q", rec.Code, body)
	}
	end := strings.IndexAny(body[i:], `"'`)
	asset := body[i : i+end]
	if rec := get(t, h, http.MethodGet, asset, nil); rec.Code != http.StatusOK {
		t.Errorf("GET %s named by index.html: %d", asset, rec.Code)
	}
}
