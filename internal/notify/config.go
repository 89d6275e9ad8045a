package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"reflect"
	"strings"
)

// FieldError reports one invalid field of a destination config.
type FieldError struct {
	// Field is the JSON name of the field, with ".N" or ".key" for elements.
	Field string
	// Msg says what was expected.
	Msg string
}

// Error returns "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// ConfigError reports an invalid config of one destination type. Its
// message prefixes every field error with the type:
// "pagerduty: integrationKey: must be 32 hex characters".
type ConfigError struct {
	Type string
	Err  error
}

// Error returns one line per field error, each prefixed with the type.
func (e *ConfigError) Error() string {
	var errs []error
	if j, ok := e.Err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{e.Err}
	}
	lines := make([]string, 0, len(errs))
	for _, err := range errs {
		lines = append(lines, e.Type+": "+err.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the field errors.
func (e *ConfigError) Unwrap() error { return e.Err }

// InvalidConfig wraps err, a FieldError or a join of them, as the
// ConfigError of destType. A nil err gives nil.
func InvalidConfig(destType string, err error) error {
	if err == nil {
		return nil
	}
	return &ConfigError{Type: destType, Err: err}
}

// DecodeConfig decodes the JSON object raw into dst strictly: unknown fields,
// wrong types and trailing data are errors naming the field. An empty or
// null document decodes as {} so that validation reports missing fields.
func DecodeConfig(destType string, raw json.RawMessage, dst any) error {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		trimmed = []byte("{}")
	}
	if trimmed[0] != '{' {
		return InvalidConfig(destType, errors.New("config: expected a JSON object"))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return InvalidConfig(destType, decodeError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return InvalidConfig(destType, errors.New("config: unexpected data after the JSON object"))
	}
	return nil
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "config"
		}
		return &FieldError{Field: field, Msg: fmt.Sprintf("expected %s, got %s", jsonKind(typeErr.Type), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("config: invalid JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("config: invalid JSON: the document ends early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &FieldError{Field: name, Msg: "unknown field"}
	default:
		return fmt.Errorf("config: %v", err)
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// Checks collects field errors while a config is validated, so that every
// problem is reported at once.
type Checks struct {
	errs []error
}

// Fail records that field is invalid with a message that says what was
// expected.
func (c *Checks) Fail(field, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Required fails field when value is empty.
func (c *Checks) Required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		c.Fail(field, "required")
		return false
	}
	return true
}

// OneOf fails field when value is not one of allowed.
func (c *Checks) OneOf(field, value string, allowed ...string) bool {
	if !contains(allowed, value) {
		c.Fail(field, "must be one of %s, got %q", strings.Join(allowed, ", "), value)
		return false
	}
	return true
}

// URL fails field when value is not an absolute http or https URL. The
// value itself is never put in the message, since webhook URLs are secrets.
func (c *Checks) URL(field, value string, required bool) bool {
	if value == "" {
		if required {
			c.Fail(field, "required")
		}
		return !required
	}
	u, err := url.Parse(value)
	switch {
	case err != nil:
		c.Fail(field, "must be a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		c.Fail(field, "must be an http or https URL")
	case u.Host == "":
		c.Fail(field, "must be an absolute URL with a host")
	default:
		return true
	}
	return false
}

// Email fails field when value is not a single bare e-mail address.
func (c *Checks) Email(field, value string) bool {
	if !c.Required(field, value) {
		return false
	}
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Name != "" || addr.Address != value {
		c.Fail(field, "must be an e-mail address like alerts@example.com, got %q", value)
		return false
	}
	return true
}

// Err returns the collected errors joined, or nil.
func (c *Checks) Err() error { return errors.Join(c.errs...) }
