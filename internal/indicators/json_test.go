package indicators

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// render lists the non-empty kinds of a set, one column per line, for golden files.
func render(s *Set) string {
	var b strings.Builder
	for _, k := range Kinds {
		if v := s.Values(k); v != nil {
			b.WriteString(k.Column())
			b.WriteString(": ")
			b.WriteString(strings.Join(v, " | "))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestScanJSONGolden scans each testdata/*.json document and compares the indicators with
// testdata/*.golden. Run with -update to rewrite the golden files after checking the diff.
func TestScanJSONGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(raw) {
				t.Fatalf("%s is not valid JSON", file)
			}
			var s Set
			if err := ScanJSON(&s, raw); err != nil {
				t.Fatalf("ScanJSON: %v", err)
			}
			got := render(&s)
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("ScanJSON(%s) differs from %s:\ngot:\n%s\nwant:\n%s", file, golden, got, want)
			}
		})
	}
}

func TestScanJSONCases(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want kv
		err  string
	}{
		{`{"accountId": "123456789012", "account": 123456789012, "ownerId": "amazon"}`,
			kv{KindAWSAccountID: {"123456789012"}}, ""},
		{`{"AWSAccountId": "111111111111", "recipientAccountId": "222222222222", "sharedAccountIds": ["333333333333", "x"]}`,
			kv{KindAWSAccountID: {"111111111111", "222222222222", "333333333333"}}, ""},
		{`{"instanceId": "i-1234abcd", "InstanceId": "vol-1", "targetInstanceId": "i-9"}`,
			kv{KindAWSInstanceID: {"i-1234abcd", "i-9"}}, ""},
		{`{"sourceIPAddress": "1.2.3.4", "ip": "5.6.7.8", "clientIp": "AWS Internal", "ipAddressV6": "::1"}`,
			kv{KindIPAddress: {"1.2.3.4", "5.6.7.8", "::1"}}, ""},
		{`{"dnsName": "LB.example.com", "hostName": "10.0.0.9", "domain": "-"}`,
			kv{KindDomainName: {"lb.example.com"}, KindIPAddress: {"10.0.0.9"}}, ""},
		{`{"anything": "arn:aws:iam::123456789012:root", "list": ["arn:aws:s3:::b"]}`,
			kv{KindAWSARN: {"arn:aws:iam::123456789012:root", "arn:aws:s3:::b"}, KindAWSAccountID: {"123456789012"}}, ""},
		{`{"tags": [{"key": "a", "value": "1"}, {"Key": "b", "Value": ""}, {"key": " ", "value": "x"}]}`,
			kv{KindAWSTag: {"a:1", "b:"}}, ""},
		{`{"tags": {"env": "prod", "n": 5}}`, kv{KindAWSTag: {"env:prod"}}, ""},
		{`{"notes": {"key": "a", "value": "b"}}`, kv{}, ""},
		{`{"stageTag": {"key": "a", "value": "b"}}`, kv{KindAWSTag: {"a:b"}}, ""},
		{`{"tagSet": {"items": [{"key": "Name", "value": "x", "extra": {"key": "inner", "value": "y"}}]}}`,
			kv{KindAWSTag: {"Name:x", "inner:y"}}, ""},
		{`"arn:aws:iam::123456789012:root"`, kv{KindAWSARN: {"arn:aws:iam::123456789012:root"}, KindAWSAccountID: {"123456789012"}}, ""},
		{``, kv{}, ""},
		{`   `, kv{}, ""},
		{`null`, kv{}, ""},
		{`{"ipAddress": "\u0031.2.3.4", "k\u0065y": 1, "hostname": "caf\u00e9.example", "x": "\ud83d\ude00"}`,
			kv{KindIPAddress: {"1.2.3.4"}, KindDomainName: {"café.example"}}, ""},
		// Invalid documents keep what was scanned before the error.
		{`{"ipAddress": "1.2.3.4", "accountId": "123456789012"`, kv{KindIPAddress: {"1.2.3.4"}, KindAWSAccountID: {"123456789012"}},
			"invalid JSON at offset 52: expected ',' or '}' in an object, found end of input"},
		{`{"ipAddress": "1.2.3.4" "x": 1}`, kv{KindIPAddress: {"1.2.3.4"}}, `invalid JSON at offset 24: expected ',' or '}' in an object, found "\"x\": 1}"`},
		{`{"ipAddress": "1.2.3.4", "x": tru}`, kv{KindIPAddress: {"1.2.3.4"}}, "offset 30: expected a value"},
		{`{"a": "unterminated}`, kv{}, "unterminated string starting at offset 6"},
		{`{"a": "bad \q escape"}`, kv{}, `invalid escape '\q'`},
		{`{"a": "\u12"}`, kv{}, `expected 4 hex digits after \u`},
		{`{"a": 1} {"b": 2}`, kv{}, "offset 9: expected the end of the document"},
		{`{1: 2}`, kv{}, "expected a member name"},
		{`{"a" 2}`, kv{}, "expected ':' after a member name"},
		{`[1, 2`, kv{}, "expected ',' or ']' in an array"},
		{`[1 2]`, kv{}, "expected ',' or ']' in an array"},
		{`{"ip": ["1.1.1.1", ` + strings.Repeat("[", 300) + `]`, kv{KindIPAddress: {"1.1.1.1"}}, "nesting deeper than 256 levels"},
	} {
		var s Set
		err := ScanJSON(&s, []byte(tc.doc))
		if got := contents(&s); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ScanJSON(%.60q) = %v, want %v", tc.doc, got, tc.want)
		}
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ScanJSON(%.60q): %v", tc.doc, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ScanJSON(%.60q) error = %v, want one containing %q", tc.doc, err, tc.err)
		}
	}
}

// TestScanJSONDoesNotKeepInput checks that values found by ScanJSON are copied.
func TestScanJSONDoesNotKeepInput(t *testing.T) {
	doc := []byte(`{"userArn": "arn:aws:iam::123456789012:user/bob", "tags": [{"key": "k", "value": "v\u0021"}]}`)
	var s Set
	if err := ScanJSON(&s, doc); err != nil {
		t.Fatal(err)
	}
	before := render(&s)
	for i := range doc {
		doc[i] = 'X'
	}
	ScanJSON(&Set{}, []byte(`{"tags": [{"key": "other", "value": "\u0041\u0042"}]}`))
	if after := render(&s); after != before {
		t.Errorf("values changed with the input buffer:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestScanJSONNoAllocations(t *testing.T) {
	raw, err := os.ReadFile("testdata/cloudtrail_runinstances.json")
	if err != nil {
		t.Fatal(err)
	}
	var s Set
	scan := func() {
		s.Reset()
		if err := ScanJSON(&s, raw); err != nil {
			t.Fatal(err)
		}
	}
	scan()
	if allocs := testing.AllocsPerRun(200, scan); allocs > 0.2 {
		t.Errorf("ScanJSON allocates %.2f times per document", allocs)
	}
}
