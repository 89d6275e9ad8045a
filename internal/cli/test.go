package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/pantherlabs/panther/internal/pattest"
)

// repeatFlag is a repeatable flag whose values are kept whole (a --filter
// value has commas of its own).
type repeatFlag []string

func (r *repeatFlag) String() string { return strings.Join(*r, " ") }

func (r *repeatFlag) Set(v string) error {
	*r = append(*r, v)
	return nil
}

func runTest(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "test", "test [PATH | --stored [--data-dir D]] [--filter KEY=V1,V2]... [--minimum-tests N] [--show-failures-only] [flags]").withDataDir()
	stored := f.Bool("stored", false, "test the detections stored in the data dir (uploaded, or edited in the console) instead of PATH")
	var filters, testNames, dests, ignoreFiles repeatFlag
	f.Var(&filters, "filter", "keep only specs whose KEY matches one of the values (KEY=V1,V2) or none of them (KEY!=V1,V2); repeatable, filters are ANDed")
	path := f.String("path", "", "directory or .zip to test, like PATH (default \".\")")
	minTests := f.Int("minimum-tests", 0, "fail detections with fewer tests; above 1 also require a true and a false ExpectedResult")
	f.Var(&testNames, "test-names", "run only the tests with this name (repeatable)")
	skipDisabled := f.Bool("skip-disabled-tests", false, "skip detections with Enabled: false")
	f.Var(&dests, "available-destination", "destination name destinations() may return; unknown names then fail (repeatable)")
	failuresOnly := f.Bool("show-failures-only", false, "print only the failed tests")
	sortResults := f.Bool("sort-test-results", false, "print passed then failed tests, each sorted by detection ID")
	extraKeys := f.Bool("ignore-extra-keys", false, "accept unknown keys in rule and policy specs")
	f.Var(&ignoreFiles, "ignore-files", "spec file not to load (repeatable)")
	python := f.String("python", "", "Python interpreter (default python3 on PATH)")
	workers := f.Int("workers", 0, "Python worker processes (default: number of CPUs)")
	timeout := f.Duration("timeout", 0, "limit on one call of a detection function (default 15s; negative: none)")
	noColor := f.Bool("no-color", false, "never color PASS and FAIL (they are colored only on a terminal)")
	pos, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		fmt.Fprintf(env.Stderr, "panther test: expected at most one PATH, got %d: %s\n", len(pos), strings.Join(pos, " "))
		f.Usage()
		return ExitUsage
	}
	root := *path
	if len(pos) == 1 {
		if root != "" && root != pos[0] {
			fmt.Fprintf(env.Stderr, "panther test: PATH %q and --path %q disagree\n", pos[0], root)
			return ExitUsage
		}
		root = pos[0]
	}
	if *stored {
		if root != "" {
			fmt.Fprintf(env.Stderr, "panther test: give PATH or --stored, not both\n")
			return ExitUsage
		}
		dir, cleanup, err := exportStored(ctx, f.DataDir())
		if err != nil {
			return errorf(env, "test: %v", err)
		}
		defer cleanup()
		root = dir
	}
	if *minTests < 0 {
		fmt.Fprintf(env.Stderr, "panther test: --minimum-tests must be at least 0, got %d\n", *minTests)
		return ExitUsage
	}
	_, exit := pattest.Run(ctx, pattest.Options{
		Path:                  root,
		Filters:               filters,
		MinimumTests:          *minTests,
		TestNames:             testNames,
		SkipDisabledTests:     *skipDisabled,
		AvailableDestinations: dests,
		ShowFailuresOnly:      *failuresOnly,
		SortTestResults:       *sortResults,
		IgnoreExtraKeys:       *extraKeys,
		IgnoreFiles:           ignoreFiles,
		Python:                *python,
		Workers:               *workers,
		CallTimeout:           *timeout,
		Color:                 !*noColor && env.Getenv("NO_COLOR") == "" && isTerminal(env.Stdout),
		Stdout:                env.Stdout,
		Stderr:                env.Stderr,
	})
	return exit
}

// exportStored writes the data dir's stored detections to a temporary directory.
func exportStored(ctx context.Context, dataDir string) (string, func(), error) {
	st, closer, err := openContent(ctx, dataDir)
	if err != nil {
		return "", nil, err
	}
	defer closer.Close()
	dir, err := os.MkdirTemp("", "panther-stored-")
	if err != nil {
		return "", nil, err
	}
	if err := st.Export(ctx, dir); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
