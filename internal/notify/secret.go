package notify

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// Secret is a config value that must never be printed: it formats, logs and
// encodes to JSON as "<secret>". Use string(s) to get the value.
//
// Because MarshalJSON hides the value, a config holding a Secret cannot be
// round-tripped through encoding/json; stores keep the raw config document
// instead.
type Secret string

const secretMask = "<secret>"

// String returns "<secret>".
func (Secret) String() string { return secretMask }

// GoString returns "<secret>".
func (Secret) GoString() string { return secretMask }

// Format writes "<secret>" for every verb, so %q, %x and friends hide the
// value too.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(secretMask)) }

// LogValue hides the value from log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(secretMask) }

// MarshalJSON encodes "<secret>".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + secretMask + `"`), nil }

// Scrubber replaces known secret strings in text with "<secret>". Response
// bodies and error messages from destinations pass through one before they
// reach an error, because servers sometimes echo what they were sent.
type Scrubber struct {
	secrets  []string
	maxLen   int
	replacer *strings.Replacer
}

// NewScrubber returns a Scrubber for the given secrets; empty strings are
// ignored.
func NewScrubber(secrets ...string) *Scrubber {
	var list []string
	for _, s := range secrets {
		if s != "" && !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortFunc(list, func(a, b string) int { return len(b) - len(a) })
	s := &Scrubber{secrets: list}
	if len(list) > 0 {
		s.maxLen = len(list[0])
		pairs := make([]string, 0, 2*len(list))
		for _, v := range list {
			pairs = append(pairs, v, secretMask)
		}
		s.replacer = strings.NewReplacer(pairs...)
	}
	return s
}

// Scrub returns text with every secret replaced by "<secret>".
func (s *Scrubber) Scrub(text string) string {
	if s == nil || s.replacer == nil {
		return text
	}
	return s.replacer.Replace(text)
}

// Error returns err with a scrubbed message; errors.Is and errors.As still
// see err. A nil err gives nil.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	return &scrubbedError{msg: s.Scrub(err.Error()), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
