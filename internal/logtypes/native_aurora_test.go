package logtypes

import (
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
)

const auroraSchemaFile = "schemas/aws/auroramysqlaudit.yml"

func TestAuroraParser(t *testing.T) {
	lt := embeddedTypeForTest(t, auroraSchemaFile)
	tests := []struct {
		line, want, wantErr string
	}{
		{line: "1572546356975302,db-instance-name,someuser,10.0.143.147,1688069,168876953,QUERY,testdb,'select a, b from t where c = \\'x,y\\'',0",
			want: `"serverHost":"db-instance-name","username":"someuser","host":"10.0.143.147","connectionId":1688069,"queryId":168876953,"operation":"QUERY","database":"testdb","object":"'select a, b from t where c = \\'x,y\\''","retCode":0}`},
		{line: "1653053459680124,c731-instance-1,admin,52.94.133.136,35,698024,WRITE,testdb,test2,0",
			want: `"operation":"WRITE","database":"testdb","object":"test2","retCode":0}`},
		{line: "1653053459000001,c731-instance-1,rdsadmin,localhost,36,0,CONNECT,,,0",
			want: `"queryId":0,"operation":"CONNECT","retCode":0}`},
		{line: "1653053459000001,c,u,h,36,0,DISCONNECT,db,1045",
			want: `"operation":"DISCONNECT","database":"db","retCode":1045}`},
		{line: "1653053459000001,c,u,h,36,0,QUERY,db,'x',-1",
			want: `"object":"'x'","retCode":-1}`},
		{line: "2022-05-20,c,u,h,1,2,QUERY,db,x,0", wantErr: "column 1 (timestamp) at offset 0: expected a Unix time in microseconds"},
		{line: "1653053459000001,c,u,h,1,2,EXPLODE,db,x,0", wantErr: "column 7 (operation) at offset 27: expected CONNECT"},
		{line: "1653053459000001,c,u,h,one,2,QUERY,db,x,0", wantErr: "column 5 (connectionId) at offset 23: expected a number"},
		{line: "1653053459000001,c,u,h,1,2,QUERY", wantErr: "expected at least 9 comma-separated columns"},
		{line: "1653053459000001,c,u,h,1,2,QUERY,db,x,zero", wantErr: "last column (retcode) at offset 38: expected the return code"},
		{line: "", wantErr: "column 1 (timestamp) at offset 0: expected a Unix time in microseconds"},
	}
	for _, tt := range tests {
		got, ok, err := parseForTest(lt, lt.NewParser(), tt.line, false)
		if tt.wantErr != "" {
			if ok || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) = ok %v, error %v; want an error containing %q", tt.line, ok, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !ok || !strings.Contains(got, tt.want) {
			t.Errorf("Parse(%q) = %s, ok %v, error %v; want %s", tt.line, got, ok, err, tt.want)
		}
	}
}

// FuzzAuroraLine checks that an accepted line keeps every byte: the object is exactly the text
// between the eighth and the last comma.
func FuzzAuroraLine(f *testing.F) {
	f.Add("1572546356975302,db,u,10.0.0.1,1,2,QUERY,testdb,'select 1, 2',0")
	f.Add("1653053459000001,c,u,h,36,0,CONNECT,,,0")
	f.Add("1,c,u,h,1,2,READ,db,0")
	f.Add(",,,,,,,,")
	lt := embeddedTypeForTest(f, auroraSchemaFile)
	objIdx, _ := lt.Root.FieldIndexString("object")
	f.Fuzz(func(t *testing.T, line string) {
		d := &decode.Decoder{Arena: &event.Arena{}}
		v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(line)})
		if ok == (err != nil) {
			t.Fatalf("ok %v with error %v", ok, err)
		}
		if err != nil {
			if len(err.Error()) > 600 {
				t.Fatalf("error message is %d bytes long", len(err.Error()))
			}
			return
		}
		parts := strings.SplitN(line, ",", 9)
		rest := parts[8]
		want := ""
		if i := strings.LastIndexByte(rest, ','); i >= 0 {
			want = rest[:i]
		}
		if got := v.Items[objIdx].S; got != strings.ToValidUTF8(want, "\ufffd") {
			t.Fatalf("object = %q, want %q", got, want)
		}
	})
}

func BenchmarkAuroraParser(b *testing.B) {
	lt := embeddedTypeForTest(b, auroraSchemaFile)
	line := "1572546356975302,db-instance-name,someuser,10.0.143.147,1688069,168876953,QUERY,testdb,'select `user_id` as `userId`, `address`, `type`, `access` from `address_verification` where `ordinal` = \\'primary\\' and `verified` = true',0"
	p := lt.NewParser()
	arena := &event.Arena{}
	d := &decode.Decoder{Arena: arena}
	rec := &input.Record{Data: []byte(line)}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		arena.Reset()
		if _, ok, err := p.Parse(d, rec); !ok || err != nil {
			b.Fatalf("Parse = ok %v, error %v", ok, err)
		}
	}
}
