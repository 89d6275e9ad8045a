package logtypes_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/classify"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// ties are the documented ties between formats that are byte for byte the same: with both
// types enabled, a record of the key's type that the value's type also accepts goes to the
// value's type, which has the lower rank (see the descriptions of both schemas).
var ties = map[string]string{
	"Apache.AccessCombined": "Nginx.Access",        // nginx's combined format is Apache's
	"Fastly.Access":         "Apache.AccessCommon", // Fastly's Blank format is the Common Log Format
	// Not a format tie but a succession: Crowdstrike.FDREvent, which current detections
	// target, takes every FDR record that no specific type takes, before the v1 catch-all.
	"Crowdstrike.Unknown": "Crowdstrike.FDREvent",
}

// envelopes are the generic types a record of no vendor's format may land in: syslog is the
// envelope of many formats, and a syslog line of a program we have no type for is a
// Syslog.RFC3164 or Syslog.RFC5424 event.
var envelopes = map[string]bool{"Syslog.RFC3164": true, "Syslog.RFC5424": true}

// lineResult is what one record became: its type, or "" when it was quarantined, with the
// closest type then.
type lineResult struct {
	line    int
	typ     string
	closest string
	warned  bool // the event has p_parse_warnings
}

// classifyFile classifies every record of path with types enabled, as ingest does.
func classifyFile(t *testing.T, types []*logtypes.LogType, path string) []lineResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dr, _, err := input.Decompress(f)
	if err != nil {
		t.Fatal(err)
	}
	defer dr.Close()
	rd := input.NewEnvelopes(input.NewReader(dr, input.Options{}))
	arena := &event.Arena{}
	dec := &decode.Decoder{Arena: arena}
	st := classify.NewStream(classify.New(types, dec), rd)
	var out []lineResult
	for {
		it, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rec, res, fail := it.Rec, it.Res, it.Fail
		switch {
		case fail != nil:
			lr := lineResult{line: rec.Line}
			if len(fail.Reasons) > 0 {
				lr.closest = fail.Reasons[0].LogType
			}
			out = append(out, lr)
		case res.OK:
			out = append(out, lineResult{line: rec.Line, typ: res.LogType.Name, warned: len(dec.Warnings()) > 0})
		}
		arena.Reset()
	}
	return out
}

// confusionCounts is one row of the confusion summary.
type confusionCounts struct {
	valid, validParsed     int // records of the valid samples, and how many the type parses alone
	invalid, invalidParsed int // the same for the samples named invalid
	warned                 int // events parsed alone with p_parse_warnings
	// With every type enabled: own type, documented tie, another type, quarantined.
	own, tie, other, quarantd int
}

// TestConfusion classifies every golden sample of every type, and foreign samples
// (testdata/confusion: other formats, generic JSON, syslog of programs we have no type for),
// with every managed type enabled. No record may land in another type's table, except in a
// documented tie; a foreign record is quarantined or lands in a generic envelope type. Text
// records must not be accepted by two text types of one rank, so that their type does not
// depend on the lines before them. The counts are kept in testdata/confusion/summary.txt.
func TestConfusion(t *testing.T) {
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	all := reg.All()
	counts := map[string]*confusionCounts{}
	for name, dir := range goldenDirs(t) {
		lt := reg.Get(name)
		if lt == nil {
			t.Fatalf("no managed type %s", name)
		}
		cc := &confusionCounts{}
		counts[name] = cc
		for _, path := range samples(t, dir) {
			alone := classifyFile(t, []*logtypes.LogType{lt}, path)
			mixed := classifyFile(t, all, path)
			if len(alone) != len(mixed) {
				t.Fatalf("%s: %d records alone, %d with every type", path, len(alone), len(mixed))
			}
			invalid := strings.Contains(filepath.Base(path), "invalid")
			for i, a := range alone {
				m := mixed[i]
				switch {
				case invalid:
					cc.invalid++
					if a.typ != "" {
						cc.invalidParsed++
					}
				default:
					cc.valid++
					if a.typ != "" {
						cc.validParsed++
					}
				}
				if a.warned {
					cc.warned++
				}
				switch {
				case m.typ == name:
					cc.own++
				case m.typ == "":
					cc.quarantd++
					if !invalid || a.typ != "" {
						t.Errorf("%s: line %d is quarantined with every type enabled (closest %s)", path, m.line, m.closest)
					}
				case ties[name] == m.typ && a.typ != "":
					cc.tie++
					if w := reg.Get(m.typ); w.Rank >= lt.Rank {
						t.Errorf("tie %s -> %s: the winner's rank %d is not below %d", name, m.typ, w.Rank, lt.Rank)
					}
				case a.typ == "" && sameVendor(name, m.typ):
					// A record the type rejects, in an invalid sample: invalid samples hold
					// records of the vendor's other types on purpose.
					cc.quarantd++
				default:
					cc.other++
					t.Errorf("%s: line %d of %s lands in %s", path, m.line, name, m.typ)
				}
			}
		}
	}
	// Foreign samples.
	foreign := map[string]int{}
	fdir := filepath.Join("testdata", "confusion")
	fsamples := samples(t, fdir)
	var fgolden []string
	for _, path := range fsamples {
		if filepath.Base(path) == "summary.txt" {
			continue
		}
		for _, m := range classifyFile(t, all, path) {
			key := "quarantined"
			if m.closest != "" {
				key = "quarantined (closest: " + m.closest + ")"
			}
			if m.typ != "" {
				key = m.typ
				if !envelopes[m.typ] {
					t.Errorf("%s: line %d, a foreign record, lands in %s", path, m.line, m.typ)
				}
			}
			foreign[key]++
			fgolden = append(fgolden, fmt.Sprintf("%s:%d %s", filepath.Base(path), m.line, key))
		}
	}
	if len(fsamples) < 2 {
		t.Errorf("%s: no foreign samples", fdir)
	}
	checkSameRankText(t, reg)

	var b bytes.Buffer
	fmt.Fprintf(&b, "# Confusion summary: every golden sample, every managed type enabled (go test -run TestConfusion -update).\n")
	fmt.Fprintf(&b, "# valid, parsed, rate: records of the valid samples and how many the type parses alone;\n")
	fmt.Fprintf(&b, "# invalid, parsed: the same for the samples named invalid; warned: events parsed alone with p_parse_warnings;\n")
	fmt.Fprintf(&b, "# own, tie, other, quar.: where all records go with every type enabled (own type, the documented tie,\n")
	fmt.Fprintf(&b, "# another type, quarantined).\n")
	fmt.Fprintf(&b, "%-34s %6s %6s %7s %7s %6s %6s %6s %4s %5s %5s\n", "type", "valid", "parsed", "rate", "invalid", "parsed", "warned", "own", "tie", "other", "quar.")
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	var tot confusionCounts
	row := func(n string, c *confusionCounts) {
		fmt.Fprintf(&b, "%-34s %6d %6d %6.1f%% %7d %6d %6d %6d %4d %5d %5d\n", n, c.valid, c.validParsed, rate(c.validParsed, c.valid),
			c.invalid, c.invalidParsed, c.warned, c.own, c.tie, c.other, c.quarantd)
	}
	for _, n := range names {
		c := counts[n]
		row(n, c)
		tot.valid += c.valid
		tot.validParsed += c.validParsed
		tot.invalid += c.invalid
		tot.invalidParsed += c.invalidParsed
		tot.warned += c.warned
		tot.own += c.own
		tot.tie += c.tie
		tot.other += c.other
		tot.quarantd += c.quarantd
	}
	row("total", &tot)
	keys := make([]string, 0, len(foreign))
	for k := range foreign {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(&b, "\n# foreign samples (testdata/confusion), every managed type enabled\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%-34s %7d\n", k, foreign[k])
	}
	fmt.Fprintf(&b, "\n# foreign records, one per line\n%s\n", strings.Join(fgolden, "\n"))
	golden := filepath.Join(fdir, "summary.txt")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, b.Bytes()) {
		t.Errorf("the confusion summary differs from %s (run with -update after checking):\n%s", golden, diff(string(want), b.String()))
	}
}

// sameVendor reports whether a record of an invalid sample of typ that typ rejects may land in
// got: a type of the same vendor, the winner of a tie with a type of the same vendor, or an
// envelope type.
func sameVendor(typ, got string) bool {
	if envelopes[got] || vendor(typ) == vendor(got) {
		return true
	}
	for x, w := range ties {
		if w == got && vendor(x) == vendor(typ) {
			return true
		}
	}
	return false
}

// vendor returns the vendor of a type, or the family of formats it shares with other vendors.
func vendor(typ string) string {
	v, _, _ := strings.Cut(typ, ".")
	if f, ok := families[v]; ok {
		return f
	}
	return v
}

// families groups the vendors that write one format: the NCSA access log of web servers.
var families = map[string]string{"Apache": "NCSA", "Nginx": "NCSA", "Fastly": "NCSA"}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// checkSameRankText checks that no record of a valid text sample is also accepted by another
// text type of the same rank: within a rank the classifier tries text types in an adaptive
// order, so such a record's type would depend on the lines before it.
func checkSameRankText(t *testing.T, reg *logtypes.Registry) {
	t.Helper()
	var text []*logtypes.LogType
	for _, lt := range reg.All() {
		if !lt.JSON {
			text = append(text, lt)
		}
	}
	for name, dir := range goldenDirs(t) {
		lt := reg.Get(name)
		if lt.JSON {
			continue
		}
		for _, path := range samples(t, dir) {
			if strings.Contains(filepath.Base(path), "invalid") {
				continue
			}
			own := map[int]bool{}
			for _, r := range classifyFile(t, []*logtypes.LogType{lt}, path) {
				if r.typ != "" {
					own[r.line] = true
				}
			}
			for _, w := range text {
				if w == lt || w.Rank != lt.Rank {
					continue
				}
				for _, r := range classifyFile(t, []*logtypes.LogType{w}, path) {
					if r.typ != "" && own[r.line] {
						t.Errorf("%s: line %d of %s is also a %s record, of the same rank %d", path, r.line, name, w.Name, w.Rank)
					}
				}
			}
		}
	}
}
