package queue

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// opener opens a queue for a test with the given options (the store or server is the
// test's own).
type opener func(t testing.TB, o Options) *Queue

func embedded(dir string) opener {
	return func(t testing.TB, o Options) *Queue {
		t.Helper()
		o.Dir = dir
		q, err := Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
}

func TestEmbedded(t *testing.T) {
	runSuite(t, func(t *testing.T) opener { return embedded(t.TempDir()) })
}

// TestExternal runs the same suite against a nats-server process built from the module.
func TestExternal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a nats-server process")
	}
	bin := buildNATSServer(t)
	runSuite(t, func(t *testing.T) opener {
		url := startNATSServer(t, bin)
		return func(t testing.TB, o Options) *Queue {
			t.Helper()
			o.URL = url
			q, err := Open(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
	})
}

func runSuite(t *testing.T, fresh func(t *testing.T) opener) {
	t.Run("PublishRead", func(t *testing.T) { testPublishRead(t, fresh(t)) })
	t.Run("Dedup", func(t *testing.T) { testDedup(t, fresh(t)) })
	t.Run("Backpressure", func(t *testing.T) { testBackpressure(t, fresh(t)) })
	t.Run("Restart", func(t *testing.T) { testRestart(t, fresh(t)) })
	t.Run("DedupAfterPurgeAndRestart", func(t *testing.T) { testDedupAfterPurgeAndRestart(t, fresh(t)) })
}

func payload(i int) *sources.Payload {
	return &sources.Payload{SourceID: "src", Name: "http", Origin: "192.0.2.1:1", Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}
}

func readN(t *testing.T, q *Queue, from uint64, n int) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := q.Read(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []Message
	for len(out) < n {
		m, err := r.Next(ctx)
		if err != nil {
			t.Fatalf("after %d messages: %v", len(out), err)
		}
		out = append(out, m)
	}
	return out
}

func testPublishRead(t *testing.T, open opener) {
	ctx := context.Background()
	q := open(t, Options{})
	defer q.Close()
	for i := 0; i < 100; i++ {
		if err := q.Publish(ctx, payload(i)); err != nil {
			t.Fatal(err)
		}
	}
	msgs := readN(t, q, 1, 100)
	for i, m := range msgs {
		if m.Err != nil || m.Seq != uint64(i+1) || string(m.Payload.Data) != fmt.Sprintf(`{"n":%d}`, i) ||
			m.Payload.Origin != "192.0.2.1:1" || m.Time.IsZero() {
			t.Fatalf("message %d = %+v", i, m)
		}
	}
	// Reading from the middle, after a purge of what was checkpointed.
	if err := q.Purge(ctx, 50); err != nil {
		t.Fatal(err)
	}
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Msgs != 50 || st.FirstSeq != 51 || st.LastSeq != 100 {
		t.Fatalf("stats after purge %+v", st)
	}
	if at, ok, err := q.StoredAt(ctx, 51); err != nil || !ok || at.IsZero() {
		t.Fatalf("StoredAt(51) = %v %v %v", at, ok, err)
	}
	if _, ok, err := q.StoredAt(ctx, 10); err != nil || ok {
		t.Fatalf("StoredAt(purged) = %v %v", ok, err)
	}
	if m := readN(t, q, 60, 1); m[0].Seq != 60 {
		t.Fatalf("read from 60 gave %d", m[0].Seq)
	}
	// From a purged sequence: the first stored.
	if m := readN(t, q, 10, 1); m[0].Seq != 51 {
		t.Fatalf("read from 10 gave %d", m[0].Seq)
	}
	// A reader waits for new messages.
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := q.Read(rctx, 101)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan Message, 1)
	go func() {
		m, _ := r.Next(rctx)
		got <- m
	}()
	if err := q.Publish(ctx, &sources.Payload{SourceID: "src", Records: [][]byte{[]byte("a\nb"), []byte("c")}}); err != nil {
		t.Fatal(err)
	}
	m := <-got
	if m.Seq != 101 || len(m.Payload.Records) != 2 || string(m.Payload.Records[0]) != "a\nb" {
		t.Fatalf("waited message %+v", m)
	}
	// Next returns when its context ends.
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if _, err := r.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on an idle stream = %v", err)
	}
	if err := q.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

func testDedup(t *testing.T, open opener) {
	ctx := context.Background()
	q := open(t, Options{})
	defer q.Close()
	p := &sources.Payload{SourceID: "s3", Name: "s3://b/k", DedupID: "b/k/etag#0", Data: []byte("x\n")}
	for i := 0; i < 3; i++ {
		if err := q.Publish(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// Still a duplicate after the first copy was processed and purged.
	if err := q.Purge(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := q.Publish(ctx, p); err != nil {
		t.Fatal(err)
	}
	p2 := *p
	p2.DedupID = "b/k/etag#1"
	if err := q.Publish(ctx, &p2); err != nil {
		t.Fatal(err)
	}
	st, _ := q.Stats(ctx)
	if st.LastSeq != 2 || st.Msgs != 1 {
		t.Fatalf("stats %+v: duplicates were stored", st)
	}
}

// testDedupAfterPurgeAndRestart: a payload processed, purged and forgotten by a restart of
// the (embedded) server is still a duplicate within the window: a sender whose first try
// was stored but not acknowledged (killed, timed out) retries after the crash and the
// checkpoint; nothing is stored twice. That holds for payloads read before the purge and for
// those purged unread at start (a crash between a checkpoint and its purge).
func testDedupAfterPurgeAndRestart(t *testing.T, open opener) {
	ctx := context.Background()
	q := open(t, Options{})
	p := func(i int) *sources.Payload {
		return &sources.Payload{SourceID: "http", Name: "http", DedupID: fmt.Sprintf("http:src:batch-%d", i), Data: []byte("x\n")}
	}
	for i := 0; i < 4; i++ {
		if err := q.Publish(ctx, p(i)); err != nil {
			t.Fatal(err)
		}
	}
	readN(t, q, 1, 2) // 1 and 2 read by the consumer, checkpointed and purged
	if err := q.Purge(ctx, 2); err != nil {
		t.Fatal(err)
	}
	q.Close()
	q = open(t, Options{}) // 3 and 4 checkpointed in the last run, purged unread now
	if err := q.Purge(ctx, 4); err != nil {
		t.Fatal(err)
	}
	q.Close()
	q = open(t, Options{})
	defer q.Close()
	for i := 0; i < 4; i++ {
		if err := q.Publish(ctx, p(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Publish(ctx, p(4)); err != nil {
		t.Fatal(err)
	}
	if st, _ := q.Stats(ctx); st.LastSeq != 5 || st.Msgs != 1 {
		t.Fatalf("stats %+v: payloads purged before the restart were stored again", st)
	}
}

func testBackpressure(t *testing.T, open opener) {
	ctx := context.Background()
	q := open(t, Options{MaxBytes: 256 << 10, MaxPayload: 64 << 10})
	defer q.Close()
	big := bytes.Repeat([]byte("x"), 60<<10)
	var err error
	n := 0
	for ; n < 100; n++ {
		if err = q.Publish(ctx, &sources.Payload{SourceID: "s", Data: big}); err != nil {
			break
		}
	}
	if !errors.Is(err, sources.ErrBackpressure) || n < 2 {
		t.Fatalf("after %d payloads: %v", n, err)
	}
	// Over the payload limit: a different, permanent error.
	err = q.Publish(ctx, &sources.Payload{SourceID: "s", Data: bytes.Repeat([]byte("x"), 70<<10)})
	if !errors.Is(err, ErrTooLarge) || errors.Is(err, sources.ErrBackpressure) {
		t.Fatalf("too large: %v", err)
	}
	// Once the consumer checkpointed and purged, there is room again.
	st, _ := q.Stats(ctx)
	if err := q.Purge(ctx, st.LastSeq); err != nil {
		t.Fatal(err)
	}
	if err := q.Publish(ctx, &sources.Payload{SourceID: "s", Data: big}); err != nil {
		t.Fatalf("after purge: %v", err)
	}
}

func testRestart(t *testing.T, open opener) {
	ctx := context.Background()
	q := open(t, Options{})
	for i := 0; i < 10; i++ {
		if err := q.Publish(ctx, payload(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Purge(ctx, 4); err != nil {
		t.Fatal(err)
	}
	q.Close()
	q = open(t, Options{})
	defer q.Close()
	msgs := readN(t, q, 5, 6)
	if msgs[0].Seq != 5 || string(msgs[5].Payload.Data) != `{"n":9}` {
		t.Fatalf("after restart: first %d, last %q", msgs[0].Seq, msgs[5].Payload.Data)
	}
	if err := q.Publish(ctx, payload(10)); err != nil {
		t.Fatal(err)
	}
	if st, _ := q.Stats(ctx); st.LastSeq != 11 {
		t.Fatalf("sequence after restart: %d", st.LastSeq)
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{}, "queue: dir: required"},
		{Options{Dir: "x", MaxPayload: 10}, "max_payload: 10 is outside"},
		{Options{Dir: "x", MaxBytes: 1 << 20, MaxPayload: 2 << 20}, "larger than max_bytes"},
		{Options{Dir: "x", DuplicateWindow: time.Hour, MaxAge: time.Minute}, "duplicate_window (1h0m0s) must be positive and at most max_age (1m0s)"},
	} {
		_, err := Open(context.Background(), c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.o, err, c.want)
		}
	}
	if got := redactURL("nats://u:secret@h1:4222,nats://h2:4222"); got != "nats://<redacted>@h1:4222,nats://h2:4222" {
		t.Errorf("redactURL = %q", got)
	}
}

// buildNATSServer builds the nats-server command of the module version in go.mod.
func buildNATSServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nats-server")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build nats-server (%v): %s", err, out)
	}
	return bin
}

// startNATSServer runs a JetStream server on a random port and returns its URL, read from
// the line the server logs once it accepts clients.
func startNATSServer(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin, "-js", "-sd", filepath.Join(dir, "store"), "-a", "127.0.0.1", "-p", "-1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var logs []string
		for sc.Scan() {
			line := sc.Text()
			logs = append(logs, line)
			if _, addr, ok := strings.Cut(line, "Listening for client connections on "); ok {
				found <- "nats://" + strings.TrimSpace(addr)
				_, _ = io.Copy(io.Discard, stderr)
				return
			}
		}
		found <- "exited: " + strings.Join(logs, "\n")
	}()
	select {
	case url := <-found:
		if !strings.HasPrefix(url, "nats://") {
			t.Fatalf("nats-server did not start: %s", url)
		}
		return url
	case <-time.After(60 * time.Second):
		t.Fatal("nats-server did not start within 60s")
	}
	return ""
}
