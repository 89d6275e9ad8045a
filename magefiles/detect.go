//go:build mage

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

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

// Same checks that two data directories ingested the same events with the same detection
// outcomes (e.g. `panther ingest` with and without --no-compile): the rule matches (rule, event
// time, title, dedup, severity, alert context), the rule errors, and the alerts (detection,
// dedup, title, severity, event count, context) must be identical. Row ids, alert ids and
// times differ from run to run.
func (Detect) Same(dirA, dirB string) error {
	queries := map[string]string{
		"rule matches": "select p_rule_id, p_event_time, p_alert_title, p_alert_dedup, p_rule_severity, p_alert_context " +
			"from panther_views.all_rule_matches order by all",
		"rule errors": "select p_rule_id, p_event_time, p_rule_error, p_alert_title, p_alert_dedup from panther_views.all_rule_errors order by all",
	}
	var diffs []string
	for _, what := range []string{"rule matches", "rule errors", "alerts"} {
		var out [2][]string
		for i, dir := range []string{dirA, dirB} {
			var lines []string
			var err error
			if what == "alerts" {
				lines, err = alertLines(dir)
			} else {
				lines, err = queryLines(dir, queries[what])
			}
			if err != nil {
				return fmt.Errorf("detect:same: %s of %s: %w", what, dir, err)
			}
			out[i] = lines
		}
		fmt.Printf("%s: %d and %d, sha256 %s and %s\n", what, len(out[0]), len(out[1]), digest(out[0]), digest(out[1]))
		if digest(out[0]) != digest(out[1]) {
			diffs = append(diffs, what+": "+firstDifference(out[0], out[1]))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("detect:same: the outcomes differ:\n  %s", strings.Join(diffs, "\n  "))
	}
	fmt.Println("same outcomes")
	return nil
}

func queryLines(dir, sql string) ([]string, error) {
	cmd := exec.Command("go", "run", "./cmd/panther", "query", "--data-dir", dir, "--format", "json", sql)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "does not exist") {
			return nil, nil // no table of that kind: nothing matched or failed
		}
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n"), nil
}

// alertLines lists the alerts of a data dir without their ids and times, sorted.
func alertLines(dir string) ([]string, error) {
	var lines []string
	cursor := ""
	for {
		args := []string{"run", "./cmd/panther", "alerts", "list", "--data-dir", dir, "--format", "json", "--limit", "1000"}
		if cursor != "" {
			args = append(args, "--cursor", cursor)
		}
		cmd := exec.Command("go", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%v: %s", err, stderr.String())
		}
		cursor = ""
		for _, l := range strings.Split(strings.TrimSpace(string(b)+"\n"+stderr.String()), "\n") {
			if c, ok := strings.CutPrefix(l, "more alerts: --cursor "); ok {
				cursor = c
				continue
			}
			var a struct {
				Type, DetectionID, Dedup, Title, Severity string
				EventCount                                int
				Context                                   json.RawMessage
			}
			if l == "" {
				continue
			}
			if err := json.Unmarshal([]byte(l), &a); err != nil {
				return nil, fmt.Errorf("alert %q: %w", l, err)
			}
			k, _ := json.Marshal(a)
			lines = append(lines, string(k))
		}
		if cursor == "" {
			break
		}
	}
	sort.Strings(lines)
	return lines, nil
}

func digest(lines []string) string {
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

func firstDifference(a, b []string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("line %d:\n    %s\n    %s", i+1, a[i], b[i])
		}
	}
	return fmt.Sprintf("%d lines and %d lines", len(a), len(b))
}
