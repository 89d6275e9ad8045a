package syslog

import (
	"bytes"
	"fmt"
	"testing"
	"testing/iotest"
)

// FuzzFramer checks, on any stream, that the framer does not panic, keeps
// messages within the limit, and frames the same messages whatever the
// chunking of the reads and however many read timeouts come between them.
// It also checks that octet-counted frames of the fuzzed bytes come back
// whole.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("<13>Jan  1 00:00:00 host app: one\n<14>1 2024-01-01T00:00:00Z h a - - - two\r\n"), 16)
	f.Add([]byte("5 <13>a11 <13>b\nline2"), 100)
	f.Add([]byte("40 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx5 <13>c"), 10)
	f.Add([]byte("5 <13>agarbage here\n5 <13>b"), 100)
	f.Add([]byte("1234567890 x\n05 a\n\x00\r\n"), 4)
	f.Add([]byte("\n\n\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max <= 0 || max > 1<<16 {
			max = 1 + (max&0xffff+0xffff)%256
		}
		whole, framing, err := frameAll(t, bytes.NewReader(data), max)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			name string
			mk   func() any
		}{
			{"one byte", func() any { return iotest.OneByteReader(bytes.NewReader(data)) }},
			{"timeouts", func() any { return &timeoutReader{r: iotest.HalfReader(bytes.NewReader(data))} }},
		} {
			got, gotFraming, err := frameAll(t, r.mk().(interface{ Read([]byte) (int, error) }), max)
			if err != nil {
				t.Fatal(err)
			}
			if gotFraming != framing || fmt.Sprint(got) != fmt.Sprint(whole) {
				t.Fatalf("%s reads give %v (%v), whole reads %v (%v)", r.name, got, gotFraming, whole, framing)
			}
		}
		// Frames of the fuzzed bytes, cut in three, come back whole.
		msgs := [][]byte{data[:len(data)/3], data[len(data)/3 : 2*len(data)/3], data[2*len(data)/3:]}
		var keep [][]byte
		for _, m := range msgs {
			if len(m) > 0 && len(m) <= max {
				keep = append(keep, m)
			}
		}
		got, _, err := frameAll(t, iotest.HalfReader(bytes.NewReader(octetEncode(keep))), max)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(keep) {
			t.Fatalf("%d frames gave %d messages: %v", len(keep), len(got), got)
		}
		for i, m := range keep {
			if got[i].Cut || got[i].Bad || got[i].Size != int64(len(m)) || got[i].Data != string(trimEOL(m)) {
				t.Fatalf("frame %d: %q came back as %v", i, m, got[i])
			}
		}
	})
}
