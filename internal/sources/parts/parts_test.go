package parts

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/sources"
)

// split returns the parts of data.
func split(t *testing.T, data []byte, o Options) ([]*sources.Payload, Stats, error) {
	t.Helper()
	var out []*sources.Payload
	st, err := Split(bytes.NewReader(data), o, func(p *sources.Payload) error {
		out = append(out, p)
		return nil
	})
	return out, st, err
}

func records(ps []*sources.Payload) []string {
	var out []string
	for _, p := range ps {
		for _, r := range p.Records {
			out = append(out, string(r))
		}
	}
	return out
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSplitNDJSON(t *testing.T) {
	var in bytes.Buffer
	var want []string
	for i := range 100 {
		line := fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("p", i%7))
		want = append(want, line)
		in.WriteString(line + "\n")
	}
	for _, data := range [][]byte{in.Bytes(), gz(t, in.Bytes())} {
		ps, st, err := split(t, data, Options{MaxPartBytes: 200})
		if err != nil {
			t.Fatal(err)
		}
		if got := records(ps); !reflect.DeepEqual(got, want) {
			t.Fatalf("records %q", got)
		}
		if len(ps) < 10 || st.Parts != len(ps) || st.Records != 100 {
			t.Fatalf("%d parts, stats %+v", len(ps), st)
		}
		for i, p := range ps {
			size := 0
			for _, r := range p.Records {
				size += len(r)
			}
			if p.Part != i || size > 200 || p.Header != nil || p.Cut != nil {
				t.Errorf("part %d: index %d, %d bytes, header %q, cut %v", i, p.Part, size, p.Header, p.Cut)
			}
			if wantParts := 0; i == len(ps)-1 {
				if p.Parts != len(ps) {
					t.Errorf("last part: Parts %d, want %d", p.Parts, len(ps))
				}
			} else if p.Parts != wantParts {
				t.Errorf("part %d: Parts %d, want 0 before the last", i, p.Parts)
			}
		}
	}
}

func TestSplitCloudTrailAndRecordLimit(t *testing.T) {
	in := `{"Records":[{"eventName":"A"},{"eventName":"B"},` + "\n" + `{"eventName":"C"}]}`
	ps, _, err := split(t, []byte(in), Options{MaxPartRecords: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := records(ps); !reflect.DeepEqual(got, []string{`{"eventName":"A"}`, `{"eventName":"B"}`, `{"eventName":"C"}`}) || len(ps) != 2 {
		t.Fatalf("%d parts: %q", len(ps), got)
	}
	if ps[1].Header != nil {
		t.Errorf("a JSON stream got a header: %q", ps[1].Header)
	}
}

func TestSplitHeader(t *testing.T) {
	in := "version account-id interface-id\n2 123 eni-1\n2 123 eni-2\n2 123 eni-3\n"
	ps, _, err := split(t, []byte(in), Options{MaxPartRecords: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Header != nil || string(ps[1].Header) != "version account-id interface-id" {
		t.Fatalf("%d parts, headers %q %q", len(ps), ps[0].Header, ps[len(ps)-1].Header)
	}
	if got := records(ps); len(got) != 4 || got[0] != "version account-id interface-id" {
		t.Fatalf("records %q: the header is the first record of part 0", got)
	}
}

func TestSplitCut(t *testing.T) {
	long := strings.Repeat("x", 5000)
	in := "<13>short\n" + long + "\n" + `{"big":"` + long + `"}` + "\n<13>after\n"
	ps, st, err := split(t, []byte(in), Options{MaxPartBytes: 1000, KeepBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := records(ps)
	if len(got) != 4 || got[0] != "<13>short" || got[3] != "<13>after" || st.Cut != 2 {
		t.Fatalf("records %q, stats %+v", got, st)
	}
	var cuts []sources.CutRecord
	for _, p := range ps {
		for _, c := range p.Cut {
			if len(p.Records[c.Index]) != 100 {
				t.Errorf("cut record of %d bytes kept %d", c.Size, len(p.Records[c.Index]))
			}
			cuts = append(cuts, c)
		}
	}
	if len(cuts) != 2 || cuts[0].Size != 5000 || cuts[1].Size != int64(len(long)+10) {
		t.Fatalf("cuts %+v", cuts)
	}
}

func TestSplitFirstPartAndDeterminism(t *testing.T) {
	var in bytes.Buffer
	for i := range 50 {
		fmt.Fprintf(&in, "line %d\n", i)
	}
	all, _, err := split(t, in.Bytes(), Options{MaxPartRecords: 7})
	if err != nil {
		t.Fatal(err)
	}
	again, _, _ := split(t, in.Bytes(), Options{MaxPartRecords: 7})
	if !reflect.DeepEqual(all, again) {
		t.Fatal("two splits of the same bytes differ")
	}
	rest, st, err := split(t, in.Bytes(), Options{MaxPartRecords: 7, FirstPart: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rest, all[3:]) || st.Parts != len(all) {
		t.Fatalf("resumed split: %d parts (stats %+v), want the last %d", len(rest), st, len(all)-3)
	}
}

func TestSplitErrors(t *testing.T) {
	// Corrupt compressed data: the records before the damage come out, then the error.
	var in bytes.Buffer
	for i := range 2000 {
		fmt.Fprintf(&in, `{"n":%d}`+"\n", i)
	}
	z := gz(t, in.Bytes())
	ps, _, err := split(t, z[:len(z)/2], Options{})
	var de *input.DecompressError
	if !errors.As(err, &de) || !de.Truncated {
		t.Fatalf("error %v, want a truncated gzip stream", err)
	}
	if !Permanent(err) {
		t.Errorf("corrupt data is not reported permanent")
	}
	if n := len(records(ps)); n == 0 || n >= 2000 || ps[len(ps)-1].Parts != len(ps) {
		t.Fatalf("%d records before the damage", n)
	}
	// An emit error stops the split.
	stop := errors.New("stop")
	calls := 0
	_, err = Split(bytes.NewReader(in.Bytes()), Options{MaxPartRecords: 10}, func(*sources.Payload) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 || Permanent(err) {
		t.Fatalf("error %v after %d calls", err, calls)
	}
	// Nothing in, nothing out.
	ps, st, err := split(t, []byte("\n  \n"), Options{})
	if err != nil || len(ps) != 0 || st.Parts != 0 {
		t.Fatalf("empty stream: %d parts, %v", len(ps), err)
	}
}

type limited struct {
	sources.Publisher
	max int
}

func (l limited) MaxPayload() int { return l.max }

func TestForPublisher(t *testing.T) {
	o := ForPublisher(Options{}, limited{max: 1 << 20})
	if o.MaxPartBytes != 512<<10 || o.MaxRecordBytes != 512<<10 || o.KeepBytes != DefaultKeepBytes {
		t.Fatalf("options %+v", o)
	}
	if o := ForPublisher(Options{MaxPartBytes: 1000}, limited{max: 64 << 20}); o.MaxPartBytes != 1000 {
		t.Fatalf("a smaller part size was raised: %+v", o)
	}
	if o := ForPublisher(Options{}, nil); o.MaxPartBytes != 0 {
		t.Fatalf("a publisher without a limit changed the options: %+v", o)
	}
}
