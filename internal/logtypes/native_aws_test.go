package logtypes

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
)

// managedType returns the managed log type name, failing the test if it is missing.
func managedType(tb testing.TB, name string) *LogType {
	tb.Helper()
	reg, err := Managed()
	if err != nil {
		tb.Fatal(err)
	}
	lt := reg.Get(name)
	if lt == nil {
		tb.Fatalf("no managed log type %s", name)
	}
	return lt
}

func newDecoder() *decode.Decoder { return &decode.Decoder{Arena: &event.Arena{}} }

func textRecord(line string) *input.Record { return &input.Record{Data: []byte(line)} }

// field returns the top-level field name of v, decoded as lt.
func field(tb testing.TB, lt *LogType, v event.Value, name string) event.Value {
	tb.Helper()
	i, ok := lt.Root.FieldIndexString(name)
	if !ok {
		tb.Fatalf("%s has no field %s", lt.Name, name)
	}
	return v.Items[i]
}

// render gives a compact description of a value for comparisons: strings as they are, numbers
// and times by their text or value, arrays as [a b].
func render(v event.Value) string {
	switch v.Kind {
	case event.Null:
		return "<absent>"
	case event.String, event.JSON:
		return v.S
	case event.Int:
		return jsonText(v.N)
	case event.Float:
		return jsonText(v.Float())
	case event.Bool:
		return jsonText(v.N == 1)
	case event.Time:
		return v.Time().Format("2006-01-02T15:04:05.999999999Z")
	case event.Array:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = render(it)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return "<object>"
}

func jsonText(x any) string {
	b, _ := json.Marshal(x)
	return string(b)
}

func TestSplitAWSLine(t *testing.T) {
	type tok struct {
		v      string
		quoted bool
		brack  bool
	}
	tests := []struct {
		name     string
		line     string
		brackets bool
		want     []tok
		err      string
	}{
		{name: "plain", line: "a b  c", want: []tok{{v: "a"}, {v: "b"}, {v: "c"}}},
		{name: "quoted", line: `x "GET / HTTP/1.1" y`, want: []tok{{v: "x"}, {v: "GET / HTTP/1.1", quoted: true}, {v: "y"}}},
		{name: "empty quoted", line: `"" -`, want: []tok{{v: "", quoted: true}, {v: "-"}}},
		{name: "escaped quote", line: `"a \"b\" c" d`, want: []tok{{v: `a "b" c`, quoted: true}, {v: "d"}}},
		{name: "escaped backslash", line: `"a\\" d`, want: []tok{{v: `a\`, quoted: true}, {v: "d"}}},
		{name: "inner quote kept", line: `"say "hi"there" z`, want: []tok{{v: `say "hi"there`, quoted: true}, {v: "z"}}},
		{name: "quote at end", line: `a "b c"`, want: []tok{{v: "a"}, {v: "b c", quoted: true}}},
		{name: "bracketed", line: "o [06/Feb/2019:00:00:38 +0000] ip", brackets: true,
			want: []tok{{v: "o"}, {v: "06/Feb/2019:00:00:38 +0000", brack: true}, {v: "ip"}}},
		{name: "brackets off", line: "[2001:db8::1]:443 x", want: []tok{{v: "[2001:db8::1]:443"}, {v: "x"}}},
		{name: "bracket inside word", line: "a[b] c", brackets: true, want: []tok{{v: "a[b]"}, {v: "c"}}},
		{name: "unicode", line: `"été ✓" ü`, want: []tok{{v: "été ✓", quoted: true}, {v: "ü"}}},
		{name: "leading and trailing spaces", line: "  a  ", want: []tok{{v: "a"}}},
		{name: "empty", line: "", want: nil},
		{name: "unclosed quote", line: `a "b c`, err: `at offset 2: quoted column is not closed`},
		{name: "quote closed only by escaped quote", line: `a "b\"`, err: `at offset 2: quoted column is not closed`},
		{name: "unclosed bracket", line: "a [b c", brackets: true, err: "at offset 2: bracketed column is not closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			toks, err := splitAWSLine(tc.line, tc.brackets, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []tok
			for _, x := range toks {
				got = append(got, tok{v: x.Value, quoted: x.Quoted, brack: x.Bracketed})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSplitAWSLineOffsets(t *testing.T) {
	toks, err := splitAWSLine(`ab "c d" [e] f`, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 3, 9, 13}
	for i, tk := range toks {
		if tk.Offset != want[i] {
			t.Errorf("token %d (%q) at offset %d, want %d", i, tk.Value, tk.Offset, want[i])
		}
	}
}

func TestSplitRequestLine(t *testing.T) {
	tests := []struct{ in, method, url, version string }{
		{"GET http://example.com:80/ HTTP/1.1", "GET", "http://example.com:80/", "HTTP/1.1"},
		{"GET https://x:443/a b?c=d e HTTP/2.0", "GET", "https://x:443/a b?c=d e", "HTTP/2.0"},
		{"- - - ", "-", "-", "-"},
		{"GET /only-two", "GET", "/only-two", ""},
		{"nospaces", "", "nospaces", ""},
		{"", "", "", ""},
	}
	for _, tc := range tests {
		m, u, v := splitRequestLine(tc.in)
		if m != tc.method || u != tc.url || v != tc.version {
			t.Errorf("splitRequestLine(%q) = %q, %q, %q; want %q, %q, %q", tc.in, m, u, v, tc.method, tc.url, tc.version)
		}
	}
}

func TestSplitHostPort(t *testing.T) {
	tests := []struct{ in, host, port string }{
		{"192.168.131.39:2817", "192.168.131.39", "2817"},
		{"[2001:db8::1]:443", "2001:db8::1", "443"},
		{"2001:db8::1:443", "2001:db8::1", "443"},
		{"-", "-", ""},
		{"host", "host", ""},
	}
	for _, tc := range tests {
		h, p := splitHostPort(tc.in)
		if h != tc.host || p != tc.port {
			t.Errorf("splitHostPort(%q) = %q, %q; want %q, %q", tc.in, h, p, tc.host, tc.port)
		}
	}
}

func TestFieldBuilderLists(t *testing.T) {
	var b fieldBuilder
	b.addList("a", "forward,authenticate", ',')
	b.addList("b", "-", ',')
	b.addList("c", "10.0.0.1:80 - 10.0.0.2:80", ' ')
	b.addList("d", "", ' ')
	b.add("e", "-")
	b.add("f", "x")
	b.addTokens("g", []awsToken{{Value: "-"}, {Value: `q"`}})
	b.addTokens("h", []awsToken{{Value: "-"}})
	got := map[string]string{}
	for _, f := range b.done() {
		got[f.Name] = f.Value
	}
	want := map[string]string{
		"a": `["forward","authenticate"]`,
		"c": `["10.0.0.1:80","-","10.0.0.2:80"]`,
		"f": "x",
		"g": `["q\""]`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func TestALBParser(t *testing.T) {
	lt := managedType(t, "AWS.ALB")
	const tg = "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"
	base := `https 2024-11-08T12:00:00.5Z app/x/1 [2001:db8::a]:60123 10.0.0.1:80 0.001 -1 0.000 200 - 1 2 "GET https://h:443/p q HTTP/1.1" "ua" - - ` + tg + ` "Root=1" "h" "-" 0 2024-11-08T11:59:59Z "waf,forward" "-" "-" "10.0.0.1:80 10.0.0.2:80" "502 -"`
	tests := []struct {
		name string
		line string
		want map[string]string // field -> render
		err  string
	}{
		{name: "25 columns plus lists", line: base, want: map[string]string{
			"type": "https", "timestamp": "2024-11-08T12:00:00.5Z", "clientIp": "2001:db8::a", "clientPort": "60123",
			"targetIp": "10.0.0.1", "targetPort": "80", "targetProcessingTime": "-1", "targetStatusCode": "<absent>",
			"requestHttpMethod": "GET", "requestUrl": "https://h:443/p q", "requestHttpVersion": "HTTP/1.1",
			"actionsExecuted": "[waf forward]", "targetPortList": "[10.0.0.1:80 10.0.0.2:80]",
			"targetStatusCodeList": "[502 -]", "chosenCertArn": "<absent>", "additionalFields": "<absent>",
		}},
		{name: "new columns and extras", line: base + ` "Acceptable" "-" TID_1 "h2" "/u" "TransformSucceeded" extra1 "extra 2"`, want: map[string]string{
			"classification": "Acceptable", "classificationReason": "<absent>", "connTraceId": "TID_1",
			"transformedHost": "h2", "transformedUri": "/u", "requestTransformStatus": "TransformSucceeded",
			"additionalFields": "[extra1 extra 2]",
		}},
		{name: "bad type", line: "tcp" + base[5:], err: `column 1 (type) at offset 0: expected http, https, h2, grpcs, ws or wss, got "tcp"`},
		{name: "json", line: `{"type":"http"}`, err: `column 1 (type) at offset 0: expected http, https, h2, grpcs, ws or wss, got "{\"type\":\"http\"}"`},
		{name: "empty", line: "", err: `got ""`},
		{name: "too short", line: "http 2024-11-08T12:00:00Z app/x/1", err: "expected at least 25 space-delimited columns, got 3"},
		{name: "unquoted request", line: strings.Replace(base, `"GET https://h:443/p q HTTP/1.1"`, "GET", 1), err: "column 13 (request)"},
		{name: "bad time", line: strings.Replace(base, "2024-11-08T12:00:00.5Z", "2024-13-08", 1), err: "field timestamp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok, err := lt.NewParser().Parse(newDecoder(), textRecord(tc.line))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || ok {
					t.Fatalf("ok=%v error = %v, want it to contain %q", ok, err, tc.err)
				}
				return
			}
			if err != nil || !ok {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			for name, want := range tc.want {
				if got := render(field(t, lt, v, name)); got != want {
					t.Errorf("%s = %s, want %s", name, got, want)
				}
			}
		})
	}
}

func TestS3AccessParser(t *testing.T) {
	lt := managedType(t, "AWS.S3ServerAccess")
	const owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	legacy := owner + ` bkt [06/Feb/2019:00:00:38 -0130] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.OBJECT k%20ey "GET /bkt/k%20ey HTTP/1.1" 200 - 113 4406583 7 - "-" "S3Console/0.4" -`
	full := legacy + ` hostid SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader bkt.s3.us-west-1.amazonaws.com TLSv1.3 arn:aws:s3:us-west-1:123456789012:accesspoint/ap Yes us-east-1`
	tests := []struct {
		name string
		line string
		want map[string]string
		err  string
	}{
		{name: "18 columns", line: legacy, want: map[string]string{
			"bucketowner": owner, "time": "2019-02-06T01:30:38Z", "requester": "<absent>", "key": "k%20ey",
			"httpstatus": "200", "objectsize": "4406583", "turnaroundtime": "<absent>", "referrer": "<absent>",
			"useragent": "S3Console/0.4", "versionid": "<absent>", "hostid": "<absent>",
		}},
		{name: "27 columns", line: full, want: map[string]string{
			"hostid": "hostid", "tlsVersion": "TLSv1.3", "accesspointarn": "arn:aws:s3:us-west-1:123456789012:accesspoint/ap",
			"aclrequired": "Yes", "sourceregion": "us-east-1", "additionalFields": "<absent>",
		}},
		{name: "future columns", line: full + ` a "b c"`, want: map[string]string{"additionalFields": "[a b c]"}},
		{name: "uppercase owner", line: strings.ToUpper(owner) + legacy[64:], want: map[string]string{"bucketowner": strings.ToUpper(owner)}},
		{name: "json", line: `{"bucket":"x"}`, err: "column 1 (bucketowner) at offset 0"},
		{name: "short owner", line: legacy[1:], err: "column 1 (bucketowner)"},
		{name: "too short", line: owner + " bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3", err: "expected at least 18 space-delimited columns, got 4"},
		{name: "time not bracketed", line: strings.Replace(legacy, "[06/Feb/2019:00:00:38 -0130]", "06/Feb/2019:00:00:38", 1), err: "column 3 (time) at offset 69"},
		{name: "bad time", line: strings.Replace(legacy, "06/Feb/2019", "06/Fev/2019", 1), err: "field time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok, err := lt.NewParser().Parse(newDecoder(), textRecord(tc.line))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || ok {
					t.Fatalf("ok=%v error = %v, want it to contain %q", ok, err, tc.err)
				}
				return
			}
			if err != nil || !ok {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			for name, want := range tc.want {
				if got := render(field(t, lt, v, name)); got != want {
					t.Errorf("%s = %s, want %s", name, got, want)
				}
			}
		})
	}
}

// TestVPCFlowParser feeds the lines of one file, in order, to one parser.
func TestVPCFlowParser(t *testing.T) {
	lt := managedType(t, "AWS.VPCFlow")
	type step struct {
		line   string
		header bool              // consumed without an event
		want   map[string]string // field -> render, for events
		err    string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "default format", steps: []step{
			{line: "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", header: true},
			{line: "2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK", want: map[string]string{
				"version": "2", "account": "123456789010", "srcPort": "20641", "start": "2014-12-14T04:06:50Z", "status": "OK", "vpcId": "<absent>"}},
			{line: "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA", want: map[string]string{
				"srcAddr": "<absent>", "action": "<absent>", "status": "NODATA"}},
			{line: "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA extra", err: "expected 14 space-separated values as named by the header"},
			{line: "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 DROP OK", err: `field action: value "DROP" is not one of the allowed values`},
		}},
		{name: "custom order, unknown and repeated columns", steps: []step{
			{line: "start srcaddr future-field dstaddr end action srcaddr", header: true},
			{line: "1730971200 10.0.0.1 zzz 10.0.0.2 1730971260 REJECT 10.9.9.9", want: map[string]string{
				"start": "2024-11-07T09:20:00Z", "srcAddr": "10.0.0.1", "dstAddr": "10.0.0.2", "action": "REJECT", "version": "<absent>"}},
		}},
		{name: "concatenated files", steps: []step{
			{line: "version account-id interface-id srcaddr dstaddr start end", header: true},
			{line: "3 123456789012 eni-2 10.0.0.1 10.0.0.2 1 2", want: map[string]string{"version": "3"}},
			{line: "start end srcaddr dstaddr action", header: true},
			{line: "1 2 10.0.0.3 10.0.0.4 ACCEPT", want: map[string]string{"srcAddr": "10.0.0.3", "action": "ACCEPT", "version": "<absent>"}},
		}},
		{name: "first line is neither a header nor a default record", steps: []step{
			{line: "2 123456789010 ifc-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK", err: "found 0; nor is it a record of the default format: column 3 (interface-id): expected a network interface id"},
			{line: "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", err: "the file starts with neither a VPC flow log header line nor a record of the default format"},
		}},
		{name: "header with four known names", steps: []step{
			{line: "srcaddr dstaddr start end bogus words", err: "at least 5 known flow log columns (version account-id interface-id srcaddr ...), found 4"},
		}},
		{name: "json first line", steps: []step{
			{line: `{"version":2,"srcaddr":1,"dstaddr":2,"start":3,"end":4}`, err: "got JSON"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := lt.NewParser()
			for i, s := range tc.steps {
				v, ok, err := p.Parse(newDecoder(), textRecord(s.line))
				switch {
				case s.err != "":
					if err == nil || !strings.Contains(err.Error(), s.err) {
						t.Fatalf("line %d: error = %v, want it to contain %q", i+1, err, s.err)
					}
				case err != nil:
					t.Fatalf("line %d: %v", i+1, err)
				case s.header:
					if ok {
						t.Fatalf("line %d: header line produced an event", i+1)
					}
				default:
					if !ok {
						t.Fatalf("line %d: no event", i+1)
					}
					for name, want := range s.want {
						if got := render(field(t, lt, v, name)); got != want {
							t.Errorf("line %d: %s = %s, want %s", i+1, name, got, want)
						}
					}
				}
			}
		})
	}
}

// TestJSONExtract checks that the AWS JSON natives add the indicators found by key name in
// their json fields, and reject what the schema rejects.
func TestJSONExtract(t *testing.T) {
	lt := managedType(t, "AWS.CloudWatchEvents")
	rec := `{"version":"0","id":"1","detail-type":"x","source":"aws.ec2","account":"123456789012","time":"2024-11-06T08:32:46Z","region":"us-east-1","resources":[],` +
		`"detail":{"instanceId":"i-0abc","tags":[{"key":"env","value":"prod"}],"remoteIpDetails":{"ipAddressV4":"192.0.2.1"},"role":"arn:aws:iam::123456789012:role/r"}}`
	d := newDecoder()
	_, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(rec), JSON: true})
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	want := map[indicators.Kind][]string{
		indicators.KindAWSInstanceID: {"i-0abc"},
		indicators.KindAWSTag:        {"env:prod"},
		indicators.KindIPAddress:     {"192.0.2.1"},
		indicators.KindAWSARN:        {"arn:aws:iam::123456789012:role/r"},
		indicators.KindAWSAccountID:  {"123456789012"},
	}
	for k, w := range want {
		if got := d.Indicators.Values(k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %v, want %v", k.Column(), got, w)
		}
	}
	if _, _, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(rec)}); err == nil {
		t.Error("a text record was accepted")
	}
	bad := strings.Replace(rec, `"time":"2024-11-06T08:32:46Z",`, "", 1)
	if _, _, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(bad), JSON: true}); err == nil || !strings.Contains(err.Error(), "field time") {
		t.Errorf("missing time: error = %v", err)
	}
}

// The fuzz targets check that the parsers never panic, that they accept or reject every line
// with a well-formed result, and that what they accept keeps its required fields.

func FuzzSplitAWSLine(f *testing.F) {
	for _, s := range []string{
		`http 2018-07-02T22:23:00.186641Z app/x/1 1.2.3.4:1 - 0 0 0 200 200 34 366 "GET http://x/ HTTP/1.1" "curl" - -`,
		`o b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - r OP k "GET / HTTP/1.1" 200 - 1 - 1 - "-" "ua \"q\"" -`,
		`"a\\" "b\"" [c] [d`, `""`, `"`, `[`, `a "b"c" d`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, line string, brackets bool) {
		toks, err := splitAWSLine(line, brackets, nil)
		if err != nil {
			return
		}
		last := -1
		for _, tk := range toks {
			if tk.Offset <= last || tk.Offset >= len(line) {
				t.Fatalf("token %q at offset %d after %d in a line of %d bytes", tk.Value, tk.Offset, last, len(line))
			}
			last = tk.Offset
			if !tk.Quoted && !tk.Bracketed && (tk.Value == "" || strings.Contains(tk.Value, " ")) {
				t.Fatalf("plain token %q is empty or has a space", tk.Value)
			}
			if tk.Bracketed && !brackets {
				t.Fatalf("bracketed token with brackets off")
			}
			if len(tk.Value) > len(line) {
				t.Fatalf("token longer than the line")
			}
		}
	})
}

func fuzzParser(f *testing.F, logType string, seeds []string, required ...string) {
	lt := managedType(f, logType)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p := lt.NewParser()
		d := newDecoder()
		for _, line := range strings.Split(text, "\n") {
			v, ok, err := p.Parse(d, textRecord(line))
			if err != nil {
				if ok {
					t.Fatalf("ok with an error: %v", err)
				}
				continue
			}
			if !ok {
				continue
			}
			if v.Kind != event.Object || len(v.Items) != len(lt.Root.Fields) {
				t.Fatalf("event is not an object of the schema: %+v", v)
			}
			for _, name := range required {
				if field(t, lt, v, name).Kind == event.Null {
					t.Fatalf("accepted %q without %s", line, name)
				}
			}
		}
	})
}

func FuzzALBParser(f *testing.F) {
	fuzzParser(f, "AWS.ALB", []string{
		`https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90 "-" "-" "-" x`,
		`http 2024-11-08T12:02:00.000000Z app/shop-alb/0123456789abcdef 192.0.2.9:1234 - -1 -1 -1 400 - 0 272 "- - - " "-" - - - "-" "-" "-" - - "-" "-" "-" "-" "-" "Severe" "HeaderDelimiterInvalid" TID_ff`,
	}, "type", "timestamp", "elb")
}

func FuzzS3AccessParser(f *testing.F) {
	const owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	fuzzParser(f, "AWS.S3ServerAccess", []string{
		owner + ` amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ` + owner + ` 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1 extra`,
		owner + ` b [01/Jan/2016:12:00:00 +0000] 198.51.100.7 arn:aws:iam::123456789012:user/backup 1A REST.GET.OBJECT k "GET /b/k HTTP/1.1" 206 - 9 9 3 1 "-" "ua \"x\"" -`,
	}, "bucketowner", "time")
}

func FuzzVPCFlowParser(f *testing.F) {
	fuzzParser(f, "AWS.VPCFlow", []string{
		"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
			"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n" +
			"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
		"start end srcaddr dstaddr action ecs-task-arn\n1 2 ::1 10.0.0.1 REJECT arn:aws:ecs:us-east-1:1:task/x\nstart end srcaddr dstaddr action\n1 2 a b ACCEPT",
	})
}

// Benchmarks of the native parsers, one line or record per iteration.

func benchParser(b *testing.B, logType string, header string, line string, json bool) {
	lt := managedType(b, logType)
	p := lt.NewParser()
	d := newDecoder()
	if header != "" {
		if _, _, err := p.Parse(d, textRecord(header)); err != nil {
			b.Fatal(err)
		}
	}
	rec := &input.Record{Data: []byte(line), JSON: json}
	if _, ok, err := p.Parse(d, rec); err != nil || !ok {
		b.Fatalf("ok=%v err=%v", ok, err)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		mark := d.Arena.Mark()
		if _, _, err := p.Parse(d, rec); err != nil {
			b.Fatal(err)
		}
		d.Arena.Rollback(mark)
	}
}

func BenchmarkALBParser(b *testing.B) {
	benchParser(b, "AWS.ALB", "", `https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`, false)
}

func BenchmarkS3AccessParser(b *testing.B) {
	const owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	benchParser(b, "AWS.S3ServerAccess", "", owner+` amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 `+owner+` 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1`, false)
}

func BenchmarkVPCFlowParser(b *testing.B) {
	benchParser(b, "AWS.VPCFlow",
		"version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status",
		"5 vpc-0a1b2c3d4e5f6a7b8 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 123456789012 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK", false)
}

func BenchmarkJSONExtractCloudTrail(b *testing.B) {
	benchParser(b, "AWS.CloudTrail", "", `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA3EXAMPLEXYZ123456:autoscaler","arn":"arn:aws:sts::210987654321:assumed-role/asg/autoscaler","accountId":"210987654321","invokedBy":"autoscaling.amazonaws.com"},"eventTime":"2024-11-02T12:00:05Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"eu-west-1","sourceIPAddress":"autoscaling.amazonaws.com","userAgent":"autoscaling.amazonaws.com","requestParameters":{"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":1,"maxCount":1}]},"tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"env","value":"prod"}]}]}},"responseElements":{"requestId":"11111111-2222-4333-8444-555555555555","reservationId":"r-0123456789abcdef0","ownerId":"210987654321","instancesSet":{"items":[{"instanceId":"i-0fedcba9876543210","privateIpAddress":"10.1.2.3","privateDnsName":"ip-10-1-2-3.eu-west-1.compute.internal"}]}},"requestID":"11111111-2222-4333-8444-555555555555","eventID":"12345678-90ab-4cde-8f01-234567890abc","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"210987654321","eventCategory":"Management"}`, true)
}
