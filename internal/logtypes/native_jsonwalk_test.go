package logtypes

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/indicators"
)

func TestLowerJSONKeys(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, `{}`},
		{`{"AccountId":"ABC","Data":{"FileContentHash":"AbC","List":[{"InnerKey":"V"}]}}`,
			`{"accountid":"ABC","data":{"filecontenthash":"AbC","list":[{"innerkey":"V"}]}}`},
		// Values, arrays of strings and strings containing braces, colons and commas are not keys.
		{`{"A":["B","C"],"D":"{\"E\":1}","F":"x,\"G\":y"}`, `{"a":["B","C"],"d":"{\"E\":1}","f":"x,\"G\":y"}`},
		{` { "K" : [ { "L" : { } } , "M" ] } `, ` { "k" : [ { "l" : { } } , "M" ] } `},
		// Non-ASCII letters and escapes are copied as they are.
		{`{"ÄB":1,"C\u0044":2,"\"Q\"":3}`, `{"Äb":1,"c\u0044":2,"\"q\"":3}`},
		// Malformed documents are copied without failing.
		{`{"A":`, `{"a":`},
		{`{"A`, `{"a`},
		{`]]}}{"X"`, `]]}}{"x"`},
		{`"NOT":"A KEY"`, `"NOT":"A KEY"`},
	}
	for _, tt := range tests {
		got := string(lowerJSONKeys([]byte("prefix"), []byte(tt.in)))
		if got != "prefix"+tt.want {
			t.Errorf("lowerJSONKeys(%s) = %s, want %s", tt.in, strings.TrimPrefix(got, "prefix"), tt.want)
		}
	}
}

func TestKeyScanner(t *testing.T) {
	ks := &keyScanner{
		byKey: map[string][]indicators.Scanner{
			"IpAddress":      {indicators.ScanIP},
			"TargetUserName": {indicators.ScanUsername},
			"Host":           {indicators.ScanHostname},
		},
		hashLists: map[string]bool{"Hashes": true},
		ipLists:   map[string]bool{"QueryResults": true},
		skip:      map[string]bool{"-": true},
	}
	doc := `{"EventData":{"IpAddress":"203.0.113.5","TargetUserName":"al\u00efce","Other":"198.51.100.1",` +
		`"Nested":[{"IpAddress":["2001:db8::1","-","not an ip"]}],"Host":"Srv.Example.COM","SubjectUserName":"-",` +
		`"TargetUserNameX":"nobody","Hashes":"SHA1=A94A8FE5CCB19BA61C4C0873D391E987982FBBD3, md5 = 5D41402ABC4B2A76B9719D911017C592,SHA256=short,IMPHASH=741776AACCFC5B71FF59832DCDCACE0F,garbage",` +
		`"QueryResults":"type:  5 cdn.example.net;::ffff:192.0.2.44;2001:db8::53;;","n":1.5e3,"t":true,"f":false,"z":null}}`
	var set indicators.Set
	if err := ks.Scan(&set, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	want := map[indicators.Kind][]string{
		indicators.KindIPAddress:  {"192.0.2.44", "2001:db8::1", "2001:db8::53", "203.0.113.5"},
		indicators.KindUsername:   {"alïce"},
		indicators.KindDomainName: {"srv.example.com"},
		indicators.KindSHA1:       {"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"},
		indicators.KindMD5:        {"5d41402abc4b2a76b9719d911017c592"},
		indicators.KindSHA256:     nil,
	}
	for k, w := range want {
		if got := set.Values(k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %v, want %v", k.Column(), got, w)
		}
	}
}

func TestKeyScannerErrors(t *testing.T) {
	ks := &keyScanner{byKey: map[string][]indicators.Scanner{"ip": {indicators.ScanIP}}}
	tests := []struct{ doc, err string }{
		{`{"ip":"192.0.2.1"`, "offset 17: expected ',' or '}', found the end of the document"},
		{`{"ip" "192.0.2.1"}`, `offset 6: expected ':' after the key "ip"`},
		{`{"ip":"192.0.2.1"} x`, "offset 19: expected the end of the document"},
		{`{"ip":nope}`, `offset 6: expected a value, found 'n'`},
		{`{"ip":"\x"}`, "offset 6: invalid string"},
		{`[1,2`, "offset 4: expected ',' or ']', found the end of the document"},
		{`{"ip":"abc`, "offset 6: string is not closed"},
		{strings.Repeat("[", maxScanDepth+2), "nested deeper than 512 levels"},
		{``, "offset 0: expected a value, found the end of the document"},
	}
	for _, tt := range tests {
		var set indicators.Set
		err := ks.Scan(&set, []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Scan(%q) error = %v, want one containing %q", tt.doc, err, tt.err)
		}
	}
	// What was found before an error is kept.
	var set indicators.Set
	_ = ks.Scan(&set, []byte(`{"ip":"192.0.2.1","x":}`))
	if got := set.Values(indicators.KindIPAddress); !reflect.DeepEqual(got, []string{"192.0.2.1"}) {
		t.Errorf("indicators before the error = %v", got)
	}
}

// FuzzLowerJSONKeys checks that lower-casing keys keeps a valid document valid and equal to the
// document decoded with its keys lower-cased, and never changes the length of any input.
func FuzzLowerJSONKeys(f *testing.F) {
	for _, s := range []string{
		`{"AccountId":"X","Data":{"A":[1,{"B":"C"}],"D":null}}`, `{"A":"}\"{"}`, `[{"X":1},"Y"]`,
		`{"a":{"b":{"c":[[{"D":true}]]}}}`, `{`, `"`, `{"A":"\u0041"}`, `{"Ü":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := lowerJSONKeys(nil, []byte(in))
		if len(out) != len(in) {
			t.Fatalf("length changed: %d -> %d", len(in), len(out))
		}
		if !json.Valid([]byte(in)) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid input %q gave invalid output %q", in, out)
		}
		if strings.Contains(in, `\`) {
			return // escaped keys are copied as they are; the reference below decodes them
		}
		a, err := decodeUseNumber([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		b, err := decodeUseNumber(out)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := lowerKeysReference(a)
		if ok && !reflect.DeepEqual(want, b) {
			t.Fatalf("lowerJSONKeys(%s) = %s, decoded %v, want %v", in, out, b, want)
		}
	})
}

// decodeUseNumber decodes a JSON document keeping numbers as text, so that any valid number
// decodes.
func decodeUseNumber(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// lowerKeysReference lower-cases the ASCII letters of the keys of a decoded document. ok is
// false when two keys of an object become equal, where the result depends on key order.
func lowerKeysReference(v any) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			lk := asciiLower(k)
			if _, dup := out[lk]; dup {
				return nil, false
			}
			y, ok := lowerKeysReference(x)
			if !ok {
				return nil, false
			}
			out[lk] = y
		}
		return out, true
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			y, ok := lowerKeysReference(x)
			if !ok {
				return nil, false
			}
			out[i] = y
		}
		return out, true
	}
	return v, true
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// FuzzKeyScanner checks that the scanner never panics, accepts every valid document, and only
// adds indicators that are valid.
func FuzzKeyScanner(f *testing.F) {
	for _, s := range []string{
		`{"IpAddress":"192.0.2.1","Hashes":"MD5=5D41402ABC4B2A76B9719D911017C592","QueryResults":"::ffff:10.0.0.1;"}`,
		`{"a":[{"IpAddress":["::1",1,null]}],"b":"\ud83d\ude00"}`, `[[[[]]]]`, `{"x":-1.5e-3}`, `{`, `nul`,
	} {
		f.Add(s)
	}
	ks := &keyScanner{
		byKey:     map[string][]indicators.Scanner{"IpAddress": {indicators.ScanIP}, "User": {indicators.ScanUsername}},
		hashLists: map[string]bool{"Hashes": true},
		ipLists:   map[string]bool{"QueryResults": true},
		skip:      map[string]bool{"-": true},
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var set indicators.Set
		err := ks.Scan(&set, []byte(doc))
		if err != nil && json.Valid([]byte(doc)) && strings.Count(doc, "[")+strings.Count(doc, "{") <= maxScanDepth {
			t.Fatalf("valid document %q: %v", doc, err)
		}
		for _, v := range set.Values(indicators.KindMD5) {
			if len(v) != 32 || strings.Trim(v, "0123456789abcdef") != "" {
				t.Fatalf("bad md5 %q", v)
			}
		}
		for _, v := range set.Values(indicators.KindIPAddress) {
			if v == "" || strings.ContainsAny(v, " ;") {
				t.Fatalf("bad ip %q", v)
			}
		}
	})
}

func BenchmarkLowerJSONKeys(b *testing.B) {
	doc := []byte(sentinelOneSample)
	var buf []byte
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		buf = lowerJSONKeys(buf[:0], doc)
	}
}

func BenchmarkKeyScannerWindows(b *testing.B) {
	doc := []byte(windows4624Sample)
	var set indicators.Set
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		set.Reset()
		if err := windowsEventDataScanner.Scan(&set, doc); err != nil {
			b.Fatal(err)
		}
	}
}
