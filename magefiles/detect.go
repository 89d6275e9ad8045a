//go:build mage

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

// Detect groups the detection engine's targets.
type Detect mg.Namespace

// Diff runs the differential test of the Python compiler over a local panther-analysis
// checkout: every function that compiles to Go runs in Go and in CPython on every unit-test
// event of the content and on mutated variants of them; any difference is a failure. The
// report gives the rules and functions compiled, the calls compared and the mismatches.
func (Detect) Diff(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("detect:diff: %w", err)
	}
	env := map[string]string{"PANTHER_ANALYSIS": abs}
	return sh.RunWithV(env, "go", "test", "-count=1", "-timeout", "60m", "-v",
		"-run", "^TestPantherAnalysis$", "./internal/pycompile/pydiff/")
}
