package pyrun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestPantherCoreCompat runs testdata/compat/compat_checks.py against our embedded panther_core
// and panther_detection_helpers: one subtest per behaviour of the public packages it checks.
func TestPantherCoreCompat(t *testing.T) {
	requirePython(t)
	dir := t.TempDir()
	if err := extract(dir); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "compat", "compat_checks.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "PANTHER_KV_PATH="+filepath.Join(t.TempDir(), "kv.db"),
		"PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	checks := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var rec struct {
			Name   string `json:"name"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		checks++
		t.Run(rec.Name, func(t *testing.T) {
			if !rec.OK {
				t.Error(rec.Detail)
			}
		})
	}
	if checks < 40 {
		t.Errorf("only %d checks ran; exit: %v; stderr:\n%s", checks, runErr, stderr.String())
	}
}
