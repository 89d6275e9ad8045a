package pyrun

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// pythonFS holds the worker program and the panther_core and
// panther_detection_helpers packages.
//
//go:embed python/pyrun_worker.py python/pyrun_guards.py python/panther_core/*.py python/panther_detection_helpers/*.py
var pythonFS embed.FS

const workerScript = "pyrun_worker.py"

// extract writes the embedded Python files under dir. Files are written to
// a temporary name and renamed, so a concurrent reader never sees a partial
// file.
func extract(dir string) error {
	return fs.WalkDir(pythonFS, "python", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel("python", name)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("pyrun: extract python packages: %w", err)
			}
			return nil
		}
		data, err := pythonFS.ReadFile(name)
		if err != nil {
			return err
		}
		if old, err := os.ReadFile(dst); err == nil && string(old) == string(data) {
			return nil
		}
		tmp, err := os.CreateTemp(filepath.Dir(dst), ".extract-*")
		if err != nil {
			return fmt.Errorf("pyrun: extract %s: %w", rel, err)
		}
		if _, err := tmp.Write(data); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return fmt.Errorf("pyrun: extract %s: %w", rel, err)
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("pyrun: extract %s: %w", rel, err)
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("pyrun: extract %s: %w", rel, err)
		}
		return nil
	})
}
