package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/pantherlabs/panther/internal/analysis"
)

// storedDetections is where `panther detections upload` keeps content in a data dir.
func storedDetections(dataDir string) string { return filepath.Join(dataDir, "detections") }

// loadDetections loads content from dir (or the data dir's stored content when dir is empty).
// Invalid specs are reported on w and skipped. It returns nil when there is no content.
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
		for _, p := range inv.Problems {
			fmt.Fprintf(w, "panther: skipping invalid detection content: %v\n", p)
		}
	}
	return col, nil
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
	for _, t := range []analysis.AnalysisType{analysis.TypeRule, analysis.TypeScheduledRule, analysis.TypePolicy,
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
	f := newFlags(env, "detections list", "detections list [--data-dir D] [--path DIR]").withDataDir()
	path := f.String("path", "", "list the content of DIR instead of the stored detections")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	col, err := loadDetections(f.DataDir(), *path, env.Stderr)
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
