package s3sqs

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/s3sqs/sqstest"
	"github.com/pantherlabs/panther/internal/sources/sourcetest"
)

// env is a local AWS: one endpoint serving SQS (sqstest) and S3 (gofakes3).
type env struct {
	url   string
	sqs   *sqstest.Server
	queue string
	s3    *s3.Client

	mu        sync.Mutex
	confirmed []string // SNS subscriptions confirmed: "topic token"
}

func newEnv(t *testing.T) *env {
	t.Helper()
	// Static credentials for SigV4, and nothing read from the machine's AWS files.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	q := sqstest.New()
	fake := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	s3h := fake.Server()
	e := &env{sqs: q}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sqstest.IsSQS(r) {
			q.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPost && r.URL.Path == "/" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			// SNS (query protocol): ConfirmSubscription only.
			r.ParseForm()
			if r.Form.Get("Action") != "ConfirmSubscription" || !strings.Contains(r.Header.Get("Authorization"), "/sns/aws4_request") {
				http.Error(w, "unexpected SNS call", http.StatusBadRequest)
				return
			}
			e.mu.Lock()
			e.confirmed = append(e.confirmed, r.Form.Get("TopicArn")+" "+r.Form.Get("Token"))
			e.mu.Unlock()
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>%s:sub-1</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>", r.Form.Get("TopicArn"))
			return
		}
		s3h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url, e.queue = srv.URL, q.CreateQueue(srv.URL, "panther-notifications")
	e.s3 = s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: aws.AnonymousCredentials{},
	})
	if _, err := e.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) put(t *testing.T, key string, body []byte) {
	t.Helper()
	if _, err := e.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("logs"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

// s3Event is an S3 event notification for keys (raw keys, URL-encoded here).
func s3Event(keys ...string) string {
	var recs []string
	for _, k := range keys {
		enc := strings.ReplaceAll(k, " ", "+")
		recs = append(recs, fmt.Sprintf(`{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"logs","arn":"arn:aws:s3:::logs"},"object":{"key":%q,"size":10,"sequencer":"00"}}}`, enc))
	}
	return `{"Records":[` + strings.Join(recs, ",") + `]}`
}

// snsWrap puts a message in an SNS notification envelope.
func snsWrap(msg string) string {
	b, _ := json.Marshal(map[string]string{
		"Type": "Notification", "MessageId": "6b0b8f3a-0000-4000-8000-000000000001",
		"TopicArn": "arn:aws:sns:us-east-1:123456789012:panther-notifications", "Message": msg,
		"Timestamp": "2026-03-01T12:00:00.000Z", "SignatureVersion": "1",
	})
	return string(b)
}

var labelSeq sync.Mutex
var labelN int

// run starts a source on e's queue and stops it at the end of the test.
func (e *env) run(t *testing.T, p sources.Publisher, rep sources.Reporter, tune func(*Source)) *Source {
	t.Helper()
	labelSeq.Lock()
	labelN++
	label := fmt.Sprintf("%s-%d", t.Name(), labelN)
	labelSeq.Unlock()
	raw, _ := json.Marshal(Settings{QueueURL: e.queue, Endpoint: e.url})
	src, err := New(context.Background(), sources.Config{ID: "src-1", Label: label, Type: Kind, Settings: raw}, sources.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(src)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, p, rep) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return src
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.put(t, "AWSLogs/2026/03/01/trail one.json.gz", gz(t, `{"Records":[{"eventName":"GetObject","n":1},{"eventName":"PutObject","n":2}]}`))
	e.put(t, "app/plain.log", []byte("<13>line one\n<13>line two\n"))
	e.put(t, "app/empty.log", nil)

	// A poison message first: it must not block the ones behind it.
	poisonID := e.sqs.Send(e.queue, "this is not JSON at all")
	e.sqs.Send(e.queue, `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-03-01T12:00:00.000Z","Bucket":"logs","RequestId":"R","HostId":"H"}`)
	e.sqs.Send(e.queue, snsWrap("CloudTrail validation message."))
	e.sqs.Send(e.queue, snsWrap(s3Event("AWSLogs/2026/03/01/trail one.json.gz")))
	e.sqs.Send(e.queue, s3Event("app/plain.log", "app/folder/"))
	e.sqs.Send(e.queue, `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"logs"},"object":{"key":"app/empty.log","size":0}}}]}`)
	e.sqs.Send(e.queue, `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"logs"},"object":{"key":"app/plain.log"}}}]}`)

	p, rep := &sourcetest.Publisher{}, &sourcetest.Reporter{}
	src := e.run(t, p, rep, nil)
	sourcetest.Eventually(t, "the queue to empty", func() bool { return e.sqs.Len(e.queue) == 0 })
	// A message leaves the queue before its outcome is counted: wait for all seven outcomes.
	sourcetest.Eventually(t, "the outcomes of the seven messages", func() bool {
		return testutil.ToFloat64(src.messages[outcomePoison])+testutil.ToFloat64(src.messages[outcomeIgnored])+testutil.ToFloat64(src.messages[outcomeDone]) >= 7
	})

	got := map[string][]string{}
	for _, pl := range p.Payloads() {
		for _, r := range pl.Records {
			got[pl.Name] = append(got[pl.Name], string(r))
		}
		if pl.SourceID != "src-1" || pl.Part != 0 || pl.Parts != 1 || !strings.HasPrefix(pl.DedupID, "src-1/logs/") || !strings.HasSuffix(pl.DedupID, "/0") {
			t.Errorf("payload %q: source %q part %d/%d dedup %q", pl.Name, pl.SourceID, pl.Part, pl.Parts, pl.DedupID)
		}
	}
	want := map[string][]string{
		"s3://logs/AWSLogs/2026/03/01/trail one.json.gz": {`{"eventName":"GetObject","n":1}`, `{"eventName":"PutObject","n":2}`},
		"s3://logs/app/plain.log":                        {"<13>line one", "<13>line two"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("published %v\nwant %v", got, want)
	}
	if n := testutil.ToFloat64(src.messages[outcomePoison]); n != 1 {
		t.Errorf("poison messages %v, want 1", n)
	}
	if n := testutil.ToFloat64(src.messages[outcomeIgnored]); n != 3 {
		t.Errorf("ignored messages %v, want 3 (test event, validation, removal)", n)
	}
	if n := testutil.ToFloat64(src.messages[outcomeDone]); n != 3 {
		t.Errorf("done messages %v, want 3 (trail, plain + folder, empty)", n)
	}
	if n := testutil.ToFloat64(src.objSkip); n != 2 {
		t.Errorf("skipped objects %v, want 2 (folder, empty)", n)
	}
	errs := rep.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), poisonID) || !strings.Contains(errs[0].Error(), "not a JSON object") {
		t.Fatalf("reported %v, want one error naming the poison message %s", errs, poisonID)
	}
	if e.sqs.Receives(e.queue, poisonID) != -1 {
		t.Error("the poison message is still on the queue")
	}
}

func TestBigObjectPartsAndVisibility(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, `{"n":%d,"pad":"%s"}`+"\n", i, strings.Repeat("x", 50))
	}
	e.put(t, "big.json.gz", gz(t, b.String()))
	id := e.sqs.Send(e.queue, s3Event("big.json.gz"))
	p := &sourcetest.Publisher{}
	// Each part waits until the message's visibility was extended once more than before,
	// so the read outlasts several visibility timeouts.
	p.Reject(func(pl *sources.Payload) error {
		if pl.Part < 3 {
			want := pl.Part + 1
			sourcetest.Eventually(t, "a visibility extension", func() bool { return e.sqs.Requests("ChangeMessageVisibility") >= want })
		}
		return nil
	})
	e.run(t, p, nil, func(s *Source) {
		s.parts.MaxPartBytes = 20000
		s.visibility = 2 * time.Second
	})
	sourcetest.Eventually(t, "the message to be deleted", func() bool { return e.sqs.Receives(e.queue, id) == -1 })
	pls := p.Payloads()
	n := 0
	for i, pl := range pls {
		if pl.Part != i || !strings.HasSuffix(pl.DedupID, fmt.Sprintf("/%d", i)) {
			t.Fatalf("payload %d is part %d (%s)", i, pl.Part, pl.DedupID)
		}
		n += len(pl.Records)
	}
	if n != 3000 || len(pls) < 4 || pls[len(pls)-1].Parts != len(pls) {
		t.Fatalf("%d records in %d parts", n, len(pls))
	}
	if got := e.sqs.Requests("ReceiveMessage"); got < 1 {
		t.Fatal("no receive")
	}
}

func TestBackpressureLeavesTheMessage(t *testing.T) {
	e := newEnv(t)
	e.put(t, "a.log", []byte("<13>one\n<13>two\n"))
	id := e.sqs.Send(e.queue, s3Event("a.log"))
	refuse := 2
	p := &sourcetest.Publisher{}
	p.Reject(func(*sources.Payload) error {
		if refuse > 0 {
			refuse--
			return fmt.Errorf("queue full: %w", sources.ErrBackpressure)
		}
		return nil
	})
	rep := &sourcetest.Reporter{}
	src := e.run(t, p, rep, func(s *Source) {
		s.visibility = time.Second
		s.publishPatience = 0 // give up on the first push-back
	})
	sourcetest.Eventually(t, "the message to be deleted", func() bool { return e.sqs.Receives(e.queue, id) == -1 })
	if n := len(p.Payloads()); n != 1 {
		t.Fatalf("%d payloads accepted, want 1", n)
	}
	attempts := p.Attempts()
	if len(attempts) != 3 || attempts[0].DedupID != attempts[1].DedupID || attempts[1].DedupID != attempts[2].DedupID {
		t.Fatalf("%d attempts: want 3 with the same DedupID", len(attempts))
	}
	if n := testutil.ToFloat64(src.messages[outcomeRetry]); n != 2 {
		t.Errorf("retries %v, want 2", n)
	}
	if len(rep.Errors()) != 0 {
		t.Errorf("back-pressure reported as errors: %v", rep.Errors())
	}
}

func TestSNSSubscriptionConfirmed(t *testing.T) {
	e := newEnv(t)
	topic := "arn:aws:sns:eu-west-1:123456789012:bucket-events"
	body, _ := json.Marshal(map[string]string{"Type": "SubscriptionConfirmation", "MessageId": "m1", "TopicArn": topic, "Token": "tok-123",
		"SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=tok-123"})
	id := e.sqs.Send(e.queue, string(body))
	e.run(t, &sourcetest.Publisher{}, nil, nil)
	sourcetest.Eventually(t, "the confirmation message to be deleted", func() bool { return e.sqs.Receives(e.queue, id) == -1 })
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.confirmed) != 1 || e.confirmed[0] != topic+" tok-123" {
		t.Fatalf("confirmed %q", e.confirmed)
	}
}

func TestMissingObjectIsReported(t *testing.T) {
	e := newEnv(t)
	id := e.sqs.Send(e.queue, s3Event("gone.log"))
	rep := &sourcetest.Reporter{}
	src := e.run(t, &sourcetest.Publisher{}, rep, nil)
	sourcetest.Eventually(t, "the message to be deleted", func() bool { return e.sqs.Receives(e.queue, id) == -1 })
	errs := rep.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "s3://logs/gone.log") {
		t.Fatalf("reported %v", errs)
	}
	if n := testutil.ToFloat64(src.objBad); n != 1 {
		t.Errorf("failed objects %v, want 1", n)
	}
}

func TestReceiveErrorIsReported(t *testing.T) {
	e := newEnv(t)
	raw, _ := json.Marshal(Settings{QueueURL: e.url + "/123456789012/no-such-queue", Endpoint: e.url})
	src, err := New(context.Background(), sources.Config{ID: "x", Label: "missing-queue", Type: Kind, Settings: raw}, sources.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	rep := &sourcetest.Reporter{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, &sourcetest.Publisher{}, rep) }()
	sourcetest.Eventually(t, "the receive error to be reported", func() bool { return len(rep.Errors()) > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Errors()[0].Error(), "QueueDoesNotExist") {
		t.Fatalf("reported %v", rep.Errors()[0])
	}
}

func TestValidate(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: `{"queue_url":"https://sqs.eu-west-1.amazonaws.com/123456789012/q"}`, want: `{"queue_url":"https://sqs.eu-west-1.amazonaws.com/123456789012/q"}`},
		{in: `{"queue_url":"http://127.0.0.1:4566/000000000000/q","endpoint":"http://127.0.0.1:4566","visibility_timeout":"30s","region":"us-east-2","role_arn":"arn:aws:iam::123456789012:role/PantherRead","external_id":"x","prefixes":["AWSLogs/"],"concurrency":4}`,
			want: `{"queue_url":"http://127.0.0.1:4566/000000000000/q","region":"us-east-2","endpoint":"http://127.0.0.1:4566","visibility_timeout":"30s","role_arn":"arn:aws:iam::123456789012:role/PantherRead","external_id":"x","prefixes":["AWSLogs/"],"concurrency":4}`},
		{in: `{}`, err: "queue_url: required"},
		{in: `{"queue_url":"sqs/q"}`, err: `queue_url: "sqs/q" is not an http(s) URL`},
		{in: `{"queue_url":"https://sqs.us-east-1.amazonaws.com/"}`, err: `queue_url: "https://sqs.us-east-1.amazonaws.com/" has no queue path (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)`},
		{in: `{"queue_url":"https://h/1/q","region":"Mars"}`, err: `region: "Mars" is not an AWS region name such as us-east-1`},
		{in: `{"queue_url":"https://h/1/q","visibility_timeout":"1s"}`, err: `visibility_timeout: 1s is not a whole number of seconds from 10s to 12h`},
		{in: `{"queue_url":"https://h/1/q","role_arn":"PantherRead"}`, err: `role_arn: "PantherRead" is not an IAM role ARN (arn:aws:iam::123456789012:role/Name)`},
		{in: `{"queue_url":"https://h/1/q","external_id":"x"}`, err: `external_id: needs role_arn`},
		{in: `{"queue_url":"https://h/1/q","concurrency":99,"endpoint":"ftp://x"}`, err: "endpoint: \"ftp://x\" is not an http(s) URL\nconcurrency: 99 is outside 1..32"},
		{in: `{"queue_url":"https://h/1/q","queue":"x"}`, err: `unknown setting "queue"`},
	}
	for _, tc := range tests {
		got, err := Validate(json.RawMessage(tc.in))
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err == "" && string(got) != tc.want:
			t.Errorf("%s: normalized to\n%s, want\n%s", tc.in, got, tc.want)
		}
	}
	if r := (Settings{QueueURL: "https://sqs.ap-southeast-2.amazonaws.com/1/q"}).region(); r != "ap-southeast-2" {
		t.Errorf("region from the queue URL: %q", r)
	}
	if k, ok := sources.Lookup(Kind); !ok || k.New == nil {
		t.Fatal("the s3 kind is not registered")
	}
}

func TestParseNotification(t *testing.T) {
	tests := []struct {
		name, body string
		kind       string
		objects    []object
		ignored    string
		poison     bool
	}{
		{name: "S3 event, key URL-encoded", body: `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a+b%3Dc%2Fd.gz","size":5,"eTag":"e1","versionId":"v1"}}}]}`,
			kind: "s3", objects: []object{{"b", "a b=c/d.gz", 5, "e1", "v1"}}},
		{name: "SNS-wrapped S3 event", body: snsWrap(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`),
			kind: "sns/s3", objects: []object{{"b", "k", -1, "", ""}}},
		{name: "CloudTrail notification", body: snsWrap(`{"s3Bucket":"trail","s3ObjectKey":["AWSLogs/1/CloudTrail/x.json.gz","AWSLogs/1/CloudTrail/y.json.gz"]}`),
			kind: "sns/cloudtrail", objects: []object{{"trail", "AWSLogs/1/CloudTrail/x.json.gz", -1, "", ""}, {"trail", "AWSLogs/1/CloudTrail/y.json.gz", -1, "", ""}}},
		{name: "EventBridge", body: `{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"raw/2023-08-08T14:03:40.zip","size":7,"etag":"e","version-id":"v"}}}`,
			kind: "eventbridge", objects: []object{{"b", "raw/2023-08-08T14:03:40.zip", 7, "e", "v"}}},
		{name: "EventBridge deletion", body: `{"detail-type":"Object Deleted","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"k"}}}`, kind: "eventbridge", ignored: `an EventBridge "Object Deleted" event`},
		{name: "test event", body: `{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}`, kind: "s3", ignored: "s3:TestEvent"},
		{name: "SNS-wrapped test event", body: snsWrap(`{"Service":"Amazon S3","Event":"s3:TestEvent"}`), kind: "sns/s3", ignored: "s3:TestEvent"},
		{name: "CloudTrail validation", body: "CloudTrail validation message.", kind: "cloudtrail", ignored: "CloudTrail validation message"},
		{name: "removal only", body: `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`, kind: "s3", ignored: "no ObjectCreated event among 1 records"},
		{name: "not JSON", body: "hello", poison: true},
		{name: "truncated JSON", body: `{"Records":[`, poison: true},
		{name: "other JSON", body: `{"hello":"world"}`, poison: true},
		{name: "another service's records", body: `{"Records":[{"eventSource":"aws:dynamodb"}]}`, poison: true},
		{name: "SNS with a text message", body: snsWrap("hello"), poison: true},
		{name: "bad key encoding", body: `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%zz"}}}]}`, poison: true},
	}
	for _, tc := range tests {
		n, err := parseNotification([]byte(tc.body))
		if tc.poison {
			if !errors.Is(err, errPoison) {
				t.Errorf("%s: error %v, want poison", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if n.Kind != tc.kind || n.Ignored != tc.ignored || fmt.Sprint(n.Objects) != fmt.Sprint(tc.objects) {
			t.Errorf("%s: got kind %q ignored %q objects %v", tc.name, n.Kind, n.Ignored, n.Objects)
		}
	}
	conf, err := parseNotification([]byte(`{"Type":"SubscriptionConfirmation","TopicArn":"arn:aws:sns:us-east-1:1:t","Token":"tok","SubscribeURL":"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"}`))
	if err != nil || conf.Confirm == nil || conf.Confirm.Token != "tok" {
		t.Errorf("subscription confirmation: %+v, %v", conf, err)
	}
}
