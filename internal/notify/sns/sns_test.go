package sns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/awsnotify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const (
	accessKey    = "AKIAIOSFODNN7EXAMPLE"
	secretKey    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYs3cr3tKEY"
	sessionToken = "FwoGZXIvYXdzEXAMPLEs3ss10nT0ken"
	topic        = "arn:aws:sns:eu-west-3:123456789012:panther-alerts"
)

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{TopicARN: topic, Credentials: awsnotify.Credentials{
		AccessKeyID: accessKey, SecretAccessKey: secretKey, SessionToken: sessionToken, Endpoint: baseURL,
	}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fakeSNS answers Publish like SNS and records the requests.
type fakeSNS struct {
	mu     sync.Mutex
	forms  []url.Values
	header []http.Header
}

func (f *fakeSNS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.forms = append(f.forms, form)
	f.header = append(f.header, r.Header.Clone())
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	_, _ = io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
  <ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata>
</PublishResponse>`)
}

var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=` + accessKey + `/\d{8}/eu-west-3/sns/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`)

func TestNotify(t *testing.T) {
	fake := &fakeSNS{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	if len(fake.forms) != 1 {
		t.Fatalf("got %d requests", len(fake.forms))
	}
	form, h := fake.forms[0], fake.header[0]
	if got := h.Get("Authorization"); !authRE.MatchString(got) {
		t.Errorf("Authorization = %q, want SigV4 for eu-west-3/sns", got)
	}
	if got := h.Get("X-Amz-Security-Token"); got != sessionToken {
		t.Errorf("X-Amz-Security-Token = %q", got)
	}
	if !strings.Contains(h.Get("Authorization"), "x-amz-date") {
		t.Error("x-amz-date is not signed")
	}
	if form.Get("Action") != "Publish" || form.Get("MessageStructure") != "json" || form.Get("TopicArn") != topic {
		t.Errorf("form %v", form)
	}
	var msg map[string]string
	if err := json.Unmarshal([]byte(form.Get("Message")), &msg); err != nil {
		t.Fatalf("Message is not a JSON object of strings: %v", err)
	}
	if !json.Valid([]byte(msg["default"])) {
		t.Errorf("default is not the standard JSON: %s", msg["default"])
	}
	golden, err := notify.MarshalJSON(map[string]any{
		"Action": form.Get("Action"), "Version": form.Get("Version"), "TopicArn": form.Get("TopicArn"),
		"Subject": form.Get("Subject"), "MessageStructure": form.Get("MessageStructure"), "Message": msg,
	})
	if err != nil {
		t.Fatal(err)
	}
	notifytest.GoldenJSON(t, "publish.json", golden)
}

func TestFIFO(t *testing.T) {
	n, err := New(&Config{TopicARN: topic + ".fifo", Credentials: awsnotify.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}}, notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := n.Input(notifytest.Alert())
	if err != nil {
		t.Fatal(err)
	}
	if *in.MessageGroupId != "AWS.CloudTrail.RootActivity" || len(*in.MessageDeduplicationId) != 64 {
		t.Errorf("group %q dedup %q", *in.MessageGroupId, *in.MessageDeduplicationId)
	}
	a := notifytest.Alert()
	a.Resent = true
	in2, _ := n.Input(a)
	if *in2.MessageDeduplicationId == *in.MessageDeduplicationId {
		t.Error("a re-sent alert has the same deduplication id")
	}
}

func TestSubject(t *testing.T) {
	for in, want := range map[string]string{
		"New Alert: plain":               "New Alert: plain",
		"New Alert: réussi\nsecond line": "New Alert: r?ussi second line",
		"":                               "Panther alert",
		strings.Repeat("x", 150):         strings.Repeat("x", 99),
	} {
		if got := Subject(in); got != want {
			t.Errorf("Subject(%q) = %q, want %q", in, got, want)
		}
	}
}

const errXML = `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r1</RequestId></ErrorResponse>`

func xmlErr(typ, code, msg string) string { return fmt.Sprintf(errXML, typ, code, msg) }

func TestRetry(t *testing.T) {
	ok := `<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>`
	notifytest.CheckRetry(t, []notifytest.RetryCase{
		{Name: "published", Status: 200, Body: ok},
		{Name: "throttled 400", Status: 400, Body: xmlErr("Sender", "Throttling", "Rate exceeded"), WantErr: true, WantRetryable: true},
		{Name: "internal error 500", Status: 500, Body: xmlErr("Receiver", "InternalError", "oops"), WantErr: true, WantRetryable: true},
		{Name: "unavailable 503", Status: 503, Body: "", WantErr: true, WantRetryable: true},
		{Name: "not found 404", Status: 404, Body: xmlErr("Sender", "NotFound", "Topic does not exist"), WantErr: true},
		{Name: "invalid parameter 400", Status: 400, Body: xmlErr("Sender", "InvalidParameter", "Invalid parameter: Subject"), WantErr: true},
		{Name: "access denied 403", Status: 403, Body: xmlErr("Sender", "AuthorizationError", "not authorized"), WantErr: true},
	}, build)
}

func TestNoSecretLeak(t *testing.T) {
	notifytest.AssertNoSecretLeak(t, []string{secretKey, sessionToken}, build)
}

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "sns: topicArn: required"},
		{`{"topicArn":"arn:aws:sqs:us-east-1:123456789012:q"}`, `sns: topicArn: must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:alerts, got "arn:aws:sqs:us-east-1:123456789012:q"`},
		{`{"topicArn":"` + topic + `","accessKeyId":"AKIA"}`, "sns: secretAccessKey: required when accessKeyId is set"},
		{`{"topicArn":"` + topic + `","secretAccessKey":"s3cr3t"}`, "sns: accessKeyId: required when secretAccessKey is set"},
		{`{"topicArn":"` + topic + `","endpoint":"localhost:4566"}`, "sns: endpoint: must be an http or https URL"},
		{`{"topicArn":"` + topic + `"}`, ""},
		{`{"topicArn":"arn:aws-us-gov:sns:us-gov-west-1:123456789012:t.fifo","accessKeyId":"AKIA","secretAccessKey":"s3cr3t","sessionToken":"s3cr3t2"}`, ""},
	}, "s3cr3t")
	if got := (&Config{TopicARN: topic}).Region(); got != "eu-west-3" {
		t.Errorf("Region = %q", got)
	}
}

func TestFields(t *testing.T) {
	var names []string
	for _, f := range Type.Fields {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "topicArn,accessKeyId,secretAccessKey,sessionToken,endpoint" {
		t.Errorf("fields %s", got)
	}
	if got := strings.Join(Type.SecretFields(), ","); got != "secretAccessKey,sessionToken" {
		t.Errorf("secret fields %s", got)
	}
}
