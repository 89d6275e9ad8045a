//go:build mage

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

// Cloudsec groups the cloud security targets.
type Cloudsec mg.Namespace

// Agreement imports the test Resource of every policy of a local panther-analysis checkout
// (e.g. /tmp/panther-analysis; never committed here) and checks, test by test, that live
// evaluation gives the status `panther test` reports: the policy returned True = PASS, False =
// FAIL, raised = ERROR. It prints the policies, the tests compared, the agreements and every
// disagreement.
func (Cloudsec) Agreement(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(abs, "policies")); err != nil {
		return fmt.Errorf("cloudsec:agreement: %s is not a panther-analysis checkout: %w", dir, err)
	}
	env := map[string]string{"PANTHER_ANALYSIS": abs}
	return sh.RunWithV(env, "go", "test", "-count=1", "-timeout", "30m", "-v",
		"-run", "^TestPantherAnalysis$", "./internal/cloudsec/compliance/")
}
