package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/awsscan"
	"github.com/pantherlabs/panther/internal/cloudsec/scan"
	"github.com/pantherlabs/panther/internal/runtime"
	"github.com/pantherlabs/panther/internal/sources"
)

// openCloudSink builds, outside the server, the compliance Sink a scan hands its resources
// to (the compliance commands set it); nil means scans fail with "no compliance sink
// configured". The Closer is closed when the scan is done.
var openCloudSink func(ctx context.Context, env *Env, dataDir string, st *runtime.State) (cloudsec.Sink, io.Closer, error)

// scanJSON is what `panther scan --format json` prints per source.
type scanJSON struct {
	SourceID string          `json:"sourceId"`
	Label    string          `json:"label"`
	Account  string          `json:"account"`
	Result   *scan.Result    `json:"result,omitempty"`
	Status   *awsscan.Status `json:"status,omitempty"`
	Error    string          `json:"error,omitempty"`
}

func runScan(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "scan", "scan [--data-dir D] [--status] [--format table|json] ACCOUNT|SOURCE").withDataDir()
	format := f.String("format", "table", "table or json")
	status := f.Bool("status", false, "print the last scan's status instead of scanning")
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openSources(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "scan: %v", err)
	}
	defer st.Close()
	targets, err := scanTargets(ctx, st, arg)
	if err != nil {
		return errorf(env, "scan: %v", err)
	}
	statuses, err := awsscan.OpenStatus(ctx, st.DB)
	if err != nil {
		return errorf(env, "scan: %v", err)
	}
	var out []scanJSON
	failed := false
	if *status {
		for _, c := range targets {
			s, _, err := statuses.Get(ctx, c.ID)
			if err != nil {
				return errorf(env, "scan: %v", err)
			}
			out = append(out, scanJSON{SourceID: c.ID, Label: c.Label, Account: accountOf(c), Status: &s})
		}
	} else {
		if openCloudSink == nil {
			return errorf(env, "scan: %v", cloudsec.ErrNoSink)
		}
		sink, closer, err := openCloudSink(ctx, env, f.DataDir(), st)
		if err != nil {
			return errorf(env, "scan: %v", err)
		}
		defer closer.Close()
		log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		for _, c := range targets {
			j := scanJSON{SourceID: c.ID, Label: c.Label, Account: accountOf(c)}
			res, err := awsscan.Scan(ctx, c, &cloudsec.Env{Sink: sink, DB: st.DB}, log, time.Now)
			if err != nil {
				j.Error, failed = err.Error(), true
			} else if len(res.Errors) > 0 {
				failed = true
			}
			j.Result = res
			out = append(out, j)
		}
	}
	if *format == "json" {
		if err := writeJSONOut(env.Stdout, out); err != nil {
			return errorf(env, "scan: %v", err)
		}
	} else {
		printScans(env.Stdout, out)
	}
	if failed {
		return ExitError
	}
	return ExitOK
}

// scanTargets finds the aws-scan sources of an account id, or the source of that id or label.
func scanTargets(ctx context.Context, st *runtime.State, arg string) ([]sources.Config, error) {
	list, err := st.Sources.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []sources.Config
	for _, c := range list {
		if c.Type == awsscan.Kind && (accountOf(c) == arg || c.ID == arg || c.Label == arg) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no aws-scan source of account %q (add one with `panther sources add --type aws-scan --account ID --label L`)", arg)
	}
	return out, nil
}

func accountOf(c sources.Config) string {
	var s struct {
		Account string `json:"account"`
	}
	_ = json.Unmarshal(c.Settings, &s)
	return s.Account
}

func printScans(w io.Writer, out []scanJSON) {
	for _, j := range out {
		fmt.Fprintf(w, "%s (account %s, source %s)\n", j.Label, j.Account, j.SourceID)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		var errs []scan.Error
		switch {
		case j.Status != nil:
			s := j.Status
			state := "idle"
			if s.Running {
				state = "running"
			}
			for _, kv := range [][2]string{{"state", state}, {"last scan started", when(s.StartedAt)}, {"last scan ended", when(s.EndedAt)},
				{"resources", fmt.Sprint(s.Resources)}, {"error", s.Error}} {
				if kv[1] != "" {
					fmt.Fprintf(tw, "  %s:\t%s\n", kv[0], kv[1])
				}
			}
			errs = s.Errors
		case j.Result != nil:
			r := j.Result
			fmt.Fprintf(tw, "  resources:\t%d\n  took:\t%s\n  failed listings:\t%d\n", r.Resources, r.Ended.Sub(r.Started).Round(time.Millisecond), len(r.Errors))
			errs = r.Errors
		}
		if j.Error != "" {
			fmt.Fprintf(tw, "  error:\t%s\n", j.Error)
		}
		tw.Flush()
		if len(errs) > 0 {
			tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  TYPE\tREGION\tERROR")
			for _, e := range errs {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Type, e.Region, clip(strings.ReplaceAll(e.Err, "\n", " "), 160))
			}
			tw.Flush()
		}
	}
}
