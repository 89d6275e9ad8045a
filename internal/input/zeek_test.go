package input

import (
	"encoding/json"
	"strings"
	"testing"
)

const zeekDNSHeader = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2024-10-15-12-00-00\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tquery\tAA\tanswers\tTTLs\n" +
	"#types\ttime\tstring\taddr\tport\tstring\tbool\tvector[string]\tvector[interval]\n"

func TestZeekASCII(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"values", zeekDNSHeader + "1728993601.123456\tC1\t192.0.2.10\t53012\twww.example.com\tF\twww.example.net,93.184.215.14\t3600.000000,300.000000\n#close\t2024-10-15-13-00-00\n",
			`9:json:{"ts":1728993601.123456,"uid":"C1","id.orig_h":"192.0.2.10","id.orig_p":53012,"query":"www.example.com","AA":false,"answers":["www.example.net","93.184.215.14"],"TTLs":[3600.000000,300.000000]}`},
		{"unset and empty", zeekDNSHeader + "1.5\tC2\t::1\t5353\t(empty)\tT\t(empty)\t-\n",
			`9:json:{"ts":1.5,"uid":"C2","id.orig_h":"::1","id.orig_p":5353,"query":"","AA":true,"answers":[]}`},
		{"escapes", zeekDNSHeader + "2\tC3\t192.0.2.1\t1\ta\\x09b\\x22\\x5cc\\x01\tF\t-\t-\n",
			`9:json:{"ts":2,"uid":"C3","id.orig_h":"192.0.2.1","id.orig_p":1,"query":"a\u0009b\"\\c\u0001","AA":false}`},
		{"malformed numbers stay strings", zeekDNSHeader + "01\tC4\t192.0.2.1\t+5\tq\tmaybe\t-\t1.,NaN\n",
			`9:json:{"ts":"01","uid":"C4","id.orig_h":"192.0.2.1","id.orig_p":"+5","query":"q","AA":"maybe","TTLs":["1.","NaN"]}`},
		{"wrong column count stays text", zeekDNSHeader + "1\tC5\t192.0.2.1\n1\t2\t3\t4\t5\t6\t7\t8\t9\n",
			"9:text:1\tC5\t192.0.2.1|10:text:1\t2\t3\t4\t5\t6\t7\t8\t9"},
		{"two files concatenated", zeekDNSHeader + "1\tA\t-\t-\t-\t-\t-\t-\n#close\tx\n#separator \\x09\n#fields\tts\tuid\n#types\ttime\tstring\n2\tB\n",
			`9:json:{"ts":1,"uid":"A"}|14:json:{"ts":2,"uid":"B"}`},
		{"a comma separator", "#separator ,\n#fields,a,b\n#types,count,string\n1,x\n", `4:json:{"a":1,"b":"x"}`},
		{"no #fields: text", "#separator \\x09\n1\t2\n", "2:text:1\t2"},
		{"other files untouched", "# a comment\n#fields\ta\n1\t2\n", "1:text:# a comment|2:text:#fields\ta|3:text:1\t2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := unwrapAll(t, c.in)
			if s := strings.Join(got, "|"); s != c.want {
				t.Errorf("got  %s\nwant %s", s, c.want)
			}
			for _, r := range got {
				if j, ok := strings.CutPrefix(r[strings.IndexByte(r, ':')+1:], "json:"); ok && !json.Valid([]byte(j)) {
					t.Errorf("invalid JSON %s", j)
				}
			}
		})
	}
}

// FuzzZeekASCII checks that every record made from a Zeek ASCII log is valid JSON and that
// no input line is lost: each is a header line, a record, or a text record.
func FuzzZeekASCII(f *testing.F) {
	f.Add([]byte(zeekDNSHeader + "1728993601.123456\tC1\t192.0.2.10\t53012\twww.example.com\tF\ta,b\t1.0,2\n"))
	f.Add([]byte(zeekDNSHeader + "x\\x\t\\xzz\t-\t(empty)\t\t\t\t\n"))
	f.Add([]byte("#separator \\x2c\n#fields,a\n#types,set[count]\n1\n-1e5,0.5\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkEnvelopeRecords(t, in)
	})
}

// TestZeekColumnCountNote checks that a data line with the wrong column count says which
// header it was checked against.
func TestZeekColumnCountNote(t *testing.T) {
	in := zeekDNSHeader + "1\tC5\t192.0.2.1\n1\t2\t3\t4\t5\t6\t7\t8\t9\t10\n"
	e := NewEnvelopes(NewReader(strings.NewReader(in), Options{}))
	e.Name = "dns.log"
	var notes []string
	for {
		rec, err := e.Next()
		if err != nil {
			break
		}
		notes = append(notes, rec.Note)
	}
	fields := "ts uid id.orig_h id.orig_p query AA answers TTLs"
	want := []string{
		"dns.log line 9: Zeek dns log line has 3 tab-separated values, but the #fields header at line 7 names 8 fields: " + fields,
		"dns.log line 10: Zeek dns log line has 10 tab-separated values, but the #fields header at line 7 names 8 fields: " + fields,
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notes\n%s\nwant\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
}
