package logtypes

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
)

// sentinelOneSample is an activity as the SentinelOne API writes it, with camelCase keys.
const sentinelOneSample = `{"accountId":"433241117337583618","accountName":"Acme Corp","activityType":19,` +
	`"activityUuid":"a3c1f0d2-5b6e-4f7a-8b9c-0d1e2f3a4b5c","agentId":"1111112222233333","agentUpdatedVersion":null,` +
	`"comments":null,"createdAt":"2022-12-07T16:08:55.703155Z","data":{"accountName":"Acme Corp","computerName":"BOBS-PC",` +
	`"confidenceLevel":"malicious","fileContentHash":"cf8bd9dfddff007f75adf4c2be48005cea317c62","fileDisplayName":"eicar.txt",` +
	`"filePath":"/home/ubuntu/eicar.txt","ipAddress":"192.0.2.7","threatClassification":"Virus"},"description":null,` +
	`"groupId":"12345","groupName":"Testing","hash":null,"id":"1588523442387746311","osFamily":"linux",` +
	`"primaryDescription":"Threat with confidence level malicious detected: eicar.txt",` +
	`"secondaryDescription":"cf8bd9dfddff007f75adf4c2be48005cea317c62","siteId":"456789","siteName":"Default site",` +
	`"threatId":"1588523442253528582","updatedAt":"2022-12-07T16:08:55.698241Z","userId":null}`

func TestSentinelOneActivity(t *testing.T) {
	lt := managedType(t, "SentinelOne.Activity")
	lower := string(lowerJSONKeys(nil, []byte(sentinelOneSample)))
	var first string
	for i, rec := range []string{sentinelOneSample, lower} {
		d := newDecoder()
		v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(rec), JSON: true})
		if err != nil || !ok {
			t.Fatalf("record %d: ok=%v err=%v", i, ok, err)
		}
		got := string(event.AppendJSON(nil, &event.Event{LogType: lt.LogType, Root: v}))
		if i == 0 {
			first = got
		} else if got != first {
			t.Errorf("camelCase and lower-case records decode differently:\n%s\n%s", first, got)
		}
		for _, want := range []string{`"activitytype":19`, `"createdat":"2022-12-07 16:08:55.703155000"`,
			`"filecontenthash":"cf8bd9dfddff007f75adf4c2be48005cea317c62"`, `"primarydescription":"Threat with`} {
			if !strings.Contains(got, want) {
				t.Errorf("record %d: event lacks %s:\n%s", i, want, got)
			}
		}
		if got := d.Indicators.Values(indicators.KindSHA1); !reflect.DeepEqual(got, []string{"cf8bd9dfddff007f75adf4c2be48005cea317c62"}) {
			t.Errorf("record %d: sha1 = %v", i, got)
		}
		if got := d.Indicators.Values(indicators.KindIPAddress); !reflect.DeepEqual(got, []string{"192.0.2.7"}) {
			t.Errorf("record %d: ip = %v", i, got)
		}
	}
}

func TestSentinelOneActivityRejects(t *testing.T) {
	lt := managedType(t, "SentinelOne.Activity")
	tests := []struct{ rec, err string }{
		{strings.Replace(sentinelOneSample, `"activityType":19,`, "", 1), "field activitytype: required field is missing"},
		{strings.Replace(sentinelOneSample, `"createdAt":"2022-12-07T16:08:55.703155Z",`, "", 1), "field createdat: required field is missing"},
		{strings.Replace(sentinelOneSample, `"id":"1588523442387746311",`, "", 1), "field id: required field is missing"},
		{strings.Replace(sentinelOneSample, `"activityType":19`, `"activityType":"threat"`, 1), "field activitytype"},
		{`{"id":"1","Data":{}}`, "field activitytype: required field is missing"},
		{`{"id":`, "field id: expected a value"},
	}
	for _, tt := range tests {
		_, ok, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(tt.rec), JSON: true})
		if ok || err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Parse(%.60s...) = ok %v, error %v; want an error containing %q", tt.rec, ok, err, tt.err)
		}
	}
	if _, _, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(sentinelOneSample)}); err == nil {
		t.Error("a text record was accepted")
	}
}

func FuzzSentinelOneActivity(f *testing.F) {
	lt := managedType(f, "SentinelOne.Activity")
	for _, s := range []string{sentinelOneSample, `{"ID":"1","ActivityType":1,"CreatedAt":"2024-01-01T00:00:00Z"}`, `{"id":1}`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rec string) {
		if !json.Valid([]byte(rec)) {
			return // malformed JSON is the decoder's to reject; internal/decode fuzzes it
		}
		p := lt.NewParser()
		v, ok, err := p.Parse(newDecoder(), &input.Record{Data: []byte(rec), JSON: true})
		if err != nil {
			if ok {
				t.Fatalf("ok with an error: %v", err)
			}
			return
		}
		for _, name := range []string{"id", "activitytype", "createdat"} {
			if field(t, lt, v, name).Kind == event.Null {
				t.Fatalf("accepted %q without %s", rec, name)
			}
		}
	})
}

func BenchmarkSentinelOneActivity(b *testing.B) {
	benchParser(b, "SentinelOne.Activity", "", sentinelOneSample, true)
}
