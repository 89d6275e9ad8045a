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
	"sort"
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

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

func commands() []command {
	return []command{
		{"demo", "ingest the bundled sample logs into a data dir and query them", runDemo},
		{"ingest", "parse log files into the lake", runIngest},
		{"query", "run SQL over the lake", runQuery},
		{"schemas", "list, show and test log schemas", runSchemas},
		{"test", "run detection unit tests (panther_analysis_tool compatible)", runTest},
		{"detections", "upload, list and export detection content", runDetections},
		{"alerts", "list, show, triage and deliver alerts", runAlerts},
		{"destinations", "configure where alerts are delivered", runDestinations},
		{"users", "add, list, update and remove console users; reset passwords and MFA", runUsers},
		{"tokens", "create, list and revoke API tokens", runTokens},
		{"audit", "show the audit log of changes and sign-ins", runAudit},
	}
}

// Main runs the panther command with args (without the program name) and returns its exit
// code.
func Main(args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
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
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'panther <command> -h' for the flags of a command.")
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

// selectTypes returns the types named, or all types when names is empty.
func selectTypes(r *logtypes.Registry, names []string) ([]*logtypes.LogType, error) {
	if len(names) == 0 {
		return r.All(), nil
	}
	var out []*logtypes.LogType
	seen := map[string]bool{}
	var errs []error
	for _, n := range names {
		t, err := r.Lookup(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, errors.Join(errs...)
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
