package pyrun

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRunTestsRobustness(t *testing.T) {
	c := Content{Detections: []Detection{
		rule(t, "Crash", "crash_rule"),
		rule(t, "Loop", "loop_rule"),
		rule(t, "Memory", "memory_rule"),
	}}
	p := newPool(t, Options{Workers: 1, CallTimeout: 300 * time.Millisecond, MemoryLimit: 512 << 20}, c)
	ctx := context.Background()

	got, err := p.RunTests(ctx, "Crash", []TestCase{
		{Name: "before", ExpectedResult: true, Data: json.RawMessage(`{"hit":true}`)},
		{Name: "crash", ExpectedResult: false, Data: json.RawMessage(`{"crash":true}`)},
		{Name: "after", ExpectedResult: false, Data: json.RawMessage(`{"hit":false}`)},
	}, TestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].Passed || got[1].Passed || !strings.Contains(got[1].Warning, "Unexpected exception: {python worker") ||
		len(got[1].Failures) != 1 || got[1].Failures[0] != "crash" || !got[2].Passed {
		t.Errorf("crash tests = %+v", got)
	}

	got, err = p.RunTests(ctx, "Loop", []TestCase{
		{Name: "loops", ExpectedResult: false, Data: json.RawMessage(`{"loop":true}`)},
		{Name: "fine", ExpectedResult: true, Data: json.RawMessage(`{"hit":true}`)},
	}, TestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Passed || got[0].Functions[0].Text != "DetectionTimeoutError: call exceeded the timeout of 0.3s" || !got[1].Passed {
		t.Errorf("loop tests = %+v", got)
	}

	got, err = p.RunTests(ctx, "Memory", []TestCase{
		{Name: "big", ExpectedResult: true, Data: json.RawMessage(`{"big":true}`)},
	}, TestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Passed || !strings.HasPrefix(got[0].Functions[0].Text, "MemoryError") {
		t.Errorf("memory tests = %+v", got)
	}
}
