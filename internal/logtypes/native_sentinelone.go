package logtypes

import (
	"fmt"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The SentinelOne.Activity native parser. The SentinelOne Management API writes activities with
// camelCase keys (activityType, data.fileContentHash) while Panther stores them, and detections
// read them, with lower-case keys (activitytype, data.filecontenthash). The parser lower-cases
// every key of the record before decoding it with the schema, whose field names are lower-case,
// so both shapes parse to the same event. Because the classifier matches raw keys against the
// schema's, the schema marks no field required; the parser checks the required fields itself,
// after lower-casing. The free-form data object is scanned for indicators by key name.
func init() {
	natives["SentinelOne.Activity"] = newLowerKeysParser(
		[]string{"id", "activitytype", "createdat"},
		&keyScanner{
			byKey: map[string][]indicators.Scanner{
				"ipaddress":       {indicators.ScanIP},
				"externalip":      {indicators.ScanIP},
				"sourceip":        {indicators.ScanIP},
				"destinationip":   {indicators.ScanIP},
				"username":        {indicators.ScanUsername},
				"useremail":       {indicators.ScanEmail},
				"email":           {indicators.ScanEmail},
				"filecontenthash": {indicators.ScanSHA1, indicators.ScanSHA256, indicators.ScanMD5},
				"sha1":            {indicators.ScanSHA1},
				"sha256":          {indicators.ScanSHA256},
				"md5":             {indicators.ScanMD5},
				"dnsrequest":      {indicators.ScanDomain},
				"fqdn":            {indicators.ScanHostname},
			},
		})
	jsonNatives["SentinelOne.Activity"] = true
	foldKeyNatives["SentinelOne.Activity"] = true
}

// newLowerKeysParser returns the constructor of a native that lower-cases the keys of JSON
// records before decoding them, then checks that the required fields are present and scans the
// lower-cased record with scan (if not nil).
func newLowerKeysParser(required []string, scan *keyScanner) func(lt *logschema.LogType) (func() Parser, error) {
	return func(lt *logschema.LogType) (func() Parser, error) {
		idx := make([]int, len(required))
		for i, name := range required {
			j, ok := lt.Root.FieldIndexString(name)
			if !ok {
				return nil, fmt.Errorf("the schema must have a field %q", name)
			}
			idx[i] = j
		}
		for _, f := range lt.Root.Fields {
			for _, c := range f.Name {
				if c >= 'A' && c <= 'Z' {
					return nil, fmt.Errorf("field %q: the fields of a lower-case-keys schema must be lower-case", f.Name)
				}
			}
		}
		root := lt.Root
		return func() Parser {
			return &lowerKeysParser{root: root, required: required, idx: idx, scan: scan}
		}, nil
	}
}

type lowerKeysParser struct {
	root     *logschema.Type
	required []string
	idx      []int // indexes of required in root
	scan     *keyScanner
	buf      []byte
}

func (p *lowerKeysParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	p.buf = lowerJSONKeys(p.buf[:0], rec.Data)
	v, err := d.JSON(p.root, p.buf)
	if err != nil {
		return event.Value{}, false, err
	}
	for i, j := range p.idx {
		if v.Items[j].Kind == event.Null {
			return event.Value{}, false, fmt.Errorf("field %s: required field is missing (keys are matched in any case)", p.required[i])
		}
	}
	if p.scan != nil {
		// The decoder validated the document, so the scan cannot fail but on nesting deeper
		// than both allow; what it found before stays.
		_ = p.scan.Scan(&d.Indicators, p.buf)
	}
	return v, true, nil
}
