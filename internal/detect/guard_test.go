package detect_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

const guardSchema = `version: 0
schema: Custom.Guard
fields:
  - {name: eventName, type: string}
  - {name: eventSource, type: string}
  - {name: awsRegion, type: string}
  - {name: errorCode, type: string}
  - {name: readOnly, type: boolean}
  - {name: managementEvent, type: boolean}
  - {name: count, type: bigint}
  - {name: ratio, type: float}
  - {name: eventTime, type: timestamp, timeFormat: rfc3339}
  - name: tags
    type: array
    element: {type: string}
  - name: resources
    type: array
    element:
      type: object
      fields:
        - {name: ARN, type: string}
  - {name: requestParameters, type: json}
  - name: userIdentity
    type: object
    fields:
      - {name: type, type: string}
      - {name: invokedBy, type: string}
      - name: sessionContext
        type: object
        fields:
          - name: attributes
            type: object
            fields:
              - {name: mfaAuthenticated, type: string}
`

// randomEvent builds an event where every field may be missing, empty or take a value that
// one of the rules tests for.
func randomEvent(r *rand.Rand) string {
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	var parts []string
	add := func(k, v string) {
		if r.IntN(4) > 0 {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
	}
	add("eventName", pick(`"ConsoleLogin"`, `"PutBucketPolicy"`, `"RunInstances"`, `"DeleteBucket"`, `""`, `"consolelogin"`))
	add("eventSource", pick(`"s3.amazonaws.com"`, `"ec2.amazonaws.com"`, `""`))
	add("awsRegion", pick(`"us-east-1"`, `"eu-west-1"`))
	add("errorCode", pick(`"AccessDenied"`, `""`, `"none"`))
	add("readOnly", pick(`true`, `false`))
	add("managementEvent", pick(`true`, `false`))
	add("count", pick(`3`, `0`, `4`))
	add("ratio", pick(`0.5`, `0`, `1.5`))
	add("eventTime", pick(`"2024-10-15T12:00:00Z"`, `"2024-10-15T12:00:01Z"`))
	add("tags", pick(`[]`, `["a"]`, `"a"`))
	add("resources", pick(`[]`, `[{"ARN":"x"}]`, `[{}]`))
	add("requestParameters", pick(`{"bucketName":"logs"}`, `{"bucketName":"other"}`, `"logs"`, `null`))
	add("userIdentity", pick(`{"type":"Root"}`, `{"type":"Root","invokedBy":"ec2.amazonaws.com"}`, `{"type":"IAMUser"}`, `{}`,
		`{"sessionContext":{"attributes":{"mfaAuthenticated":"true"}}}`, `{"sessionContext":{}}`))
	return "{" + strings.Join(parts, ",") + "}"
}

// TestGuardsNeverChangeOutcomes runs the same random events through rules with and without
// guards: the matches and errors must be the same, and guards must skip something.
func TestGuardsNeverChangeOutcomes(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	s, err := logschema.Parse("guard.yml", []byte(guardSchema))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := logschema.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	col, err := analysis.Load("testdata/guards", analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Invalid) > 0 {
		t.Fatalf("invalid content: %v", col.Problems())
	}
	r := rand.New(rand.NewPCG(1, 2))
	arena := &event.Arena{}
	dec := &decode.Decoder{Arena: arena}
	var evs []*event.Event
	for i := 0; i < 3000; i++ {
		line := randomEvent(r)
		v, err := dec.JSON(lt.Root, []byte(line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		evs = append(evs, &event.Event{LogType: lt, Root: v, RowID: fmt.Sprint(i), EventTime: 1, ParseTime: 1})
	}
	outcomes := func(noGuards bool) ([]string, int64) {
		eng, err := detect.New(context.Background(), col, detect.Options{NoGuards: noGuards, Workers: 1, NoCompile: true})
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		if len(eng.Skipped) > 0 {
			t.Fatalf("skipped rules: %v", eng.Skipped)
		}
		outs, err := eng.Evaluate(context.Background(), evs)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, o := range outs {
			res := "match"
			if o.Err != nil {
				res = "error " + o.Err.Type
			}
			lines = append(lines, fmt.Sprintf("%d %s %s", o.Event, o.Rule.ID, res))
		}
		sort.Strings(lines)
		return lines, eng.Skips.Load()
	}
	with, skips := outcomes(false)
	without, _ := outcomes(true)
	if strings.Join(with, "\n") != strings.Join(without, "\n") {
		a, b := map[string]bool{}, map[string]bool{}
		for _, l := range with {
			a[l] = true
		}
		for _, l := range without {
			b[l] = true
		}
		var diff []string
		for l := range b {
			if !a[l] {
				diff = append(diff, "missing with guards: "+l)
			}
		}
		for l := range a {
			if !b[l] {
				diff = append(diff, "extra with guards: "+l)
			}
		}
		sort.Strings(diff)
		if len(diff) > 20 {
			diff = diff[:20]
		}
		t.Fatalf("guards changed the outcomes:\n%s", strings.Join(diff, "\n"))
	}
	if skips < int64(len(evs)*5) {
		t.Errorf("guards skipped only %d (event, rule) pairs", skips)
	}
	t.Logf("%d outcomes, %d pairs skipped by guards", len(with), skips)
}
