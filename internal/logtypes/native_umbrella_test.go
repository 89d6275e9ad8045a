package logtypes

import (
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
)

var umbrellaSchemaFiles = map[string]string{
	"CiscoUmbrella.DNS":           "schemas/ciscoumbrella/dns.yml",
	"CiscoUmbrella.IP":            "schemas/ciscoumbrella/ip.yml",
	"CiscoUmbrella.CloudFirewall": "schemas/ciscoumbrella/cloudfirewall.yml",
	"CiscoUmbrella.Proxy":         "schemas/ciscoumbrella/proxy.yml",
}

func TestSplitUmbrellaCSV(t *testing.T) {
	tests := []struct {
		line    string
		want    []string
		offsets []int
		wantErr string
	}{
		{line: `"a","b","c"`, want: []string{"a", "b", "c"}, offsets: []int{0, 4, 8}},
		{line: `"a", "b,c" ,"d"`, want: []string{"a", "b,c", "d"}, offsets: []int{0, 5, 12}},
		{line: `"say ""hi""","x"`, want: []string{`say "hi"`, "x"}},
		{line: `"",""`, want: []string{"", ""}},
		{line: `"a",`, want: []string{"a", ""}},
		{line: `a , b,"c"`, want: []string{"a", "b", "c"}},
		{line: `"<http://x"">","y"`, want: []string{`<http://x">`, "y"}},
		{line: `"lazy " quote","z"`, want: []string{`lazy " quote`, "z"}},
		{line: `"é✓","\"`, want: []string{"é✓", `\`}},
		{line: `"a","open`, wantErr: `at offset 4: quoted column is not closed`},
		{line: `"a","b"c`, wantErr: `at offset 4: quoted column is not closed`},
	}
	for _, tt := range tests {
		cells, err := splitUmbrellaCSV(tt.line, nil)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("split(%s) error = %v, want %q", tt.line, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("split(%s) error = %v", tt.line, err)
			continue
		}
		var got []string
		for _, c := range cells {
			got = append(got, c.value)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("split(%s) = %q, want %q", tt.line, got, tt.want)
		}
		for i, off := range tt.offsets {
			if cells[i].offset != off {
				t.Errorf("split(%s): column %d at offset %d, want %d", tt.line, i+1, cells[i].offset, off)
			}
		}
	}
}

// umbrellaLines are valid lines of each type, with a fragment of the event each must give.
var umbrellaLines = []struct {
	logType, line, want string
}{
	{"CiscoUmbrella.DNS", `"2015-01-16 17:48:41","ActiveDirectoryUserName","ActiveDirectoryUserName,ADSite,Network","10.10.1.100","24.123.132.133","Allowed","1 (A)","NOERROR","domain-visited.com.","Photo Sharing","AD User","AD User,Site,Network",""`,
		`"identities":["ActiveDirectoryUserName","ADSite","Network"],"internalIp":"10.10.1.100"`},
	{"CiscoUmbrella.DNS", `"2015-01-16 17:48:41","id","ids","10.10.1.100","24.123.132.133","Blocked","28 (AAAA)","NXDOMAIN","x.example.","","AD User","AD User","Malware","rule-7","US,DE","extra"`,
		`"blockedCategories":["Malware"],"ruleId":"rule-7","destinationCountries":["US","DE"],"additionalFields":["extra"]`},
	{"CiscoUmbrella.DNS", `2015-01-16 17:48:41,id,ids,10.10.1.100,24.123.132.133,Allowed,1 (A),NOERROR,x.example.,Chat`,
		`"internalIp":"10.10.1.100","externalIp":"24.123.132.133","action":"Allowed","queryType":"1 (A)"`},
	{"CiscoUmbrella.DNS", `"2015-01-16 17:48:41","id","ids","10.10.1.100","24.123.132.133","Allowed","1 (A)","NOERROR","x.example.","Chat"`,
		`"categories":["Chat"]}`},
	{"CiscoUmbrella.IP", `"2017-10-02 19:58:12","TheComputerName","198.198.198.1","55605","107.152.24.219","443","Unauthorized IP Tunnel Access","Roaming Computers"`,
		`"sourcePort":55605,"destinationIp":"107.152.24.219","destinationPort":443`},
	{"CiscoUmbrella.CloudFirewall", `"2019-01-14 18:03:46","[211039844]","Passive Monitor","CDFW Tunnel Device","OUTBOUND","1","84","172.17.3.4","","146.112.255.129","","ams1.edc","12","ALLOW"`,
		`"ipProtocol":1,"packetSize":84,"sourceIp":"172.17.3.4","destinationIp":"146.112.255.129"`},
	{"CiscoUmbrella.Proxy", `"2017-10-02 23:52:53","TheComputerName","ActiveDirectoryUserName,ADSite,Network","192.192.192.135","1.1.1.91","1.1.1.92","","ALLOWED","http://google.com/the.js","www.google.com","Mozilla/5.0","200","562","1489","1500","","","","","","","","Networks"`,
		`"identities":["ActiveDirectoryUserName","ADSite","Network"],"internalIp":"192.192.192.135","externalIp":"1.1.1.91","destinationIp":"1.1.1.92"`},
	{"CiscoUmbrella.Proxy", `"2017-10-02 23:52:53","TheComputerName","192.192.192.135","1.1.1.91","3.4.5.6","","ALLOWED","http://google.com/the.js","www.google.com","Mozilla/5.0","200","562","1489","","","Search Engines","","","","","","Roaming Computer","","TheComputerName, ADSite,Network","Roaming Computer, Site, Network","GET"`,
		`"identities":["TheComputerName","ADSite","Network"],"internalIp":"192.192.192.135","externalIp":"1.1.1.91","destinationIp":"3.4.5.6"`},
}

func TestUmbrellaParsers(t *testing.T) {
	types := map[string]*LogType{}
	for name, path := range umbrellaSchemaFiles {
		types[name] = embeddedTypeForTest(t, path)
	}
	for _, tt := range umbrellaLines {
		for name, lt := range types {
			got, ok, err := parseForTest(lt, lt.NewParser(), tt.line, false)
			if name != tt.logType {
				// Each Umbrella type must reject the lines of the others, or the classifier
				// could give them the wrong type.
				if err == nil || ok {
					t.Errorf("%s accepted a %s line: %s", name, tt.logType, got)
				}
				continue
			}
			if err != nil || !ok {
				t.Errorf("%s: Parse(%s) = ok %v, error %v", name, tt.line, ok, err)
				continue
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("%s: event %s\ndoes not contain %s", name, got, tt.want)
			}
		}
	}
}

func TestUmbrellaParserErrors(t *testing.T) {
	tests := []struct {
		logType, line, wantErr string
	}{
		{"CiscoUmbrella.DNS", ``, "umbrella dns: expected a CSV line starting with the timestamp, quoted or not"},
		{"CiscoUmbrella.DNS", `{"timestamp":"2015-01-16 17:48:41"}`, "expected a CSV line starting with the timestamp"},
		{"CiscoUmbrella.DNS", `2015-01-16 17:48:41,id,a,b,c,10.10.1.100,24.123.132.133,Allowed,1 (A),NOERROR,x.example.,Chat`, "column 4 (internalIp) at offset 25: expected an IP address or nothing, got \"b\""},
		{"CiscoUmbrella.DNS", `"2015-01-16 17:48:41","a","b"`, "expected at least 10 columns, got 3"},
		{"CiscoUmbrella.DNS", `"2015-01-16T17:48:41Z","a","b","c","d","e","1 (A)","h","i","j"`, `column 1 (timestamp) at offset 0: expected a UTC time "YYYY-MM-DD hh:mm:ss", got "2015-01-16T17:48:41Z"`},
		{"CiscoUmbrella.DNS", `"2015-01-16 17:48:41","a","b","10.0.0.1","","e","A","h","i","j"`, `column 7 (queryType) at offset 48: expected a DNS query type such as "1 (A)", got "A"`},
		{"CiscoUmbrella.DNS", `"2015-13-16 17:48:41","a","b","10.0.0.1","","e","1 (A)","h","i","j"`, "field timestamp: "},
		{"CiscoUmbrella.IP", `"2017-10-02 19:58:12","id","198.198.198.1","65536","107.152.24.219","443","",""`, "column 4 (sourcePort) at offset 43: expected a port number (0 to 65535)"},
		{"CiscoUmbrella.CloudFirewall", `"2019-01-14 18:03:46","o","i","t","OUTBOUND","","84","s","","d","","dc","r","v"`, "column 6 (ipProtocol)"},
		{"CiscoUmbrella.Proxy", `"2017-10-02 23:52:53","i","ids","10.0.0.1","10.0.0.2","10.0.0.3","","ALLOWED","u","r","ua","2000","562","1489","1500","","","","","","",""`, "column 12 (statusCode) at offset 91: expected a 3-digit HTTP status or nothing, got \"2000\""},
	}
	for _, tt := range tests {
		lt := embeddedTypeForTest(t, umbrellaSchemaFiles[tt.logType])
		_, ok, err := parseForTest(lt, lt.NewParser(), tt.line, false)
		if ok || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Parse(%s) = ok %v, error %v; want an error containing %q", tt.logType, tt.line, ok, err, tt.wantErr)
		}
	}
}

// quoteUmbrellaCSV writes columns the way Umbrella does: every column quoted, quotes doubled.
func quoteUmbrellaCSV(cols []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(c, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// FuzzUmbrellaCSV checks that quoting columns and splitting them again gives the columns back,
// and that no Umbrella parser panics or writes an unbounded error on any line.
func FuzzUmbrellaCSV(f *testing.F) {
	for _, l := range umbrellaLines {
		f.Add(l.line)
	}
	f.Add(`"a", "b" ,"c""d"`)
	f.Add(`"open`)
	f.Add(`x,"y`)
	f.Add(`"",`)
	types := map[string]*LogType{}
	for name, path := range umbrellaSchemaFiles {
		types[name] = embeddedTypeForTest(f, path)
	}
	f.Fuzz(func(t *testing.T, line string) {
		// Round trip: the bytes between NULs are columns.
		cols := strings.Split(line, "\x00")
		cells, err := splitUmbrellaCSV(quoteUmbrellaCSV(cols), nil)
		if err != nil {
			t.Fatalf("split(quote(%q)) failed: %v", cols, err)
		}
		if len(cells) != len(cols) {
			t.Fatalf("split(quote(%q)) gave %d columns, want %d", cols, len(cells), len(cols))
		}
		for i := range cols {
			if cells[i].value != cols[i] {
				t.Fatalf("column %d = %q, want %q", i, cells[i].value, cols[i])
			}
		}
		for name, lt := range types {
			d := &decode.Decoder{Arena: &event.Arena{}}
			_, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(line)})
			if ok == (err != nil) {
				t.Fatalf("%s: ok %v with error %v", name, ok, err)
			}
			if err != nil && len(err.Error()) > 600 {
				t.Fatalf("%s: error message is %d bytes long: %.100s...", name, len(err.Error()), err)
			}
		}
	})
}

func BenchmarkUmbrellaParsers(b *testing.B) {
	for _, tc := range []struct{ name, logType, line string }{
		{"DNS", "CiscoUmbrella.DNS", umbrellaLines[0].line},
		{"Proxy", "CiscoUmbrella.Proxy", `"2024-09-11 11:48:11","TheComputerName","192.192.192.135","1.1.1.91","3.4.5.6","","ALLOWED","https://unitedstates.smartscreen.microsoft.com","www.google.com","Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/61.0.3163.100 Safari/537.36","200","562","1489","","","Search Engines","","","","","","Roaming Computer","","TheComputerName, ADSite,Network","Roaming Computer, Site, Network","GET","","","the.js","","","","isolated","downloaded_original_file","warn-session","","SWA","","","","swg-nginx-proxy-https-bd8cc1601841.signginx.atl1","ATL1","true","unitedstates.smartscreen.microsoft.com","false","false","","","2204063"`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			lt := embeddedTypeForTest(b, umbrellaSchemaFiles[tc.logType])
			p := lt.NewParser()
			arena := &event.Arena{}
			d := &decode.Decoder{Arena: arena}
			rec := &input.Record{Data: []byte(tc.line)}
			b.SetBytes(int64(len(tc.line)))
			b.ReportAllocs()
			for b.Loop() {
				arena.Reset()
				if _, ok, err := p.Parse(d, rec); !ok || err != nil {
					b.Fatalf("Parse = ok %v, error %v", ok, err)
				}
			}
		})
	}
}
