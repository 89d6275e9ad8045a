// Package httpsrc is the HTTP push source: POST /http/{sourceID} with NDJSON, a JSON array
// (or CloudTrail's {"Records": [...]}) or text lines, plain or with Content-Encoding gzip or
// zstd, authenticated by the source's bearer token or an HMAC-SHA256 signature of the body.
//
// The handler answers 200 {"accepted": N} (N records) only after the body is durable in the
// queue; 400 for a body that cannot be read (corrupt compression, no records), 401 for a
// wrong or missing credential, 403 for a disabled source, 404 for an unknown one, 413 for a
// body over the size limit (compressed or decompressed, so zip bombs cost nothing), 415 for
// an unsupported media type or encoding, 429 with Retry-After while the queue is full, 503
// with Retry-After when the queue is unavailable. Errors are JSON {"error": "..."}.
//
// A body that does not fit in one queue payload is split at record boundaries; each part
// gets an id derived from the body (or from the request's Idempotency-Key header), so a
// sender that retries after a failure does not store a part twice. Senders that retry
// should send an Idempotency-Key: a retried request with the same key within the queue's
// duplicate window stores nothing new.
package httpsrc

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/queue"
	"github.com/pantherlabs/panther/internal/sources"
)

// Kind is the name of the kind.
const Kind = "http"

// DefaultHMACHeader carries the signature of hmac sources.
const DefaultHMACHeader = "X-Panther-Signature"

func init() {
	sources.Register(sources.Kind{Name: Kind, Validate: Validate})
}

// Settings are the http kind's settings.
type Settings struct {
	Auth       string `json:"auth"`                  // bearer (default) or hmac
	HMACHeader string `json:"hmac_header,omitempty"` // hmac: the header with the hex signature
}

// Validate checks and normalizes http settings.
func Validate(raw json.RawMessage) (json.RawMessage, error) {
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("http settings: %w", err)
	}
	var errs []error
	switch s.Auth {
	case "":
		s.Auth = sources.AuthBearer
	case sources.AuthBearer, sources.AuthHMAC:
	default:
		errs = append(errs, fmt.Errorf("auth: %q is not bearer or hmac", s.Auth))
	}
	if s.Auth == sources.AuthHMAC {
		if s.HMACHeader == "" {
			s.HMACHeader = DefaultHMACHeader
		}
		if !validHeaderName(s.HMACHeader) {
			errs = append(errs, fmt.Errorf("hmac_header: %q is not a header name", s.HMACHeader))
		}
	} else if s.HMACHeader != "" {
		errs = append(errs, errors.New("hmac_header: only for auth hmac"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return json.Marshal(s)
}

func validHeaderName(h string) bool {
	if h == "" {
		return false
	}
	for _, r := range h {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// Lookup finds sources and their credentials; *sources.Store implements it.
type Lookup interface {
	Get(ctx context.Context, idOrLabel string) (sources.Config, error)
	Verifier(ctx context.Context, id string) (*sources.Verifier, error)
}

// Options configure a Handler.
type Options struct {
	Sources   Lookup
	Publisher sources.Publisher
	// MaxBodyBytes bounds a body, compressed and decompressed (default 16 MiB).
	MaxBodyBytes int64
	// MaxPayloadBytes bounds the data of one queue payload (default 8 MiB minus the framing).
	MaxPayloadBytes int
	// MaxRecordBytes bounds one record (longer ones are cut and quarantined downstream).
	MaxRecordBytes int
	// RetryAfter is the Retry-After of 429 and 503 answers (default 5s).
	RetryAfter time.Duration
	Logger     *slog.Logger
	// OnRequest, when set, is told the label of the source (or its id) and the status of
	// every request.
	OnRequest func(source string, code int)
}

// Handler serves the HTTP push endpoint of every http source.
type Handler struct {
	o     Options
	mu    sync.Mutex
	cache map[string]*entry
}

type entry struct {
	cfg sources.Config
	ver *sources.Verifier
	err error
}

// New returns a handler.
func New(o Options) *Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 16 << 20
	}
	if o.MaxPayloadBytes <= 0 {
		o.MaxPayloadBytes = queue.DefaultMaxPayload - 64<<10
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = input.DefaultMaxRecordBytes
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{o: o, cache: map[string]*entry{}}
}

// Invalidate forgets what the handler cached of the sources: call it when the store changed.
func (h *Handler) Invalidate() {
	h.mu.Lock()
	h.cache = map[string]*entry{}
	h.mu.Unlock()
}

func (h *Handler) source(ctx context.Context, id string) *entry {
	h.mu.Lock()
	e := h.cache[id]
	h.mu.Unlock()
	if e != nil {
		return e
	}
	e = &entry{}
	c, err := h.o.Sources.Get(ctx, id)
	switch {
	case err != nil:
		e.err = err
	case c.ID != id || c.Type != Kind:
		// Only ids address sources here (not labels), and only http ones.
		e.err = sources.ErrNotFound
	default:
		e.cfg = c
		e.ver, e.err = h.o.Sources.Verifier(ctx, id)
	}
	if e.err != nil && !errors.Is(e.err, sources.ErrNotFound) {
		return e // a database problem: do not cache it
	}
	h.mu.Lock()
	if len(h.cache) > 10000 {
		h.cache = map[string]*entry{}
	}
	h.cache[id] = e
	h.mu.Unlock()
	return e
}

// httpError is an answer other than 200.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func fail(code int, format string, args ...any) *httpError {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

// ServeSource handles a push to source id.
func (h *Handler) ServeSource(w http.ResponseWriter, r *http.Request, id string) {
	label := id
	n, err := h.serve(r, id, &label)
	code := http.StatusOK
	if err != nil {
		var he *httpError
		if !errors.As(err, &he) {
			he = fail(http.StatusInternalServerError, "internal error")
		}
		code = he.code
		if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.Itoa(int((h.o.RetryAfter+time.Second-1)/time.Second)))
		}
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="panther"`)
		}
		if code >= 500 {
			h.o.Logger.Warn("http push failed", "source", label, "code", code, "err", err)
		} else {
			h.o.Logger.Debug("http push refused", "source", label, "code", code, "err", err, "remote", r.RemoteAddr)
		}
		writeJSON(w, code, map[string]string{"error": he.msg})
	} else {
		writeJSON(w, code, map[string]int{"accepted": n})
	}
	if h.o.OnRequest != nil {
		h.o.OnRequest(label, code)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Media types a push may declare (or none).
var mediaTypes = map[string]bool{
	"application/json": true, "application/x-ndjson": true, "application/ndjson": true, "application/jsonl": true,
	"application/x-jsonlines": true, "application/json-seq": true, "text/plain": true, "text/csv": true,
	"application/octet-stream": true, "application/gzip": true, "application/x-gzip": true, "application/zstd": true,
	// What curl --data-binary sends unless told otherwise: the body is taken as it is.
	"application/x-www-form-urlencoded": true,
}

func (h *Handler) serve(r *http.Request, id string, label *string) (int, error) {
	ctx := r.Context()
	src := h.source(ctx, id)
	if src.err != nil {
		if errors.Is(src.err, sources.ErrNotFound) {
			return 0, fail(http.StatusNotFound, "no http source with id %q", id)
		}
		return 0, fail(http.StatusServiceUnavailable, "source lookup failed")
	}
	*label = src.cfg.Label
	if !src.cfg.Enabled {
		return 0, fail(http.StatusForbidden, "source %q is disabled", src.cfg.Label)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !mediaTypes[mt] {
			return 0, fail(http.StatusUnsupportedMediaType, "Content-Type %q is not supported: send NDJSON, a JSON array or text lines (application/json, application/x-ndjson, text/plain)", ct)
		}
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity", "gzip", "x-gzip", "zstd":
	default:
		return 0, fail(http.StatusUnsupportedMediaType, "Content-Encoding %q is not supported (use gzip, zstd or none)", enc)
	}
	if src.ver.Auth() == sources.AuthBearer {
		token, ok := bearer(r)
		if !ok || !src.ver.Bearer(token) {
			return 0, fail(http.StatusUnauthorized, "missing or wrong bearer token")
		}
	}
	if r.ContentLength > h.o.MaxBodyBytes {
		return 0, fail(http.StatusRequestEntityTooLarge, "body of %d bytes is over the limit of %d bytes", r.ContentLength, h.o.MaxBodyBytes)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, h.o.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, fail(http.StatusRequestEntityTooLarge, "body is over the limit of %d bytes", h.o.MaxBodyBytes)
		}
		return 0, fail(http.StatusBadRequest, "reading the body: %v", err)
	}
	if src.ver.Auth() == sources.AuthHMAC {
		header := hmacHeader(src.cfg.Settings)
		if !validSignature(src.ver.HMACKey(), raw, r.Header.Get(header)) {
			return 0, fail(http.StatusUnauthorized, "missing or wrong %s signature (hex HMAC-SHA256 of the body)", header)
		}
	}
	plain, err := h.decompress(raw, enc)
	if err != nil {
		return 0, err
	}
	records, n, err := h.frame(plain, len(raw) > h.o.MaxPayloadBytes)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fail(http.StatusBadRequest, "the body holds no records")
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r > '~' }) {
		return 0, fail(http.StatusBadRequest, "Idempotency-Key must be at most 200 printable ASCII characters")
	}
	payloads := h.payloads(id, r.RemoteAddr, raw, records, key)
	for _, p := range payloads {
		if err := h.o.Publisher.Publish(ctx, p); err != nil {
			switch {
			case errors.Is(err, sources.ErrBackpressure):
				return 0, fail(http.StatusTooManyRequests, "the queue is full; retry later")
			case errors.Is(err, queue.ErrTooLarge):
				return 0, fail(http.StatusRequestEntityTooLarge, "a part of the body is over the queue's payload limit")
			case ctx.Err() != nil:
				return 0, fail(http.StatusServiceUnavailable, "the request was cancelled")
			}
			h.o.Logger.Error("http push: publishing to the queue", "source", *label, "err", err)
			return 0, fail(http.StatusServiceUnavailable, "the queue is unavailable; retry later")
		}
	}
	return n, nil
}

func bearer(r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(a, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func hmacHeader(settings json.RawMessage) string {
	var s Settings
	_ = json.Unmarshal(settings, &s)
	if s.HMACHeader == "" {
		return DefaultHMACHeader
	}
	return s.HMACHeader
}

// Sign returns the signature of body for an hmac source with key, as the header expects it.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func validSignature(key, body []byte, header string) bool {
	header = strings.TrimSpace(header)
	header = strings.TrimPrefix(header, "sha256=")
	got, err := hex.DecodeString(header)
	if err != nil || len(got) != sha256.Size || len(key) == 0 {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// decompress returns the body decompressed, checking that it is what Content-Encoding says
// and that it stays within the size limit.
func (h *Handler) decompress(raw []byte, enc string) ([]byte, error) {
	dr, c, err := input.Decompress(bytes.NewReader(raw))
	if err != nil {
		return nil, fail(http.StatusBadRequest, "the body does not decompress: %v", err)
	}
	defer dr.Close()
	switch {
	case (enc == "gzip" || enc == "x-gzip") && c != input.CompressionGzip:
		return nil, fail(http.StatusBadRequest, "Content-Encoding is gzip but the body is not gzip data")
	case enc == "zstd" && c != input.CompressionZstd:
		return nil, fail(http.StatusBadRequest, "Content-Encoding is zstd but the body is not zstd data")
	case c == input.CompressionNone:
		return raw, nil
	}
	plain, err := io.ReadAll(io.LimitReader(dr, h.o.MaxBodyBytes+1))
	if err != nil {
		return nil, fail(http.StatusBadRequest, "the body does not decompress: %v", err)
	}
	if int64(len(plain)) > h.o.MaxBodyBytes {
		return nil, fail(http.StatusRequestEntityTooLarge, "the decompressed body is over the limit of %d bytes", h.o.MaxBodyBytes)
	}
	return plain, nil
}

// frame counts the records of a body and, when split is set, returns them (copied).
// Records longer than a payload are cut to their head, like any over-long record, so that
// every part fits in the queue.
func (h *Handler) frame(plain []byte, split bool) (records [][]byte, n int, err error) {
	maxRecord := h.o.MaxRecordBytes
	if split {
		maxRecord = min(maxRecord, h.o.MaxPayloadBytes-1)
	}
	rd := input.NewReader(bytes.NewReader(plain), input.Options{MaxRecordBytes: maxRecord})
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return records, n, nil
		}
		if err != nil {
			return nil, 0, fail(http.StatusBadRequest, "reading the records: %v", err)
		}
		n++
		if split {
			records = append(records, bytes.Clone(rec.Data))
		}
	}
}

// payloads returns what to publish: the body as received when it fits in one payload, else
// its records in parts.
func (h *Handler) payloads(id, origin string, raw []byte, records [][]byte, key string) []*sources.Payload {
	if len(raw) <= h.o.MaxPayloadBytes {
		p := &sources.Payload{SourceID: id, Name: "http", Origin: origin, Data: raw}
		if key != "" {
			p.DedupID = "http:" + id + ":" + key
		}
		return []*sources.Payload{p}
	}
	base := key
	if base == "" {
		sum := sha256.Sum256(raw)
		base = "sha256:" + hex.EncodeToString(sum[:16])
	}
	var parts [][]byte
	var cur []byte
	for _, rec := range records {
		if len(cur) > 0 && len(cur)+len(rec)+1 > h.o.MaxPayloadBytes {
			parts = append(parts, cur)
			cur = nil
		}
		cur = append(cur, rec...)
		cur = append(cur, '\n')
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	out := make([]*sources.Payload, len(parts))
	for i, data := range parts {
		out[i] = &sources.Payload{SourceID: id, Name: "http", Origin: origin, Data: data,
			DedupID: fmt.Sprintf("http:%s:%s#%d", id, base, i), Part: i, Parts: len(parts)}
	}
	return out
}
