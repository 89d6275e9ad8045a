// Package e2e_test runs each source kind (syslog, dir, s3) through the real server: the
// durable queue, the pipeline, the lake and the source status, checked with SQL.
package e2e_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/pantherlabs/panther/internal/config"
	"github.com/pantherlabs/panther/internal/queue"
	"github.com/pantherlabs/panther/internal/runtime"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/dir"
	"github.com/pantherlabs/panther/internal/sources/parts"
	"github.com/pantherlabs/panther/internal/sources/s3sqs/sqstest"
	"github.com/pantherlabs/panther/internal/sources/sourcetest"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// addSource stores a source in dataDir with the store the CLI uses.
func addSource(t *testing.T, dataDir string, c sources.Config) sources.Config {
	t.Helper()
	out, _ := addSourceCreds(t, dataDir, c)
	return out
}

// addSourceCreds stores a source and returns it with its credentials (the token of an http
// source).
func addSourceCreds(t *testing.T, dataDir string, c sources.Config) (sources.Config, sources.Credentials) {
	t.Helper()
	ctx := context.Background()
	st, err := runtime.OpenState(ctx, dataDir, runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c.Enabled = true
	out, creds, err := st.Sources.Add(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return out, creds
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

// startServer runs a server on dataDir until the test ends; mod adjusts its options.
func startServer(t *testing.T, dataDir string, mod ...func(*runtime.Options)) *runtime.Server {
	t.Helper()
	c := config.Default()
	c.DataDir = dataDir
	c.Listen = "127.0.0.1:0"
	c.Lake.FlushInterval = config.Duration(200 * time.Millisecond)
	c.Reload.Interval = config.Duration(50 * time.Millisecond)
	c.Python.Workers = 1
	o := runtime.Options{Config: c, Stdout: io.Discard, Stderr: io.Discard}
	for _, m := range mod {
		m(&o)
	}
	s, err := runtime.New(o)
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
	return s
}

// query runs SQL over dataDir's lake and returns the first row.
func query(t *testing.T, dataDir, sql string) []any {
	t.Helper()
	row, err := tryQuery(dataDir, sql)
	if err != nil {
		t.Fatal(err)
	}
	return row
}

// tryQuery runs SQL over dataDir's lake and returns the first row (nil when there is none).
func tryQuery(dataDir, sql string) ([]any, error) {
	reg, err := runtime.LogTypes(dataDir)
	if err != nil {
		return nil, err
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: filepath.Join(dataDir, "lake"), Types: reg})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	_, rows, err := eng.QueryAll(context.Background(), sql)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

// lakeCount waits until the SQL count reaches want. An error (a table that has no file yet)
// is logged and waited out.
func lakeCount(t *testing.T, dataDir, sql string, want int64) {
	t.Helper()
	var last string
	sourcetest.Eventually(t, fmt.Sprintf("%d rows of %s", want, sql), func() bool {
		row, err := tryQuery(dataDir, sql)
		got := fmt.Sprint(err)
		if err == nil && len(row) > 0 {
			if row[0] == want {
				return true
			}
			got = fmt.Sprint(row[0])
		}
		if got != last {
			t.Logf("%s: %s", sql, got)
			last = got
		}
		return false
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
	// S3's test event when the notification is set up: deleted, nothing read.
	q.Send(queue, `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-03-01T12:00:00.000Z","Bucket":"trail","RequestId":"R1","HostId":"H1"}`)
	// SQS delivers at least once: the same notification again (raw this time) adds nothing.
	q.Send(queue, event)
	server := startServer(t, data)

	sourcetest.Eventually(t, "the queue to empty", func() bool { return q.Len(queue) == 0 })
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.aws_cloudtrail", 40)
	// Every message is deleted, so every part is in the queue; once the lake covers the
	// queue, the count is final.
	stats, err := server.Services().Queue.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.LastSeq != 1 {
		t.Errorf("the queue stored %d payloads for one small object read twice, want 1", stats.LastSeq)
	}
	sourcetest.Eventually(t, "the checkpoint past the last payload", func() bool { return server.Status(ctx).Checkpoint >= stats.LastSeq })
	row := query(t, data, "SELECT min(p_source_label), count(*), count(DISTINCT eventID) FROM panther_logs.aws_cloudtrail")
	if row[0] != "bucket" || row[1] != int64(40) || row[2] != int64(40) {
		t.Fatalf("lake %v, want each of 40 events once", row)
	}
	st := status(t, data, src.ID)
	if !strings.Contains(st.LastError, poison) {
		t.Fatalf("status %+v: the last error should name the poison message %s", st, poison)
	}
}

// failingAfter publishes the first n payloads to the real queue, then fails like a server
// that died: a dir source run on it stops in the middle of a file.
type failingAfter struct {
	q       *queue.Queue
	n       int
	mu      sync.Mutex
	done    int
	records int // in the payloads published
	stopped chan struct{}
}

func (f *failingAfter) MaxPayload() int { return f.q.MaxPayload() }

func (f *failingAfter) Publish(ctx context.Context, p *sources.Payload) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == f.n {
		select {
		case <-f.stopped:
		default:
			close(f.stopped)
		}
		return errors.New("the server died")
	}
	if err := f.q.Publish(ctx, p); err != nil {
		return err
	}
	f.done++
	if p.Data != nil {
		f.records += bytes.Count(p.Data, []byte("\n"))
	}
	f.records += len(p.Records)
	return nil
}

// TestDirRestartMidFileThroughServer: a dir source dies in the middle of a file after three
// of its parts are in the real queue, and its journal of progress is lost too (the crash
// came between a publish and the journal's write). The next run publishes the whole file
// again; the queue drops the parts it already has by DedupID, and the lake holds every event
// once.
func TestDirRestartMidFileThroughServer(t *testing.T) {
	data, watched := t.TempDir(), t.TempDir()
	const events = 1000 // about 300 KiB: ten parts or so of at most 32 KiB
	var b strings.Builder
	for i := range events {
		fmt.Fprintf(&b, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"u%d"},"eventTime":"2026-03-02T08:%02d:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.%d","requestParameters":{"bucketName":"logs","key":"k/%06d"},"eventID":"restart-%d"}`+"\n", i%9, i%60, i%250, i, i)
	}
	if err := os.WriteFile(filepath.Join(watched, "trail.ndjson"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := runtime.OpenState(ctx, data, runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	src, _, err := st.Sources.Add(ctx, sources.Config{Label: "restart-dir", Type: "dir", LogTypes: []string{"AWS.CloudTrail"},
		Settings: json.RawMessage(fmt.Sprintf(`{"path":%q,"poll_interval":"50ms","stable_for":"100ms"}`, watched))})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, data, func(o *runtime.Options) { o.Config.Queue.MaxPayload = 64 << 10 })
	q := srv.Services().Queue

	// The first run, outside the server (the source is disabled there), dies after 3 parts.
	first, err := dir.New(src, sources.Deps{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	pub := &failingAfter{q: q, n: 3, stopped: make(chan struct{})}
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- first.Run(runCtx, pub, &sourcetest.Reporter{}) }()
	<-pub.stopped
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(watched, "trail.ndjson")); err != nil {
		t.Fatalf("the file left the directory after a failed run: %v", err)
	}
	// The parts the file makes, split as the source splits it for this queue.
	st0, err := parts.Split(strings.NewReader(b.String()), parts.ForPublisher(parts.Options{}, q), func(*sources.Payload) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st0.Parts <= pub.n || pub.records == 0 {
		t.Fatalf("the file makes %d parts, %d records in the first %d; want more parts", st0.Parts, pub.records, pub.n)
	}
	lakeCount(t, data, "SELECT count(*) FROM panther_logs.aws_cloudtrail", int64(pub.records))

	// The crash also lost the journal; the server's own run of the source reads it all again.
	if err := os.RemoveAll(filepath.Join(watched, ".progress")); err != nil {
		t.Fatal(err)
	}
	st, err = runtime.OpenState(ctx, data, runtime.StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Sources.SetEnabled(ctx, src.ID, true)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	sourcetest.Eventually(t, "the file in done/", func() bool {
		_, err := os.Stat(filepath.Join(watched, "done", "trail.ndjson"))
		return err == nil
	})
	stats, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.LastSeq != uint64(st0.Parts) {
		t.Errorf("the queue stored %d payloads for a file of %d parts: the re-published parts were not dropped", stats.LastSeq, st0.Parts)
	}
	sourcetest.Eventually(t, "the checkpoint past the last part", func() bool { return srv.Status(ctx).Checkpoint >= stats.LastSeq })
	row := query(t, data, "SELECT count(*), count(DISTINCT eventID), min(p_source_label) FROM panther_logs.aws_cloudtrail")
	if row[0] != int64(events) || row[1] != int64(events) || row[2] != "restart-dir" {
		t.Fatalf("lake %v: want each of %d events once", row, events)
	}
}
