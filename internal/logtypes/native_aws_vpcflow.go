package logtypes

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// VPC Flow Logs delivered to S3 as text: the first line of each file is a header naming the
// columns of the flow log's format (the default format or a custom one), every other line
// holds one flow record with one space-separated value per header column, "-" for no value.
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html

// vpcFlowMinHeaderNames is how many known column names a header must have, as in Panther.
const vpcFlowMinHeaderNames = 5

// vpcFlowFields maps the documented column names to the schema's field names (Panther's).
var vpcFlowFields = map[string]string{
	// Version 2, the default format.
	"version":      "version",
	"account-id":   "account",
	"interface-id": "interfaceId",
	"srcaddr":      "srcAddr",
	"dstaddr":      "dstAddr",
	"srcport":      "srcPort",
	"dstport":      "dstPort",
	"protocol":     "protocol",
	"packets":      "packets",
	"bytes":        "bytes",
	"start":        "start",
	"end":          "end",
	"action":       "action",
	"log-status":   "status",
	// Version 3.
	"vpc-id":      "vpcId",
	"subnet-id":   "subnetId",
	"instance-id": "instanceId",
	"tcp-flags":   "tcpFlags",
	"type":        "type",
	"pkt-srcaddr": "pktSrcAddr",
	"pkt-dstaddr": "pktDstAddr",
	// Version 4.
	"region":           "region",
	"az-id":            "azId",
	"sublocation-type": "sublocationType",
	"sublocation-id":   "sublocationId",
	// Version 5.
	"pkt-src-aws-service": "pktSrcAwsService",
	"pkt-dst-aws-service": "pktDstAwsService",
	"flow-direction":      "flowDirection",
	"traffic-path":        "trafficPath",
	// Version 7: Amazon ECS metadata.
	"ecs-cluster-arn":            "ecsClusterArn",
	"ecs-cluster-name":           "ecsClusterName",
	"ecs-container-instance-arn": "ecsContainerInstanceArn",
	"ecs-container-instance-id":  "ecsContainerInstanceId",
	"ecs-container-id":           "ecsContainerId",
	"ecs-second-container-id":    "ecsSecondContainerId",
	"ecs-service-name":           "ecsServiceName",
	"ecs-task-definition-arn":    "ecsTaskDefinitionArn",
	"ecs-task-arn":               "ecsTaskArn",
	"ecs-task-id":                "ecsTaskId",
	// Version 8.
	"reject-reason": "rejectReason",
}

type vpcFlowState uint8

const (
	vpcFlowStart      vpcFlowState = iota // no line seen yet
	vpcFlowReady                          // header seen
	vpcFlowHeaderless                     // no header: records in the default v2 layout
	vpcFlowNotVPC                         // the first line was neither a header nor a default-layout record
)

// vpcFlowDefaultColumns are the columns of the default format (version 2), in order: the
// layout of records delivered without a header line (records exported from CloudWatch Logs,
// files whose header was cut off).
var vpcFlowDefaultColumns = []string{"version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport",
	"dstport", "protocol", "packets", "bytes", "start", "end", "action", "log-status"}

func newVPCFlowParser(lt *logschema.LogType) (func() Parser, error) {
	root := lt.Root
	return func() Parser { return &vpcFlowParser{root: root} }, nil
}

// vpcFlowParser parses the lines of one file. It reads the header from the first line it is
// given. A file without a header is read in the default v2 layout when its first line is a
// record of that layout, and then each of its lines must be one (checked value by value, so
// that the space-separated lines of other formats are not taken for flow records); a
// CloudWatch Logs export, which starts each record with its ingestion time, is read too.
// Otherwise every line of the file is rejected. A later line made of known column names only
// (files concatenated together) replaces the header.
type vpcFlowParser struct {
	root    *logschema.Type
	state   vpcFlowState
	columns []string // field name per column; "" for columns the schema does not know
	header  string   // the header line, for messages
	vals    []string
	fb      fieldBuilder
}

func (p *vpcFlowParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	line := unsafeString(rec.Data)
	switch p.state {
	case vpcFlowNotVPC:
		return event.Value{}, false, fmt.Errorf("the file starts with neither a VPC flow log header line nor a record of the default format")
	case vpcFlowStart:
		err := p.readHeader(line)
		if err == nil {
			p.state = vpcFlowReady
			return event.Value{}, false, nil
		}
		if _, bad := defaultFlowRecord(splitSpaces(line, p.vals[:0])); bad != "" {
			p.state = vpcFlowNotVPC
			return event.Value{}, false, fmt.Errorf("%v; nor is it a record of the default format: %s", err, bad)
		}
		p.state = vpcFlowHeaderless
		p.useDefaultColumns()
	}
	vals := splitSpaces(line, p.vals[:0])
	p.vals = vals[:0]
	if p.state == vpcFlowHeaderless {
		rec, bad := defaultFlowRecord(vals)
		if bad != "" {
			if p.isHeader(vals) {
				if err := p.readHeader(line); err == nil {
					p.state = vpcFlowReady
					return event.Value{}, false, nil
				}
			}
			return event.Value{}, false, fmt.Errorf("expected a record of the default format (the file has no header line): %s", bad)
		}
		vals = rec
	}
	if len(vals) > 0 && vpcFlowFields[vals[0]] != "" && p.isHeader(vals) {
		if err := p.readHeader(line); err == nil {
			return event.Value{}, false, nil
		}
	}
	if len(vals) != len(p.columns) {
		return event.Value{}, false, fmt.Errorf("expected %d space-separated values as named by the header (%s), got %d", len(p.columns), p.header, len(vals))
	}
	fb := &p.fb
	fb.reset()
	for i, v := range vals {
		if name := p.columns[i]; name != "" {
			fb.add(name, v)
		}
	}
	v, err := d.Fields(p.root, fb.done())
	if err != nil {
		return event.Value{}, false, err
	}
	return v, true, nil
}

// isHeader reports whether every value is a known column name and there are enough of them.
func (p *vpcFlowParser) isHeader(vals []string) bool {
	if len(vals) < vpcFlowMinHeaderNames {
		return false
	}
	for _, v := range vals {
		if vpcFlowFields[v] == "" {
			return false
		}
	}
	return true
}

// readHeader maps the columns of a header line, which needs at least vpcFlowMinHeaderNames
// known column names. Unknown names (columns added by AWS after this parser was written) are
// kept as columns whose values are dropped.
func (p *vpcFlowParser) readHeader(line string) error {
	if line != "" && (line[0] == '{' || line[0] == '[') {
		return fmt.Errorf("expected a header line naming the flow log columns (version account-id interface-id srcaddr ...), got JSON")
	}
	names := splitSpaces(line, nil)
	known := 0
	for _, n := range names {
		if vpcFlowFields[n] != "" {
			known++
		}
	}
	if known < vpcFlowMinHeaderNames {
		return fmt.Errorf("expected a header line naming at least %d known flow log columns (version account-id interface-id srcaddr ...), found %d", vpcFlowMinHeaderNames, known)
	}
	p.columns = p.columns[:0]
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		f := vpcFlowFields[n]
		if seen[f] {
			f = "" // a repeated column: the first one wins
		}
		seen[f] = true
		p.columns = append(p.columns, f)
	}
	p.header = quoteValue(line)
	return nil
}

// splitSpaces appends the space-separated words of line to dst.
func splitSpaces(line string, dst []string) []string {
	start := -1
	for i := 0; i < len(line); i++ {
		if line[i] == ' ' || line[i] == '\t' {
			if start >= 0 {
				dst = append(dst, line[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, line[start:])
	}
	return dst
}

func (p *vpcFlowParser) useDefaultColumns() {
	p.columns = p.columns[:0]
	for _, c := range vpcFlowDefaultColumns {
		p.columns = append(p.columns, vpcFlowFields[c])
	}
	p.header = "the default format, no header line"
}

// defaultFlowRecord checks that vals is a record of the default format, optionally after the
// RFC 3339 time a CloudWatch Logs export starts its records with, and returns its values, or
// what is wrong.
func defaultFlowRecord(vals []string) ([]string, string) {
	if len(vals) == len(vpcFlowDefaultColumns)+1 && len(vals[0]) >= 20 && vals[0][4] == '-' && vals[0][10] == 'T' {
		if _, err := time.Parse(time.RFC3339Nano, vals[0]); err == nil {
			vals = vals[1:]
		}
	}
	if len(vals) != len(vpcFlowDefaultColumns) {
		return nil, fmt.Sprintf("expected %d space-separated values, got %d", len(vpcFlowDefaultColumns), len(vals))
	}
	bad := func(i int, want string) string {
		return fmt.Sprintf("column %d (%s): expected %s, got %s", i+1, vpcFlowDefaultColumns[i], want, shortQuote(vals[i]))
	}
	if vals[0] != "2" {
		return nil, bad(0, `"2"`)
	}
	if v := vals[1]; v != "unknown" && v != "-" && (len(v) != 12 || !allASCIIDigits(v)) {
		return nil, bad(1, "a 12-digit account id or unknown")
	}
	if v := vals[2]; v != "-" && !strings.HasPrefix(v, "eni-") {
		return nil, bad(2, "a network interface id (eni-...)")
	}
	for _, i := range []int{3, 4} {
		if v := vals[i]; v != "-" {
			if _, err := netip.ParseAddr(v); err != nil {
				return nil, bad(i, "an IP address or -")
			}
		}
	}
	for i := 5; i <= 11; i++ {
		if v := vals[i]; v != "-" && !allASCIIDigits(v) {
			return nil, bad(i, "a number or -")
		}
	}
	switch vals[12] {
	case "ACCEPT", "REJECT", "-":
	default:
		return nil, bad(12, "ACCEPT, REJECT or -")
	}
	switch vals[13] {
	case "OK", "NODATA", "SKIPDATA":
	default:
		return nil, bad(13, "OK, NODATA or SKIPDATA")
	}
	return vals, ""
}
