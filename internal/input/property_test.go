package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// gen builds random inputs out of the pieces real logs and broken logs are
// made of.
type gen struct {
	rnd *rand.Rand
	b   bytes.Buffer
}

func (g *gen) pick(s ...string) string { return s[g.rnd.IntN(len(s))] }

// value writes a random JSON value; pretty adds newlines and indentation.
func (g *gen) value(depth int, pretty bool) {
	nl := func() {
		if pretty {
			g.b.WriteString(g.pick("\n", "\n  ", "\r\n", " "))
		}
	}
	switch k := g.rnd.IntN(8); {
	case k < 2 && depth < 4:
		g.b.WriteByte('{')
		n := g.rnd.IntN(4)
		for i := range n {
			if i > 0 {
				g.b.WriteByte(',')
			}
			nl()
			fmt.Fprintf(&g.b, "%q:", g.pick("a", "Records", "records", "eventName", "b c", "\u00e9"))
			g.value(depth+1, pretty)
		}
		nl()
		g.b.WriteByte('}')
	case k < 3 && depth < 4:
		g.b.WriteByte('[')
		n := g.rnd.IntN(4)
		for i := range n {
			if i > 0 {
				g.b.WriteByte(',')
			}
			nl()
			g.value(depth+1, pretty)
		}
		nl()
		g.b.WriteByte(']')
	case k < 5:
		g.b.WriteString(g.pick(`"x"`, `""`, `"a\"b"`, `"\u00e9\n"`, `"line"`, "\"\xff\xfe\""))
	case k < 7:
		g.b.WriteString(g.pick("0", "-1", "12.5", "1e3", "-0.0E-2", "42"))
	default:
		g.b.WriteString(g.pick("true", "false", "null"))
	}
}

// piece writes one random piece of input.
func (g *gen) piece() {
	switch g.rnd.IntN(12) {
	case 0, 1:
		g.b.WriteString(g.pick("hello world", "[INFO] started", "[1] x", "[0.5] kernel", "123", `"s"`,
			"a\x00b", "\xff\xfe", "key=value k2=v2", "[2021-01-01 10:00:00] msg", "}", "]", ",", "{", "["))
	case 2, 3:
		g.value(0, false)
	case 4:
		g.value(0, true)
	case 5:
		// A truncated value.
		start := g.b.Len()
		g.value(0, g.rnd.IntN(2) == 0)
		if n := g.b.Len() - start; n > 1 {
			g.b.Truncate(start + 1 + g.rnd.IntN(n-1))
		}
	case 6, 7:
		// A Records wrapper, sometimes with a tail, sometimes broken.
		g.b.WriteString(g.pick(`{"Records":[`, "{ \"Records\" :\n[\n", `{"records":[`))
		n := g.rnd.IntN(4)
		for i := range n {
			if i > 0 {
				g.b.WriteString(g.pick(",", ",\n", " , "))
			}
			g.value(1, g.rnd.IntN(3) == 0)
		}
		g.b.WriteString(g.pick("]}", "]\n}", `],"x":1}`, `], "y":{"z":[1]} }`, "]", "] bad}", "", "]}}"))
	case 8:
		// A top-level array over several lines.
		g.b.WriteString("[\n")
		n := g.rnd.IntN(4)
		for i := range n {
			if i > 0 {
				g.b.WriteString(g.pick(",\n", ", ", ",", " x,"))
			}
			g.value(1, g.rnd.IntN(3) == 0)
		}
		g.b.WriteString(g.pick("\n]", "]", "", "\n"))
	case 9:
		g.b.WriteString(strings.Repeat("x", g.rnd.IntN(80)))
	case 10:
		g.b.WriteString(strings.Repeat(g.pick("[", `{"a":`), g.rnd.IntN(20)))
	default:
		g.b.WriteString(g.pick("\xef\xbb\xbf", "\t", "\v", "\f"))
	}
	g.b.WriteString(g.pick("\n", "\n", "\r\n", " ", "", "\n\n", "\t\n"))
}

func (g *gen) input() []byte {
	g.b.Reset()
	if g.rnd.IntN(8) == 0 {
		g.b.WriteString("\xef\xbb\xbf")
	}
	n := g.rnd.IntN(12)
	for range n {
		g.piece()
	}
	return bytes.Clone(g.b.Bytes())
}

func (g *gen) options() Options {
	var o Options
	if g.rnd.IntN(2) == 0 {
		o.MaxRecordBytes = 4 + g.rnd.IntN(60)
		o.KeepBytes = 1 + g.rnd.IntN(o.MaxRecordBytes)
	}
	o.BufferSize = []int{0, 1, 7, 64}[g.rnd.IntN(4)]
	return o
}

// TestNothingLost frames random inputs and checks the oracle of
// checkRecords, and that how the bytes arrive does not change the records.
func TestNothingLost(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	seed := uint64(20260101)
	g := &gen{rnd: rand.New(rand.NewPCG(seed, seed))}
	for i := range n {
		in := g.input()
		o := g.options()
		a := mustFrame(t, in, o, nil)
		o2 := o
		o2.BufferSize = 1
		b := mustFrame(t, in, o2, iotest.OneByteReader)
		if !slices.EqualFunc(a, b, sameRecord) {
			t.Fatalf("case %d (%+v): records differ between whole and one-byte reads of %q:\n%s\nvs\n%s",
				i, o, in, describeAll(a), describeAll(b))
		}
	}
}

// FuzzReader checks the nothing-lost oracle on arbitrary input and
// options, and that byte-at-a-time reads give the same records.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"", "a\nb", "{\"a\":1}{\"b\":2}\n", "{\n\"a\":[1,2]\n}\n", `{"Records":[{"a":1},2],"x":{}}`,
		"[\n1,\n2 x\n]", "[0.0] kernel\n", "{\"Records\":[1]\ngarbage\n", "\xef\xbb\xbf[1][2]",
		`{"a":"\u00e9\"\\"}`, "{\"a\":\"x\ny\"}", strings.Repeat("[", 50), `[1,"xxxxxxxxxxxxxxxxxxxxxxxx",2]`,
	}
	g := &gen{rnd: rand.New(rand.NewPCG(1, 2))}
	for range 20 {
		seeds = append(seeds, string(g.input()))
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint16(i%3*17), uint16(i%5), uint8(i%4))
	}
	f.Fuzz(func(t *testing.T, in []byte, maxRec, keep uint16, bufSize uint8) {
		// A BufferSize of 0 would mean the 1 MiB default, which makes
		// fuzzing slow without covering more.
		o := Options{MaxRecordBytes: int(maxRec), KeepBytes: int(keep), BufferSize: 1 + int(bufSize)}
		a := mustFrame(t, in, o, nil)
		b := mustFrame(t, in, o, iotest.OneByteReader)
		if !slices.EqualFunc(a, b, sameRecord) {
			t.Fatalf("records differ between whole and one-byte reads:\n%s\nvs\n%s", describeAll(a), describeAll(b))
		}
	})
}

// FuzzDecompress feeds arbitrary bytes (seeded with small compressed
// streams) through Decompress and the framer: nothing may panic, the framed
// records must pass the oracle against the decompressed bytes, and errors
// must be *DecompressError for compressed input.
func FuzzDecompress(f *testing.F) {
	for _, s := range []string{"a\nb\n", "{\"Records\":[1,2]}\n", ""} {
		f.Add(gzipBytes(f, s))
		f.Add(append(gzipBytes(f, s), gzipBytes(f, s)...))
		f.Add(zstdBytes(f, s))
		f.Add([]byte(s))
	}
	f.Add(readTestdata(f, "lines.txt.bz2"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 1 << 20
		rc, c, err := Decompress(bytes.NewReader(in))
		var de *DecompressError
		if err != nil {
			if c == CompressionNone || !errors.As(err, &de) {
				t.Fatalf("%s: error %v is not a *DecompressError", c, err)
			}
			return
		}
		defer rc.Close()
		plain, err := io.ReadAll(io.LimitReader(rc, limit))
		if err != nil && (c == CompressionNone || !errors.As(err, &de) || de.Offset != int64(len(plain))) {
			t.Fatalf("%s: error %v after %d bytes is not a *DecompressError with that offset", c, err, len(plain))
		}
		if c == CompressionNone && !bytes.Equal(plain, in) {
			t.Fatal("uncompressed data was changed")
		}
		mustFrame(t, plain, Options{MaxRecordBytes: 64, KeepBytes: 8}, nil)
	})
}
