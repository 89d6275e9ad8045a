package correlate

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// A Signal is one match of a member rule: what correlation rules are evaluated over. Rules
// with CreateAlert: false raise no alert but still make signals.
type Signal struct {
	// Seq orders signals by arrival in the store; 0 outside it.
	Seq int64
	// RuleID is the rule (or correlation rule) that matched.
	RuleID string
	// Time is the event time, in Unix nanoseconds.
	Time int64
	// Key identifies the matched event (a hash of its content): the same event matched twice
	// is one signal.
	Key string
	// RowID, AlertID and LogType link the signal to its event (p_row_id) and its alert.
	RowID, AlertID, LogType string
	// Doc is the matched event as a JSON object, with the match's alert context under
	// p_alert_context; fields are read from it.
	Doc []byte
	// Fields holds values by field path; they take precedence over Doc (test matches, the
	// keys of correlation matches, values extracted when the signal was recorded).
	Fields map[string][]string

	decoded any
	parsed  bool
}

// Values returns the values of a field path ("p_alert_context.user.name") as strings:
// strings as they are, numbers and booleans as JSON writes them; lists contribute each
// element. Objects and nulls have no value.
func (s *Signal) Values(path string) []string {
	if v, ok := s.Fields[path]; ok {
		return v
	}
	if len(s.Doc) == 0 {
		return nil
	}
	if !s.parsed {
		s.parsed = true
		dec := json.NewDecoder(bytes.NewReader(s.Doc))
		dec.UseNumber()
		if err := dec.Decode(&s.decoded); err != nil {
			s.decoded = nil
		}
	}
	var out []string
	collect(s.decoded, strings.Split(path, "."), &out)
	if s.Fields == nil {
		s.Fields = map[string][]string{}
	}
	s.Fields[path] = out
	return out
}

// collect walks v by keys (exact key first, then ignoring case), fanning out over lists, and
// appends the scalar values it ends on.
func collect(v any, keys []string, out *[]string) {
	if list, ok := v.([]any); ok {
		for _, it := range list {
			collect(it, keys, out)
		}
		return
	}
	if len(keys) == 0 {
		if s, ok := scalar(v); ok && !hasValue(*out, s) {
			*out = append(*out, s)
		}
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	next, ok := m[keys[0]]
	if !ok {
		// Like the event rules see, keys match ignoring case; of two such keys the smallest
		// wins, so the result does not depend on map order.
		best := ""
		for k, x := range m {
			if strings.EqualFold(k, keys[0]) && (!ok || k < best) {
				next, ok, best = x, true, k
			}
		}
	}
	if ok {
		collect(next, keys[1:], out)
	}
}

func hasValue(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scalar renders a JSON (or YAML) scalar as a join key.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}
