package logtypes

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The web server access log types share the NCSA line format. These tests check the
// relations their descriptions promise: every Nginx.Access line is an Apache.AccessCombined
// line with the same values, and no line is both a common and a combined line.

// webSchemaType builds one managed type from its embedded schema file alone, so that the test
// does not depend on the other managed schemas.
func webSchemaType(tb testing.TB, path string) *LogType {
	tb.Helper()
	data, err := managedFS.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := logschema.Parse(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	lt, err := Build(s)
	if err != nil {
		tb.Fatal(err)
	}
	return lt
}

type webTypes struct {
	nginx, combined, common *LogType
}

func loadWebTypes(tb testing.TB) webTypes {
	return webTypes{
		nginx:    webSchemaType(tb, "schemas/nginx/access.yml"),
		combined: webSchemaType(tb, "schemas/apache/access_combined.yml"),
		common:   webSchemaType(tb, "schemas/apache/access_common.yml"),
	}
}

// webParseLine parses line with a new parser of lt and returns the event as a map from column
// to the JSON text of the value, or nil if lt rejects the line.
func webParseLine(lt *LogType, line string) map[string]string {
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(line), Line: 1})
	if err != nil || !ok {
		return nil
	}
	out := make(map[string]string, len(lt.Root.Fields))
	for i, f := range lt.Root.Fields {
		item := v.Items[i]
		switch item.Kind {
		case event.Null:
			continue
		case event.String:
			out[f.Column] = item.S
		case event.Time:
			out[f.Column] = item.Time().Format("2006-01-02T15:04:05Z07:00")
		case event.Int:
			out[f.Column] = strconv.FormatInt(item.N, 10)
		default:
			out[f.Column] = "kind " + strconv.Itoa(int(item.Kind))
		}
	}
	return out
}

// checkWebOverlap checks the promised relations on one line and reports which of
// Nginx.Access and Apache.AccessCombined accept it.
func checkWebOverlap(t *testing.T, w webTypes, line string) (nginx, combined bool) {
	t.Helper()
	ng, comb, comm := webParseLine(w.nginx, line), webParseLine(w.combined, line), webParseLine(w.common, line)
	if comb != nil && comm != nil {
		t.Fatalf("line accepted by both Apache.AccessCombined and Apache.AccessCommon: %q", line)
	}
	if ng != nil && comm != nil {
		t.Fatalf("line accepted by both Nginx.Access and Apache.AccessCommon: %q", line)
	}
	if ng == nil {
		return false, comb != nil
	}
	if comb == nil {
		t.Fatalf("Nginx.Access accepts a line Apache.AccessCombined rejects: %q", line)
	}
	same := [][2]string{
		{"remoteAddr", "remote_host_ip_address"},
		{"remoteUser", "request_user"},
		{"time", "request_time"},
		{"status", "response_status"},
		{"bodyBytesSent", "response_size"},
		{"httpReferer", "referer"},
		{"httpUserAgent", "user_agent"},
	}
	for _, p := range same {
		if ng[p[0]] != comb[p[1]] {
			t.Fatalf("line %q: Nginx.Access %s = %q but Apache.AccessCombined %s = %q", line, p[0], ng[p[0]], p[1], comb[p[1]])
		}
	}
	if _, ok := comb["client_identity_rfc_1413"]; ok {
		t.Fatalf("line %q: Nginx.Access accepted an identd name", line)
	}
	// What follows the combined format: Apache keeps it whole in extra_fields, nginx reads a
	// first quoted field as X-Forwarded-For and keeps the rest in extraFields.
	xff, rest := "", comb["extra_fields"]
	if strings.HasPrefix(rest, `"`) {
		end := 1
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		if end < len(rest) && (end+1 == len(rest) || rest[end+1] == ' ') {
			xff, rest = rest[1:end], strings.TrimPrefix(rest[end+1:], " ")
			if xff == "-" {
				xff = ""
			}
		}
	}
	if xff != ng["httpXForwardedFor"] || rest != ng["extraFields"] {
		t.Fatalf("line %q: Apache.AccessCombined extra_fields %q, Nginx.Access httpXForwardedFor %q and extraFields %q", line, comb["extra_fields"], ng["httpXForwardedFor"], ng["extraFields"])
	}
	return true, true
}

// webSampleLines returns the lines of the golden samples of the named types.
func webSampleLines(t testing.TB, types ...string) []string {
	var lines []string
	for _, typ := range types {
		files, err := filepath.Glob(filepath.Join("testdata", "golden", typ, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, ".golden") {
				continue
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			f.Close()
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return lines
}

func TestWebAccessOverlap(t *testing.T) {
	w := loadWebTypes(t)
	lines := webSampleLines(t, "Nginx.Access", "Apache.AccessCombined", "Apache.AccessCommon")
	if len(lines) < 20 {
		t.Fatalf("only %d sample lines", len(lines))
	}
	nginxLines, apacheOnly := 0, 0
	for _, line := range lines {
		ng, comb := checkWebOverlap(t, w, line)
		if ng {
			nginxLines++
		}
		if comb && !ng {
			apacheOnly++
		}
	}
	// The samples must exercise both sides of the relation.
	if nginxLines == 0 || apacheOnly == 0 {
		t.Fatalf("samples have %d Nginx.Access lines and %d Apache-only combined lines; want both", nginxLines, apacheOnly)
	}
}

func FuzzWebAccessOverlap(f *testing.F) {
	w := loadWebTypes(f)
	// A few short seeds: TestWebAccessOverlap checks every sample line, and rejecting a line
	// with the regex parser is slow (it explains where the pattern failed).
	for _, line := range []string{
		`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "-" "-"`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 304 - "-" "-"`,
		`127.0.0.1 id - [10/Oct/2000:13:55:36 -0700] "-" 408 - "-" "-"`,
		`127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /" 200 2326`,
		`::1 - a b [10/Oct/2000:13:55:36 -0700] "\x16\x03" 400 0 "" "\"x\""`,
		`www.example.com:443 203.0.113.10 - - [10/Dec/2024:06:25:14 +0100] "GET / HTTP/1.1" 200 3 "-" "-"`,
		`"198.51.100.4, 10.0.4.3" - - [10/Dec/2024:07:01:07 +0000] "GET / HTTP/1.1" 200 2 "-" "-" "1.2.3.4" 0.001 -`,
	} {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n\r") {
			return // records are single lines
		}
		checkWebOverlap(t, w, line)
	})
}

func BenchmarkWebAccessTypes(b *testing.B) {
	w := loadWebTypes(b)
	combined := `203.0.113.9 - alice [10/Oct/2023:15:55:37 +0200] "GET /api/v1/items?page=2&sort=desc HTTP/1.1" 200 5316 "https://www.example.com/app" "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/118.0"`
	common := `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`
	for _, bc := range []struct {
		name string
		lt   *LogType
		line string
	}{
		{"Nginx.Access", w.nginx, combined},
		{"Apache.AccessCombined", w.combined, combined},
		{"Apache.AccessCommon", w.common, common},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := &decode.Decoder{Arena: &event.Arena{}}
			p := bc.lt.NewParser()
			rec := &input.Record{Data: []byte(bc.line), Line: 1}
			b.SetBytes(int64(len(bc.line)))
			b.ReportAllocs()
			for b.Loop() {
				d.Arena.Reset()
				if _, ok, err := p.Parse(d, rec); err != nil || !ok {
					b.Fatal(err)
				}
			}
		})
	}
}
