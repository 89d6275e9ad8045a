//go:build mage

// The project lifecycle: go run mage.go -l lists the targets.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

const staticcheck = "honnef.co/go/tools/cmd/staticcheck@v0.8.2"

// Test groups the test targets.
type Test mg.Namespace

// Setup downloads the Go modules and checks the detection runtime (python3).
func Setup() error {
	if err := sh.RunV("go", "mod", "download"); err != nil {
		return err
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.version.split()[0])").Output()
	if err != nil {
		fmt.Println("warning: python3 not found: Python detections need CPython >= 3.9 on PATH (or --python)")
		return nil
	}
	fmt.Printf("python3 %s found\n", strings.TrimSpace(string(out)))
	return nil
}

// Build builds bin/panther.
func Build() error {
	return sh.RunV("go", "build", "-o", filepath.Join("bin", "panther"), "./cmd/panther")
}

// Fmt formats the Go code.
func Fmt() error {
	return sh.RunV("gofmt", "-l", "-w", "cmd", "internal", "magefiles")
}

// CI runs what CI runs: go.mod tidiness, gofmt check, go vet, staticcheck and every test.
func (Test) CI() error {
	if out, err := sh.Output("go", "mod", "tidy", "-diff"); err != nil {
		return fmt.Errorf("go.mod is not tidy (run go mod tidy):\n%s", out)
	}
	out, err := sh.Output("gofmt", "-l", "cmd", "internal", "magefiles")
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "" {
		return fmt.Errorf("these files need gofmt:\n%s", out)
	}
	if err := sh.RunV("go", "vet", "./..."); err != nil {
		return err
	}
	if err := sh.RunV("go", "run", staticcheck, "./..."); err != nil {
		return err
	}
	return sh.RunV("go", "test", "-count=1", "./...")
}

// Unit runs the tests without the linters.
func (Test) Unit() error {
	return sh.RunV("go", "test", "./...")
}

// Clean removes build outputs and the default data dir.
func Clean() error {
	for _, p := range []string{"bin", "panther-data"} {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// Docs groups the documentation targets.
type Docs mg.Namespace

// LogTypes regenerates docs/log-types.md from the managed schemas.
func (Docs) LogTypes() error {
	out, err := sh.Output("go", "run", "./tools/logtypesdoc")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join("docs", "log-types.md"), []byte(out+"\n"), 0o644)
}
