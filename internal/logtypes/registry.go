package logtypes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pantherlabs/panther/internal/logschema"
)

//go:embed schemas
var managedFS embed.FS

// Registry holds log types by name.
type Registry struct {
	types map[string]*LogType
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{types: make(map[string]*LogType)} }

// Add compiles and adds a schema. A type of the same name is an error.
func (r *Registry) Add(s *logschema.Schema, managed bool) (*LogType, error) {
	if _, dup := r.types[s.Name]; dup {
		return nil, fmt.Errorf("%s: log type %s is already defined", s.Source, s.Name)
	}
	t, err := Build(s)
	if err != nil {
		return nil, err
	}
	t.Managed = managed
	r.types[s.Name] = t
	return t, nil
}

// Get returns the named type or nil.
func (r *Registry) Get(name string) *LogType { return r.types[name] }

// Lookup returns the named type, matching case-insensitively if there is no exact match, with
// an error listing close names if it is unknown.
func (r *Registry) Lookup(name string) (*LogType, error) {
	if t := r.types[name]; t != nil {
		return t, nil
	}
	for n, t := range r.types {
		if strings.EqualFold(n, name) {
			return t, nil
		}
	}
	var close []string
	prefix := strings.ToLower(strings.SplitN(name, ".", 2)[0])
	for _, n := range r.Names() {
		if strings.HasPrefix(strings.ToLower(n), prefix) {
			close = append(close, n)
		}
	}
	msg := fmt.Sprintf("unknown log type %q", name)
	if len(close) > 0 {
		msg += " (did you mean " + strings.Join(close, ", ") + "?)"
	} else {
		msg += " (run `panther schemas list` to see the log types)"
	}
	return nil, errors.New(msg)
}

// Names returns the type names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.types))
	for n := range r.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// All returns the types sorted by name.
func (r *Registry) All() []*LogType {
	out := make([]*LogType, 0, len(r.types))
	for _, n := range r.Names() {
		out = append(out, r.types[n])
	}
	return out
}

var (
	managedOnce sync.Once
	managedErr  error
	managed     []*logschema.Schema
)

// ManagedSchemas returns the schemas embedded in the binary, parsed once.
func ManagedSchemas() ([]*logschema.Schema, error) {
	managedOnce.Do(func() {
		var errs []error
		_ = fs.WalkDir(managedFS, "schemas", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isSchemaFile(path) {
				return err
			}
			data, err := managedFS.ReadFile(path)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			s, err := logschema.Parse(path, data)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			managed = append(managed, s)
			return nil
		})
		managedErr = errors.Join(errs...)
	})
	return managed, managedErr
}

func isSchemaFile(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yml" || ext == ".yaml" || ext == ".json"
}

// Managed returns a new registry holding every managed log type.
func Managed() (*Registry, error) {
	schemas, err := ManagedSchemas()
	if err != nil {
		return nil, err
	}
	r := NewRegistry()
	for _, s := range schemas {
		if _, err := r.Add(s, true); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// LoadCustom reads every schema file in dir (not recursive) and adds it. Missing dir is not an
// error. Every problem is reported, each naming its file.
func (r *Registry) LoadCustom(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !isSchemaFile(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, err := logschema.Parse(path, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := r.Add(s, false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
