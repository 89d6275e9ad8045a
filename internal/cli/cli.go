// Package cli implements the panther command and its subcommands. Commands and flags are a
// contract (scripts depend on them): extend, don't rename.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/pantherlabs/panther/internal/logtypes"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Env is what a command runs with.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is a command or a group of subcommands (subs), each answering -h with its usage,
// its flags and its examples.
type command struct {
	name     string
	summary  string
	examples []string // command lines shown under "Examples:" in the help
	run      func(ctx context.Context, env *Env, args []string) int
	subs     []command
}

// examplesOf returns the examples of the command at path ("alerts list"), or nil.
func examplesOf(path string) []string {
	cmds := commands()
	var found *command
	for _, name := range strings.Fields(path) {
		found = nil
		for i := range cmds {
			if cmds[i].name == name {
				found = &cmds[i]
				break
			}
		}
		if found == nil {
			return nil
		}
		cmds = found.subs
	}
	if found == nil {
		return nil
	}
	return found.examples
}

// printExamples writes the "Examples:" section of a help text.
func printExamples(w io.Writer, examples []string) {
	if len(examples) == 0 {
		return
	}
	fmt.Fprintln(w, "\nExamples:")
	for _, e := range examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
}

// noCtx adapts a command that needs no context.
func noCtx(f func(env *Env, args []string) int) func(context.Context, *Env, []string) int {
	return func(_ context.Context, env *Env, args []string) int { return f(env, args) }
}

func alertsChangeOf(sub string) func(context.Context, *Env, []string) int {
	return func(ctx context.Context, env *Env, args []string) int { return alertsChange(ctx, env, sub, args) }
}

func commands() []command {
	return []command{
		{name: "server", summary: "run the always-on server: live sources, queue, detections, alerts, API", examples: []string{"panther server --demo", "panther server --config panther.yml", "panther server --data-dir /var/lib/panther --listen 0.0.0.0:8080 --set lake.flush_interval=30s"}, run: runServer},
		{name: "sources", summary: "add, list, show, remove, enable and disable live sources", examples: []string{"panther sources add --type http --label edge --log-type AWS.ALB", "panther sources list"}, subs: sourcesCommands()},
		{name: "scan", summary: "scan a cloud account (aws-scan source) now, or show its last scan", examples: []string{"panther scan 123456789012", "panther scan --status --format json prod-aws"}, run: runScan},
		{name: "demo", summary: "ingest the bundled sample logs into a data dir and query them", examples: []string{"panther demo", "panther demo --data-dir /tmp/panther-demo"}, run: runDemo},
		{name: "ingest", summary: "parse log files into the lake", examples: []string{"panther ingest cloudtrail.json.gz", "panther ingest --log-type AWS.CloudTrail --source trail --detections ./rules logs/"}, run: runIngest},
		{name: "query", summary: "run SQL over the lake", examples: []string{"panther query 'SELECT eventname, count(*) FROM panther_logs.aws_cloudtrail GROUP BY 1'", "panther query --format json 'SELECT * FROM panther_rule_matches.aws_cloudtrail LIMIT 10'"}, run: runQuery},
		{name: "lake", summary: "the lake's files: status, compaction and retention", examples: []string{"panther lake status", "panther lake expire --older-than 90d"}, subs: []command{
			{name: "status", summary: "tables, partitions, files and bytes of the lake", examples: []string{"panther lake status", "panther lake status --format json"}, run: noCtx(lakeStatus)},
			{name: "compact", summary: "merge the small files of closed hours; delete what earlier runs replaced", examples: []string{"panther lake compact", "panther lake compact --grace 1h --target-size 512MiB"}, run: lakeCompact},
			{name: "expire", summary: "delete the partitions older than a retention", examples: []string{"panther lake expire --older-than 90d", "panther lake expire --older-than 30d --kind quarantine"}, run: lakeExpire},
		}},
		{name: "quarantine", summary: "summarize quarantined records by source, closest log type and reason", examples: []string{"panther quarantine summary --since 24h"}, subs: []command{
			{name: "summary", summary: "group the quarantined records by source, closest log type and reason", examples: []string{"panther quarantine summary", "panther quarantine summary --since 24h --source edge --format json"}, run: runQuarantineSummary},
		}},
		{name: "schemas", summary: "list, show and test log schemas", examples: []string{"panther schemas list", "panther schemas show AWS.CloudTrail"}, subs: []command{
			{name: "list", summary: "list the managed and custom log types", examples: []string{"panther schemas list", "panther schemas list --format names"}, run: noCtx(schemasList)},
			{name: "show", summary: "print the schema of a log type", examples: []string{"panther schemas show AWS.CloudTrail", "panther schemas show --columns Custom.MyApp"}, run: noCtx(schemasShow)},
			{name: "test", summary: "parse sample files with one log type and show the events", examples: []string{"panther schemas test --schema myapp.yml sample.jsonl", "panther schemas test --log-type AWS.ALB --errors-only alb.log"}, run: schemasTest},
		}},
		{name: "test", summary: "run detection unit tests (panther_analysis_tool compatible)", examples: []string{"panther test ./rules", "panther test --filter Severity=High,Critical --minimum-tests 2 ./rules", "panther test --stored"}, run: runTest},
		{name: "detections", summary: "upload, list and export detection content", examples: []string{"panther detections upload ./rules", "panther detections list"}, subs: []command{
			{name: "upload", summary: "validate content (a directory or zip) and store it in the data dir", examples: []string{"panther detections upload ./rules", "panther detections upload content.zip"}, run: detectionsUpload},
			{name: "list", summary: "list the stored detections", examples: []string{"panther detections list", "panther detections list --path ./rules"}, run: detectionsList},
			{name: "export", summary: "write the stored detections to a directory or zip", examples: []string{"panther detections export ./exported", "panther detections export backup.zip"}, run: detectionsExport},
		}},
		{name: "alerts", summary: "list, show, triage and deliver alerts", examples: []string{"panther alerts list --status OPEN", "panther alerts show ALERT_ID"}, subs: []command{
			{name: "list", summary: "list alerts, newest first", examples: []string{"panther alerts list", "panther alerts list --severity HIGH,CRITICAL --status OPEN --since 24h --format json"}, run: alertsList},
			{name: "show", summary: "show an alert with its history, comments and deliveries", examples: []string{"panther alerts show ALERT_ID", "panther alerts show --format json ALERT_ID"}, run: alertsShow},
			{name: "status", summary: "set the status of alerts", examples: []string{"panther alerts status --by alice@example.com TRIAGED ALERT_ID"}, run: alertsChangeOf("status")},
			{name: "assign", summary: "assign alerts to a user", examples: []string{"panther alerts assign alice@example.com ALERT_ID", "panther alerts assign '' ALERT_ID"}, run: alertsChangeOf("assign")},
			{name: "comment", summary: "comment on an alert", examples: []string{"panther alerts comment ALERT_ID 'false positive: scheduled backup'"}, run: alertsChangeOf("comment")},
			{name: "deliver", summary: "send the deliveries that are due", examples: []string{"panther alerts deliver", "panther alerts deliver --wait 10m"}, run: alertsDeliver},
			{name: "resend", summary: "send an alert again", examples: []string{"panther alerts resend ALERT_ID", "panther alerts resend --destination DEST_ID ALERT_ID"}, run: alertsResend},
		}},
		{name: "destinations", summary: "configure where alerts are delivered", examples: []string{"panther destinations types", "panther destinations list"}, subs: []command{
			{name: "add", summary: "add a destination", examples: []string{"panther destinations add --type slack --name soc --config '{\"webhookURL\":\"https://hooks.slack.com/services/...\"}'", "panther destinations add --type customwebhook --name siem --config @webhook.json --severity HIGH,CRITICAL"}, run: destinationsAdd},
			{name: "list", summary: "list destinations (secrets redacted)", examples: []string{"panther destinations list", "panther destinations list --format json"}, run: destinationsList},
			{name: "remove", summary: "remove a destination", examples: []string{"panther destinations remove soc"}, run: destinationsRemove},
			{name: "test", summary: "send a test alert to a destination", examples: []string{"panther destinations test soc"}, run: destinationsTest},
			{name: "types", summary: "list the destination types and their settings", examples: []string{"panther destinations types"}, run: noCtx(destinationsTypes)},
		}},
		{name: "users", summary: "add, list, update and remove console users; reset passwords and MFA", examples: []string{"panther users add --email alice@example.com --role Analyst", "panther users list"}, subs: []command{
			{name: "add", summary: "add a user", examples: []string{"panther users add --email alice@example.com --role Analyst --name \"Alice Smith\"", "panther users add --email bob@example.com --role Admin --password-stdin < password.txt"}, run: usersAdd},
			{name: "list", summary: "list users", examples: []string{"panther users list", "panther users list --role Admin --format json"}, run: usersList},
			{name: "update", summary: "change a user's name or role", examples: []string{"panther users update alice@example.com --role Admin", "panther users update alice@example.com --enabled=false"}, run: usersUpdate},
			{name: "remove", summary: "remove a user", examples: []string{"panther users remove alice@example.com"}, run: usersRemove},
			{name: "reset-password", summary: "set a new password for a user", examples: []string{"panther users reset-password alice@example.com"}, run: usersResetPassword},
			{name: "reset-mfa", summary: "remove a user's second factor", examples: []string{"panther users reset-mfa alice@example.com"}, run: usersResetMFA},
		}},
		{name: "tokens", summary: "create, list and revoke API tokens", examples: []string{"panther tokens create --name ci --role Analyst", "panther tokens list"}, subs: []command{
			{name: "create", summary: "create an API token (printed once)", examples: []string{"panther tokens create --name ci --role Analyst --expires 90d", "panther tokens create --name mcp --role ReadOnly --format json"}, run: tokensCreate},
			{name: "list", summary: "list API tokens", examples: []string{"panther tokens list", "panther tokens list --all --format json"}, run: tokensList},
			{name: "revoke", summary: "revoke an API token", examples: []string{"panther tokens revoke ci"}, run: tokensRevoke},
		}},
		{name: "audit", summary: "show the audit log of changes and sign-ins", examples: []string{"panther audit --since 24h", "panther audit --action users. --result failure --format json"}, run: runAudit},
		{name: "resources", summary: "list, show and import cloud resources", examples: []string{"panther resources list --type AWS.S3.Bucket", "panther resources import snapshots.json"}, subs: resourcesCommands()},
		{name: "compliance", summary: "policy status of cloud resources: list, summary, suppressions", examples: []string{"panther compliance summary", "panther compliance list --status FAIL"}, subs: complianceCommands()},
	}
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// runGroup dispatches to a subcommand of c, or prints the group's usage.
func runGroup(ctx context.Context, env *Env, c command, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		groupUsage(env.Stderr, c)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, sub := range c.subs {
		if sub.name == args[0] {
			return sub.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "panther %s: unknown subcommand %q\n\n", c.name, args[0])
	groupUsage(env.Stderr, c)
	return ExitUsage
}

func groupUsage(w io.Writer, c command) {
	names := make([]string, len(c.subs))
	for i, s := range c.subs {
		names[i] = s.name
	}
	fmt.Fprintf(w, "Usage: panther %s %s [flags] [args]\n\n%s.\n\nSubcommands:\n", c.name, strings.Join(names, "|"), c.summary)
	for _, s := range c.subs {
		fmt.Fprintf(w, "  %-15s %s\n", s.name, s.summary)
	}
	printExamples(w, c.examples)
	fmt.Fprintf(w, "\nRun 'panther %s <subcommand> -h' for its flags.\n", c.name)
}

// Main runs the panther command with args (without the program name) and returns its exit
// code.
func Main(args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || isHelp(args[0]) {
		usage(env.Stderr)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	if path := env.Getenv("PANTHER_CPUPROFILE"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return errorf(env, "%v", err)
		}
		defer stop()
	}
	for _, c := range commands() {
		if c.name == args[0] {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if c.subs != nil {
				return runGroup(ctx, env, c, args[1:])
			}
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "panther: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: panther <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	printExamples(w, []string{"panther server --demo", "panther ingest --log-type AWS.CloudTrail cloudtrail.json.gz", "panther query 'SELECT count(*) FROM panther_logs.aws_cloudtrail'"})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'panther <command> -h' for the flags and examples of a command.")
}

// flags is a FlagSet with the conventions of every command.
type flags struct {
	*flag.FlagSet
	env     *Env
	dataDir *string
}

func newFlags(env *Env, name, usageLine string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: panther %s\n\nFlags:\n", usageLine)
		fs.PrintDefaults()
		printExamples(env.Stderr, examplesOf(name))
	}
	return &flags{FlagSet: fs, env: env}
}

// withDataDir adds --data-dir.
func (f *flags) withDataDir() *flags {
	f.dataDir = f.String("data-dir", "", "data directory (default $PANTHER_DATA_DIR, else ./panther-data)")
	return f
}

// DataDir resolves the data directory.
func (f *flags) DataDir() string {
	if f.dataDir != nil && *f.dataDir != "" {
		return *f.dataDir
	}
	if d := f.env.Getenv("PANTHER_DATA_DIR"); d != "" {
		return d
	}
	return "panther-data"
}

// parse parses args, allowing flags after positional arguments. It returns the positional
// arguments, or ok=false (with the exit code) on -h or an error.
func (f *flags) parse(args []string) (pos []string, code int, ok bool) {
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ExitOK, false
			}
			return nil, ExitUsage, false
		}
		rest := f.Args()
		i := 0
		for i < len(rest) && (rest[i] == "-" || !strings.HasPrefix(rest[i], "-")) {
			i++
		}
		pos = append(pos, rest[:i]...)
		if i == len(rest) {
			return pos, ExitOK, true
		}
		if rest[i] == "--" {
			return append(pos, rest[i+1:]...), ExitOK, true
		}
		args = rest[i:]
	}
}

// parseOne is parse for commands that take exactly one positional argument.
func (f *flags) parseOne(args []string) (arg string, code int, ok bool) {
	pos, code, ok := f.parse(args)
	if !ok {
		return "", code, false
	}
	if len(pos) != 1 {
		fmt.Fprintf(f.env.Stderr, "panther %s: expected one argument, got %d\n", f.Name(), len(pos))
		f.Usage()
		return "", ExitUsage, false
	}
	return pos[0], ExitOK, true
}

// listFlag is a repeatable flag whose values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// registry loads the managed log types plus the custom schemas of the data dir.
func registry(dataDir string) (*logtypes.Registry, error) {
	r, err := logtypes.Managed()
	if err != nil {
		return nil, fmt.Errorf("managed schemas: %w", err)
	}
	if dataDir != "" {
		if err := r.LoadCustom(filepath.Join(dataDir, "schemas")); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// startCPUProfile writes a CPU profile to path until stop is called (PANTHER_CPUPROFILE).
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func errorf(env *Env, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "panther: "+format+"\n", args...)
	return ExitError
}
