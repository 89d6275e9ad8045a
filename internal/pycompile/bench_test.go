package pycompile

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/synth/synthevents"
)

const benchHelpers = `
from functools import reduce
from collections.abc import Mapping

def deep_get(dictionary, *keys, default=None):
    out = reduce(lambda d, key: d.get(key, default) if isinstance(d, Mapping) else default, keys, dictionary)
    if out is None:
        return default
    return out

def aws_cloudtrail_success(event):
    if event.get("errorCode", "") or event.get("errorMessage", ""):
        return False
    return True

def aws_rule_context(event):
    return {
        "eventName": event.get("eventName", "<MISSING_EVENT_NAME>"),
        "eventSource": event.get("eventSource", "<MISSING_ACCOUNT_ID>"),
        "sourceIPAddress": event.get("sourceIPAddress", "<MISSING_SOURCE_IP>"),
        "userIdentity": event.get("userIdentity", "<MISSING_USER_IDENTITY>"),
    }
`

const benchRule = `
from bench_helpers import aws_cloudtrail_success, aws_rule_context, deep_get

WATCHED = {"PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl"}

def rule(event):
    if not aws_cloudtrail_success(event):
        return False
    return event.get("eventName") in WATCHED and deep_get(event, "userIdentity", "type") != "AWSService"

def simple(event):
    return event.get("eventName") == "ConsoleLogin"

def method_deep_get(event):
    return event.deep_get("userIdentity", "sessionContext", "attributes", "mfaAuthenticated", default="") == "true"

def title(event):
    return f"{event.get('eventName')} by {event.deep_get('userIdentity', 'arn', default='<unknown>')}"

def alert_context(event):
    return aws_rule_context(event)

def json_field(event):
    return event.deep_get("requestParameters", "bucketName", default="") == "logs"
`

// BenchmarkCompiledFunction measures one call of typical compiled rule functions on typed
// CloudTrail events.
func BenchmarkCompiledFunction(b *testing.B) {
	prog, err := Compile(context.Background(), "", []Source{
		{Name: "bench_helpers", Kind: KindGlobal, Path: "bench_helpers.py", Text: benchHelpers},
		{Name: "Bench.Rule", Kind: KindDetection, Path: "bench_rule.py", Text: benchRule},
	}, nil)
	if err != nil {
		b.Skip(err)
	}
	evs := synthevents.CloudTrail(b, 1024)
	m := prog.detections["Bench.Rule"]
	for _, name := range []string{"simple", "method_deep_get", "rule", "json_field", "title", "alert_context"} {
		f := m.Func(name)
		if f == nil || !f.Full() {
			b.Fatalf("%s did not compile fully: %v", name, f)
		}
		b.Run(name, func(b *testing.B) {
			x := NewEvaluator(prog)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ev := x.SetEvent(evs[i%len(evs)])
				if _, err := x.Call(f, ev); err != nil && !err.Bail {
					b.Fatal(err)
				}
			}
		})
	}
}
