package resources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// MaxImportBytes bounds what ReadSnapshots reads.
const MaxImportBytes = 1 << 30

// ReadSnapshots reads resource snapshots exported from an inventory (or written by hand): a
// JSON array of objects, or one object per line (NDJSON; blank lines are skipped). Every
// object needs ResourceId and ResourceType (strings); AccountId and Region are read when
// present. An error names the file, the record (1-based) and its line. scannedAt is the
// ScannedAt of every change.
func ReadSnapshots(name string, r io.Reader, scannedAt time.Time) ([]cloudsec.Change, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxImportBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes: split it", name, MaxImportBytes)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	start := int64(len(data) - len(trimmed))
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	lineAt := func(off int64) int { return 1 + bytes.Count(data[:min(int(start+off), len(data))], []byte("\n")) }
	array := len(trimmed) > 0 && trimmed[0] == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("%s: line 1: %v", name, err)
		}
	}
	var out []cloudsec.Change
	seen := map[string]int{}
	for n := 1; ; n++ {
		if array && !dec.More() {
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%s: after record %d: %v", name, n-1, err)
			}
			if _, err := dec.Token(); err != io.EOF {
				return nil, fmt.Errorf("%s: line %d: unexpected data after the array", name, lineAt(dec.InputOffset()))
			}
			break
		}
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) && !array {
				break
			}
			return nil, fmt.Errorf("%s: record %d (line %d): %v", name, n, lineAt(off+leadingSpace(trimmed[off:])), err)
		}
		line := lineAt(off + leadingSpace(trimmed[off:]))
		c, err := changeOf(raw, scannedAt)
		if err != nil {
			return nil, fmt.Errorf("%s: record %d (line %d): %v", name, n, line, err)
		}
		if prev, dup := seen[c.ResourceID]; dup {
			return nil, fmt.Errorf("%s: record %d (line %d): ResourceId %s is also record %d", name, n, line, c.ResourceID, prev)
		}
		seen[c.ResourceID] = n
		out = append(out, c)
	}
	return out, nil
}

func leadingSpace(b []byte) int64 {
	return int64(len(b) - len(bytes.TrimLeft(b, " \t\r\n,")))
}

func changeOf(raw json.RawMessage, at time.Time) (cloudsec.Change, error) {
	var snap cloudsec.Snapshot
	if err := json.Unmarshal(raw, &snap); err != nil || snap == nil {
		return cloudsec.Change{}, errors.New("expected a JSON object (a resource snapshot)")
	}
	str := func(k string, required bool) (string, error) {
		v, ok := snap[k]
		if !ok || v == nil {
			if required {
				return "", fmt.Errorf("%s is missing", k)
			}
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s is %s, expected a string", k, jsonKind(v))
		}
		if required && s == "" {
			return "", fmt.Errorf("%s is empty", k)
		}
		return s, nil
	}
	c := cloudsec.Change{Snapshot: snap, ScannedAt: at}
	var err error
	if c.ResourceID, err = str(cloudsec.KeyResourceID, true); err != nil {
		return c, err
	}
	if c.ResourceType, err = str(cloudsec.KeyResourceType, true); err != nil {
		return c, err
	}
	if c.AccountID, err = str(cloudsec.KeyAccountID, false); err != nil {
		return c, err
	}
	if c.Region, err = str(cloudsec.KeyRegion, false); err != nil {
		return c, err
	}
	// Numbers were read as json.Number to keep their text; policies see them as numbers.
	var plain cloudsec.Snapshot
	if err := json.Unmarshal(raw, &plain); err != nil {
		return c, err
	}
	c.Snapshot = plain
	return c, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
