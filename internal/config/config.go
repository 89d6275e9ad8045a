// Package config is the configuration of `panther server`: one YAML file, then PANTHER_*
// environment variables, then command-line settings, each later source overriding the
// earlier. Decoding is strict: an unknown key is an error naming the file, line and key.
// Every value is validated at load, and every error names its key.
//
// Keys are dotted paths of snake_case names (lake.flush_interval); the environment variable
// of a key is PANTHER_ followed by the key upper-cased with dots as underscores
// (PANTHER_LAKE_FLUSH_INTERVAL). Sizes take a number of bytes or a unit (KiB, MiB, GiB, KB,
// MB, GB); durations take Go's form (90s, 5m, 1h30m).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Config is the whole configuration. The yaml tag of each field is its key.
type Config struct {
	// Listen is the address of the HTTP server.
	Listen string `yaml:"listen" doc:"address of the HTTP server (sources, API, console, metrics)"`
	// DataDir holds the lake, the queue and the state database.
	DataDir string `yaml:"data_dir" doc:"directory of the lake, the queue store and the state database"`
	// URL is the external address of the server, for links in alerts.
	URL    string `yaml:"url" doc:"external URL of the server, used in alert links (default http://LISTEN)"`
	Log    Log    `yaml:"log"`
	Lake   Lake   `yaml:"lake"`
	Queue  Queue  `yaml:"queue"`
	Python Python `yaml:"python"`
	HTTP   HTTP   `yaml:"http"`
	// Metrics configures GET /metrics.
	Metrics  Metrics  `yaml:"metrics"`
	Delivery Delivery `yaml:"delivery"`
	Reload   Reload   `yaml:"reload"`
	Auth     Auth     `yaml:"auth"`
}

// Auth configures console sessions.
type Auth struct {
	SessionIdleTimeout Duration `yaml:"session_idle_timeout" doc:"a console session not used for this long ends"`
	SessionMaxAge      Duration `yaml:"session_max_age" doc:"every console session ends this long after its sign-in"`
	// SecureCookies marks the session cookie Secure when a TLS proxy is in front: the server
	// itself speaks plain HTTP. It is on as well when url starts with https://.
	SecureCookies bool `yaml:"secure_cookies" doc:"mark the session cookie Secure (behind a TLS-terminating proxy; also on when url is https://)"`
}

// Log configures the server's own logs.
type Log struct {
	Format string `yaml:"format" doc:"text or json"`
	Level  string `yaml:"level" doc:"debug, info, warn or error"`
}

// Lake configures the lake writer and housekeeping.
type Lake struct {
	FlushInterval Duration `yaml:"flush_interval" doc:"longest time events wait in lake buffers before a checkpoint writes them to files"`
	FlushBytes    Size     `yaml:"flush_bytes" doc:"a checkpoint also happens once this much input was processed since the last one"`
	BufferBytes   Size     `yaml:"buffer_bytes" doc:"memory of the lake writers' buffers; row groups are written out when it is exceeded"`
	MaxFileBytes  Size     `yaml:"max_file_bytes" doc:"largest lake file; a partition's file is closed when it reaches this"`
	// RetentionDays deletes partitions whose hour is older (0 keeps everything).
	RetentionDays        int      `yaml:"retention_days" doc:"delete lake partitions older than this many days (0 keeps everything)"`
	HousekeepingInterval Duration `yaml:"housekeeping_interval" doc:"how often compaction and retention run"`
	// CompactionGrace is how long after an hour ends its small files are left alone (late
	// events still land there) before they are compacted; 0 compacts an hour once it ends.
	CompactionGrace  Duration `yaml:"compaction_grace" doc:"how long after an hour ends its small files are left alone, for late events, before they are compacted (0: at once)"`
	CompactionTarget Size     `yaml:"compaction_target_bytes" doc:"the size compacted files aim for; files under half of it are merged"`
}

// Queue configures the durable queue.
type Queue struct {
	URL         string   `yaml:"url" doc:"external NATS server(s), e.g. nats://h1:4222,nats://h2:4222; empty runs an embedded server in DATA_DIR/queue"`
	CredsFile   string   `yaml:"creds_file" doc:"NATS credentials file for url"`
	Replicas    int      `yaml:"replicas" doc:"replicas of the stream on an external cluster"`
	MaxBytes    Size     `yaml:"max_bytes" doc:"payloads kept (unprocessed and not yet checkpointed); over it senders get 429"`
	MaxMessages int64    `yaml:"max_messages" doc:"payloads kept, by count (0: no limit)"`
	MaxAge      Duration `yaml:"max_age" doc:"payloads older than this are dropped even if unprocessed"`
	MaxPayload  Size     `yaml:"max_payload" doc:"largest payload stored as one message; larger HTTP bodies are split at record boundaries"`
	DedupWindow Duration `yaml:"dedup_window" doc:"how long a payload id (S3 object, watched file) is remembered to drop a re-sent copy"`
	SyncAlways  bool     `yaml:"sync_always" doc:"fsync every payload before acknowledging it (survives power loss, not only crashes)"`
}

// Python configures the Python detection workers.
type Python struct {
	Interpreter string   `yaml:"interpreter" doc:"the CPython interpreter of the workers"`
	Workers     int      `yaml:"workers" doc:"Python worker processes (0: one per CPU)"`
	RuleTimeout Duration `yaml:"rule_timeout" doc:"time limit of one rule call"`
	MemoryLimit Size     `yaml:"memory_limit" doc:"address-space limit of each worker process"`
}

// HTTP configures the HTTP server and the HTTP push source.
type HTTP struct {
	MaxBodyBytes Size     `yaml:"max_body_bytes" doc:"largest push body, after decompression; larger ones get 413"`
	ReadTimeout  Duration `yaml:"read_timeout" doc:"time to read a whole request"`
	IdleTimeout  Duration `yaml:"idle_timeout" doc:"keep-alive connections idle longer are closed"`
	// ShutdownTimeout bounds the drain on SIGTERM.
	ShutdownTimeout Duration `yaml:"shutdown_timeout" doc:"time SIGTERM waits for requests, the pipeline and deliveries to finish"`
	// TrustedProxies are reverse proxies whose X-Forwarded-For names the client (the address
	// in the audit log, of the sign-in back-off, and p_source_address of pushed events).
	TrustedProxies string `yaml:"trusted_proxies" doc:"comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For names the client (empty: the TCP peer is the client)"`
}

// Metrics configures GET /metrics.
type Metrics struct {
	Auth bool `yaml:"auth" doc:"require Authorization: Bearer TOKEN on /metrics"`
	// TokenFile holds the token; created (0600, random) when missing.
	TokenFile string `yaml:"token_file" doc:"file of the /metrics token, created with a random token when missing (default DATA_DIR/metrics.token)"`
	// Pprof serves Go's profiler, behind the same auth as /metrics.
	Pprof bool `yaml:"pprof" doc:"serve Go's profiles at /debug/pprof/ (behind metrics.auth when it is on); for diagnosing the server"`
}

// Delivery configures alert delivery.
type Delivery struct {
	Workers int `yaml:"workers" doc:"deliveries sent at once"`
}

// Reload configures hot reload.
type Reload struct {
	Interval Duration `yaml:"interval" doc:"how often detections, schemas, sources and destinations are checked for changes"`
}

// Default returns the defaults of every key.
func Default() Config {
	return Config{
		Listen:  "127.0.0.1:8080",
		DataDir: "panther-data",
		Log:     Log{Format: "text", Level: "info"},
		Lake: Lake{FlushInterval: Duration(60 * time.Second), FlushBytes: 256 << 20, BufferBytes: 160 << 20,
			MaxFileBytes: 512 << 20, HousekeepingInterval: Duration(time.Minute),
			CompactionGrace: Duration(10 * time.Minute), CompactionTarget: 256 << 20},
		Queue: Queue{Replicas: 1, MaxBytes: 4 << 30, MaxAge: Duration(7 * 24 * time.Hour), MaxPayload: 8 << 20,
			DedupWindow: Duration(10 * time.Minute)},
		Python:   Python{Interpreter: "python3", RuleTimeout: Duration(15 * time.Second), MemoryLimit: 1 << 30},
		HTTP:     HTTP{MaxBodyBytes: 16 << 20, ReadTimeout: Duration(60 * time.Second), IdleTimeout: Duration(120 * time.Second), ShutdownTimeout: Duration(30 * time.Second)},
		Delivery: Delivery{Workers: 4},
		Reload:   Reload{Interval: Duration(time.Second)},
		Auth:     Auth{SessionIdleTimeout: Duration(12 * time.Hour), SessionMaxAge: Duration(7 * 24 * time.Hour)},
	}
}

// Validate checks every key and returns all problems, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		bad("listen", "%q is not host:port", c.Listen)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "required")
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		bad("url", "%q must start with http:// or https://", c.URL)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not text or json", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not debug, info, warn or error", c.Log.Level)
	}
	atLeast := func(key string, d Duration, min time.Duration) {
		if time.Duration(d) < min {
			bad(key, "%s is below the minimum of %s", d, min)
		}
	}
	atLeast("lake.flush_interval", c.Lake.FlushInterval, 100*time.Millisecond)
	atLeast("lake.housekeeping_interval", c.Lake.HousekeepingInterval, time.Second)
	atLeast("queue.max_age", c.Queue.MaxAge, time.Minute)
	atLeast("queue.dedup_window", c.Queue.DedupWindow, time.Second)
	atLeast("python.rule_timeout", c.Python.RuleTimeout, time.Millisecond)
	atLeast("http.read_timeout", c.HTTP.ReadTimeout, time.Second)
	atLeast("http.idle_timeout", c.HTTP.IdleTimeout, time.Second)
	atLeast("http.shutdown_timeout", c.HTTP.ShutdownTimeout, time.Second)
	atLeast("reload.interval", c.Reload.Interval, 10*time.Millisecond)
	atLeast("auth.session_idle_timeout", c.Auth.SessionIdleTimeout, time.Minute)
	atLeast("auth.session_max_age", c.Auth.SessionMaxAge, time.Minute)
	if c.Auth.SessionIdleTimeout > c.Auth.SessionMaxAge {
		bad("auth.session_idle_timeout", "%s is longer than auth.session_max_age (%s)", c.Auth.SessionIdleTimeout, c.Auth.SessionMaxAge)
	}
	if c.Queue.DedupWindow > c.Queue.MaxAge {
		bad("queue.dedup_window", "%s is longer than queue.max_age (%s)", c.Queue.DedupWindow, c.Queue.MaxAge)
	}
	sizeAtLeast := func(key string, s Size, min Size) {
		if s < min {
			bad(key, "%s is below the minimum of %s", s, min)
		}
	}
	sizeAtLeast("lake.flush_bytes", c.Lake.FlushBytes, 1<<20)
	sizeAtLeast("lake.buffer_bytes", c.Lake.BufferBytes, 16<<20)
	sizeAtLeast("lake.max_file_bytes", c.Lake.MaxFileBytes, 1<<20)
	sizeAtLeast("lake.compaction_target_bytes", c.Lake.CompactionTarget, 1<<20)
	if c.Lake.CompactionGrace < 0 {
		bad("lake.compaction_grace", "must not be negative")
	}
	sizeAtLeast("queue.max_bytes", c.Queue.MaxBytes, 1<<20)
	sizeAtLeast("queue.max_payload", c.Queue.MaxPayload, 64<<10)
	sizeAtLeast("http.max_body_bytes", c.HTTP.MaxBodyBytes, 1<<10)
	sizeAtLeast("python.memory_limit", c.Python.MemoryLimit, 64<<20)
	if c.Queue.MaxPayload > 32<<20 {
		bad("queue.max_payload", "%s is above the maximum of 32MiB", c.Queue.MaxPayload)
	}
	if c.Queue.MaxPayload > c.Queue.MaxBytes {
		bad("queue.max_payload", "%s is larger than queue.max_bytes (%s)", c.Queue.MaxPayload, c.Queue.MaxBytes)
	}
	if c.Queue.MaxMessages < 0 {
		bad("queue.max_messages", "must not be negative")
	}
	if c.Queue.Replicas < 1 || c.Queue.Replicas > 5 {
		bad("queue.replicas", "%d is outside 1..5", c.Queue.Replicas)
	}
	if c.Queue.Replicas > 1 && c.Queue.URL == "" {
		bad("queue.replicas", "needs queue.url: the embedded queue has one replica")
	}
	if c.Queue.CredsFile != "" && c.Queue.URL == "" {
		bad("queue.creds_file", "needs queue.url")
	}
	if c.Queue.URL != "" {
		for _, u := range strings.Split(c.Queue.URL, ",") {
			u = strings.TrimSpace(u)
			if !strings.Contains(u, "://") {
				bad("queue.url", "%q is not a URL such as nats://host:4222", redact(u))
			}
		}
	}
	for _, f := range strings.Split(c.HTTP.TrustedProxies, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if _, err := netip.ParsePrefix(f); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(f); err != nil {
			bad("http.trusted_proxies", "%q is not an IP address or CIDR prefix", f)
		}
	}
	if c.Python.Workers < 0 || c.Python.Workers > 256 {
		bad("python.workers", "%d is outside 0..256", c.Python.Workers)
	}
	if strings.TrimSpace(c.Python.Interpreter) == "" {
		bad("python.interpreter", "required")
	}
	if c.Lake.RetentionDays < 0 {
		bad("lake.retention_days", "must not be negative")
	}
	if c.Delivery.Workers < 1 || c.Delivery.Workers > 64 {
		bad("delivery.workers", "%d is outside 1..64", c.Delivery.Workers)
	}
	return errors.Join(errs...)
}

// redact hides the password of a user:pass@host URL.
func redact(u string) string {
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		if s := strings.Index(u, "://"); s >= 0 && s < at {
			return u[:s+3] + "<redacted>" + u[at:]
		}
		return "<redacted>" + u[at:]
	}
	return u
}
