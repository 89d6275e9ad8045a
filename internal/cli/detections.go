package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// storedDetections is where `panther detections upload` keeps content in a data dir.
func storedDetections(dataDir string) string { return filepath.Join(dataDir, "detections") }

// loadDetections loads content from dir (or the data dir's stored content when dir is empty).
// Invalid specs are reported on w and skipped, except those of enabled rules and correlation
// rules: the detection engine reports them once, with the other detections that cannot run.
// It returns nil when there is no content.
func loadDetections(dataDir, dir string, w io.Writer) (*analysis.Collection, error) {
	if dir == "" {
		dir = storedDetections(dataDir)
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	col, err := analysis.Load(dir, analysis.Options{})
	if err != nil {
		return nil, err
	}
	for _, inv := range col.Invalid {
		if engineReports(inv) {
			continue
		}
		for _, p := range inv.Problems {
			fmt.Fprintf(w, "panther: skipping invalid detection content: %v\n", p)
		}
	}
	return col, nil
}

// engineReports says whether the detection engine reports an invalid spec (detect.New).
func engineReports(inv *analysis.InvalidSpec) bool {
	return inv.ID != "" && inv.Enabled && (inv.Type == analysis.TypeRule || inv.Type == analysis.TypeCorrelationRule)
}

func runDetections(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "Usage: panther detections upload|list [flags]")
		return ExitUsage
	}
	switch args[0] {
	case "upload":
		return detectionsUpload(env, args[1:])
	case "list":
		return detectionsList(env, args[1:])
	}
	fmt.Fprintf(env.Stderr, "panther detections: unknown subcommand %q (expected upload or list)\n", args[0])
	return ExitUsage
}

// detectionsUpload validates content and stores it in the data dir, replacing what was there.
func detectionsUpload(env *Env, args []string) int {
	f := newFlags(env, "detections upload", "detections upload [--data-dir D] DIR|ZIP").withDataDir()
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	col, err := analysis.Load(arg, analysis.Options{})
	if err != nil {
		return errorf(env, "detections upload: %v", err)
	}
	if len(col.Invalid) > 0 {
		for _, p := range col.Problems() {
			fmt.Fprintf(env.Stderr, "%v\n", p)
		}
		return errorf(env, "detections upload: %d invalid specs; nothing was uploaded", len(col.Invalid))
	}
	dst := storedDetections(f.DataDir())
	if err := replaceDir(arg, dst); err != nil {
		return errorf(env, "detections upload: %v", err)
	}
	counts := map[analysis.AnalysisType]int{}
	for _, s := range col.Specs {
		counts[s.Meta().Type]++
	}
	var parts []string
	for _, t := range []analysis.AnalysisType{analysis.TypeRule, analysis.TypeScheduledRule, analysis.TypeCorrelationRule, analysis.TypePolicy,
		analysis.TypeGlobal, analysis.TypeDataModel, analysis.TypePack, analysis.TypeSavedQuery, analysis.TypeScheduledQuery} {
		if counts[t] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[t], t))
		}
	}
	fmt.Fprintf(env.Stdout, "uploaded %s to %s\n", strings.Join(parts, ", "), dst)
	return ExitOK
}

// replaceDir copies src (a directory or a .zip file) to dst through a temporary directory
// renamed into place, so that dst is never half written.
func replaceDir(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".upload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if info.IsDir() {
		err = os.CopyFS(tmp, os.DirFS(src))
	} else {
		err = copyFile(src, filepath.Join(tmp, filepath.Base(src)))
	}
	if err != nil {
		return err
	}
	old := dst + ".old"
	os.RemoveAll(old)
	if err := os.Rename(dst, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

func detectionsList(env *Env, args []string) int {
	f := newFlags(env, "detections list", "detections list [--data-dir D] [--path DIR] [--python PY]").withDataDir()
	path := f.String("path", "", "list the content of DIR instead of the stored detections")
	python := f.String("python", "", "Python interpreter the detections are checked with (default python3)")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	dir := *path
	if dir == "" {
		dir = storedDetections(f.DataDir())
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintln(env.Stdout, "no detections uploaded (panther detections upload DIR)")
			return ExitOK
		}
	}
	col, err := analysis.Load(dir, analysis.Options{})
	if err != nil {
		return errorf(env, "detections list: %v", err)
	}
	notLoaded := pythonLoadErrors(col, *python, env.Stderr)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tENABLED\tSEVERITY\tKIND\tSTATUS\tLOG TYPES")
	var problems []string
	for _, d := range col.Detections {
		kind := "python"
		switch {
		case d.Type == analysis.TypeCorrelationRule:
			kind = strings.ToLower(d.Correlation.Kind)
		case d.IsSimple():
			kind = "simple"
		case d.IsDerived():
			kind = "derived"
		}
		targets := d.LogTypes
		switch d.Type {
		case analysis.TypePolicy:
			targets = d.ResourceTypes
		case analysis.TypeCorrelationRule:
			for _, m := range d.Correlation.Members {
				targets = append(targets, m.RuleID)
			}
		}
		status := "loaded"
		if why, bad := notLoaded[d.ID]; bad {
			status = "not loaded"
			problems = append(problems, why)
		} else if d.IsDerived() {
			if _, ok := col.Base(d); !ok {
				status = "not loaded"
				problems = append(problems, fmt.Sprintf("%s: %s: its BaseDetection %q is not among the loaded detections", d.File, d.ID, d.BaseDetection))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\n", d.ID, d.Type, d.Enabled, d.Severity, kind, status, strings.Join(targets, ","))
	}
	for _, inv := range col.Invalid {
		switch inv.Type {
		case analysis.TypeRule, analysis.TypeScheduledRule, analysis.TypeCorrelationRule, analysis.TypePolicy:
		default:
			continue
		}
		id := inv.ID
		if id == "" {
			id = inv.File
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t-\tnot loaded (invalid spec)\t\n", id, inv.Type, inv.Enabled, inv.Severity)
		problems = append(problems, id+": "+inv.Error())
	}
	tw.Flush()
	if len(problems) > 0 {
		fmt.Fprintf(env.Stdout, "\n%d detections are not loaded and do not run:\n", len(problems))
		for _, p := range problems {
			fmt.Fprintln(env.Stdout, "  "+strings.ReplaceAll(p, "\n", "\n    "))
		}
	}
	return ExitOK
}

// pythonLoadErrors loads the Python detections in one worker and returns why those that
// fail did (a syntax error, a module that is not installed, with its fix), by ID.
func pythonLoadErrors(col *analysis.Collection, python string, log io.Writer) map[string]string {
	var pyDets []*analysis.Detection
	for _, d := range col.Detections {
		if d.PythonSource != "" {
			pyDets = append(pyDets, d)
		}
	}
	if len(pyDets) == 0 {
		return nil
	}
	ctx := context.Background()
	pool, err := pyrun.New(ctx, pyrun.Options{Python: python, Workers: 1}, detect.PythonContent(col, pyDets))
	if err != nil {
		fmt.Fprintf(log, "panther: cannot check the Python detections: %v\n", err)
		return nil
	}
	defer pool.Close()
	out := map[string]string{}
	for _, d := range pyDets {
		if se := pool.SetupError(d.ID); se != nil {
			out[d.ID] = d.ID + ": " + se.Error()
		}
	}
	return out
}
