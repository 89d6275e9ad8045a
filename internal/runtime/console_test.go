package runtime

import (
	"net/http"
	"strings"
	"testing"
)

// TestServerConsole: the web console answers GET on its routes; the API's and the server's own
// paths keep their JSON 404s, and a POST to a console route is not served by the console.
func TestServerConsole(t *testing.T) {
	ts := startServer(t, testConfig(t, t.TempDir()))
	for _, p := range []string{"/", "/alerts/abc", "/detections"} {
		code, body := ts.get(p)
		if code != http.StatusOK || !strings.Contains(body, `id="root"`) {
			t.Errorf("GET %s: %d %.200q", p, code, body)
		}
	}
	for _, p := range []string{"/v1/nope", "/auth/nope", "/metricsx/../metrics/nope"} {
		code, body := ts.get(p)
		if code == http.StatusOK && strings.Contains(body, `id="root"`) {
			t.Errorf("GET %s served the console", p)
		}
	}
	resp, err := http.Post(ts.url+"/alerts", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("POST /alerts: %d", resp.StatusCode)
	}
}
