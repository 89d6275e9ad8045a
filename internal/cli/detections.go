package cli

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/pyrun"
	"github.com/pantherlabs/panther/internal/state"
)

// legacyDetections is where older versions kept uploaded content; the content store imports
// it once.
func legacyDetections(dataDir string) string { return filepath.Join(dataDir, "detections") }

// openContent opens the data dir's detection content store; close the returned database.
func openContent(ctx context.Context, dataDir string) (*content.Store, io.Closer, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, nil, err
	}
	db, err := state.Open(state.Path(dataDir))
	if err != nil {
		return nil, nil, err
	}
	st, err := content.Open(ctx, db, content.Options{LegacyDir: legacyDetections(dataDir)})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return st, db, nil
}

// loadCollection loads content from dir (or the data dir's stored content when dir is empty);
// nil when there is no content.
func loadCollection(ctx context.Context, dataDir, dir string) (*analysis.Collection, error) {
	if dir != "" {
		return analysis.Load(dir, analysis.Options{})
	}
	st, closer, err := openContent(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	col, err := st.Load(ctx)
	if err != nil {
		return nil, err
	}
	if len(col.Specs) == 0 && len(col.Invalid) == 0 {
		return nil, nil
	}
	return col, nil
}

// detectionsUpload validates content and stores it in the data dir, replacing what was there.
// A server running on the data dir picks it up within seconds.
func detectionsUpload(ctx context.Context, env *Env, args []string) int {
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
	fsys, closeFS, err := sourceFS(arg)
	if err != nil {
		return errorf(env, "detections upload: %v", err)
	}
	defer closeFS()
	items, err := content.ItemsFromCollection(col, fsys)
	if err != nil {
		return errorf(env, "detections upload: %v", err)
	}
	st, closer, err := openContent(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "detections upload: %v", err)
	}
	defer closer.Close()
	if _, err := st.Upload(ctx, items, true, false, "cli:"+osUser()); err != nil {
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
	v, _ := st.Version(ctx)
	fmt.Fprintf(env.Stdout, "uploaded %s to %s (content version %s)\n", strings.Join(parts, ", "), f.DataDir(), v)
	return ExitOK
}

// sourceFS opens a directory or a .zip file as a file system.
func sourceFS(p string) (fs.FS, func(), error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, nil, err
	}
	if info.IsDir() {
		return os.DirFS(p), func() {}, nil
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, nil, err
	}
	return zr, func() { zr.Close() }, nil
}

func detectionsList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "detections list", "detections list [--data-dir D] [--path DIR] [--python PY]").withDataDir()
	path := f.String("path", "", "list the content of DIR instead of the stored detections")
	python := f.String("python", "", "Python interpreter the detections are checked with (default python3)")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	col, err := loadCollection(ctx, f.DataDir(), *path)
	if err != nil {
		return errorf(env, "detections list: %v", err)
	}
	if col == nil {
		fmt.Fprintln(env.Stdout, "no detections uploaded (panther detections upload DIR)")
		return ExitOK
	}
	notLoaded := pythonLoadErrors(ctx, col, *python, env.Stderr)
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
				problems = append(problems, fmt.Sprintf("%s: %s: its BaseDetection %q is not among the loaded detections", d.ID, d.File, d.BaseDetection))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\n", d.ID, d.Type, d.Enabled, d.Severity, kind, status, strings.Join(targets, ","))
	}
	for _, inv := range col.Invalid {
		switch inv.Type {
		case analysis.TypeRule, analysis.TypeScheduledRule, analysis.TypeCorrelationRule, analysis.TypePolicy:
		default:
			for _, p := range inv.Problems {
				fmt.Fprintf(env.Stderr, "panther: skipping invalid detection content: %v\n", p)
			}
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
func pythonLoadErrors(ctx context.Context, col *analysis.Collection, python string, log io.Writer) map[string]string {
	var pyDets []*analysis.Detection
	for _, d := range col.Detections {
		if d.PythonSource != "" {
			pyDets = append(pyDets, d)
		}
	}
	if len(pyDets) == 0 {
		return nil
	}
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

// detectionsExport writes the stored content as a panther-analysis tree, for `panther test`.
func detectionsExport(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "detections export", "detections export [--data-dir D] DIR").withDataDir()
	dir, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, closer, err := openContent(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "detections export: %v", err)
	}
	defer closer.Close()
	if err := st.Export(ctx, dir); err != nil {
		return errorf(env, "detections export: %v", err)
	}
	fmt.Fprintf(env.Stdout, "exported the stored detections to %s (test them with: panther test %s)\n", dir, dir)
	return ExitOK
}
