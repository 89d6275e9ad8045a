package httpsrc

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/pantherlabs/panther/internal/queue"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/state"
)

type fixture struct {
	t       *testing.T
	store   *sources.Store
	q       *queue.Queue
	h       *Handler
	srv     *httptest.Server
	logs    *bytes.Buffer
	bearer  sources.Config
	token   string
	signed  sources.Config
	hmacKey string
	codes   map[string]int
}

func newFixture(t *testing.T, qopts queue.Options, hopts Options) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sources.OpenStore(ctx, db, box, sources.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	qopts.Dir = t.TempDir()
	q, err := queue.Open(ctx, qopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	f := &fixture{t: t, store: st, q: q, logs: &bytes.Buffer{}, codes: map[string]int{}}
	var creds sources.Credentials
	f.bearer, creds, err = st.Add(ctx, sources.Config{Label: "edge", Type: Kind, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	f.token = creds.Token
	f.signed, creds, err = st.Add(ctx, sources.Config{Label: "signed", Type: Kind, Enabled: true, Settings: json.RawMessage(`{"auth":"hmac"}`)})
	if err != nil {
		t.Fatal(err)
	}
	f.hmacKey = creds.Token
	hopts.Sources, hopts.Publisher = st, q
	hopts.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hopts.OnRequest = func(src string, code int) { f.codes[fmt.Sprintf("%s %d", src, code)]++ }
	f.h = New(hopts)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /http/{id}", func(w http.ResponseWriter, r *http.Request) { f.h.ServeSource(w, r, r.PathValue("id")) })
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

type reply struct {
	code       int
	body       map[string]any
	retryAfter string
	wwwAuth    string
}

func (f *fixture) post(id string, body []byte, headers ...string) reply {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+"/http/"+id, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	r.code = resp.StatusCode
	r.retryAfter = resp.Header.Get("Retry-After")
	r.wwwAuth = resp.Header.Get("WWW-Authenticate")
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &r.body); err != nil {
		f.t.Fatalf("answer is not JSON: %q", data)
	}
	return r
}

// stored reads every payload in the queue.
func (f *fixture) stored() []*sources.Payload {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := f.q.Stats(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	if st.Msgs == 0 {
		return nil
	}
	r, err := f.q.Read(ctx, st.FirstSeq)
	if err != nil {
		f.t.Fatal(err)
	}
	defer r.Close()
	var out []*sources.Payload
	for uint64(len(out)) < st.Msgs {
		m, err := r.Next(ctx)
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, m.Payload)
	}
	return out
}

func (f *fixture) purge() {
	st, _ := f.q.Stats(context.Background())
	f.q.Purge(context.Background(), st.LastSeq)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zst(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil)
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

const ndjson = `{"a":1}
{"a":2}
{"a":3}
`

func TestPush(t *testing.T) {
	f := newFixture(t, queue.Options{}, Options{MaxBodyBytes: 1 << 20})
	auth := "Bearer " + f.token
	for _, c := range []struct {
		name     string
		body     []byte
		headers  []string
		accepted float64
	}{
		{"ndjson", []byte(ndjson), []string{"Content-Type", "application/x-ndjson"}, 3},
		{"array", []byte(`[{"a":1},{"a":2}]`), []string{"Content-Type", "application/json; charset=utf-8"}, 2},
		{"cloudtrail", []byte(`{"Records":[{"eventName":"a"},{"eventName":"b"},{"eventName":"c"},{"eventName":"d"}]}`), nil, 4},
		{"text", []byte("line one\nline two\n\n"), []string{"Content-Type", "text/plain"}, 2},
		{"garbage", []byte("\x00\x01\x02 not json\n{broken"), nil, 2},
		{"gzip", gz([]byte(ndjson)), []string{"Content-Encoding", "gzip"}, 3},
		{"zstd", zst([]byte(ndjson)), []string{"Content-Encoding", "zstd"}, 3},
		{"gzip file", gz([]byte(ndjson)), []string{"Content-Type", "application/gzip"}, 3},
	} {
		r := f.post(f.bearer.ID, c.body, append([]string{"Authorization", auth}, c.headers...)...)
		if r.code != 200 || r.body["accepted"] != c.accepted {
			t.Errorf("%s: %d %v, want 200 accepted %v", c.name, r.code, r.body, c.accepted)
		}
	}
	got := f.stored()
	if len(got) != 8 {
		t.Fatalf("%d payloads stored", len(got))
	}
	if p := got[0]; p.SourceID != f.bearer.ID || p.Name != "http" || string(p.Data) != ndjson || !strings.HasPrefix(p.Origin, "127.0.0.1:") || p.DedupID != "" {
		t.Errorf("first payload %+v", p)
	}
	// Compressed bodies are stored as sent: smaller in the queue, decompressed by the pipeline.
	if !bytes.Equal(got[5].Data, gz([]byte(ndjson))) {
		t.Error("the gzip body was not stored as sent")
	}
	if f.codes["edge 200"] != 8 {
		t.Errorf("requests seen: %v", f.codes)
	}
}

func TestPushRefused(t *testing.T) {
	f := newFixture(t, queue.Options{}, Options{MaxBodyBytes: 64 << 10})
	auth := "Bearer " + f.token
	ctx := context.Background()
	off, _, err := f.store.Add(ctx, sources.Config{Label: "off", Type: Kind, Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	bomb := gz(bytes.Repeat([]byte("A"), 10<<20)) // 10 MiB of A, about 10 KiB compressed
	for _, c := range []struct {
		name    string
		id      string
		body    []byte
		headers []string
		code    int
		msg     string
	}{
		{"no token", f.bearer.ID, []byte(ndjson), nil, 401, "missing or wrong bearer token"},
		{"wrong token", f.bearer.ID, []byte(ndjson), []string{"Authorization", "Bearer pth_wrong"}, 401, "missing or wrong bearer token"},
		{"basic auth", f.bearer.ID, []byte(ndjson), []string{"Authorization", "Basic " + f.token}, 401, "missing or wrong bearer token"},
		{"unknown", "00000000-0000-0000-0000-000000000000", []byte(ndjson), []string{"Authorization", auth}, 404, `no http source with id "00000000-0000-0000-0000-000000000000"`},
		{"by label", "edge", []byte(ndjson), []string{"Authorization", auth}, 404, `no http source with id "edge"`},
		{"disabled", off.ID, []byte(ndjson), []string{"Authorization", auth}, 403, `source "off" is disabled`},
		{"xml", f.bearer.ID, []byte("<a/>"), []string{"Authorization", auth, "Content-Type", "application/xml"}, 415, `Content-Type "application/xml" is not supported`},
		{"brotli", f.bearer.ID, []byte(ndjson), []string{"Authorization", auth, "Content-Encoding", "br"}, 415, `Content-Encoding "br" is not supported (use gzip, zstd or none)`},
		{"not gzip", f.bearer.ID, []byte(ndjson), []string{"Authorization", auth, "Content-Encoding", "gzip"}, 400, "Content-Encoding is gzip but the body is not gzip data"},
		{"corrupt gzip", f.bearer.ID, gz([]byte(ndjson))[:20], []string{"Authorization", auth}, 400, "the body does not decompress"},
		{"too large", f.bearer.ID, bytes.Repeat([]byte("x\n"), 40<<10), []string{"Authorization", auth}, 413, "body of 81920 bytes is over the limit of 65536 bytes"},
		{"zip bomb", f.bearer.ID, bomb, []string{"Authorization", auth, "Content-Encoding", "gzip"}, 413, "the decompressed body is over the limit of 65536 bytes"},
		{"empty", f.bearer.ID, nil, []string{"Authorization", auth}, 400, "the body holds no records"},
		{"blank", f.bearer.ID, []byte("\n \n"), []string{"Authorization", auth}, 400, "the body holds no records"},
		{"bad key", f.bearer.ID, []byte(ndjson), []string{"Authorization", auth, "Idempotency-Key", strings.Repeat("k", 201)}, 400, "Idempotency-Key must be"},
	} {
		r := f.post(c.id, c.body, c.headers...)
		msg, _ := r.body["error"].(string)
		if r.code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %d %q, want %d %q", c.name, r.code, msg, c.code, c.msg)
		}
		if c.code == 401 && r.wwwAuth == "" {
			t.Errorf("%s: no WWW-Authenticate", c.name)
		}
	}
	// Nothing refused reached the queue.
	if got := f.stored(); len(got) != 0 {
		t.Fatalf("%d payloads stored", len(got))
	}
	// A request whose body streams past the limit without a Content-Length.
	req, _ := http.NewRequest("POST", f.srv.URL+"/http/"+f.bearer.ID, io.MultiReader(strings.NewReader(strings.Repeat("x\n", 40<<10))))
	req.Header.Set("Authorization", auth)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked body over the limit: %d", resp.StatusCode)
	}
	// The token is never logged.
	if strings.Contains(f.logs.String(), f.token) || strings.Contains(f.logs.String(), f.token[4:]) {
		t.Errorf("the token reached the logs:\n%s", f.logs.String())
	}
	if !strings.Contains(f.logs.String(), "http push refused") {
		t.Errorf("refusals are not logged at debug:\n%s", f.logs.String())
	}
}

func TestPushHMAC(t *testing.T) {
	f := newFixture(t, queue.Options{}, Options{})
	body := []byte(ndjson)
	sig := Sign([]byte(f.hmacKey), body)
	for _, c := range []struct {
		name string
		sig  string
		code int
	}{
		{"hex", sig, 200},
		{"prefixed", "sha256=" + sig, 200},
		{"upper", strings.ToUpper(sig), 200},
		{"wrong", Sign([]byte("other"), body), 401},
		{"truncated", sig[:10], 401},
		{"missing", "", 401},
	} {
		r := f.post(f.signed.ID, body, "X-Panther-Signature", c.sig)
		if r.code != c.code {
			t.Errorf("%s: %d %v, want %d", c.name, r.code, r.body, c.code)
		}
	}
	// The bearer token of another source does not open an hmac source.
	if r := f.post(f.signed.ID, body, "Authorization", "Bearer "+f.token); r.code != 401 {
		t.Errorf("bearer on hmac source: %d", r.code)
	}
	if got := f.stored(); len(got) != 3 {
		t.Fatalf("%d payloads stored, want 3", len(got))
	}
}

// TestPushSplit: a body over the payload limit is stored in parts at record boundaries; a
// retry of it stores nothing new.
func TestPushSplit(t *testing.T) {
	f := newFixture(t, queue.Options{}, Options{MaxPayloadBytes: 4 << 10})
	var body bytes.Buffer
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&body, `{"n":%d,"pad":"%s"}`+"\n", i, strings.Repeat("p", 20))
	}
	huge := `{"huge":"` + strings.Repeat("h", 8<<10) + `"}` + "\n" // over a payload: its head is kept
	body.WriteString(huge)
	for try := 0; try < 2; try++ {
		r := f.post(f.bearer.ID, body.Bytes(), "Authorization", "Bearer "+f.token)
		if r.code != 200 || r.body["accepted"] != float64(501) {
			t.Fatalf("try %d: %d %v", try, r.code, r.body)
		}
	}
	got := f.stored()
	if len(got) < 5 {
		t.Fatalf("%d parts", len(got))
	}
	lines := 0
	for i, p := range got {
		if p.Part != i || p.Parts != len(got) || !strings.HasPrefix(p.DedupID, "http:"+f.bearer.ID+":sha256:") || len(p.Data) > 4<<10 {
			t.Errorf("part %d: part %d/%d dedup %q size %d", i, p.Part, p.Parts, p.DedupID, len(p.Data))
		}
		lines += bytes.Count(p.Data, []byte("\n"))
	}
	if lines != 501 {
		t.Errorf("%d records in the parts, want 501", lines)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t, queue.Options{}, Options{})
	for i := 0; i < 3; i++ {
		r := f.post(f.bearer.ID, []byte(ndjson), "Authorization", "Bearer "+f.token, "Idempotency-Key", "batch-1")
		if r.code != 200 || r.body["accepted"] != float64(3) {
			t.Fatalf("%d %v", r.code, r.body)
		}
	}
	f.post(f.bearer.ID, []byte(ndjson), "Authorization", "Bearer "+f.token, "Idempotency-Key", "batch-2")
	got := f.stored()
	if len(got) != 2 || got[0].DedupID != "http:"+f.bearer.ID+":batch-1" {
		t.Fatalf("stored %d: %+v", len(got), got)
	}
}

func TestBackpressure(t *testing.T) {
	f := newFixture(t, queue.Options{MaxBytes: 128 << 10, MaxPayload: 32 << 10}, Options{MaxPayloadBytes: 30 << 10, RetryAfter: 3 * time.Second})
	body := bytes.Repeat([]byte(`{"a":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`+"\n"), 700) // about 26 KiB
	var last reply
	for i := 0; i < 20; i++ {
		last = f.post(f.bearer.ID, body, "Authorization", "Bearer "+f.token)
		if last.code != 200 {
			break
		}
	}
	if last.code != 429 || last.retryAfter != "3" || !strings.Contains(last.body["error"].(string), "the queue is full") {
		t.Fatalf("when full: %d %v Retry-After %q", last.code, last.body, last.retryAfter)
	}
	// Once the queue is purged (a checkpoint), pushes are accepted again.
	f.purge()
	if r := f.post(f.bearer.ID, body, "Authorization", "Bearer "+f.token); r.code != 200 {
		t.Fatalf("after purge: %d %v", r.code, r.body)
	}
}

func TestInvalidate(t *testing.T) {
	f := newFixture(t, queue.Options{}, Options{})
	if r := f.post(f.bearer.ID, []byte(ndjson), "Authorization", "Bearer "+f.token); r.code != 200 {
		t.Fatal(r.code)
	}
	if err := f.store.SetEnabled(context.Background(), f.bearer.ID, false); err != nil {
		t.Fatal(err)
	}
	f.h.Invalidate()
	if r := f.post(f.bearer.ID, []byte(ndjson), "Authorization", "Bearer "+f.token); r.code != 403 {
		t.Fatalf("disabled: %d", r.code)
	}
	creds, err := f.store.RotateCredential(context.Background(), f.bearer.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.store.SetEnabled(context.Background(), f.bearer.ID, true)
	f.h.Invalidate()
	if r := f.post(f.bearer.ID, []byte(ndjson), "Authorization", "Bearer "+f.token); r.code != 401 {
		t.Fatalf("old token after rotation: %d", r.code)
	}
	if r := f.post(f.bearer.ID, []byte(ndjson), "Authorization", "Bearer "+creds.Token); r.code != 200 {
		t.Fatalf("new token: %d", r.code)
	}
}

func TestValidate(t *testing.T) {
	for in, want := range map[string]string{
		`{}`:                                    `{"auth":"bearer"}`,
		`{"auth":"hmac"}`:                       `{"auth":"hmac","hmac_header":"X-Panther-Signature"}`,
		`{"auth":"hmac","hmac_header":"X-Sig"}`: `{"auth":"hmac","hmac_header":"X-Sig"}`,
	} {
		got, err := Validate(json.RawMessage(in))
		if err != nil || string(got) != want {
			t.Errorf("Validate(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`{"auth":"basic"}`:                      `auth: "basic" is not bearer or hmac`,
		`{"hmac_header":"X"}`:                   "hmac_header: only for auth hmac",
		`{"auth":"hmac","hmac_header":"X Sig"}`: `hmac_header: "X Sig" is not a header name`,
		`{"token":"x"}`:                         `unknown field "token"`,
	} {
		if _, err := Validate(json.RawMessage(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%s) err = %v, want %q", in, err, want)
		}
	}
}
