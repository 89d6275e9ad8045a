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

// loadDetections loads content from dir (or the data dir's stored content when dir is empty).
// Invalid specs are reported on w and skipped. It returns nil when there is no content.
func loadDetections(ctx context.Context, dataDir, dir string, w io.Writer) (*analysis.Collection, error) {
	var col *analysis.Collection
	if dir == "" {
		st, closer, err := openContent(ctx, dataDir)
		if err != nil {
			return nil, err
		}
		defer closer.Close()
		if col, err = st.Load(ctx); err != nil {
			return nil, err
		}
		if len(col.Specs) == 0 && len(col.Invalid) == 0 {
			return nil, nil
		}
	} else {
		var err error
		if col, err = analysis.Load(dir, analysis.Options{}); err != nil {
			return nil, err
		}
	}
	for _, inv := range col.Invalid {
		for _, p := range inv.Problems {
			fmt.Fprintf(w, "panther: skipping invalid detection content: %v\n", p)
		}
	}
	return col, nil
}

func runDetections(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "Usage: panther detections upload|list|export [flags]")
		return ExitUsage
	}
	switch args[0] {
	case "upload":
		return detectionsUpload(ctx, env, args[1:])
	case "list":
		return detectionsList(ctx, env, args[1:])
	case "export":
		return detectionsExport(ctx, env, args[1:])
	}
	fmt.Fprintf(env.Stderr, "panther detections: unknown subcommand %q (expected upload, list or export)\n", args[0])
	return ExitUsage
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
	for _, t := range []analysis.AnalysisType{analysis.TypeRule, analysis.TypeScheduledRule, analysis.TypePolicy,
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
	f := newFlags(env, "detections list", "detections list [--data-dir D] [--path DIR]").withDataDir()
	path := f.String("path", "", "list the content of DIR instead of the stored detections")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	col, err := loadDetections(ctx, f.DataDir(), *path, env.Stderr)
	if err != nil {
		return errorf(env, "detections list: %v", err)
	}
	if col == nil {
		fmt.Fprintln(env.Stdout, "no detections uploaded (panther detections upload DIR)")
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tENABLED\tSEVERITY\tKIND\tLOG TYPES")
	for _, d := range col.Detections {
		kind := "python"
		if d.IsSimple() {
			kind = "simple"
		} else if d.IsDerived() {
			kind = "derived"
		}
		targets := d.LogTypes
		if d.Type == analysis.TypePolicy {
			targets = d.ResourceTypes
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", d.ID, d.Type, d.Enabled, d.Severity, kind, strings.Join(targets, ","))
	}
	tw.Flush()
	return ExitOK
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
