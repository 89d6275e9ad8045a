package logtypes

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The Crowdstrike Falcon Data Replicator natives. FDR records are flat JSON objects whose keys
// depend on the event type, so three things need code:
//
//   - Crowdstrike.Unknown keeps the whole record in its unknown_payload field, as Panther v1 did
//     for events without a log type of their own. The schema's deny list on event_simpleName
//     leaves the other Crowdstrike types their events.
//   - Crowdstrike.FDREvent keeps the whole record in its event field and names the event type
//     in fdr_event_type (the event_simpleName, else the event_type, else the ExternalApiType).
//   - All three (Crowdstrike.FDR is the plain one) take indicators from the record's members by
//     their FDR field names, so the event-specific fields that the schema keeps only inside the
//     raw record (DomainName, RemoteAddressIP4, SHA256HashData, ...) still fill the p_any
//     fields, and IP fields that list several addresses separated by spaces (the aip of
//     notmanaged records) give one indicator per address.
func init() {
	natives["Crowdstrike.FDR"] = newCrowdstrikeFDR
	natives["Crowdstrike.Unknown"] = newCrowdstrikeUnknown
	natives["Crowdstrike.FDREvent"] = newCrowdstrikeFDREvent
	for _, name := range []string{"Crowdstrike.FDR", "Crowdstrike.Unknown", "Crowdstrike.FDREvent"} {
		jsonNatives[name] = true
	}
}

// csIndicatorFields maps FDR field names to the scanners of their values. It covers the sensor
// events, the inventory tables (aidmaster, managedassets, notmanaged, appinfo, userinfo) and
// the external API events that FDR delivers.
var csIndicatorFields = map[string][]indicators.Scanner{
	"aip":                   {indicators.ScanIP},
	"LocalAddressIP4":       {indicators.ScanIP},
	"LocalAddressIP6":       {indicators.ScanIP},
	"RemoteAddressIP4":      {indicators.ScanIP},
	"RemoteAddressIP6":      {indicators.ScanIP},
	"IpAddress":             {indicators.ScanIP},
	"CurrentLocalIP":        {indicators.ScanIP},
	"GatewayIP":             {indicators.ScanIP},
	"FirstIP4Record":        {indicators.ScanIP},
	"RespondingDnsServer":   {indicators.ScanIP},
	"UserIp":                {indicators.ScanIP},
	"LocalIP":               {indicators.ScanIP},
	"OriginSourceIpAddress": {indicators.ScanIP},
	"DomainName":            {indicators.ScanDomain},
	"ComputerName":          {indicators.ScanHostname},
	"LastLoggedOnHost":      {indicators.ScanHostname},
	"HostUrl":               {indicators.ScanURL},
	"ReferrerUrl":           {indicators.ScanURL},
	"MD5HashData":           {indicators.ScanMD5},
	"MD5String":             {indicators.ScanMD5},
	"SHA1HashData":          {indicators.ScanSHA1},
	"SHA1String":            {indicators.ScanSHA1},
	"SHA256HashData":        {indicators.ScanSHA256},
	"SHA256String":          {indicators.ScanSHA256},
	"TargetSHA256HashData":  {indicators.ScanSHA256},
	"ParentSHA256HashData":  {indicators.ScanSHA256},
	"UserName":              {indicators.ScanUsername},
	"UserPrincipal":         {indicators.ScanUsername},
	"UserId":                {indicators.ScanEmail, indicators.ScanUsername},
	"aid":                   {indicators.ScanTraceID},
	"cid":                   {indicators.ScanTraceID},
	"TreeId":                {indicators.ScanTraceID},
	"AgentIdString":         {indicators.ScanTraceID},
	"AgentId":               {indicators.ScanTraceID},
	"SensorId":              {indicators.ScanTraceID},
	"LastDiscoveredBy":      {indicators.ScanTraceID},
	"discoverer_aid":        {indicators.ScanTraceID},
	"Hostname":              {indicators.ScanHostname},
	"NeighborName":          {indicators.ScanHostname},
}

// Field names the natives need in their schemas.
const (
	csSimpleNameField = "event_simpleName"
	csEventTypeField  = "event_type"
	csExternalField   = "ExternalApiType"
	csUnknownPayload  = "unknown_payload"
	csFDRTypeField    = "fdr_event_type"
	csFDREventField   = "event"
)

// csField returns the index of the root field name, which must be of kind k.
func csField(lt *logschema.LogType, name string, k logschema.Kind) (int, error) {
	i, ok := lt.Root.FieldIndexString(name)
	if !ok || lt.Root.Fields[i].Type.Kind != k {
		return 0, fmt.Errorf("the schema must have a %s field %q", k, name)
	}
	return i, nil
}

func newCrowdstrikeFDR(lt *logschema.LogType) (func() Parser, error) {
	p := &csParser{root: lt.Root, payload: -1, typeField: -1}
	return func() Parser { return p.clone() }, nil
}

func newCrowdstrikeUnknown(lt *logschema.LogType) (func() Parser, error) {
	name, err := csField(lt, csSimpleNameField, logschema.KindString)
	if err != nil {
		return nil, err
	}
	payload, err := csField(lt, csUnknownPayload, logschema.KindJSON)
	if err != nil {
		return nil, err
	}
	p := &csParser{root: lt.Root, payload: payload, names: []int{name}, requireName: true, typeField: -1}
	return func() Parser { return p.clone() }, nil
}

func newCrowdstrikeFDREvent(lt *logschema.LogType) (func() Parser, error) {
	var names []int
	for _, n := range []string{csSimpleNameField, csEventTypeField, csExternalField} {
		i, err := csField(lt, n, logschema.KindString)
		if err != nil {
			return nil, err
		}
		names = append(names, i)
	}
	typ, err := csField(lt, csFDRTypeField, logschema.KindString)
	if err != nil {
		return nil, err
	}
	payload, err := csField(lt, csFDREventField, logschema.KindJSON)
	if err != nil {
		return nil, err
	}
	p := &csParser{root: lt.Root, payload: payload, names: names, typeField: typ}
	return func() Parser { return p.clone() }, nil
}

// csParser parses one FDR record: it decodes the record with the schema, optionally stores the
// whole record in a json field and the event type in a string field, and scans the record's
// members for indicators by name.
type csParser struct {
	root *logschema.Type
	// payload is the index of the json field that receives the whole record, or -1.
	payload int
	// names are the indexes of the fields that name the event type, in order of precedence.
	names []int
	// requireName makes a record whose first name field is empty an error.
	requireName bool
	// typeField is the index of the field that receives the event type, or -1. A type the
	// record already has is kept.
	typeField int

	buf []byte // scratch for the compacted record
}

func (p *csParser) clone() Parser {
	c := *p
	c.buf = nil
	return &c
}

func (p *csParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	if err != nil {
		return event.Value{}, false, err
	}
	if p.requireName {
		if n := v.Items[p.names[0]]; n.Kind != event.String || strings.TrimSpace(n.S) == "" {
			return event.Value{}, false, fmt.Errorf("field %s: expected a non-empty event name", p.root.Fields[p.names[0]].Name)
		}
	}
	if p.typeField >= 0 && v.Items[p.typeField].Kind == event.Null {
		for _, i := range p.names {
			if n := v.Items[i]; n.Kind == event.String && strings.TrimSpace(n.S) != "" {
				v.Items[p.typeField] = event.Value{Kind: event.String, S: n.S}
				break
			}
		}
	}
	if p.payload >= 0 {
		p.buf = appendCompactJSON(p.buf[:0], rec.Data)
		v.Items[p.payload] = event.Value{Kind: event.JSON, S: d.Arena.Copy(p.buf)}
	}
	scanCrowdstrikeFields(&d.Indicators, rec.Data)
	return v, true, nil
}

// scanCrowdstrikeFields scans the string members of the top-level JSON object data whose keys
// are in csIndicatorFields. IP fields may list several addresses separated by white space.
// data must be valid JSON; the walk stops at the first thing it does not expect, keeping what
// it found.
func scanCrowdstrikeFields(set *indicators.Set, data []byte) {
	w := csWalker{data: data}
	w.ws()
	if !w.eat('{') {
		return
	}
	for {
		w.ws()
		if w.eat('}') || w.i >= len(w.data) || w.data[w.i] != '"' {
			return
		}
		key, keyEsc, ok := w.str()
		if !ok {
			return
		}
		w.ws()
		if !w.eat(':') {
			return
		}
		w.ws()
		if w.i >= len(w.data) {
			return
		}
		if w.data[w.i] == '"' {
			val, esc, ok := w.str()
			if !ok {
				return
			}
			var scanners []indicators.Scanner
			if keyEsc {
				scanners = csIndicatorFields[unescapeJSONString(key)]
			} else {
				scanners = csIndicatorFields[string(key)]
			}
			if len(scanners) > 0 {
				// Scanners copy what they keep, so the value may alias the record.
				s := unsafeString(val)
				if esc {
					s = unescapeJSONString(val)
				}
				for _, sc := range scanners {
					if sc == indicators.ScanIP {
						scanEachWord(set, sc, s)
					} else {
						sc.Scan(set, s)
					}
				}
			}
		} else if !w.skip() {
			return
		}
		w.ws()
		if !w.eat(',') {
			return
		}
	}
}

// scanEachWord scans each white-space-separated word of s.
func scanEachWord(set *indicators.Set, sc indicators.Scanner, s string) {
	const space = " \t\r\n"
	for {
		s = strings.TrimLeft(s, space)
		if s == "" {
			return
		}
		end := strings.IndexAny(s, space)
		if end < 0 {
			end = len(s)
		}
		sc.Scan(set, s[:end])
		s = s[end:]
	}
}

// csWalker reads the top level of a JSON object.
type csWalker struct {
	data []byte
	i    int
}

func (w *csWalker) ws() {
	for w.i < len(w.data) {
		switch w.data[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

func (w *csWalker) eat(c byte) bool {
	if w.i < len(w.data) && w.data[w.i] == c {
		w.i++
		return true
	}
	return false
}

// str reads the string at w.i (a '"') and returns its raw contents and whether they hold
// escapes.
func (w *csWalker) str() (raw []byte, escaped, ok bool) {
	start := w.i + 1
	for j := start; j < len(w.data); j++ {
		switch w.data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			w.i = j + 1
			return w.data[start:j], escaped, true
		}
	}
	return nil, false, false
}

// skip skips the value at w.i that is not a string: an object, an array or a scalar.
func (w *csWalker) skip() bool {
	depth := 0
	for w.i < len(w.data) {
		switch c := w.data[w.i]; c {
		case '"':
			if _, _, ok := w.str(); !ok {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true
			}
			depth--
		case ',':
			if depth == 0 {
				return true
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return true
			}
		}
		w.i++
	}
	return depth == 0
}

// unescapeJSONString decodes the raw contents of a JSON string that holds escapes. Contents
// that do not decode are returned as they are.
func unescapeJSONString(raw []byte) string {
	q := make([]byte, 0, len(raw)+2)
	q = append(q, '"')
	q = append(q, raw...)
	q = append(q, '"')
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return string(raw)
	}
	return s
}

// appendCompactJSON appends the valid JSON text src without insignificant white space, with
// invalid UTF-8 in strings replaced by \ufffd, so that it can be stored as a json value.
func appendCompactJSON(dst, src []byte) []byte {
	inStr := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inStr {
			switch {
			case c == '\\' && i+1 < len(src):
				dst = append(dst, c, src[i+1])
				i++
			case c == '"':
				inStr = false
				dst = append(dst, c)
			case c >= utf8.RuneSelf:
				r, n := utf8.DecodeRune(src[i:])
				if r == utf8.RuneError && n == 1 {
					dst = append(dst, `\ufffd`...)
				} else {
					dst = append(dst, src[i:i+n]...)
				}
				i += n - 1
			default:
				dst = append(dst, c)
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			inStr = true
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
