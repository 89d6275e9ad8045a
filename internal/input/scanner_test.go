package input

import (
	"encoding/json"
	"strings"
	"testing"
)

// valid reports whether b is one JSON value (with surrounding whitespace),
// by the scanner, feeding it b in two chunks split at split.
func valid(b []byte, split int) bool {
	var s scanner
	s.reset()
	i := 0
	for i < len(b) && jsonSpace[b[i]] {
		i++
	}
	if i == len(b) {
		return false
	}
	end := -1
	for _, chunk := range [][2]int{{i, min(max(split, i), len(b))}, {min(max(split, i), len(b)), len(b)}} {
		n, st := s.scan(b[chunk[0]:chunk[1]])
		if st == scanErr {
			return false
		}
		if st == scanDone {
			end = chunk[0] + n
			break
		}
	}
	if end < 0 {
		// The input ended inside the value: only a top-level number may
		// end there.
		switch s.state {
		case stNumZero, stNumInt, stNumFrac, stNumExpDig:
			return len(s.stack) == 0
		}
		return false
	}
	for _, c := range b[end:] {
		if !jsonSpace[c] {
			return false
		}
	}
	return true
}

func TestScanner(t *testing.T) {
	tests := []string{
		`{}`, `[]`, `{"a":1}`, ` { "a" : [ 1 , 2 ] } `, `"x"`, `0`, `-0`, `1.5`, `-1.5e10`, `1E+2`, `1e-2`, `0e5`,
		`true`, `false`, `null`, `{"a":{"b":{"c":[[],{}]}}}`, `"\"\\\/\b\f\n\r\t\u00e9\uABCD"`, "\"\xff\xfe\"", "\"\x7f\"",
		// invalid
		``, ` `, `{`, `}`, `[`, `]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a" 1}`, `{a:1}`,
		`01`, `-`, `-a`, `1.`, `1.e5`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `1 2`, `{}{}`, `{} x`,
		`tru`, `truth`, `nul`, `nulll`, `f`, `"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\nb\"", "\"\t\"", "\"\x00\"",
		`{"a":1}}`, `[1]]`, `[1}`, `{"a":1]`, `{"a" : [1, {"b": 2]}`, `"\`, `{"\`, `{"a\u00":1}`,
	}
	for _, in := range tests {
		want := json.Valid([]byte(in))
		for split := range len(in) + 1 {
			if got := valid([]byte(in), split); got != want {
				t.Errorf("valid(%q) split at %d = %v, want %v", in, split, got, want)
			}
		}
	}
}

func TestScannerDepth(t *testing.T) {
	for _, tt := range []struct {
		depth int
		want  bool
	}{{1, true}, {maxDepth, true}, {maxDepth + 1, false}, {100000, false}} {
		for _, in := range []string{
			strings.Repeat("[", tt.depth) + strings.Repeat("]", tt.depth),
			strings.Repeat(`{"a":`, tt.depth) + "1" + strings.Repeat("}", tt.depth),
		} {
			if got := valid([]byte(in), len(in)/2); got != tt.want {
				t.Errorf("depth %d: valid = %v, want %v", tt.depth, got, tt.want)
			}
			if got := json.Valid([]byte(in)); got != tt.want {
				t.Errorf("depth %d: json.Valid = %v, want %v", tt.depth, got, tt.want)
			}
		}
	}
}

func TestSpecial(t *testing.T) {
	// Every position and every byte value: the lowest flagged byte is the
	// first special one.
	for pos := range 8 {
		for c := range 256 {
			var b [8]byte
			for i := range b {
				b[i] = 'a'
			}
			b[pos] = byte(c)
			v := uint64(0)
			for i := 7; i >= 0; i-- {
				v = v<<8 | uint64(b[i])
			}
			m := special(v)
			isSpecial := c == '"' || c == '\\' || c < 0x20
			switch {
			case isSpecial && (m == 0 || firstByte(m) != pos):
				t.Fatalf("byte %#x at %d: mask %#x", c, pos, m)
			case !isSpecial && m != 0:
				t.Fatalf("byte %#x at %d: false positive, mask %#x", c, pos, m)
			}
		}
	}
}

func firstByte(m uint64) int {
	for i := range 8 {
		if m&(0x80<<(8*i)) != 0 {
			return i
		}
	}
	return -1
}

// FuzzScanner compares the scanner with encoding/json, feeding it the input
// in two chunks.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\u00e9",true,null,{}]}`, `[1,]`, `"\"`, `-0.0E+1`, `{"a" : "b\\"}`} {
		f.Add([]byte(s), uint16(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		want := json.Valid(in)
		if got := valid(in, int(split)); got != want {
			t.Fatalf("valid(%q) split at %d = %v, json.Valid = %v", in, split, got, want)
		}
	})
}
