package logtypes

import (
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Application Load Balancer access logs: one request per line, space-delimited columns, some
// quoted, "-" for no value. AWS appends new columns at the end over time and asks parsers to
// ignore the ones they do not know; columns past the known ones go to additionalFields.
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html

// albMinColumns is the number of columns every ALB log line has had since 2018 (up to
// error_reason); older and shorter lines are rejected, as Panther did.
const albMinColumns = 25

// albColumns names the documented columns in order. Compound columns are split by the parser:
// client:port, target:port and request become two or three fields, and list columns become
// arrays.
var albColumns = [...]string{
	"type", "timestamp", "elb", "client:port", "target:port",
	"requestProcessingTime", "targetProcessingTime", "responseProcessingTime",
	"elbStatusCode", "targetStatusCode", "receivedBytes", "sentBytes",
	"request", "userAgent", "sslCipher", "sslProtocol", "targetGroupArn", "traceId",
	"domainName", "chosenCertArn", "matchedRulePriority", "requestCreationTime",
	"actionsExecuted", "redirectUrl", "errorReason", "targetPortList", "targetStatusCodeList",
	"classification", "classificationReason", "connTraceId",
	"transformedHost", "transformedUri", "requestTransformStatus",
}

// albTypes are the values of the first column.
var albTypes = map[string]bool{"http": true, "https": true, "h2": true, "grpcs": true, "ws": true, "wss": true}

func newALBParser(lt *logschema.LogType) (func() Parser, error) {
	root := lt.Root
	return func() Parser { return &albParser{root: root} }, nil
}

type albParser struct {
	root *logschema.Type
	toks []awsToken
	fb   fieldBuilder
	rej  firstColumnError
}

func (p *albParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	line := unsafeString(rec.Data)
	if typ := firstWord(line); !albTypes[typ] {
		p.rej = firstColumnError{prefix: "column 1 (type) at offset 0: expected http, https, h2, grpcs, ws or wss", got: typ}
		return event.Value{}, false, &p.rej
	}
	toks, err := splitAWSLine(line, false, p.toks[:0])
	p.toks = toks[:0]
	if err != nil {
		return event.Value{}, false, err
	}
	if len(toks) < albMinColumns {
		return event.Value{}, false, fmt.Errorf("expected at least %d space-delimited columns, got %d", albMinColumns, len(toks))
	}
	fb := &p.fb
	fb.reset()
	for i, t := range toks {
		if i >= len(albColumns) {
			fb.addTokens("additionalFields", toks[i:])
			break
		}
		switch name := albColumns[i]; name {
		case "client:port":
			host, port := splitHostPort(t.Value)
			fb.add("clientIp", host)
			fb.add("clientPort", port)
		case "target:port":
			host, port := splitHostPort(t.Value)
			fb.add("targetIp", host)
			fb.add("targetPort", port)
		case "request":
			if !t.Quoted {
				return event.Value{}, false, columnError(i, "request", t, "expected a quoted request line")
			}
			method, url, version := splitRequestLine(t.Value)
			fb.add("requestHttpMethod", method)
			fb.add("requestUrl", url)
			fb.add("requestHttpVersion", version)
		case "actionsExecuted":
			fb.addList(name, t.Value, ',')
		case "targetPortList", "targetStatusCodeList":
			fb.addList(name, t.Value, ' ')
		default:
			fb.add(name, t.Value)
		}
	}
	v, err := d.Fields(p.root, fb.done())
	if err != nil {
		return event.Value{}, false, err
	}
	return v, true, nil
}

// splitRequestLine splits "METHOD URL VERSION" at its first and last spaces, so a URL that
// holds spaces stays whole. A request without spaces is all URL. Trailing spaces are ignored:
// AWS writes a request it could not parse as "- - - ".
func splitRequestLine(r string) (method, url, version string) {
	r = strings.TrimRight(r, " ")
	i := strings.IndexByte(r, ' ')
	if i < 0 {
		return "", r, ""
	}
	j := strings.LastIndexByte(r, ' ')
	if j == i {
		return r[:i], r[i+1:], ""
	}
	return r[:i], r[i+1 : j], r[j+1:]
}
