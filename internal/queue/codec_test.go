package queue

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/sources"
)

func TestCodecRoundTrip(t *testing.T) {
	for _, p := range []*sources.Payload{
		{SourceID: "s", Name: "http", Origin: "203.0.113.7:5000", Data: []byte("{\"a\":1}\n{\"a\":2}\n")},
		{SourceID: "s", Name: "syslog", Records: [][]byte{[]byte("one\ntwo"), {}, []byte("\x00\xff")}},
		{SourceID: "s", Name: "syslog", Records: [][]byte{[]byte("head of a long one"), []byte("x")}, Cut: []sources.CutRecord{{Index: 0, Size: 1 << 20}}},
		{SourceID: "s", Name: "s3://b/k", DedupID: "b/k/etag#2", Part: 2, Parts: 3, Header: []byte("a,b"), Data: []byte("1,2\n")},
		{Data: []byte{}},
		{Records: [][]byte{}},
	} {
		b, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
		}
	}
}

func TestCodecErrors(t *testing.T) {
	if _, err := Encode(&sources.Payload{}); err == nil {
		t.Error("a payload without data encoded")
	}
	if _, err := Encode(&sources.Payload{Data: []byte("x"), Records: [][]byte{}}); err == nil {
		t.Error("a payload with both encoded")
	}
	if _, err := Encode(&sources.Payload{Data: []byte("x"), Part: 3, Parts: 3}); err == nil {
		t.Error("part 3 of 3 encoded")
	}
	if _, err := Encode(&sources.Payload{Records: [][]byte{[]byte("x")}, Cut: []sources.CutRecord{{Index: 1}}}); err == nil {
		t.Error("a cut past the records encoded")
	}
	if _, err := Encode(&sources.Payload{Data: []byte("x"), Cut: []sources.CutRecord{{Index: 0}}}); err == nil {
		t.Error("a cut of Data encoded")
	}
	good, _ := Encode(&sources.Payload{SourceID: "src", Records: [][]byte{[]byte("abc"), []byte("def")}})
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     []byte("XX1Dxxxx"),
		"kind":      append([]byte("PQ1Z"), good[4:]...),
		"truncated": good[:len(good)-2],
		"trailing":  append(append([]byte(nil), good...), 'x'),
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		} else if !strings.HasPrefix(err.Error(), "queue: ") {
			t.Errorf("%s: error %q", name, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, p := range []*sources.Payload{
		{SourceID: "s", Records: [][]byte{[]byte("a"), []byte("bc")}},
		{SourceID: "s", Name: "n", Origin: "o", DedupID: "d", Header: []byte("h"), Part: 1, Parts: 2, Data: []byte("data")},
	} {
		b, _ := Encode(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		// What decodes encodes back to the same bytes.
		again, err := Encode(p)
		if err != nil {
			return // e.g. part >= parts: Decode is lenient there, Encode is not
		}
		if !bytes.Equal(again, b) {
			p2, err := Decode(again)
			if err != nil || !reflect.DeepEqual(p, p2) {
				t.Fatalf("re-encoding changed the payload: %v", err)
			}
		}
	})
}
