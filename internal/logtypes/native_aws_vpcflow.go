package logtypes

import (
	"fmt"

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
	vpcFlowStart  vpcFlowState = iota // no line seen yet
	vpcFlowReady                      // header seen
	vpcFlowNotVPC                     // the first line was not a header
)

func newVPCFlowParser(lt *logschema.LogType) (func() Parser, error) {
	root := lt.Root
	return func() Parser { return &vpcFlowParser{root: root} }, nil
}

// vpcFlowParser parses the lines of one file. It reads the header from the first line it is
// given; if that line is not a header, it rejects every line of the file. A later line made of
// known column names only (files concatenated together) replaces the header.
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
		return event.Value{}, false, fmt.Errorf("the file does not start with a VPC flow log header line")
	case vpcFlowStart:
		if err := p.readHeader(line); err != nil {
			p.state = vpcFlowNotVPC
			return event.Value{}, false, err
		}
		p.state = vpcFlowReady
		return event.Value{}, false, nil
	}
	vals := splitSpaces(line, p.vals[:0])
	p.vals = vals[:0]
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
