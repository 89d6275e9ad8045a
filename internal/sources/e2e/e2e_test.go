// Package e2e_test runs each source kind (syslog, dir, s3) through the real server: the
// durable queue, the pipeline, the lake and the source status, checked with SQL.
package e2e_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/pantherlabs/panther/internal/config"
	"github.com/pantherlabs/panther/internal/runtime"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/s3sqs/sqstest"
	"github.com/pantherlabs/panther/internal/sources/sourcetest"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// addSource stores a source in dataDir with the store the CLI uses.
func addSource(t *testing.T, dataDir string, c sources.Config) sources.Config {
	t.Helper()
	ctx := context.Background()
	st, err := runtime.OpenState(ctx, dataDir, runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c.Enabled = true
	out, _, err := st.Sources.Add(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// status reads a source's status from dataDir.
func status(t *testing.T, dataDir, id string) sources.Status {
	t.Helper()
	ctx := context.Background()
	st, err := runtime.OpenState(ctx, dataDir, runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Sources.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startServer runs a server on dataDir until the test ends.
func startServer(t *testing.T, dataDir string) {
	t.Helper()
	c := config.Default()
	c.DataDir = dataDir
	c.Listen = "127.0.0.1:0"
	c.Lake.FlushInterval = config.Duration(200 * time.Millisecond)
	c.Reload.Interval = config.Duration(50 * time.Millisecond)
	c.Python.Workers = 1
	s, err := runtime.New(runtime.Options{Config: c, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
}

// query runs SQL over dataDir's lake and returns the first row.
func query(t *testing.T, dataDir, sql string) []any {
	t.Helper()
	reg, err := runtime.LogTypes(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: filepath.Join(dataDir, "lake"), Types: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	_, rows, err := eng.QueryAll(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

// lakeCount waits until the SQL count reaches want.
func lakeCount(t *testing.T, dataDir, sql string, want int64) {
	t.Helper()
	var got any
	sourcetest.Eventually(t, fmt.Sprintf("%d rows of %s", want, sql), func() bool {
		got = query(t, dataDir, sql)[0]
		return got == want
	})
}

// freePort returns an address on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().String()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// dialRetry dials until the server's listener is up.
func dialRetry(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	var c net.Conn
	sourcetest.Eventually(t, "the syslog listener on "+addr, func() bool {
		var err error
		c, err = net.Dial(network, addr)
		return err == nil
	})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSyslogThroughServer(t *testing.T) {
	data := t.TempDir()
	udp, tcp := freePort(t, "udp"), freePort(t, "tcp")
	src := addSource(t, data, sources.Config{Label: "edge-syslog", Type: "syslog", LogTypes: []string{"Syslog.RFC5424", "Syslog.RFC3164"},
		Settings: json.RawMessage(fmt.Sprintf(`{"udp":%q,"tcp":%q,"max_message_bytes":1024}`, udp, tcp))})
	startServer(t, data)

	c := dialRetry(t, "tcp", tcp)
	for i := range 20 {
		m := fmt.Sprintf("<165>1 2026-03-01T12:%02d:00Z host-%d sshd 42 ID47 - Accepted publickey for user%d", i, i%3, i)
		fmt.Fprintf(c, "%d %s", len(m), m)
	}
	long := "<13>1 2026-03-01T12:00:00Z h app - - - " + strings.Repeat("x", 3000)
	fmt.Fprintf(c, "%d %s", len(long), long)
	// UDP: the listener is up once TCP answers.
	u, err := net.Dial("udp", udp)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	for i := range 5 {
		fmt.Fprintf(u, "<34>Mar  1 12:00:%02d mymachine su: 'su root' failed for lonvick on /dev/pts/8", i)
	}

	lakeCount(t, data, "SELECT count(*) FROM panther_logs.syslog_rfc5424", 20)
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.syslog_rfc3164", 5)
	lakeCount(t, data, "SELECT count(*) FROM panther_system.quarantine", 1)
	row := query(t, data, "SELECT count(DISTINCT p_source_address), min(p_source_address), min(p_source_id) FROM panther_logs.syslog_rfc5424")
	if row[0] != int64(1) || row[1] != c.LocalAddr().String() || row[2] != src.ID {
		t.Fatalf("source fields %v, want the sender %s and source %s", row, c.LocalAddr(), src.ID)
	}
	row = query(t, data, "SELECT reason, file FROM panther_system.quarantine")
	if !strings.Contains(fmt.Sprint(row[0]), fmt.Sprint(len(long))) || row[1] != "tcp://"+c.LocalAddr().String() {
		t.Fatalf("quarantine %v: want the cut message's size as the reason", row)
	}
	sourcetest.Eventually(t, "the source status", func() bool { return status(t, data, src.ID).Events == 25 })
}

func TestDirThroughServer(t *testing.T) {
	data, watched := t.TempDir(), t.TempDir()
	src := addSource(t, data, sources.Config{Label: "drop-box", Type: "dir", LogTypes: []string{"AWS.CloudTrail"},
		Settings: json.RawMessage(fmt.Sprintf(`{"path":%q,"poll_interval":"50ms","stable_for":"100ms"}`, watched))})
	startServer(t, data)

	var b strings.Builder
	b.WriteString(`{"Records":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"u%d"},"eventTime":"2026-03-01T12:%02d:00Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.%d","eventID":"e-%d"}`, i, i%60, i, i)
	}
	b.WriteString("]}")
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte(b.String()))
	w.Close()
	tmp := filepath.Join(watched, "trail.json.gz.part")
	if err := os.WriteFile(tmp, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(watched, "trail.json.gz")); err != nil {
		t.Fatal(err)
	}
	sourcetest.Eventually(t, "the file in done/", func() bool {
		_, err := os.Stat(filepath.Join(watched, "done", "trail.json.gz"))
		return err == nil
	})
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.aws_cloudtrail", 100)
	row := query(t, data, "SELECT count(DISTINCT p_row_id), min(p_source_label), min(p_source_id) FROM panther_logs.aws_cloudtrail")
	if row[0] != int64(100) || row[1] != "drop-box" || row[2] != src.ID {
		t.Fatalf("lake %v", row)
	}
}

func TestS3ThroughServer(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	q := sqstest.New()
	s3h := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sqstest.IsSQS(r) {
			q.ServeHTTP(w, r)
			return
		}
		s3h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close) // after the server stops (cleanups run last first)
	queue := q.CreateQueue(srv.URL, "notifications")
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail")}); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := gzip.NewWriter(&body)
	for i := range 40 {
		fmt.Fprintf(w, `{"eventVersion":"1.08","userIdentity":{"type":"Root"},"eventTime":"2026-03-01T13:%02d:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","eventID":"s3-%d"}`+"\n", i, i, i)
	}
	w.Close()
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("trail"), Key: aws.String("AWSLogs/1/x y.json.gz"), Body: bytes.NewReader(body.Bytes())}); err != nil {
		t.Fatal(err)
	}

	data := t.TempDir()
	src := addSource(t, data, sources.Config{Label: "bucket", Type: "s3", LogTypes: []string{"AWS.CloudTrail"},
		Settings: json.RawMessage(fmt.Sprintf(`{"queue_url":%q,"endpoint":%q}`, queue, srv.URL))})
	poison := q.Send(queue, "{not json")
	event := `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"trail"},"object":{"key":"AWSLogs/1/x+y.json.gz","size":100}}}]}`
	sns, _ := json.Marshal(map[string]string{"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": event})
	q.Send(queue, string(sns))
	startServer(t, data)

	sourcetest.Eventually(t, "the queue to empty", func() bool { return q.Len(queue) == 0 })
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.aws_cloudtrail", 40)
	row := query(t, data, "SELECT min(p_source_label), count(DISTINCT p_row_id) FROM panther_logs.aws_cloudtrail")
	if row[0] != "bucket" || row[1] != int64(40) {
		t.Fatalf("lake %v", row)
	}
	st := status(t, data, src.ID)
	if !strings.Contains(st.LastError, poison) {
		t.Fatalf("status %+v: the last error should name the poison message %s", st, poison)
	}
}
