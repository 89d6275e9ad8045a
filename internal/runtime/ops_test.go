package runtime

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpsEndpointsAuth: with metrics.auth on, /metrics and /debug/pprof/ need the token of
// metrics.token_file (created 0600 on the first start); without metrics.pprof there is no
// profiler.
func TestOpsEndpointsAuth(t *testing.T) {
	data := t.TempDir()
	c := testConfig(t, data)
	c.Metrics.Auth, c.Metrics.Pprof = true, true
	ts := startServer(t, c)
	fi, err := os.Stat(filepath.Join(data, "metrics.token"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("metrics.token mode %v", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(filepath.Join(data, "metrics.token"))
	token := strings.TrimSpace(string(raw))
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", ts.url+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/heap?debug=1"} {
		if code, body := get(path, ""); code != 401 || !strings.Contains(body, "metrics.token_file") {
			t.Errorf("%s without the token: %d %s", path, code, body)
		}
		if code, _ := get(path, "wrong"); code != 401 {
			t.Errorf("%s with a wrong token: %d", path, code)
		}
	}
	if code, body := get("/metrics", token); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics with the token: %d", code)
	}
	if code, body := get("/debug/pprof/goroutine?debug=1", token); code != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("pprof with the token: %d %.200s", code, body)
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Errorf("/healthz needs no token: %d", code)
	}
	if strings.Contains(ts.logs.String(), token) {
		t.Error("the metrics token reached the logs")
	}

	plain := startServer(t, testConfig(t, t.TempDir()))
	if code, _ := plain.get("/debug/pprof/"); code != 404 {
		t.Errorf("pprof without metrics.pprof: %d", code)
	}
	if code, _ := plain.get("/metrics"); code != 200 {
		t.Errorf("/metrics without metrics.auth: %d", code)
	}
}
