package pyrun

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// probeScript runs on any Python (2 or 3): it prints the version and the
// required standard modules that fail to import.
const probeScript = `import sys
missing = []
for name in ("json", "sqlite3", "resource", "signal", "mmap", "importlib.util", "unittest.mock"):
    try:
        __import__(name)
    except Exception:
        missing.append(name)
sys.stdout.write("%d.%d.%d %s\n%s" % (sys.version_info[0], sys.version_info[1], sys.version_info[2], ",".join(missing), sys.executable))
`

// MinPython is the oldest supported interpreter version.
const MinPython = "3.9"

// probePython resolves the interpreter and checks its version and standard
// modules. It returns the interpreter's real executable (sys.executable, so
// launcher scripts such as pyenv shims run only once) and the version.
func probePython(ctx context.Context, python string) (path, version string, err error) {
	if python == "" {
		python = "python3"
	}
	if r, ok := probeCache.Load(python); ok {
		r := r.(probeResult)
		return r.path, r.version, nil
	}
	path, version, err = runProbe(ctx, python)
	if err == nil {
		probeCache.Store(python, probeResult{path, version})
	}
	return path, version, err
}

// probeCache remembers successful probes per interpreter name, because a
// launcher such as a pyenv shim can take a second per start.
var probeCache sync.Map

type probeResult struct{ path, version string }

func runProbe(ctx context.Context, python string) (path, version string, err error) {
	path, err = exec.LookPath(python)
	if err != nil {
		return "", "", fmt.Errorf("pyrun: python interpreter %q not found (set Options.Python or put python3 >= %s on PATH): %w", python, MinPython, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-c", probeScript)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("pyrun: probing %s failed: %w: %s", path, err, strings.TrimSpace(stderr.String()))
	}
	first, exe, _ := strings.Cut(out.String(), "\n")
	if _, version, err = checkProbe(path, first); err != nil {
		return "", "", err
	}
	if exe = strings.TrimSpace(exe); exe != "" {
		if _, err := exec.LookPath(exe); err == nil {
			path = exe
		}
	}
	return path, version, nil
}

// checkProbe interprets the probe output "X.Y.Z missing,modules".
func checkProbe(path, out string) (string, string, error) {
	fields := strings.SplitN(strings.TrimSpace(out), " ", 2)
	version := fields[0]
	parts := strings.Split(version, ".")
	if len(parts) < 2 {
		return "", "", fmt.Errorf("pyrun: %s reported version %q, expected MAJOR.MINOR.PATCH", path, version)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return "", "", fmt.Errorf("pyrun: %s reported version %q, expected MAJOR.MINOR.PATCH", path, version)
	}
	if major < 3 || (major == 3 && minor < 9) {
		return "", "", fmt.Errorf("pyrun: %s is Python %s; detections need CPython >= %s (set Options.Python)", path, version, MinPython)
	}
	if len(fields) == 2 && strings.TrimSpace(fields[1]) != "" {
		return "", "", fmt.Errorf("pyrun: %s (Python %s) lacks required standard modules: %s", path, version, strings.ReplaceAll(strings.TrimSpace(fields[1]), ",", ", "))
	}
	return path, version, nil
}
