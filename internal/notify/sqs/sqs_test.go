package sqs

import (
	"context"
	"crypto/md5"
	"encoding/hex"
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
	accessKey = "AKIAIOSFODNN7EXAMPLE"
	secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYs3cr3tKEY"
	queue     = "https://sqs.ap-southeast-2.amazonaws.com/123456789012/panther-alerts"
)

func build(t testing.TB, baseURL string, opts notify.Options) notify.Notifier {
	n, err := New(&Config{QueueURL: queue, Credentials: awsnotify.Credentials{
		AccessKeyID: accessKey, SecretAccessKey: secretKey, Endpoint: baseURL,
	}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// fakeSQS answers SendMessage like SQS's JSON protocol, with the
// MD5OfMessageBody the SDK verifies (or a wrong one when lie is set).
type fakeSQS struct {
	lie    bool
	mu     sync.Mutex
	bodies [][]byte
	header []http.Header
}

func (f *fakeSQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var in struct {
		QueueUrl    string
		MessageBody string
	}
	if r.Method != http.MethodPost || json.Unmarshal(raw, &in) != nil {
		http.Error(w, `{"__type":"com.amazonaws.sqs#InvalidParameterValue","message":"bad"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, raw)
	f.header = append(f.header, r.Header.Clone())
	f.mu.Unlock()
	sum := md5Hex(in.MessageBody)
	if f.lie {
		sum = md5Hex("something else")
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	fmt.Fprintf(w, `{"MD5OfMessageBody":%q,"MessageId":"5fea7756-0ea4-451a-a703-a558b933e274"}`, sum)
}

var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=` + accessKey + `/\d{8}/ap-southeast-2/sqs/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`)

func TestNotify(t *testing.T) {
	fake := &fakeSQS{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	if _, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert()); err != nil {
		t.Fatal(err)
	}
	if len(fake.bodies) != 1 {
		t.Fatalf("got %d requests", len(fake.bodies))
	}
	h := fake.header[0]
	if got := h.Get("X-Amz-Target"); got != "AmazonSQS.SendMessage" {
		t.Errorf("X-Amz-Target = %q", got)
	}
	if got := h.Get("Content-Type"); got != "application/x-amz-json-1.0" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := h.Get("Authorization"); !authRE.MatchString(got) {
		t.Errorf("Authorization = %q, want SigV4 for ap-southeast-2/sqs", got)
	}
	var in map[string]any
	if err := json.Unmarshal(fake.bodies[0], &in); err != nil {
		t.Fatal(err)
	}
	if in["QueueUrl"] != queue {
		t.Errorf("QueueUrl = %v", in["QueueUrl"])
	}
	std, _ := notify.StandardJSON(notifytest.Alert())
	if in["MessageBody"] != string(std) {
		t.Errorf("MessageBody is not the standard notification:\n%v", in["MessageBody"])
	}
	notifytest.GoldenJSON(t, "sendmessage.json", fake.bodies[0])
}

func TestWrongMD5IsAnError(t *testing.T) {
	srv := httptest.NewServer(&fakeSQS{lie: true})
	defer srv.Close()
	_, err := build(t, srv.URL, notify.Options{}).Notify(context.Background(), notifytest.Alert())
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "md5") {
		t.Errorf("err = %v, want an MD5 mismatch", err)
	}
}

func TestFIFO(t *testing.T) {
	n, err := New(&Config{QueueURL: queue + ".fifo", Credentials: awsnotify.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}}, notify.Options{})
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
}

func TestRegionOf(t *testing.T) {
	for u, want := range map[string]string{
		"https://sqs.us-east-2.amazonaws.com/123456789012/q":                  "us-east-2",
		"https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q":              "cn-north-1",
		"https://sqs.eu-central-1.api.aws/123456789012/q":                     "eu-central-1",
		"https://vpce-0a1b2c.sqs.us-west-1.vpce.amazonaws.com/123456789012/q": "us-west-1",
		"https://eu-west-1.queue.amazonaws.com/123456789012/q":                "eu-west-1",
		"https://queue.amazonaws.com/123456789012/q":                          "us-east-1",
		"http://localhost:4566/000000000000/q":                                "",
		"https://sqs.us-east-1.amazonaws.com.evil.example/123456789012/q":     "",
		"https://notsqs.us-east-1.amazonaws.com/123456789012/q":               "",
	} {
		if got := RegionOf(u); got != want {
			t.Errorf("RegionOf(%s) = %q, want %q", u, got, want)
		}
	}
}

func jsonErr(typ, msg string) string {
	return fmt.Sprintf(`{"__type":"com.amazonaws.sqs#%s","message":%q}`, typ, msg)
}

func TestRetry(t *testing.T) {
	std, err := notify.StandardJSON(notifytest.Alert())
	if err != nil {
		t.Fatal(err)
	}
	ok := fmt.Sprintf(`{"MD5OfMessageBody":%q,"MessageId":"m"}`, md5Hex(string(std)))
	notifytest.CheckRetry(t, []notifytest.RetryCase{
		{Name: "sent", Status: 200, Body: ok},
		{Name: "throttled 400", Status: 400, Body: jsonErr("ThrottlingException", "Rate exceeded"), WantErr: true, WantRetryable: true},
		{Name: "internal error 500", Status: 500, Body: jsonErr("InternalError", "oops"), WantErr: true, WantRetryable: true},
		{Name: "unavailable 503", Status: 503, Body: "", WantErr: true, WantRetryable: true},
		{Name: "no such queue 400", Status: 400, Body: jsonErr("QueueDoesNotExist", "The specified queue does not exist."), WantErr: true},
		{Name: "access denied 403", Status: 403, Body: jsonErr("AccessDeniedException", "not authorized"), WantErr: true},
		{Name: "bad signature 403", Status: 403, Body: jsonErr("InvalidClientTokenId", "token"), WantErr: true},
	}, build)
}

func TestNoSecretLeak(t *testing.T) {
	notifytest.AssertNoSecretLeak(t, []string{secretKey}, build)
}

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "sqs: queueUrl: required"},
		{`{"queueUrl":"https://sqs.us-east-1.amazonaws.com/q"}`, `sqs: queueUrl: path must be /ACCOUNT_ID/QUEUE_NAME, got "/q"`},
		{`{"queueUrl":"http://localhost:4566/000000000000/q"}`, `sqs: region: required: the host "localhost:4566" of the queue URL names no region`},
		{`{"queueUrl":"http://localhost:4566/000000000000/q","region":"Mars"}`, `sqs: region: must be a region like us-east-1, got "Mars"`},
		{`{"queueUrl":"http://localhost:4566/000000000000/q","region":"us-east-1"}`, ""},
		{`{"queueUrl":"` + queue + `","accessKeyId":"AKIA","secretAccessKey":"s3cr3t"}`, ""},
	}, "s3cr3t")
}

func FuzzRegionOf(f *testing.F) {
	f.Add(queue)
	f.Add("https://eu-west-1.queue.amazonaws.com/123456789012/q")
	f.Add("http://localhost:4566/000000000000/q")
	f.Fuzz(func(t *testing.T, raw string) {
		region := RegionOf(raw)
		if region == "" {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("RegionOf(%q) = %q for an unparsable URL", raw, region)
		}
		host := strings.ToLower(u.Hostname())
		if !strings.Contains(host, region) && region != "us-east-1" {
			t.Fatalf("RegionOf(%q) = %q, not in the host", raw, region)
		}
		if !strings.HasSuffix(host, ".amazonaws.com") && !strings.HasSuffix(host, ".amazonaws.com.cn") && !strings.HasSuffix(host, ".api.aws") {
			t.Fatalf("RegionOf(%q) = %q for a host outside AWS", raw, region)
		}
	})
}
