// Package synthevents decodes synthetic logs (internal/synth) into events for tests and
// benchmarks of the packages that evaluate events.
package synthevents

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/synth"
)

// CloudTrail decodes n synthetic CloudTrail events (synth.CloudTrail, seed 3) with the managed
// schema, with their event time.
func CloudTrail(tb testing.TB, n int) []*event.Event {
	tb.Helper()
	var buf bytes.Buffer
	if err := synth.CloudTrail(&buf, n, 3); err != nil {
		tb.Fatal(err)
	}
	return decodeLines(tb, "synthetic CloudTrail", &buf, n)
}

// CloudTrailFile decodes the first n CloudTrail events of a JSON lines file.
func CloudTrailFile(tb testing.TB, path string, n int) []*event.Event {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	return decodeLines(tb, path, f, n)
}

func decodeLines(tb testing.TB, name string, r interface{ Read([]byte) (int, error) }, n int) []*event.Event {
	tb.Helper()
	reg, err := logtypes.Managed()
	if err != nil {
		tb.Fatal(err)
	}
	lt := reg.Get("AWS.CloudTrail")
	dec := &decode.Decoder{Arena: &event.Arena{}}
	var evs []*event.Event
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for i := 0; i < n && sc.Scan(); i++ {
		v, err := dec.JSON(lt.Root, sc.Bytes())
		if err != nil {
			tb.Fatalf("%s:%d: %v", name, i+1, err)
		}
		t, _ := decode.EventTime(lt.LogType, &v)
		evs = append(evs, &event.Event{LogType: lt.LogType, Root: v, EventTime: t, ParseTime: t, RowID: fmt.Sprint(i)})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return evs
}
