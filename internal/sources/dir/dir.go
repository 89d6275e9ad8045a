// Package dir is the "dir" source kind: a watched directory. Files dropped into it are
// picked up once their size and modification time have stayed the same for a while (so a
// file still being written waits), published in parts (internal/sources/parts), then moved
// to done/ under the directory; a file that cannot be read or decompressed goes to failed/
// with a <name>.reason file saying why. Hidden and temporary files (".*", "*.tmp",
// "*.part") and subdirectories are ignored: write a file under such a name and rename it
// when it is complete.
//
// The directory is polled (every poll_interval, 1 s by default), which works the same on
// local disks and network file systems and costs one ReadDir per interval.
//
// A file is published once, also across restarts: its parts carry DedupIDs derived from
// the file's identity (device, inode, size, modification time) and the part index, and a
// small journal (.progress/ under the directory) records how many parts are durable, so a
// restart resumes after the last published part; a part published again after a crash is
// dropped by the queue's duplicate window.
package dir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// Kind is the name of this source kind.
const Kind = "dir"

// Defaults of the settings.
const (
	DefaultPollInterval = time.Second
	DefaultStableFor    = 2 * time.Second
)

// Subdirectories of the watched directory.
const (
	DoneDir     = "done"
	FailedDir   = "failed"
	progressDir = ".progress"
)

// Settings are the dir kind's settings (JSON, snake_case).
type Settings struct {
	// Path is the watched directory (absolute after validation).
	Path string `json:"path"`
	// PollInterval is how often the directory is listed (default 1s).
	PollInterval sources.Duration `json:"poll_interval,omitempty"`
	// StableFor is how long a file's size and modification time must stay unchanged
	// before it is read (default 2s).
	StableFor *sources.Duration `json:"stable_for,omitempty"`
}

func init() {
	sources.Register(sources.Kind{Name: Kind, Validate: Validate, New: newSource})
}

// Validate checks dir settings: the path must be an existing directory; it is made
// absolute. The errors name the setting.
func Validate(raw json.RawMessage) (json.RawMessage, error) {
	s, err := parseSettings(raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if err := sources.DecodeSettings(raw, &s); err != nil {
		return s, err
	}
	var errs []error
	if s.Path == "" {
		errs = append(errs, errors.New("path: required"))
	} else {
		abs, err := filepath.Abs(s.Path)
		if err != nil {
			errs = append(errs, fmt.Errorf("path: %w", err))
		} else {
			s.Path = abs
			switch fi, err := os.Stat(abs); {
			case err != nil:
				errs = append(errs, fmt.Errorf("path: %w", err))
			case !fi.IsDir():
				errs = append(errs, fmt.Errorf("path: %s is not a directory", abs))
			}
		}
	}
	if s.PollInterval != 0 && (time.Duration(s.PollInterval) < 10*time.Millisecond || time.Duration(s.PollInterval) > time.Hour) {
		errs = append(errs, fmt.Errorf("poll_interval: %s is outside 10ms..1h", time.Duration(s.PollInterval)))
	}
	if s.StableFor != nil && (*s.StableFor < 0 || time.Duration(*s.StableFor) > 24*time.Hour) {
		errs = append(errs, fmt.Errorf("stable_for: %s is outside 0..24h", time.Duration(*s.StableFor)))
	}
	return s, errors.Join(errs...)
}

func (s Settings) pollInterval() time.Duration {
	if s.PollInterval == 0 {
		return DefaultPollInterval
	}
	return time.Duration(s.PollInterval)
}

func (s Settings) stableFor() time.Duration {
	if s.StableFor == nil {
		return DefaultStableFor
	}
	return time.Duration(*s.StableFor)
}

// ignored reports whether a file name is left alone: hidden, temporary or partial files.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part")
}
