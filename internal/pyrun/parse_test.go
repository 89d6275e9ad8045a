package pyrun

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCheckProbe(t *testing.T) {
	for _, tc := range []struct{ out, version, err string }{
		{out: "3.11.7 ", version: "3.11.7"},
		{out: "3.9.0 ", version: "3.9.0"},
		{out: "3.8.10 ", err: "/p is Python 3.8.10; detections need CPython >= 3.9"},
		{out: "2.7.18 ", err: "/p is Python 2.7.18; detections need CPython >= 3.9"},
		{out: "3.12.1 sqlite3,resource", err: "/p (Python 3.12.1) lacks required standard modules: sqlite3, resource"},
		{out: "garbage", err: `/p reported version "garbage", expected MAJOR.MINOR.PATCH`},
		{out: "", err: `/p reported version "", expected MAJOR.MINOR.PATCH`},
	} {
		_, v, err := checkProbe("/p", tc.out)
		if tc.err == "" {
			if err != nil || v != tc.version {
				t.Errorf("checkProbe(%q) = %q, %v; want %q", tc.out, v, err, tc.version)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("checkProbe(%q) error = %v, want it to contain %q", tc.out, err, tc.err)
		}
	}
}

func TestResolve(t *testing.T) {
	d := Defaults{ID: "R", DisplayName: "Nice Name", Severity: "High", Description: "desc", Reference: "ref", Runbook: "rb"}
	ok := func(v string) *Output { return &Output{Value: v} }
	bad := &Output{Err: "ZeroDivisionError: division by zero"}
	for _, tc := range []struct {
		name string
		m    Match
		want Alert
	}{
		{"no aux functions", Match{}, Alert{Title: "Nice Name", Dedup: "defaultDedupString:R", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb"}},
		{"title feeds dedup", Match{Title: ok("t")}, Alert{Title: "t", Dedup: "t", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb"}},
		{"failing title is the ID", Match{Title: bad}, Alert{Title: "R", Dedup: "R", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb"}},
		{"empty dedup", Match{Title: ok("t"), Dedup: ok("")}, Alert{Title: "t", Dedup: "defaultDedupString:R", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb"}},
		{"failing dedup", Match{Dedup: bad}, Alert{Title: "Nice Name", Dedup: "defaultDedupString:R", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb"}},
		{"severity override and DEFAULT", Match{Severity: ok("LOW"), Description: ok("gen"), Runbook: bad},
			Alert{Title: "Nice Name", Dedup: "defaultDedupString:R", Severity: "LOW", Description: "gen", Reference: "ref", Runbook: "rb"}},
		{"DEFAULT severity", Match{Severity: ok("DEFAULT")}, Alert{Title: "Nice Name", Dedup: "defaultDedupString:R", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb"}},
		{"empty destinations skip", Match{Destinations: &Destinations{Names: []string{}}},
			Alert{Title: "Nice Name", Dedup: "defaultDedupString:R", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb", Destinations: []string{"SKIP"}}},
		{"None destinations", Match{Destinations: &Destinations{None: true}, AlertContext: ok(`{"a":1}`), Unique: ok("u")},
			Alert{Title: "Nice Name", Dedup: "defaultDedupString:R", Severity: "HIGH", Description: "desc", Reference: "ref", Runbook: "rb", AlertContext: json.RawMessage(`{"a":1}`), Unique: "u"}},
	} {
		got := tc.m.Resolve(d)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(tc.want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s: got %s, want %s", tc.name, g, w)
		}
	}
}

func frame(payload []byte) []byte {
	b := make([]byte, 4, 4+len(payload))
	binary.BigEndian.PutUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func TestReadFrame(t *testing.T) {
	got, err := readFrame(bytes.NewReader(frame([]byte(`{"a":1}`))))
	if err != nil || string(got) != `{"a":1}` {
		t.Errorf("readFrame = %q, %v", got, err)
	}
	if _, err := readFrame(bytes.NewReader(frame([]byte(`{"a":1}`))[:6])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short frame error = %v, want unexpected EOF", err)
	}
	if _, err := readFrame(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff})); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("huge frame error = %v", err)
	}
}

// FuzzReadFrame checks that arbitrary streams never panic the frame reader
// and that a frame it accepts is exactly the announced length.
func FuzzReadFrame(f *testing.F) {
	f.Add(frame([]byte(`{"seq":1}`)))
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0xff, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := readFrame(bytes.NewReader(data))
		if err == nil && int(binary.BigEndian.Uint32(data)) != len(got) {
			t.Fatalf("frame of %d bytes, header says %d", len(got), binary.BigEndian.Uint32(data))
		}
	})
}

// fakePool is a Pool with content but no workers, for decoding tests.
func fakePool() *Pool {
	p := &Pool{content: Content{Detections: []Detection{
		{ID: "A", Kind: KindRule, Module: Module{Path: "a.py"}},
		{ID: "B", Kind: KindPolicy, Module: Module{Path: "b.py"}},
	}}, detIdx: map[string]int{"A": 0, "B": 1}}
	p.stats = make([]DetectionStats, 2)
	return p
}

func TestDecodeEval(t *testing.T) {
	p := fakePool()
	events := make([]Event, 3)
	resp := `{"seq":1,"m":[[2,0,{"title":"t","destinations":null,"severity!":"AssertionError: x"}],[0,1,{"destinations":["a","b"]}]],` +
		`"e":[[1,0,{"type":"KeyError","msg":"'k'","line":3,"tb":"tb","fn":"rule"}]],"t":[[0,1500]]}`
	got, err := p.decodeEval([]byte(resp), events, 10, map[pair]*RuleError{{2, 1}: {Type: "WorkerCrash"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Event != 10 || got[0].DetectionID != "B" || got[0].Match.Destinations.Names[1] != "b" ||
		got[1].Event != 11 || got[1].Error.Error() != "a.py:3: KeyError: 'k'" ||
		got[2].Event != 12 || got[2].Match.Title.Value != "t" || !got[2].Match.Destinations.None || got[2].Match.Severity.Err != "AssertionError: x" ||
		got[3].Event != 12 || got[3].Error.Type != "WorkerCrash" {
		b, _ := json.Marshal(got)
		t.Errorf("decodeEval = %s", b)
	}
	if p.stats[0].Time != 1500 || p.stats[0].Errors != 1 || p.stats[0].Matches != 1 {
		t.Errorf("stats = %+v", p.stats)
	}
	for _, bad := range []string{`{`, `{"m":[[5,0,{}]]}`, `{"m":[[0,9,{}]]}`, `{"m":[[0,0]]}`, `{"e":[["x",0,{}]]}`, `{"fatal":"boom"}`, `{"m":[[0,0,{"destinations":7}]]}`} {
		if _, err := p.decodeEval([]byte(bad), events, 0, nil); err == nil {
			t.Errorf("decodeEval(%s) succeeded", bad)
		}
	}
}

// FuzzDecodeEval checks that malformed worker responses are errors, never
// panics or out-of-range results.
func FuzzDecodeEval(f *testing.F) {
	f.Add([]byte(`{"seq":1,"m":[[0,0,{"title":"t"}]],"e":[[1,1,{"type":"E","msg":"m"}]],"t":[[1,5]]}`))
	f.Add([]byte(`{"m":[[0,0,{"destinations":["x"]}]]}`))
	f.Add([]byte(`{"t":[[-1,5],[7,1]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fakePool()
		got, err := p.decodeEval(data, make([]Event, 2), 0, nil)
		if err != nil {
			return
		}
		for _, r := range got {
			if r.Event < 0 || r.Event >= 2 || (r.Match == nil) == (r.Error == nil) {
				t.Fatalf("bad result %+v", r)
			}
		}
	})
}

// FuzzCheckProbe checks that any probe output yields a version or an error.
func FuzzCheckProbe(f *testing.F) {
	f.Add("3.11.7 ")
	f.Add("3.8.1 sqlite3")
	f.Fuzz(func(t *testing.T, out string) {
		_, v, err := checkProbe("/p", out)
		if err == nil && v == "" {
			t.Fatal("no version and no error")
		}
	})
}

func TestEncodeEval(t *testing.T) {
	p := fakePool()
	s := &Selection{ids: []string{"A", "B"}, idx: []int32{0, 1}}
	events := []Event{{Data: json.RawMessage(`{"a":1}`), Detections: s}, {Data: json.RawMessage(`{}`)}, {Data: json.RawMessage(`{"b":[2]}`), Detections: s}}
	got := string(p.encodeEval(7, events, map[pair]*RuleError{{0, 1}: {}}))
	want := `{"op":"eval","seq":7,"sets":[[0,1]],"skip":[[0,1]],"events":[[0,{"a":1}],[-1,null],[0,{"b":[2]}]]}`
	if got != want {
		t.Errorf("encodeEval =\n%s\nwant\n%s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Error("frame is not valid JSON")
	}
}
