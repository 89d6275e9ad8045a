package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// DetectionContent is where the server's detections come from: first the data dir's
// detections directory (DirContent), later the content store the API edits. The server
// polls Version and calls Load when it changed.
type DetectionContent interface {
	// Version is a cheap fingerprint of the content; it changes when the content does.
	Version(ctx context.Context) (string, error)
	// Load returns the content; nil when there is none.
	Load(ctx context.Context) (*analysis.Collection, error)
}

// DirContent is detection content in a directory (what `panther detections upload` writes).
// A missing directory means no detections.
type DirContent struct {
	Dir    string
	Logger *slog.Logger // invalid specs are logged and skipped
}

var _ DetectionContent = DirContent{}

// DetectionsDir returns the directory of a data dir's uploaded detections.
func DetectionsDir(dataDir string) string { return filepath.Join(dataDir, "detections") }

func schemasDir(dataDir string) string { return filepath.Join(dataDir, "schemas") }

// Version fingerprints the names, sizes and modification times of the files under Dir.
func (c DirContent) Version(ctx context.Context) (string, error) { return treeVersion(c.Dir) }

// Load loads the content of Dir.
func (c DirContent) Load(ctx context.Context) (*analysis.Collection, error) {
	if _, err := os.Stat(c.Dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	col, err := analysis.Load(c.Dir, analysis.Options{})
	if err != nil {
		return nil, err
	}
	if c.Logger != nil {
		for _, inv := range col.Invalid {
			for _, p := range inv.Problems {
				c.Logger.Warn("skipping invalid detection content", "problem", p.Error())
			}
		}
	}
	return col, nil
}

// errInFlux is returned by treeVersion while a directory is being replaced.
var errInFlux = errors.New("directory being replaced")

// treeVersion fingerprints a directory tree by the names, sizes and modification times of
// its files. A missing directory has the version "". While `panther detections upload`
// swaps the directory (it is missing and its ".old" copy exists) it returns errInFlux, so
// that the swap is not taken for a removal.
func treeVersion(dir string) (string, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(dir + ".old"); err == nil {
			return "", errInFlux
		}
		return "", nil
	}
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%v\n", rel, info.Size(), info.ModTime().UnixNano(), d.IsDir())
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return "", errInFlux // a file went away while walking: look again next time
	}
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// LogTypes returns the managed log types plus the custom schemas of the data dir. A custom
// schema that does not load is an error naming its file; the registry returned with it
// holds the managed types and the custom schemas that loaded (nil only when the managed
// ones fail, which a test of the binary rules out).
func LogTypes(dataDir string) (*logtypes.Registry, error) {
	r, err := logtypes.Managed()
	if err != nil {
		return nil, fmt.Errorf("managed schemas: %w", err)
	}
	if dataDir != "" {
		if err := r.LoadCustom(schemasDir(dataDir)); err != nil {
			return r, err
		}
	}
	return r, nil
}
