package detect

import (
	"testing"

	"github.com/pantherlabs/panther/internal/pyrun"
	"github.com/pantherlabs/panther/internal/synth/synthevents"
)

// BenchmarkGuard measures the check of a typical rule guard (an event source and a set of event
// names, then a nested field) on synthetic CloudTrail events: what every skipped rule costs.
func BenchmarkGuard(b *testing.B) {
	evs := synthevents.CloudTrail(b, 1024)
	conds := []pyrun.GuardCond{
		{Path: []string{"eventSource"}, Op: "eq", Values: []any{"iam.amazonaws.com"}},
		{Path: []string{"eventName"}, Op: "in", Values: []any{"AttachUserPolicy", "AttachGroupPolicy", "AttachRolePolicy"}},
		{Path: []string{"requestParameters", "policyArn"}, Default: "", Op: "eq", Values: []any{"arn:aws:iam::aws:policy/AdministratorAccess"}},
	}
	g := compileGuard(conds, evs[0].LogType)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		mayMatch(g, evs[i%len(evs)])
	}
}
