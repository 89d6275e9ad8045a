// Package clitest tests the `panther test` command line. It lives apart
// from package pattest so that pattest's own tests do not depend on every
// package the CLI links.
package clitest

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/cli"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(append([]string{"test"}, args...), &cli.Env{
		Stdout: &out, Stderr: &errOut, Stdin: strings.NewReader(""),
		Getenv: func(string) string { return "" },
	})
	return code, out.String(), errOut.String()
}

func TestCommand(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skipf("skipping: python3 is not on PATH: %v", err)
	}
	const corpus = "../testdata/passing"
	cases := []struct {
		name   string
		args   []string
		code   int
		has    []string // in stdout
		hasNot []string // not in stdout
		stderr string   // in stderr
	}{
		{name: "path argument", args: []string{corpus}, code: 0,
			has:    []string{"Pass.Login", "Pass.Simple", "Pass.MFA", "\tPath: ../testdata/passing", "Test cases: 6 passed, 0 failed, 0 skipped"},
			stderr: "INFO: Testing analysis items in ../testdata/passing"},
		{name: "path flag", args: []string{"--path", corpus}, code: 0, has: []string{"Test cases: 6 passed"}},
		{name: "flags after the path, commas kept in a filter", args: []string{corpus, "--filter", "RuleID=Pass.Login,Pass.Simple", "--workers", "1"},
			code: 0, has: []string{"Pass.Login", "Pass.Simple"}, hasNot: []string{"Pass.MFA"}},
		{name: "repeated filters are ANDed", args: []string{corpus, "--filter", "RuleID=Pass.Login,Pass.Simple", "--filter", "Severity=Info"},
			code: 0, has: []string{"Pass.Simple"}, hasNot: []string{"Pass.Login"}},
		{name: "test names", args: []string{corpus, "--test-names", "SSH", "--test-names", "Root Login"},
			code: 0, has: []string{"[PASS] SSH", "[PASS] Root Login", "Test cases: 2 passed, 0 failed, 4 skipped"}, hasNot: []string{"HTTP"}},
		{name: "minimum tests", args: []string{corpus, "--minimum-tests", "3"}, code: 1,
			has: []string{"Insufficient test coverage: 3 tests required but only 2 found"}, stderr: "ERROR: []"},
		{name: "show failures only", args: []string{corpus, "--show-failures-only"}, code: 0, hasNot: []string{"[PASS]"}},
		{name: "sorted", args: []string{corpus, "--sort-test-results"}, code: 0, has: []string{"Pass.Login\n\t[PASS] Root Login"}},
		{name: "no color off a terminal", args: []string{corpus}, code: 0, hasNot: []string{"\x1b["}},
		{name: "no-color flag", args: []string{corpus, "--no-color", "--timeout", "5s"}, code: 0, has: []string{"[PASS] SSH"}, hasNot: []string{"\x1b["}},
		{name: "unknown filter key", args: []string{corpus, "--filter", "Nope=1"}, code: 1, stderr: `"Nope" is not a key`},
		{name: "two paths", args: []string{corpus, corpus}, code: 2, stderr: "expected at most one PATH"},
		{name: "path and --path disagree", args: []string{corpus, "--path", "elsewhere"}, code: 2, stderr: "disagree"},
		{name: "negative minimum", args: []string{corpus, "--minimum-tests", "-1"}, code: 2, stderr: "--minimum-tests must be at least 0"},
		{name: "help", args: []string{"-h"}, code: 0, stderr: "-show-failures-only"},
		{name: "unknown flag", args: []string{"--nope"}, code: 2, stderr: "flag provided but not defined"},
		{name: "missing interpreter", args: []string{corpus, "--python", "/nonexistent/python3"}, code: 1, stderr: "ERROR: start Python workers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
			for _, s := range c.has {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.hasNot {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, c.stderr) {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, errOut)
			}
		})
	}
}

func TestListed(t *testing.T) {
	var errOut bytes.Buffer
	cli.Main([]string{"help"}, &cli.Env{Stdout: &bytes.Buffer{}, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if !regexp.MustCompile(`(?m)^  test +run detection unit tests \(panther_analysis_tool compatible\)$`).MatchString(errOut.String()) {
		t.Errorf("usage does not list the test command:\n%s", errOut.String())
	}
}
