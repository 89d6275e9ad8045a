package sources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// DecodeSettings decodes a kind's settings (a JSON object) into v, a pointer to a struct
// whose fields have json tags, strictly: unknown keys, values of the wrong type and invalid
// values of fields with their own UnmarshalJSON are errors that name the key, as in
// `unknown setting "tpc"` or `max_message_bytes: expected a number, got "big"`. Every
// problem is reported (errors.Join), in the order of the keys. Empty settings decode as {}.
func DecodeSettings(settings json.RawMessage, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("sources: DecodeSettings needs a pointer to a struct")
	}
	if len(bytes.TrimSpace(settings)) == 0 {
		settings = json.RawMessage(`{}`)
	}
	dec := json.NewDecoder(bytes.NewReader(settings))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("settings must be a JSON object")
	}
	fields := settingFields(rv.Elem())
	var errs []error
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("invalid JSON: %v", err)
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s: invalid JSON: %v", key, err)
		}
		f, ok := fields[key]
		if !ok {
			errs = append(errs, fmt.Errorf("unknown setting %q", key))
			continue
		}
		if err := json.Unmarshal(raw, f.Addr().Interface()); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				err = fmt.Errorf("expected %s, got %s", jsonKind(te.Type.Kind()), raw)
			}
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the settings object")
	}
	return errors.Join(errs...)
}

// settingFields maps the json names of a struct's exported fields to the fields.
func settingFields(v reflect.Value) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out[name] = v.Field(i)
	}
	return out
}

// jsonKind names a Go kind the way a settings author thinks of it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return k.String()
}

// Duration is a settings duration, written as a Go duration string ("30s", "5m", "1h30m").
type Duration time.Duration

// UnmarshalJSON parses a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("expected a duration such as \"30s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("expected a duration such as \"30s\", got %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}
