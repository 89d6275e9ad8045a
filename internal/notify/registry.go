package notify

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// Options are the dependencies a destination is built with. The zero value
// is usable: WithDefaults fills every nil field.
type Options struct {
	// HTTPClient sends HTTP requests. It should have no timeout of its own:
	// the context deadline of Notify applies.
	// AWS destinations use the SDK's client instead.
	HTTPClient *http.Client
	// Logger receives debug lines about each request; never secrets.
	Logger *slog.Logger
	// TLSConfig is the client TLS config of non-HTTP destinations (SMTP).
	TLSConfig *tls.Config
	// Now is the clock (the e-mail Date header).
	Now func() time.Time
}

// WithDefaults returns o with every nil field set to its default.
func (o Options) WithDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Field describes one config field of a destination type, for the CLI and
// the UI, and tells stores which fields to encrypt.
type Field struct {
	// Name is the JSON key.
	Name string `json:"name"`
	// Kind is "string", "bool", "int", "list" (of strings) or "map" (of
	// strings to strings).
	Kind string `json:"kind"`
	// Secret fields are encrypted at rest and redacted on display.
	Secret bool `json:"secret"`
	// Required fields must be present and non-empty.
	Required bool `json:"required"`
	// Enum lists the allowed values, if limited.
	Enum []string `json:"enum,omitempty"`
	// Default is the value used when the field is empty.
	Default string `json:"default,omitempty"`
	// Description says what the field is.
	Description string `json:"description"`
}

var secretType = reflect.TypeFor[Secret]()

// FieldsOf derives the field specs of a config struct from its tags:
// `json:"name"` gives the name, `notify:"required"` marks required fields,
// `enum:"A,B"` lists allowed values, `default:"x"` gives the default and
// `desc:"..."` the description. A field is secret when its type is Secret
// or a slice or map of Secret.
func FieldsOf(config any) []Field {
	t := reflect.TypeOf(config)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return structFields(t)
}

func structFields(t reflect.Type) []Field {
	var fields []Field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			// encoding/json flattens embedded structs; so do the specs.
			fields = append(fields, structFields(sf.Type)...)
			continue
		}
		if name == "-" || !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := Field{
			Name:        name,
			Kind:        fieldKind(sf.Type),
			Secret:      isSecret(sf.Type),
			Required:    slices.Contains(strings.Split(sf.Tag.Get("notify"), ","), "required"),
			Default:     sf.Tag.Get("default"),
			Description: sf.Tag.Get("desc"),
		}
		if enum := sf.Tag.Get("enum"); enum != "" {
			f.Enum = strings.Split(enum, ",")
		}
		fields = append(fields, f)
	}
	return fields
}

func isSecret(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Map:
		return t.Elem() == secretType
	}
	return t == secretType
}

func fieldKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "int"
	case reflect.Slice:
		return "list"
	case reflect.Map:
		return "map"
	}
	return "string"
}

// Config is implemented by the config struct of every destination type.
type Config interface {
	// Validate returns every invalid field as FieldErrors joined with
	// errors.Join, or nil.
	Validate() error
}

// Type describes one kind of destination: its name, its config fields and
// how to validate a config and build a Notifier from it.
type Type struct {
	// Name is the destination type, e.g. "slack".
	Name string `json:"type"`
	// Description is a short human description.
	Description string `json:"description"`
	// Fields are the config fields.
	Fields []Field `json:"fields"`

	validate func(raw json.RawMessage) error
	build    func(raw json.RawMessage, opts Options) (Notifier, error)
}

// NewType describes a destination type whose config is a C decoded strictly
// from JSON and whose constructor is build, which must validate the config.
func NewType[C any, PC interface {
	*C
	Config
}, N Notifier](name, description string, build func(PC, Options) (N, error)) Type {
	return Type{
		Name:        name,
		Description: description,
		Fields:      FieldsOf(new(C)),
		validate: func(raw json.RawMessage) error {
			cfg := PC(new(C))
			if err := DecodeConfig(name, raw, cfg); err != nil {
				return err
			}
			return InvalidConfig(name, cfg.Validate())
		},
		build: func(raw json.RawMessage, opts Options) (Notifier, error) {
			cfg := PC(new(C))
			if err := DecodeConfig(name, raw, cfg); err != nil {
				return nil, err
			}
			n, err := build(cfg, opts)
			if err != nil {
				return nil, err
			}
			return n, nil
		},
	}
}

// Validate checks a raw config without building a Notifier.
func (t Type) Validate(raw json.RawMessage) error { return t.validate(raw) }

// Build decodes and validates raw and returns the Notifier.
func (t Type) Build(raw json.RawMessage, opts Options) (Notifier, error) {
	return t.build(raw, opts.WithDefaults())
}

// SecretFields returns the names of the secret fields of t.
func (t Type) SecretFields() []string {
	var names []string
	for _, f := range t.Fields {
		if f.Secret {
			names = append(names, f.Name)
		}
	}
	return names
}

// Registry maps destination type names to Types and builds Notifiers with
// one set of Options.
type Registry struct {
	opts  Options
	types map[string]Type
}

// NewRegistry returns a registry of the given types that builds with opts.
// Duplicate or unnamed types are an error.
func NewRegistry(opts Options, types ...Type) (*Registry, error) {
	r := &Registry{opts: opts.WithDefaults(), types: make(map[string]Type, len(types))}
	for _, t := range types {
		if t.Name == "" || t.build == nil {
			return nil, fmt.Errorf("notify: destination type %q is incomplete (use NewType)", t.Name)
		}
		if _, dup := r.types[t.Name]; dup {
			return nil, fmt.Errorf("notify: destination type %q registered twice", t.Name)
		}
		r.types[t.Name] = t
	}
	return r, nil
}

// Types returns every registered type sorted by name.
func (r *Registry) Types() []Type {
	out := make([]Type, 0, len(r.types))
	for _, t := range r.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the type named destType.
func (r *Registry) Lookup(destType string) (Type, error) {
	t, ok := r.types[destType]
	if !ok {
		names := make([]string, 0, len(r.types))
		for n := range r.types {
			names = append(names, n)
		}
		sort.Strings(names)
		return Type{}, fmt.Errorf("unknown destination type %q, expected one of %s", destType, strings.Join(names, ", "))
	}
	return t, nil
}

// Validate checks rawConfig against the config of destType.
func (r *Registry) Validate(destType string, rawConfig json.RawMessage) error {
	t, err := r.Lookup(destType)
	if err != nil {
		return err
	}
	return t.Validate(rawConfig)
}

// Build returns the Notifier for rawConfig of destType.
func (r *Registry) Build(destType string, rawConfig json.RawMessage) (Notifier, error) {
	t, err := r.Lookup(destType)
	if err != nil {
		return nil, err
	}
	return t.Build(rawConfig, r.opts)
}
