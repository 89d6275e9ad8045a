//go:build mage

package main

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

// Parsing groups the targets that measure parsing on real-world-shaped logs.
type Parsing mg.Namespace

// RealWorld generates tools/realworld/gen.py's corpus (syslog as files hold it, web server
// variants, headerless VPC Flow, Umbrella DNS versions, Windows XML and Winlogbeat, Zeek ASCII and
// JSON; our own records, seeded), ingests every file with all log types enabled and prints, per
// log type, records, parsed, wrong table, quarantined lines and the commonest reason.
// REALWORLD_BEFORE=/path/to/panther adds the columns of an older binary; REALWORLD_N sets the
// records per file (default 200); REALWORLD_MARKDOWN=1 prints a Markdown table.
func (Parsing) RealWorld() error {
	dir := filepath.Join("bin", "realworld")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(dir, "panther")
	if err := sh.RunV("go", "build", "-o", bin, "./cmd/panther"); err != nil {
		return err
	}
	args := []string{filepath.Join("tools", "realworld", "run.py"), "--out", dir, "--n", strconv.Itoa(envInt("REALWORLD_N", 200))}
	if os.Getenv("REALWORLD_MARKDOWN") == "1" {
		args = append(args, "--markdown")
	}
	if before := os.Getenv("REALWORLD_BEFORE"); before != "" {
		args = append(args, "before="+before)
	}
	args = append(args, "after="+bin)
	return sh.RunV("python3", args...)
}
