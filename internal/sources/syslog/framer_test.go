package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

// frame is a message as the tests compare it.
type frame struct {
	Data     string
	Size     int64
	Cut, Bad bool
}

func (f frame) String() string {
	return fmt.Sprintf("{%q size=%d cut=%v bad=%v}", f.Data, f.Size, f.Cut, f.Bad)
}

// frameAll frames src to the end and returns the messages and the final
// error (nil for io.EOF). Timeout errors are retried.
func frameAll(t testing.TB, src io.Reader, max int) ([]frame, Framing, error) {
	fr := NewFramer(src, max)
	var out []frame
	for {
		m, err := fr.Next()
		if err == io.EOF {
			return out, fr.Framing(), nil
		}
		if isTimeout(err) {
			continue
		}
		if err != nil {
			return out, fr.Framing(), err
		}
		if len(m.Data) > max {
			t.Fatalf("message of %d bytes returned with max %d", len(m.Data), max)
		}
		if m.Size < int64(len(m.Data)) {
			t.Fatalf("size %d below the %d bytes returned", m.Size, len(m.Data))
		}
		out = append(out, frame{string(m.Data), m.Size, m.Cut, m.BadFrame})
	}
}

func TestFramer(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name    string
		in      string
		max     int
		framing Framing
		want    []frame
	}{
		{
			name: "LF framing", in: "<13>Jan  1 00:00:00 host app: one\n<14>1 2024-01-01T00:00:00Z h a - - - two\r\n",
			max: 100, framing: FramingNonTransparent,
			want: []frame{{"<13>Jan  1 00:00:00 host app: one", 33, false, false}, {"<14>1 2024-01-01T00:00:00Z h a - - - two", 41, false, false}},
		},
		{
			name: "LF framing, empty lines and a last line without LF", in: "\n\n<13>a\n\n\r\n<13>b",
			max: 100, framing: FramingNonTransparent,
			want: []frame{{"<13>a", 5, false, false}, {"<13>b", 5, false, false}},
		},
		{
			name: "octet counting", in: "5 <13>a11 <13>b\nline2",
			max: 100, framing: FramingOctetCounting,
			want: []frame{{"<13>a", 5, false, false}, {"<13>b\nline2", 11, false, false}},
		},
		{
			name: "octet counting with LF between frames and a trailing LF inside", in: "6 <13>a\n\n6 <13>b\n",
			max: 100, framing: FramingOctetCounting,
			want: []frame{{"<13>a", 6, false, false}, {"<13>b", 6, false, false}},
		},
		{
			name: "octet counting, a frame longer than max is cut", in: "40 " + long + "5 <13>c",
			max: 10, framing: FramingOctetCounting,
			want: []frame{{long[:10], 40, true, false}, {"<13>c", 5, false, false}},
		},
		{
			name: "LF framing, a line longer than max is cut", in: long + "\n<13>d\n",
			max: 10, framing: FramingNonTransparent,
			want: []frame{{long[:10], 40, true, false}, {"<13>d", 5, false, false}},
		},
		{
			name: "LF framing, a line of exactly max bytes", in: "abcdefghij\n",
			max: 10, framing: FramingNonTransparent,
			want: []frame{{"abcdefghij", 10, false, false}},
		},
		{
			name: "octet counting, garbage instead of a header", in: "5 <13>agarbage here\n5 <13>b",
			max: 100, framing: FramingOctetCounting,
			want: []frame{{"<13>a", 5, false, false}, {"garbage here", 12, false, true}, {"<13>b", 5, false, false}},
		},
		{
			name: "octet counting, digits without a space", in: "12345\n3 abc",
			max: 100, framing: FramingOctetCounting,
			want: []frame{{"12345", 5, false, true}, {"abc", 3, false, false}},
		},
		{
			name: "octet counting, a leading zero is not a length", in: "05 <13>a\n",
			max: 100, framing: FramingOctetCounting,
			want: []frame{{"05 <13>a", 8, false, true}},
		},
		{
			name: "octet counting, too many digits", in: "1234567890 x\n",
			max: 100, framing: FramingOctetCounting,
			want: []frame{{"1234567890 x", 12, false, true}},
		},
		{
			name: "octet counting, a truncated last frame", in: "10 <13>a",
			max: 100, framing: FramingOctetCounting,
			want: []frame{{"<13>a", 10, true, false}},
		},
		{
			name: "octet counting, a truncated last frame longer than max", in: "50 " + long,
			max: 10, framing: FramingOctetCounting,
			want: []frame{{long[:10], 50, true, false}},
		},
		{
			name: "LF framing detected on a digit-free first byte keeps digits later", in: "<1>a\n5 xxxxx\n",
			max: 100, framing: FramingNonTransparent,
			want: []frame{{"<1>a", 4, false, false}, {"5 xxxxx", 7, false, false}},
		},
		{
			name: "empty stream", in: "", max: 10, framing: FramingUnknown,
		},
		{
			name: "binary garbage", in: "\x00\x01\xff\xfe\n\x80", max: 10, framing: FramingNonTransparent,
			want: []frame{{"\x01\xff\xfe", 3, false, false}, {"\x80", 1, false, false}},
		},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"timeouts": func(s string) io.Reader { return &timeoutReader{r: iotest.HalfReader(strings.NewReader(s))} },
	}
	for _, tc := range tests {
		for rname, mk := range readers {
			t.Run(tc.name+"/"+rname, func(t *testing.T) {
				got, framing, err := frameAll(t, mk(tc.in), tc.max)
				if err != nil {
					t.Fatal(err)
				}
				if framing != tc.framing {
					t.Errorf("framing %v, want %v", framing, tc.framing)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("got  %v\nwant %v", got, tc.want)
				}
			})
		}
	}
}

// timeoutReader returns a timeout error before every read, as a net.Conn
// with a read deadline does when no data came in time.
type timeoutReader struct {
	r    io.Reader
	tick bool
}

func (t *timeoutReader) Read(p []byte) (int, error) {
	t.tick = !t.tick
	if t.tick {
		return 0, os.ErrDeadlineExceeded
	}
	return t.r.Read(p)
}

func TestFramerReadError(t *testing.T) {
	boom := errors.New("connection reset")
	src := io.MultiReader(strings.NewReader("<13>a\n<13>partial"), iotest.ErrReader(boom))
	got, _, err := frameAll(t, src, 100)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	if fmt.Sprint(got) != fmt.Sprint([]frame{{"<13>a", 5, false, false}}) {
		t.Fatalf("got %v", got)
	}
	// The error is sticky.
	fr := NewFramer(iotest.ErrReader(boom), 10)
	for range 2 {
		if _, err := fr.Next(); !errors.Is(err, boom) {
			t.Fatalf("error %v, want %v", err, boom)
		}
	}
}

// TestFramerMemory checks that a long cut line does not grow the buffer past
// about the limit.
func TestFramerMemory(t *testing.T) {
	const max = 1000
	src := io.MultiReader(strings.NewReader(strings.Repeat("y", 10<<20)), strings.NewReader("\n<13>z\n"))
	fr := NewFramer(src, max)
	m, err := fr.Next()
	if err != nil || !m.Cut || m.Size != 10<<20 || len(m.Data) != max {
		t.Fatalf("got cut=%v size=%d len=%d err=%v", m.Cut, m.Size, len(m.Data), err)
	}
	if len(fr.buf) > 64<<10 {
		t.Fatalf("buffer grew to %d bytes for a limit of %d", len(fr.buf), max)
	}
	m, err = fr.Next()
	if err != nil || string(m.Data) != "<13>z" {
		t.Fatalf("got %q, %v", m.Data, err)
	}
}

// octetEncode frames msgs with octet counting.
func octetEncode(msgs [][]byte) []byte {
	var b bytes.Buffer
	for _, m := range msgs {
		fmt.Fprintf(&b, "%d ", len(m))
		b.Write(m)
	}
	return b.Bytes()
}

func TestFramerOctetRoundTrip(t *testing.T) {
	msgs := [][]byte{[]byte("<13>a"), []byte("<13>multi\nline\nmessage"), bytes.Repeat([]byte("z"), 5000), []byte("<1>\x00nul inside")}
	got, framing, err := frameAll(t, iotest.HalfReader(bytes.NewReader(octetEncode(msgs))), 8192)
	if err != nil || framing != FramingOctetCounting || len(got) != len(msgs) {
		t.Fatalf("got %d messages, framing %v, err %v", len(got), framing, err)
	}
	for i, m := range msgs {
		if got[i].Data != string(m) || got[i].Cut || got[i].Bad {
			t.Errorf("message %d: got %v", i, got[i])
		}
	}
}
