package sqlengine

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Field is one key and value of an Object.
type Field struct {
	Key   string
	Value any
}

// Object is a JSON object that keeps its keys in order (a result row, a STRUCT, a MAP).
type Object []Field

// MarshalJSON writes the object with its keys in order; HTML characters are not escaped.
func (o Object) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Key)
		b.Write(k)
		b.WriteByte(':')
		v, err := MarshalJSON(p.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// MarshalJSON encodes v without escaping HTML characters.
func MarshalJSON(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// JSONValue converts a value scanned from DuckDB into one encoding/json renders well, by its
// Go type alone: timestamps as RFC 3339 in UTC, bytes as text, decimals as exact numbers,
// NaN and infinities as strings, STRUCTs and MAPs as Objects. When the column's type is
// known, an Encoder (NewEncoder) does better: dates, times and UUIDs need it.
func JSONValue(v any) any {
	if out, ok := goValue(v); ok {
		return out
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return strconv.FormatFloat(float64(x), 'g', -1, 32)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e)
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(Object, 0, len(x))
		for _, k := range keys {
			out = append(out, Field{k, JSONValue(x[k])})
		}
		return out
	case duckdb.OrderedMap:
		return orderedMapJSON(&x)
	case *duckdb.OrderedMap:
		return orderedMapJSON(x)
	case duckdb.Map:
		out := make(Object, 0, len(x))
		for k, e := range x {
			out = append(out, Field{fmt.Sprint(k), JSONValue(e)})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	return v
}

func orderedMapJSON(m *duckdb.OrderedMap) Object {
	keys, values := m.Keys(), m.Values()
	out := make(Object, 0, len(keys))
	for i, k := range keys {
		out = append(out, Field{fmt.Sprint(k), JSONValue(values[i])})
	}
	return out
}
