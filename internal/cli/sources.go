package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/runtime"
	"github.com/pantherlabs/panther/internal/sources"
)

func sourcesCommands() []command {
	return []command{
		{name: "add", summary: "add a source (http prints its URL and token, once)", examples: []string{"panther sources add --type http --label edge --log-type AWS.ALB --format json", "panther sources add --type http --label hooks --auth hmac --hmac-header X-Hub-Signature-256", "panther sources add --type syslog --label fw --udp 0.0.0.0:5514 --tcp 0.0.0.0:5514", "panther sources add --type dir --label drop --path /var/log/incoming", "panther sources add --type s3 --label trail --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/trail --region us-east-1 --log-type AWS.CloudTrail"}, run: sourcesAdd},
		{name: "list", summary: "list sources with their status", examples: []string{"panther sources list", "panther sources list --format json --server-url http://127.0.0.1:8080"}, run: sourcesList},
		{name: "show", summary: "show a source's settings and status by log type", examples: []string{"panther sources show edge", "panther sources show --format json edge"}, run: sourcesShow},
		{name: "remove", summary: "remove a source", examples: []string{"panther sources remove edge"}, run: sourcesRemove},
		{name: "enable", summary: "enable a source", examples: []string{"panther sources enable edge"}, run: sourcesEnableOf(true)},
		{name: "disable", summary: "disable a source (pushes get 403; listeners stop)", examples: []string{"panther sources disable edge"}, run: sourcesEnableOf(false)},
		{name: "rotate-token", summary: "give an http source a new token or HMAC key (printed once)", examples: []string{"panther sources rotate-token edge", "panther sources rotate-token --format json edge"}, run: sourcesRotate},
	}
}

// kindFlag is a flag of one source kind, mapped onto a key of the kind's settings.
type kindFlag struct {
	kind, flag, key, usage string
	list                   bool // comma-separated list
}

// kindFlags map `panther sources add` flags to the settings of each kind (CONTRACTS.md).
var kindFlags = []kindFlag{
	{kind: "http", flag: "auth", key: "auth", usage: "http: bearer (default) or hmac"},
	{kind: "http", flag: "hmac-header", key: "hmac_header", usage: "http: the header carrying the signature (default X-Panther-Signature)"},
	{kind: "syslog", flag: "udp", key: "udp", usage: "syslog: UDP listen address, e.g. 0.0.0.0:514"},
	{kind: "syslog", flag: "tcp", key: "tcp", usage: "syslog: TCP listen address (octet counting or LF framing)"},
	{kind: "syslog", flag: "tls", key: "tls", usage: "syslog: TCP+TLS listen address"},
	{kind: "syslog", flag: "tls-cert", key: "tls_cert", usage: "syslog: TLS certificate file (PEM)"},
	{kind: "syslog", flag: "tls-key", key: "tls_key", usage: "syslog: TLS key file (PEM)"},
	{kind: "syslog", flag: "max-message-bytes", key: "max_message_bytes", usage: "syslog: longest message; longer ones are cut and quarantined"},
	{kind: "dir", flag: "path", key: "path", usage: "dir: the directory to watch (done/ and failed/ are made under it)"},
	{kind: "s3", flag: "queue-url", key: "queue_url", usage: "s3: the SQS queue of the bucket's event notifications"},
	{kind: "s3", flag: "region", key: "region", usage: "s3: AWS region"},
	{kind: "s3", flag: "endpoint", key: "endpoint", usage: "s3: endpoint of an S3-compatible store"},
	{kind: "s3", flag: "visibility-timeout", key: "visibility_timeout", usage: "s3: SQS visibility timeout, e.g. 30s"},
	{kind: "aws-scan", flag: "account", key: "account", usage: "aws-scan: the AWS account id"},
	{kind: "aws-scan", flag: "role-arn", key: "role_arn", usage: "aws-scan: role to assume"},
	{kind: "aws-scan", flag: "external-id", key: "external_id", usage: "aws-scan: external id of the role"},
	{kind: "aws-scan", flag: "regions", key: "regions", usage: "aws-scan: regions to scan (comma-separated)", list: true},
	{kind: "aws-scan", flag: "interval", key: "interval", usage: "aws-scan: time between scans, e.g. 24h"},
	{kind: "aws-scan", flag: "resource-types", key: "resource_types", usage: "aws-scan: resource types to scan (comma-separated; default all)", list: true},
	{kind: "aws-scan", flag: "ignore", key: "ignore", usage: "aws-scan: resource id patterns (* wildcard) left out of scans (comma-separated)", list: true},
	{kind: "aws-scan", flag: "scan-endpoint", key: "endpoint", usage: "aws-scan: one endpoint for every AWS service (local AWS API servers)"},
}

// sourceJSON is what --format json prints of a source.
type sourceJSON struct {
	ID        string          `json:"id"`
	Label     string          `json:"label"`
	Type      string          `json:"type"`
	Enabled   bool            `json:"enabled"`
	LogTypes  []string        `json:"logTypes"`
	Settings  json.RawMessage `json:"settings"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
	URL       string          `json:"url,omitempty"`
	Token     string          `json:"token,omitempty"`
	Status    *sources.Status `json:"status,omitempty"`
}

func toJSON(c sources.Config, serverURL string) sourceJSON {
	j := sourceJSON{ID: c.ID, Label: c.Label, Type: c.Type, Enabled: c.Enabled, LogTypes: c.LogTypes, Settings: c.Settings,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if j.LogTypes == nil {
		j.LogTypes = []string{}
	}
	if c.Type == "http" {
		j.URL = pushURL(serverURL, c.ID)
	}
	return j
}

func pushURL(serverURL, id string) string { return strings.TrimSuffix(serverURL, "/") + "/http/" + id }

// serverURL is where senders reach the server: --server-url, PANTHER_URL, else the listen
// address (PANTHER_LISTEN, default 127.0.0.1:8080).
func serverURL(env *Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if u := env.Getenv("PANTHER_URL"); u != "" {
		return u
	}
	if l := env.Getenv("PANTHER_LISTEN"); l != "" {
		return "http://" + l
	}
	return "http://127.0.0.1:8080"
}

func openSources(ctx context.Context, dataDir string) (*runtime.State, error) {
	// No dispatcher: these commands must not touch the deliveries of a running server.
	return runtime.OpenState(ctx, dataDir, runtime.StateOptions{NoDispatcher: true})
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sourcesAdd(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "sources add", "sources add [--data-dir D] --type http|syslog|dir|s3|aws-scan --label L [--log-type T]... [--format table|json] [kind flags]").withDataDir()
	typ := f.String("type", "", "source type: "+strings.Join(sources.Kinds(), ", "))
	label := f.String("label", "", "a unique label, stamped on events as p_source_label")
	var types listFlag
	f.Var(&types, "log-type", "allowed log type (repeatable or comma-separated; default: all types)")
	format := f.String("format", "table", "table or json")
	disabled := f.Bool("disabled", false, "add the source disabled")
	settings := f.String("settings", "", "the kind's settings as JSON (instead of the kind flags)")
	srvURL := f.String("server-url", "", "the server's URL for the http push URL (default $PANTHER_URL, else http://$PANTHER_LISTEN)")
	values := map[string]*string{}
	for _, k := range kindFlags {
		values[k.flag] = f.String(k.flag, "", k.usage)
	}
	if pos, code, ok := f.parse(args); !ok {
		return code
	} else if len(pos) > 0 {
		fmt.Fprintf(env.Stderr, "panther sources add: unexpected arguments %q\n", pos)
		return ExitUsage
	}
	if *typ == "" || *label == "" {
		fmt.Fprintln(env.Stderr, "panther sources add: --type and --label are required")
		f.Usage()
		return ExitUsage
	}
	set, err := kindSettings(f.FlagSet, *typ, values, *settings)
	if err != nil {
		fmt.Fprintf(env.Stderr, "panther sources add: %v\n", err)
		return ExitUsage
	}
	st, err := openSources(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "sources: %v", err)
	}
	defer st.Close()
	c, creds, err := st.Sources.Add(ctx, sources.Config{Label: *label, Type: *typ, LogTypes: types, Enabled: !*disabled, Settings: set})
	if err != nil {
		return errorf(env, "sources add: %v", err)
	}
	url := serverURL(env, *srvURL)
	if *format == "json" {
		j := toJSON(c, url)
		j.Token = creds.Token
		if err := writeJSONOut(env.Stdout, j); err != nil {
			return errorf(env, "sources add: %v", err)
		}
		return ExitOK
	}
	fmt.Fprintf(env.Stdout, "added source %s (%s, %s)\n", c.ID, c.Label, c.Type)
	if c.Type == "http" {
		fmt.Fprintf(env.Stdout, "  url:   %s\n", pushURL(url, c.ID))
		what := "token"
		if strings.Contains(string(c.Settings), `"hmac"`) {
			what = "hmac key"
		}
		fmt.Fprintf(env.Stdout, "  %s: %s\n  (shown only now: the server keeps only a hash or a sealed copy)\n", what, creds.Token)
	}
	return ExitOK
}

// kindSettings builds the settings JSON of a kind from its flags (or --settings).
func kindSettings(fs *flag.FlagSet, typ string, values map[string]*string, raw string) (json.RawMessage, error) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	out := map[string]any{}
	var errs []error
	for _, k := range kindFlags {
		if !set[k.flag] {
			continue
		}
		if k.kind != typ {
			errs = append(errs, fmt.Errorf("--%s is a flag of %s sources, not %s", k.flag, k.kind, typ))
			continue
		}
		v := *values[k.flag]
		switch {
		case k.list:
			var l listFlag
			_ = l.Set(v)
			out[k.key] = []string(l)
		case k.key == "max_message_bytes":
			var n int
			if _, err := fmt.Sscan(v, &n); err != nil {
				errs = append(errs, fmt.Errorf("--%s: %q is not a number", k.flag, v))
				continue
			}
			out[k.key] = n
		default:
			out[k.key] = v
		}
	}
	if raw != "" {
		if len(out) > 0 {
			errs = append(errs, errors.New("--settings replaces the kind flags: give one or the other"))
		}
		if !json.Valid([]byte(raw)) {
			errs = append(errs, errors.New("--settings is not valid JSON"))
		}
		return json.RawMessage(raw), errors.Join(errs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	b, err := json.Marshal(out)
	return b, err
}

func sourcesList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "sources list", "sources list [--data-dir D] [--format table|json] [--server-url URL]").withDataDir()
	format := f.String("format", "table", "table or json")
	srvURL := f.String("server-url", "", "the server's URL, for the push URL of http sources")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	st, err := openSources(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "sources: %v", err)
	}
	defer st.Close()
	list, err := st.Sources.List(ctx)
	if err != nil {
		return errorf(env, "sources list: %v", err)
	}
	out := make([]sourceJSON, len(list))
	for i, c := range list {
		out[i] = toJSON(c, serverURL(env, *srvURL))
		s, err := st.Sources.Status(ctx, c.ID)
		if err != nil {
			return errorf(env, "sources list: %v", err)
		}
		out[i].Status = &s
	}
	if *format == "json" {
		if err := writeJSONOut(env.Stdout, out); err != nil {
			return errorf(env, "sources list: %v", err)
		}
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLABEL\tTYPE\tENABLED\tLOG TYPES\tEVENTS\tQUARANTINED\tLAST EVENT\tLAST ERROR")
	for _, s := range out {
		lts := strings.Join(s.LogTypes, ",")
		if lts == "" {
			lts = "all"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%d\t%d\t%s\t%s\n", s.ID, s.Label, s.Type, s.Enabled, lts, s.Status.Events,
			s.Status.Quarantined, when(s.Status.LastEventAt), clip(s.Status.LastError, 60))
	}
	tw.Flush()
	return ExitOK
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n-3] + "..."
	}
	if s == "" {
		return "-"
	}
	return s
}

// findSource resolves an id or a label.
func findSource(ctx context.Context, st *runtime.State, key string) (sources.Config, error) {
	return st.Sources.Get(ctx, key)
}

func sourcesShow(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "sources show", "sources show [--data-dir D] [--format table|json] [--server-url URL] ID|LABEL").withDataDir()
	format := f.String("format", "table", "table or json")
	srvURL := f.String("server-url", "", "the server's URL, for the push URL of http sources")
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openSources(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "sources: %v", err)
	}
	defer st.Close()
	c, err := findSource(ctx, st, arg)
	if err != nil {
		return errorf(env, "sources show: %v", err)
	}
	s, err := st.Sources.Status(ctx, c.ID)
	if err != nil {
		return errorf(env, "sources show: %v", err)
	}
	j := toJSON(c, serverURL(env, *srvURL))
	j.Status = &s
	if *format == "json" {
		if err := writeJSONOut(env.Stdout, j); err != nil {
			return errorf(env, "sources show: %v", err)
		}
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	lts := strings.Join(c.LogTypes, ", ")
	if lts == "" {
		lts = "all"
	}
	for _, kv := range [][2]string{
		{"id", c.ID}, {"label", c.Label}, {"type", c.Type}, {"enabled", fmt.Sprint(c.Enabled)}, {"log types", lts},
		{"settings", string(c.Settings)}, {"url", j.URL}, {"created", when(c.CreatedAt)}, {"updated", when(c.UpdatedAt)},
		{"events", fmt.Sprint(s.Events)}, {"bytes", humanBytes(s.Bytes)}, {"quarantined", fmt.Sprint(s.Quarantined)},
		{"last event", when(s.LastEventAt)}, {"last error", clip(s.LastError, 200)}, {"last error at", when(s.LastErrorAt)},
	} {
		if kv[1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
		}
	}
	tw.Flush()
	if len(s.LogTypes) > 0 {
		fmt.Fprintln(env.Stdout)
		tw = tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOG TYPE\tEVENTS\tBYTES\tQUARANTINED\tLAST EVENT")
		sort.Slice(s.LogTypes, func(a, b int) bool { return s.LogTypes[a].LogType < s.LogTypes[b].LogType })
		for _, lt := range s.LogTypes {
			name := lt.LogType
			if name == "" {
				name = "(quarantined)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\n", name, lt.Events, humanBytes(lt.Bytes), lt.Quarantined, when(lt.LastEventAt))
		}
		tw.Flush()
	}
	return ExitOK
}

func sourcesRemove(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "sources remove", "sources remove [--data-dir D] ID|LABEL").withDataDir()
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openSources(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "sources: %v", err)
	}
	defer st.Close()
	c, err := findSource(ctx, st, arg)
	if err == nil {
		err = st.Sources.Remove(ctx, c.ID)
	}
	if err != nil {
		return errorf(env, "sources remove: %v", err)
	}
	fmt.Fprintf(env.Stdout, "removed source %s (%s)\n", c.ID, c.Label)
	return ExitOK
}

func sourcesEnableOf(enable bool) func(context.Context, *Env, []string) int {
	verb := "disable"
	if enable {
		verb = "enable"
	}
	return func(ctx context.Context, env *Env, args []string) int {
		f := newFlags(env, "sources "+verb, "sources "+verb+" [--data-dir D] ID|LABEL").withDataDir()
		arg, code, ok := f.parseOne(args)
		if !ok {
			return code
		}
		st, err := openSources(ctx, f.DataDir())
		if err != nil {
			return errorf(env, "sources: %v", err)
		}
		defer st.Close()
		c, err := findSource(ctx, st, arg)
		if err == nil {
			err = st.Sources.SetEnabled(ctx, c.ID, enable)
		}
		if err != nil {
			return errorf(env, "sources %s: %v", verb, err)
		}
		fmt.Fprintf(env.Stdout, "%sd source %s (%s)\n", verb, c.ID, c.Label)
		return ExitOK
	}
}

func sourcesRotate(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "sources rotate-token", "sources rotate-token [--data-dir D] [--format table|json] ID|LABEL").withDataDir()
	format := f.String("format", "table", "table or json")
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openSources(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "sources: %v", err)
	}
	defer st.Close()
	c, err := findSource(ctx, st, arg)
	if err != nil {
		return errorf(env, "sources rotate-token: %v", err)
	}
	creds, err := st.Sources.RotateCredential(ctx, c.ID)
	if err != nil {
		return errorf(env, "sources rotate-token: %v", err)
	}
	if *format == "json" {
		if err := writeJSONOut(env.Stdout, map[string]string{"id": c.ID, "label": c.Label, "token": creds.Token}); err != nil {
			return errorf(env, "sources rotate-token: %v", err)
		}
		return ExitOK
	}
	fmt.Fprintf(env.Stdout, "new token of source %s (%s): %s\n(the old one no longer works; the new one is shown only now)\n", c.ID, c.Label, creds.Token)
	return ExitOK
}
