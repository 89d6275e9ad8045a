package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLoadGood(t *testing.T) {
	c, err := Load(Sources{File: "testdata/good.yml", Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9090" || c.DataDir != "/var/lib/panther" || c.Log.Format != "json" ||
		c.Lake.FlushInterval.Std() != 30*time.Second || c.Lake.FlushBytes != 64<<20 || c.Lake.RetentionDays != 90 ||
		c.Queue.MaxBytes != 10<<30 || c.Queue.DedupWindow.Std() != 15*time.Minute || c.Python.Workers != 4 ||
		c.HTTP.MaxBodyBytes != 16<<20 || !c.Metrics.Auth {
		t.Fatalf("loaded %+v", c)
	}
	// Keys the file does not name keep their defaults.
	if c.Queue.MaxPayload != Default().Queue.MaxPayload || c.Python.Interpreter != "python3" {
		t.Fatalf("defaults lost: %+v", c)
	}
	if c, err := Load(Sources{File: "testdata/empty.yml", Getenv: func(string) string { return "" }}); err != nil || c != Default() {
		t.Fatalf("empty file: %+v, %v", c, err)
	}
}

func TestPrecedence(t *testing.T) {
	env := map[string]string{
		"PANTHER_LISTEN":              "127.0.0.1:7000",
		"PANTHER_LAKE_FLUSH_INTERVAL": "10s",
		"PANTHER_PYTHON_WORKERS":      "2",
		"PANTHER_UNRELATED":           "ignored",
	}
	c, err := Load(Sources{File: "testdata/good.yml", Getenv: func(k string) string { return env[k] },
		Sets: []string{"python.workers=3", "queue.sync_always=true"}})
	if err != nil {
		t.Fatal(err)
	}
	// env over file, settings over env.
	if c.Listen != "127.0.0.1:7000" || c.Lake.FlushInterval.Std() != 10*time.Second || c.Python.Workers != 3 || !c.Queue.SyncAlways {
		t.Fatalf("precedence: %+v", c)
	}
	if c.Log.Format != "json" {
		t.Fatal("file value lost")
	}
	_, err = Load(Sources{Getenv: func(k string) string {
		if k == "PANTHER_QUEUE_MAX_BYTES" {
			return "huge"
		}
		return ""
	}})
	if err == nil || !strings.Contains(err.Error(), `environment PANTHER_QUEUE_MAX_BYTES: queue.max_bytes: "huge" is not a size`) {
		t.Fatalf("env error = %v", err)
	}
	_, err = Load(Sources{Getenv: func(string) string { return "" }, Sets: []string{"lake.flush_intervall=1s", "nokey"}})
	if err == nil || !strings.Contains(err.Error(), `setting "lake.flush_intervall": unknown key (did you mean lake.flush_interval?)`) ||
		!strings.Contains(err.Error(), `setting "nokey": expected key=value`) {
		t.Fatalf("settings error = %v", err)
	}
}

// TestBadConfigs checks the exact message of each way a file can be wrong.
func TestBadConfigs(t *testing.T) {
	for file, want := range map[string]string{
		"unknown-key.bad.yml":    "testdata/unknown-key.bad.yml:3:3: unknown key lake.flush_intervall (did you mean lake.flush_interval?)",
		"unknown-top.bad.yml":    "testdata/unknown-top.bad.yml:1:1: unknown key frobnicate",
		"bad-duration.bad.yml":   `testdata/bad-duration.bad.yml:2:19: lake.flush_interval: "soon" is not a duration such as 90s, 5m or 1h30m`,
		"bad-size.bad.yml":       `testdata/bad-size.bad.yml:2:14: queue.max_bytes: "lots" is not a size such as 1048576, 512KiB, 8MiB or 1GiB`,
		"section-scalar.bad.yml": `testdata/section-scalar.bad.yml:1:9: python must be a mapping of keys, not the value "4"`,
		"twice.bad.yml":          "testdata/twice.bad.yml:2:1: key listen given twice",
		"bad-bool.bad.yml":       `testdata/bad-bool.bad.yml:2:9: metrics.auth: "maybe" is not true or false`,
		"list-value.bad.yml":     "testdata/list-value.bad.yml:2:19: lake.retention_days: expected a value, not a list",
		"invalid.bad.yml":        "log.level: \"loud\" is not debug, info, warn or error\nqueue.replicas: needs queue.url: the embedded queue has one replica",
		"syntax.bad.yml":         "testdata/syntax.bad.yml: yaml: line 1: did not find expected node content",
	} {
		_, err := Load(Sources{File: filepath.Join("testdata", file), Getenv: func(string) string { return "" }})
		if err == nil {
			t.Errorf("%s: loaded", file)
			continue
		}
		if err.Error() != want {
			t.Errorf("%s:\n got %q\nwant %q", file, err, want)
		}
	}
	if _, err := Load(Sources{File: "testdata/missing.yml"}); err == nil || !strings.Contains(err.Error(), "missing.yml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestValidateNamesEveryKey(t *testing.T) {
	c := Default()
	c.Listen = "nowhere"
	c.Lake.FlushInterval = 0
	c.Queue.MaxPayload = 64 << 20
	c.Queue.URL = "nats://user:secret@"
	c.Queue.URL = "user:secret@host"
	c.Delivery.Workers = 0
	c.HTTP.TrustedProxies = "10.0.0.0/8, proxy.example.com"
	c.Lake.CompactionGrace = -1
	c.Lake.CompactionTarget = 1 << 10
	err := c.Validate()
	if err == nil {
		t.Fatal("valid")
	}
	for _, want := range []string{`listen: "nowhere" is not host:port`, "lake.flush_interval: 0s is below the minimum of 100ms",
		"queue.max_payload: 64MiB is above the maximum of 32MiB", `queue.url: "<redacted>@host" is not a URL`,
		"delivery.workers: 0 is outside 1..64", `http.trusted_proxies: "proxy.example.com" is not an IP address or CIDR prefix`,
		"lake.compaction_grace: must not be negative", "lake.compaction_target_bytes: 1KiB is below the minimum of 1MiB"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Error("a password reached the error")
	}
	if err := func() error { d := Default(); return d.Validate() }(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestSizesAndDurations(t *testing.T) {
	for in, want := range map[string]Size{"1048576": 1 << 20, "8MiB": 8 << 20, "512 KiB": 512 << 10, "1.5GiB": 3 << 29, "10MB": 10e6, "0": 0, "7B": 7} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1XB", "MiB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
	for s, want := range map[Size]string{4 << 30: "4GiB", 8 << 20: "8MiB", 1536: "1536", 3 << 10: "3KiB", 1000: "1000", 0: "0"} {
		if got := s.String(); got != want {
			t.Errorf("Size(%d) = %q, want %q", int64(s), got, want)
		}
	}
	for d, want := range map[time.Duration]string{time.Minute: "1m", 90 * time.Second: "90s", 168 * time.Hour: "168h", 1500 * time.Millisecond: "1500ms", 0: "0s"} {
		if got := Duration(d).String(); got != want {
			t.Errorf("Duration(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestDocumented checks that docs/configuration.md lists every key with its default and
// environment variable, and no key that does not exist.
func TestDocumented(t *testing.T) {
	data, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_.]+)` \\| `([^`]*)` \\| `(PANTHER_[A-Z_]+)` \\|")
	documented := map[string][2]string{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		documented[m[1]] = [2]string{m[2], m[3]}
	}
	// Keys walks every section, so keys added to nested sections later are covered too.
	names := strings.Join(KeyNames(), " ")
	for _, nested := range []string{"http.trusted_proxies", "lake.compaction_grace", "lake.compaction_target_bytes", "queue.dedup_window", "auth.session_max_age"} {
		if !strings.Contains(" "+names+" ", " "+nested+" ") {
			t.Errorf("Keys() misses the nested key %s: %s", nested, names)
		}
	}
	for _, k := range Keys() {
		d, ok := documented[k.Name]
		if !ok {
			t.Errorf("docs/configuration.md does not list %s (default `%s`, %s)", k.Name, k.Default, k.Env)
			continue
		}
		if d[0] != k.Default || d[1] != k.Env {
			t.Errorf("docs/configuration.md: %s: default `%s`, env %s; want `%s`, %s", k.Name, d[0], d[1], k.Default, k.Env)
		}
		if k.Doc == "" {
			t.Errorf("%s has no doc tag", k.Name)
		}
		delete(documented, k.Name)
	}
	for name := range documented {
		t.Errorf("docs/configuration.md lists %s, which is not a key", name)
	}
}

func FuzzLoad(f *testing.F) {
	for _, name := range []string{"good.yml", "unknown-key.bad.yml", "twice.bad.yml", "list-value.bad.yml"} {
		data, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Default()
		_ = decodeYAML(&c, "fuzz.yml", data)
	})
}
