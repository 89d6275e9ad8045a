package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func gzipBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstdBytes(t testing.TB, s string) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll([]byte(s), nil)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// linesText is the content of testdata/lines.txt.bz2.
func linesText() string {
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, `{"eventVersion":"1.08","eventTime":"2021-01-01T00:00:%02dZ","n":%d,"eventName":"GetObject"}`+"\n", i%60, i)
	}
	return b.String()
}

// sampleLines returns n lines of CloudTrail-like JSON.
func sampleLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"eventTime":"2021-01-01T00:00:00Z","eventName":"Event%d","sourceIPAddress":"10.0.%d.%d"}`+"\n", i, i%256, i/256%256)
	}
	return b.String()
}

func TestDecompress(t *testing.T) {
	text := "hello\n{\"a\":1}\n"
	skippable := append([]byte{0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4}, zstdBytes(t, text)...)
	tests := []struct {
		name string
		in   []byte
		want string
		c    Compression
	}{
		{name: "plain", in: []byte(text), want: text, c: CompressionNone},
		{name: "empty", in: nil, want: "", c: CompressionNone},
		{name: "short", in: []byte("ab"), want: "ab", c: CompressionNone},
		{name: "gzip magic only", in: []byte{0x1f, 0x8b}, want: "\x1f\x8b", c: CompressionNone},
		{name: "text like bzip2", in: []byte("BZh9 is not bzip2\n"), want: "BZh9 is not bzip2\n", c: CompressionNone},
		{name: "gzip", in: gzipBytes(t, text), want: text, c: CompressionGzip},
		{name: "gzip empty", in: gzipBytes(t, ""), want: "", c: CompressionGzip},
		{name: "gzip members", in: append(gzipBytes(t, "one\n"), gzipBytes(t, "two\n")...), want: "one\ntwo\n", c: CompressionGzip},
		{name: "zstd", in: zstdBytes(t, text), want: text, c: CompressionZstd},
		{name: "zstd frames", in: append(zstdBytes(t, "one\n"), zstdBytes(t, "two\n")...), want: "one\ntwo\n", c: CompressionZstd},
		{name: "zstd skippable frame", in: skippable, want: text, c: CompressionZstd},
		{name: "bzip2", in: readTestdata(t, "lines.txt.bz2"), want: linesText(), c: CompressionBzip2},
		{name: "bzip2 streams", in: readTestdata(t, "concat.bz2"), want: "first\nsecond\n", c: CompressionBzip2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, wrap := range []func(io.Reader) io.Reader{nil, iotest.OneByteReader} {
				var src io.Reader = bytes.NewReader(tt.in)
				if wrap != nil {
					src = wrap(src)
				}
				rc, c, err := Decompress(src)
				if err != nil {
					t.Fatal(err)
				}
				if c != tt.c {
					t.Errorf("compression %q, want %q", c, tt.c)
				}
				got, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.want {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
				if err := rc.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestDecompressErrors(t *testing.T) {
	text := sampleLines(20000)
	gz := gzipBytes(t, text)
	zs := zstdBytes(t, text)
	bz := readTestdata(t, "lines.txt.bz2")
	corrupt := func(b []byte, at int) []byte {
		b = bytes.Clone(b)
		for i := at; i < at+16 && i < len(b); i++ {
			b[i] ^= 0x5a
		}
		return b
	}
	lines := make(map[string]bool)
	for _, l := range strings.Split(text+linesText(), "\n") {
		lines[l] = true
	}
	tests := []struct {
		name      string
		in        []byte
		c         Compression
		truncated bool
		msg       string // the error text up to the offset
		partial   bool   // records come before the error
	}{
		{name: "gzip truncated", in: gz[:len(gz)/2], c: CompressionGzip, truncated: true, msg: "gzip: truncated data after ", partial: true},
		{name: "gzip trailer cut", in: gz[:len(gz)-4], c: CompressionGzip, truncated: true, msg: "gzip: truncated data after ", partial: true},
		{name: "gzip corrupt", in: corrupt(gz, len(gz)/2), c: CompressionGzip, msg: "gzip: corrupt data after "},
		{name: "gzip bad checksum", in: corrupt(gz, len(gz)-8), c: CompressionGzip, msg: "gzip: corrupt data after "},
		{name: "gzip garbage member", in: append(bytes.Clone(gz), "garbage after the member\n"...), c: CompressionGzip, msg: "gzip: corrupt data after "},
		{name: "zstd truncated", in: zs[:len(zs)/2], c: CompressionZstd, truncated: true, msg: "zstd: truncated data after ", partial: true},
		{name: "zstd corrupt", in: corrupt(zs, len(zs)/2), c: CompressionZstd, msg: "zstd: corrupt data after "},
		{name: "bzip2 truncated", in: bz[:len(bz)/2], c: CompressionBzip2, truncated: true, msg: "bzip2: truncated data after "},
		{name: "bzip2 corrupt", in: corrupt(bz, len(bz)/2), c: CompressionBzip2, msg: "bzip2: corrupt data after "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, c, err := Decompress(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if c != tt.c {
				t.Fatalf("compression %q, want %q", c, tt.c)
			}
			r := NewReader(rc, Options{})
			recs, err := frameAll(r)
			var de *DecompressError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want a *DecompressError", err, err)
			}
			if de.Compression != tt.c || de.Truncated != tt.truncated || de.Source {
				t.Fatalf("error %+v, want compression %s, truncated %v", de, tt.c, tt.truncated)
			}
			if !strings.HasPrefix(err.Error(), tt.msg+fmt.Sprint(de.Offset)+" decompressed bytes: ") {
				t.Fatalf("error %q, want it to start with %q and the offset %d", err, tt.msg, de.Offset)
			}
			// The records before the error are delivered. Those of a
			// truncated stream are whole lines of the original text;
			// corrupt data may decode to garbage before the checksum
			// catches it.
			var framed int64
			for _, rec := range recs {
				if tt.truncated && (!lines[string(rec.Data)] || !rec.JSON) {
					t.Fatalf("record %q at offset %d is not a line of the input", rec.Data, rec.Offset)
				}
				framed = rec.Offset + rec.Size
			}
			if framed > de.Offset {
				t.Fatalf("records up to offset %d, past the error offset %d", framed, de.Offset)
			}
			if tt.partial && len(recs) < 1000 {
				t.Fatalf("%d records delivered before the error, want many", len(recs))
			}
		})
	}
}

func TestDecompressSourceError(t *testing.T) {
	boom := errors.New("disk on fire")
	gz := gzipBytes(t, sampleLines(20000))
	src := io.MultiReader(bytes.NewReader(gz[:len(gz)/2]), iotest.ErrReader(boom))
	rc, _, err := Decompress(src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	var de *DecompressError
	if !errors.As(err, &de) || !de.Source || !errors.Is(err, boom) {
		t.Fatalf("error %v, want a read error wrapping %v", err, boom)
	}
	if !strings.HasPrefix(err.Error(), "gzip: read error after ") {
		t.Fatalf("error text %q", err)
	}
	// The error stays.
	if _, err2 := rc.Read(make([]byte, 10)); err2 != err {
		t.Fatalf("second read error %v, want %v", err2, err)
	}

	// An error before anything could be sniffed is returned as is.
	if _, _, err := Decompress(iotest.ErrReader(boom)); err != boom {
		t.Fatalf("Decompress of a failing reader: %v", err)
	}
	// A corrupt gzip header fails at once.
	_, _, err = Decompress(bytes.NewReader([]byte{0x1f, 0x8b, 8, 0xff, 0, 0, 0, 0, 0, 0}))
	if !errors.As(err, &de) || de.Offset != 0 {
		t.Fatalf("bad gzip header: %v", err)
	}
}

// TestDecompressFrame checks the whole path: every compression framed the
// same as the plain text.
func TestDecompressFrame(t *testing.T) {
	text := linesText()
	want := mustFrame(t, []byte(text), Options{}, nil)
	for _, in := range [][]byte{gzipBytes(t, text), zstdBytes(t, text), readTestdata(t, "lines.txt.bz2")} {
		rc, c, err := Decompress(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := frameAll(NewReader(rc, Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(got) != 2000 {
			t.Fatalf("%s: %d records, want %d", c, len(got), len(want))
		}
		for i := range got {
			if !sameRecord(got[i], want[i]) {
				t.Fatalf("%s: record %d is %s, want %s", c, i, describe(got[i]), describe(want[i]))
			}
		}
		rc.Close()
	}
}
