// Package queue is the durable queue between live sources and the log pipeline: one NATS
// JetStream stream of payloads, embedded in the process (stored in the data dir) or on an
// external NATS cluster when a URL is given. The code is the same for both.
//
// Publish returns once JetStream stored the payload (the sender may then be acknowledged).
// The stream has limits (bytes, messages, age) and discards new payloads when full, which
// Publish reports as sources.ErrBackpressure. A payload's DedupID becomes its Nats-Msg-Id, so
// re-publishing it within the duplicate window stores nothing, also after the payload was
// processed and purged and the server restarted: JetStream forgets the ids of purged
// messages when it restarts, so Purge first records them in a key-value bucket with the
// window as its TTL, which Publish consults.
//
// The consumer's position is not kept by JetStream: the runtime records the highest
// sequence it made durable (its checkpoint) in its own state, reads from the next one with
// Read after a restart, and Purges what it has checkpointed. Read delivers in stream order,
// with no gaps, and needs no acknowledgements.
package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pantherlabs/panther/internal/sources"
)

// Defaults of Options.
const (
	DefaultStream          = "PANTHER_PAYLOADS"
	DefaultSubject         = "panther.payloads"
	DefaultMaxBytes        = 4 << 30
	DefaultMaxAge          = 7 * 24 * time.Hour
	DefaultMaxPayload      = 8 << 20
	DefaultDuplicateWindow = 10 * time.Minute
)

// Options configure a Queue.
type Options struct {
	// URL is an external NATS server or cluster ("nats://host:4222,nats://host2:4222"); empty
	// runs an embedded server storing in Dir.
	URL string
	// CredsFile is a NATS credentials file for URL (optional).
	CredsFile string
	// Dir is the JetStream store of the embedded server.
	Dir string
	// Stream and Subject name the stream (defaults DefaultStream, DefaultSubject).
	Stream  string
	Subject string
	// MaxBytes and MaxMsgs bound the stream (unprocessed plus not yet checkpointed payloads);
	// over them Publish returns ErrBackpressure. MaxMsgs 0 means no limit.
	MaxBytes int64
	MaxMsgs  int64
	// MaxAge drops payloads older than this, processed or not (default 7 days).
	MaxAge time.Duration
	// MaxPayload is the largest payload accepted, encoded (default 8 MiB).
	MaxPayload int
	// DuplicateWindow is how long a DedupID is remembered (default 10 minutes).
	DuplicateWindow time.Duration
	// SyncAlways makes the embedded server fsync each payload before acknowledging it, so
	// payloads survive a power loss too (a process crash loses nothing either way).
	SyncAlways bool
	// Replicas is the stream's replica count on an external cluster (default 1).
	Replicas int
	Logger   *slog.Logger
}

// Queue is an open queue. Its methods are safe for concurrent use.
type Queue struct {
	opts   Options
	ns     *server.Server // nil with an external URL
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	max    int // largest encoded payload
	// purged remembers the DedupIDs of purged payloads for the duplicate window.
	purged jetstream.KeyValue

	// The DedupIDs of payloads read and not yet purged, and the first sequence read in this
	// life (0: none yet); what Purge records.
	readMu   sync.Mutex
	readIDs  []readID
	readFrom uint64
	// unreadDone: the payloads before readFrom (purged unread) were recorded.
	unreadDone bool

	closeOnce sync.Once
}

var _ sources.Publisher = (*Queue)(nil)

type readID struct {
	seq uint64
	id  string
}

// ErrTooLarge is returned (wrapped) by Publish for a payload over the size limit.
var ErrTooLarge = errors.New("payload over the queue's size limit")

// Validate checks o and fills in defaults.
func (o *Options) validate() error {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Subject == "" {
		o.Subject = DefaultSubject
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = DefaultDuplicateWindow
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var errs []error
	if o.URL == "" && o.Dir == "" {
		errs = append(errs, errors.New("queue: dir: required for the embedded queue"))
	}
	if o.MaxBytes < 0 || o.MaxMsgs < 0 {
		errs = append(errs, errors.New("queue: max_bytes and max_messages must not be negative"))
	}
	if o.MaxPayload < 1024 || o.MaxPayload > 64<<20 {
		errs = append(errs, fmt.Errorf("queue: max_payload: %d is outside 1 KiB..64 MiB", o.MaxPayload))
	}
	if int64(o.MaxPayload) > o.MaxBytes {
		errs = append(errs, fmt.Errorf("queue: max_payload (%d) is larger than max_bytes (%d)", o.MaxPayload, o.MaxBytes))
	}
	if o.DuplicateWindow < 0 || o.MaxAge < 0 || o.DuplicateWindow > o.MaxAge {
		errs = append(errs, fmt.Errorf("queue: duplicate_window (%s) must be positive and at most max_age (%s)", o.DuplicateWindow, o.MaxAge))
	}
	return errors.Join(errs...)
}

// headroom is what the encoding and NATS headers add to a payload.
const headroom = 64 << 10

// Open starts the embedded server (or connects to o.URL) and creates or updates the stream.
func Open(ctx context.Context, o Options) (*Queue, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	q := &Queue{opts: o, max: o.MaxPayload}
	var err error
	if o.URL == "" {
		err = q.startEmbedded()
	} else {
		err = q.connect()
	}
	if err != nil {
		q.Close()
		return nil, err
	}
	if mp := int(q.nc.MaxPayload()) - headroom; mp < q.max {
		if o.URL != "" {
			o.Logger.Warn("the NATS server's max_payload is below queue.max_payload; payloads are limited to it",
				"server_max_payload", q.nc.MaxPayload(), "max_payload", o.MaxPayload)
		}
		q.max = mp
	}
	q.js, err = jetstream.New(q.nc)
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	cfg := jetstream.StreamConfig{
		Name:        o.Stream,
		Description: "Panther: payloads accepted by live sources, waiting for the log pipeline",
		Subjects:    []string{o.Subject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    o.MaxBytes,
		MaxMsgs:     -1,
		MaxAge:      o.MaxAge,
		MaxMsgSize:  int32(q.max + headroom),
		Duplicates:  o.DuplicateWindow,
		Replicas:    o.Replicas,
	}
	if o.MaxMsgs > 0 {
		cfg.MaxMsgs = o.MaxMsgs
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	q.stream, err = q.js.CreateOrUpdateStream(sctx, cfg)
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("queue: creating stream %s: %w", o.Stream, err)
	}
	q.purged, err = q.js.CreateOrUpdateKeyValue(sctx, jetstream.KeyValueConfig{
		Bucket:      o.Stream + "_PURGED_IDS",
		Description: "Panther: the DedupIDs of purged payloads, for the duplicate window",
		TTL:         o.DuplicateWindow,
		Storage:     jetstream.FileStorage,
		Replicas:    o.Replicas,
	})
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("queue: creating the bucket of purged ids: %w", err)
	}
	return q, nil
}

func (q *Queue) startEmbedded() error {
	if err := os.MkdirAll(q.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	sopts := &server.Options{
		ServerName:         "panther-embedded",
		JetStream:          true,
		StoreDir:           q.opts.Dir,
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  q.opts.MaxBytes + 1<<30,
		SyncAlways:         q.opts.SyncAlways,
		DontListen:         true,
		NoSigs:             true,
		NoLog:              true,
		MaxPayload:         int32(q.opts.MaxPayload + headroom),
		MaxPending:         int64(4*(q.opts.MaxPayload+headroom)) + 64<<20,
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return fmt.Errorf("queue: embedded NATS server: %w", err)
	}
	q.ns = ns
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		return errors.New("queue: the embedded NATS server did not start within 30s")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("panther"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("queue: connecting to the embedded NATS server: %w", err)
	}
	q.nc = nc
	return nil
}

func (q *Queue) connect() error {
	opts := []nats.Option{nats.Name("panther"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				q.opts.Logger.Warn("disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { q.opts.Logger.Info("reconnected to NATS", "url", nc.ConnectedUrlRedacted()) }),
	}
	if q.opts.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(q.opts.CredsFile))
	}
	nc, err := nats.Connect(q.opts.URL, opts...)
	if err != nil {
		return fmt.Errorf("queue: connecting to %s: %w", redactURL(q.opts.URL), err)
	}
	q.nc = nc
	return nil
}

// redactURL hides the password of nats://user:pass@host URLs.
func redactURL(u string) string {
	parts := strings.Split(u, ",")
	for i, p := range parts {
		if at := strings.LastIndexByte(p, '@'); at >= 0 {
			if scheme := strings.Index(p, "://"); scheme >= 0 && scheme < at {
				parts[i] = p[:scheme+3] + "<redacted>" + p[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}

// MaxPayload returns the largest payload Publish accepts, encoded.
func (q *Queue) MaxPayload() int { return q.max }

// Publish stores p in the stream. It returns nil once JetStream acknowledged it (or already
// had it, by DedupID); an error wrapping sources.ErrBackpressure when the stream is full; an
// error wrapping ErrTooLarge for a payload over MaxPayload.
func (q *Queue) Publish(ctx context.Context, p *sources.Payload) error {
	data, err := Encode(p)
	if err != nil {
		return err
	}
	if len(data) > q.max {
		return fmt.Errorf("queue: %w: %d bytes, the limit is %d", ErrTooLarge, len(data), q.max)
	}
	if _, has := ctx.Deadline(); !has {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	var opts []jetstream.PublishOpt
	if p.DedupID != "" {
		// Stored, processed and purged already? (The stream only knows the ids it holds, and
		// those it purged since the server started.)
		_, err := q.purged.Get(ctx, purgedKey(p.DedupID))
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return classify(err)
		}
		opts = append(opts, jetstream.WithMsgID(p.DedupID))
	}
	_, err = q.js.Publish(ctx, q.opts.Subject, data, opts...)
	if err != nil {
		return classify(err)
	}
	return nil
}

// classify maps JetStream's "stream full" answers to ErrBackpressure.
func classify(err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == 10077 {
		switch d := apiErr.Description; {
		case strings.Contains(d, "maximum bytes exceeded"), strings.Contains(d, "maximum messages exceeded"),
			strings.Contains(d, "resource limits exceeded"), strings.Contains(d, "insufficient resources"):
			return fmt.Errorf("queue: %w (%s)", sources.ErrBackpressure, d)
		case strings.Contains(d, "message size exceeds"):
			return fmt.Errorf("queue: %w (%s)", ErrTooLarge, d)
		}
	}
	if errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		// Unavailable for now: the sender should retry later, like on a full queue.
		return fmt.Errorf("queue: %w (%v)", sources.ErrBackpressure, err)
	}
	return fmt.Errorf("queue: publish: %w", err)
}

// Message is a payload read from the stream.
type Message struct {
	Seq     uint64
	Time    time.Time // when the stream stored it
	Payload *sources.Payload
	Size    int // encoded bytes
	Err     error
}

// Reader reads the stream in order from a sequence.
type Reader struct {
	q    *Queue
	cons jetstream.Consumer
	it   jetstream.MessagesContext
}

// Read returns a reader of the payloads from sequence from (1 = the first ever; sequences
// purged are skipped).
func (q *Queue) Read(ctx context.Context, from uint64) (*Reader, error) {
	if from == 0 {
		from = 1
	}
	q.readMu.Lock()
	if q.readFrom == 0 || from < q.readFrom {
		q.readFrom, q.unreadDone = from, false
	}
	q.readMu.Unlock()
	cons, err := q.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: reading from %d: %w", from, err)
	}
	// Buffer a bounded number of bytes, and at least one payload of the largest size.
	it, err := cons.Messages(jetstream.PullMaxBytes(max(32<<20, 2*(q.max+headroom))))
	if err != nil {
		return nil, fmt.Errorf("queue: reading from %d: %w", from, err)
	}
	return &Reader{q: q, cons: cons, it: it}, nil
}

// Next waits for the next message. A payload that does not decode is returned with Err set
// (and its sequence), so the caller can quarantine it and go on.
func (r *Reader) Next(ctx context.Context) (Message, error) {
	m, err := r.it.Next(jetstream.NextContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return Message{}, ctx.Err()
		}
		return Message{}, fmt.Errorf("queue: %w", err)
	}
	md, err := m.Metadata()
	if err != nil {
		return Message{}, fmt.Errorf("queue: message metadata: %w", err)
	}
	data := m.Data()
	p, derr := Decode(data)
	if derr == nil && p.DedupID != "" {
		r.q.readMu.Lock()
		r.q.readIDs = append(r.q.readIDs, readID{md.Sequence.Stream, p.DedupID})
		r.q.readMu.Unlock()
	}
	return Message{Seq: md.Sequence.Stream, Time: md.Timestamp, Payload: p, Size: len(data), Err: derr}, nil
}

// Close stops the reader.
func (r *Reader) Close() { r.it.Stop() }

// Purge deletes the payloads up to and including sequence upTo.
func (q *Queue) Purge(ctx context.Context, upTo uint64) error {
	if upTo == 0 {
		return nil
	}
	if err := q.rememberPurged(ctx, upTo); err != nil {
		return err
	}
	if err := q.stream.Purge(ctx, jetstream.WithPurgeSequence(upTo+1)); err != nil {
		return fmt.Errorf("queue: purging up to %d: %w", upTo, err)
	}
	return nil
}

// purgedKey is the bucket key of a DedupID (keys have a restricted alphabet).
func purgedKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// rememberPurged records the DedupIDs of the payloads up to upTo in the bucket of purged
// ids, before Purge deletes them: those read by this queue's readers, and those before the
// first sequence read (checkpointed by a previous run that stopped before its purge), read
// here from the stream.
func (q *Queue) rememberPurged(ctx context.Context, upTo uint64) error {
	q.readMu.Lock()
	var ids []readID
	for _, r := range q.readIDs {
		if r.seq <= upTo {
			ids = append(ids, r)
		}
	}
	readFrom, unreadDone := q.readFrom, q.unreadDone
	q.readMu.Unlock()
	if !unreadDone {
		info, err := q.stream.Info(ctx)
		if err != nil {
			return fmt.Errorf("queue: stream info: %w", err)
		}
		last := upTo
		if readFrom > 0 {
			last = min(upTo, readFrom-1)
		}
		for seq := info.State.FirstSeq; seq <= last && seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			m, err := q.stream.GetMsg(ctx, seq)
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("queue: get %d: %w", seq, err)
			}
			if id := m.Header.Get(jetstream.MsgIDHeader); id != "" {
				ids = append(ids, readID{seq, id})
			}
		}
	}
	if len(ids) > 0 {
		subject := "$KV." + q.purged.Bucket() + "."
		for _, r := range ids {
			if _, err := q.js.PublishAsync(subject+purgedKey(r.id), []byte{'1'}); err != nil {
				return fmt.Errorf("queue: recording purged ids: %w", err)
			}
		}
		select {
		case <-q.js.PublishAsyncComplete():
		case <-ctx.Done():
			return fmt.Errorf("queue: recording purged ids: %w", ctx.Err())
		}
	}
	q.readMu.Lock()
	if readFrom > 0 && upTo >= readFrom-1 && q.readFrom == readFrom {
		q.unreadDone = true
	}
	kept := q.readIDs[:0]
	for _, r := range q.readIDs {
		if r.seq > upTo {
			kept = append(kept, r)
		}
	}
	q.readIDs = kept
	q.readMu.Unlock()
	return nil
}

// Stats describe the stream.
type Stats struct {
	Msgs      uint64    // payloads stored (unprocessed, and processed but not checkpointed)
	Bytes     uint64    // their size
	FirstSeq  uint64    // the oldest stored
	LastSeq   uint64    // the newest
	FirstTime time.Time // when the oldest was stored
	MaxBytes  int64
}

// Stats returns the stream's state.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	info, err := q.stream.Info(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stream info: %w", err)
	}
	return Stats{Msgs: info.State.Msgs, Bytes: info.State.Bytes, FirstSeq: info.State.FirstSeq,
		LastSeq: info.State.LastSeq, FirstTime: info.State.FirstTime, MaxBytes: info.Config.MaxBytes}, nil
}

// StoredAt returns when the payload at seq was stored (for the age of the oldest
// unprocessed payload); ok is false when there is none.
func (q *Queue) StoredAt(ctx context.Context, seq uint64) (time.Time, bool, error) {
	m, err := q.stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("queue: get %d: %w", seq, err)
	}
	return m.Time, true, nil
}

// Identity names the stream and when it was created: sequences count within one identity.
// A consumer that recorded a checkpoint under another identity (the store was deleted, or
// the URL now points to another cluster) must read the stream from its start.
func (q *Queue) Identity(ctx context.Context) (string, error) {
	info, err := q.stream.Info(ctx)
	if err != nil {
		return "", fmt.Errorf("queue: stream info: %w", err)
	}
	return info.Config.Name + "@" + info.Created.UTC().Format(time.RFC3339Nano), nil
}

// Ready checks that the stream answers.
func (q *Queue) Ready(ctx context.Context) error {
	if q.nc == nil || !q.nc.IsConnected() {
		return errors.New("queue: not connected to NATS")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := q.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", q.opts.Stream, err)
	}
	return nil
}

// Close closes the connection and shuts the embedded server down (its store stays).
func (q *Queue) Close() error {
	q.closeOnce.Do(func() {
		if q.nc != nil {
			q.nc.Close()
		}
		if q.ns != nil {
			q.ns.Shutdown()
			q.ns.WaitForShutdown()
		}
	})
	return nil
}
