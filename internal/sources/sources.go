// Package sources defines live sources: where records come from in `panther server`.
//
// A source is stored as a Config (Store) and belongs to a Kind (http, syslog, dir, s3,
// aws-scan). Kinds register themselves in init() with Register, like database/sql drivers;
// the runtime imports the kinds it runs and builds each enabled source with Kind.New. A
// running Source hands what it accepted to a Publisher (the durable queue) as Payloads, and
// acknowledges its sender only once Publish returned nil.
package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/secretbox"
)

// A Payload is data a source accepted, handed to the queue as one unit.
type Payload struct {
	SourceID string
	// Name says where the data came from (file path, object key s3://bucket/key, "http"); it is
	// the "file" of quarantined lines.
	Name string
	// Origin is the sender's address ("203.0.113.7:51514"), stamped on the events as
	// p_source_address; empty when there is none.
	Origin string
	// Exactly one of Data and Records is set. Data is a byte stream framed like a file (NDJSON,
	// JSON array, CloudTrail Records, text lines; plain or compressed). Records are records already
	// framed (one syslog message each, newlines inside kept).
	Data    []byte
	Records [][]byte
	// Cut, with Records, marks the records the source cut at its size limit (a syslog message
	// over max_message_bytes, a record of an object over the part limit): Records[c.Index]
	// holds only the first bytes of a record of c.Size bytes. The pipeline quarantines these
	// with that reason instead of parsing them. Usually empty.
	Cut []CutRecord
	// DedupID, when set, makes publishing idempotent: the queue drops a payload whose DedupID it
	// already accepted within its duplicate window (S3 objects, watched files: re-publishing after
	// a crash must not duplicate events). Large objects are published as several payloads, each
	// with its own DedupID (object identity + chunk index) and Part/Parts set. Part counts from
	// 0. A source that streams an object does not know the number of parts before the end: it
	// sets Parts (= Part+1) on the last part only, and leaves it 0 on the others.
	DedupID     string
	Part, Parts int
	// Header, for a Part > 0 of a text object, is the object's first record (a CSV or VPC Flow
	// header line) so the consumer can parse the part alone; it is not an event itself.
	Header []byte
}

// CutRecord marks a record of Payload.Records that its source cut at a size limit.
type CutRecord struct {
	Index int   // in Records
	Size  int64 // the record's full size in bytes
}

// Publisher persists payloads. Publish returns nil only once the payload is durable in the queue;
// only then may the source acknowledge its sender (HTTP 200, SQS delete, file moved to done/).
// It returns an error wrapping ErrBackpressure when the queue is over its limits: the source
// should make the sender retry later (HTTP 429 + Retry-After; SQS: leave the message; TCP: stop reading).
type Publisher interface {
	Publish(ctx context.Context, p *Payload) error
}

// PublisherFunc adapts a function to a Publisher.
type PublisherFunc func(ctx context.Context, p *Payload) error

// Publish calls f(ctx, p).
func (f PublisherFunc) Publish(ctx context.Context, p *Payload) error { return f(ctx, p) }

// ErrBackpressure is wrapped by Publish errors when the queue is over its limits.
var ErrBackpressure = errors.New("queue over its limit")

// Source is one running source of a kind that reads on its own (syslog, dir, s3). Run returns
// when ctx is cancelled, after its goroutines are done. It reports problems with rep.
type Source interface {
	Run(ctx context.Context, pub Publisher, rep Reporter) error
}

// Reporter records a source's health for `panther sources show` and the API.
type Reporter interface {
	Error(err error) // the last error; Error(nil) clears it
}

// ReporterFunc adapts a function to a Reporter.
type ReporterFunc func(err error)

// Error calls f(err).
func (f ReporterFunc) Error(err error) { f(err) }

// Config is a stored source.
type Config struct {
	ID       string   `json:"id"`       // uuid
	Label    string   `json:"label"`    // unique
	Type     string   `json:"type"`     // "http", "syslog", "dir", "s3", "aws-scan"
	LogTypes []string `json:"logTypes"` // allowed log types; empty = all
	Enabled  bool     `json:"enabled"`
	// Settings are the kind's settings (JSON object, snake_case keys), validated by its Kind.
	Settings  json.RawMessage `json:"settings"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

// Kind is a type of source. Sources register their kind in init() (Register), like database/sql drivers;
// internal/runtime imports the kinds it runs.
type Kind struct {
	Name string
	// Validate checks (and may normalize) the kind's settings; errors name the setting.
	Validate func(settings json.RawMessage) (json.RawMessage, error)
	// New builds a runnable source; nil for kinds the runtime serves itself (http).
	New func(c Config, deps Deps) (Source, error)
}

// Deps are what a kind's New may use.
type Deps struct {
	DataDir string
	Logger  *slog.Logger
	Secrets *secretbox.Box // for kind secrets kept encrypted in Settings
	// Cloud is what cloud account scanners (aws-scan) use: the compliance sink and the
	// state DB of their scan status. Nil outside the server.
	Cloud *cloudsec.Env
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register makes a kind available by its name. It panics on an empty name, a missing
// Validate or a name registered twice, like sql.Register: these are programming errors.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if k.Name == "" {
		panic("sources: Register of a kind without a name")
	}
	if k.Validate == nil {
		panic(fmt.Sprintf("sources: Register of kind %q without Validate", k.Name))
	}
	if _, dup := kinds[k.Name]; dup {
		panic(fmt.Sprintf("sources: Register called twice for kind %q", k.Name))
	}
	kinds[k.Name] = k
}

// Lookup returns the kind registered under name.
func Lookup(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// Kinds returns the names of the registered kinds, sorted.
func Kinds() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// unregister removes a kind; for tests in this package only.
func unregister(name string) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	delete(kinds, name)
}
