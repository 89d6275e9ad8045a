package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/notify/destinations"
	"github.com/pantherlabs/panther/internal/notify/store"
)

// readConfig reads a destination config given as JSON text, @file or - (stdin). Secrets are
// best passed through a file or stdin, not on the command line, where other users of the
// machine can see them.
func readConfig(arg string, stdin io.Reader) (json.RawMessage, error) {
	var data []byte
	var err error
	switch {
	case arg == "-":
		data, err = io.ReadAll(stdin)
	case strings.HasPrefix(arg, "@"):
		data, err = os.ReadFile(arg[1:])
	default:
		data = []byte(arg)
	}
	if err != nil {
		return nil, err
	}
	if !json.Valid(data) {
		return nil, errors.New("--config is not valid JSON")
	}
	return data, nil
}

func destinationsAdd(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "destinations add", "destinations add [--data-dir D] --type T --name NAME --config JSON|@FILE|- [--severity S]... [--alert-type T]...").withDataDir()
	typ := f.String("type", "", "destination type (see `panther destinations types`)")
	name := f.String("name", "", "display name; detections' destinations() may return it")
	cfgArg := f.String("config", "", "the type's config as JSON, @file or - for stdin (use a file or stdin for secrets)")
	var sev, types listFlag
	f.Var(&sev, "severity", "default destination for these severities (INFO, LOW, MEDIUM, HIGH, CRITICAL)")
	f.Var(&types, "alert-type", "only these alert types on the default path (RULE, RULE_ERROR, POLICY; default all)")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	if *typ == "" || *name == "" || *cfgArg == "" {
		fmt.Fprintln(env.Stderr, "panther destinations add: --type, --name and --config are required")
		f.Usage()
		return ExitUsage
	}
	cfg, err := readConfig(*cfgArg, env.Stdin)
	if err != nil {
		return errorf(env, "destinations add: %v", err)
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "destinations: %v", err)
	}
	defer st.Close()
	for i := range sev {
		sev[i] = strings.ToUpper(sev[i])
	}
	for i := range types {
		types[i] = strings.ToUpper(types[i])
	}
	d, err := st.dests.Add(ctx, store.Destination{DisplayName: *name, Type: *typ, Config: cfg,
		DefaultForSeverity: sev, AlertTypes: types})
	if err != nil {
		return errorf(env, "destinations add: %v", err)
	}
	fmt.Fprintf(env.Stdout, "added destination %s (%s, %s)\n", d.ID, d.DisplayName, d.Type)
	return ExitOK
}

func destinationsList(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "destinations list", "destinations list [--data-dir D] [--format table|json]").withDataDir()
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "destinations: %v", err)
	}
	defer st.Close()
	list, err := st.dests.List(ctx) // secrets redacted
	if err != nil {
		return errorf(env, "destinations list: %v", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return errorf(env, "destinations list: %v", err)
		}
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSEVERITIES\tALERT TYPES\tCONFIG")
	for _, d := range list {
		at := strings.Join(d.AlertTypes, ",")
		if at == "" {
			at = "all"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.DisplayName, d.Type, strings.Join(d.DefaultForSeverity, ","), at, d.Config)
	}
	tw.Flush()
	return ExitOK
}

// findDestination resolves an ID or a display name.
func findDestination(ctx context.Context, st *stateDB, key string) (string, error) {
	list, err := st.dests.List(ctx)
	if err != nil {
		return "", err
	}
	for _, d := range list {
		if d.ID == key || d.DisplayName == key {
			return d.ID, nil
		}
	}
	return "", fmt.Errorf("no destination %q", key)
}

func destinationsRemove(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "destinations remove", "destinations remove [--data-dir D] ID|NAME").withDataDir()
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "destinations: %v", err)
	}
	defer st.Close()
	id, err := findDestination(ctx, st, arg)
	if err == nil {
		err = st.dests.Remove(ctx, id)
	}
	if err != nil {
		return errorf(env, "destinations remove: %v", err)
	}
	fmt.Fprintf(env.Stdout, "removed destination %s\n", id)
	return ExitOK
}

// destinationsTest sends a test alert to a destination now and reports the attempt.
func destinationsTest(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "destinations test", "destinations test [--data-dir D] ID|NAME").withDataDir()
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	st, err := openState(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "destinations: %v", err)
	}
	defer st.Close()
	id, err := findDestination(ctx, st, arg)
	if err != nil {
		return errorf(env, "destinations test: %v", err)
	}
	if err := st.disp.SendTest(ctx, id); err != nil {
		return errorf(env, "destinations test: %v", err)
	}
	if _, err := st.disp.RunOnce(ctx); err != nil {
		return errorf(env, "destinations test: %v", err)
	}
	recs, err := st.disp.Deliveries(ctx, "test-alert")
	if err != nil {
		return errorf(env, "destinations test: %v", err)
	}
	var last *delivery.Attempt
	for _, r := range recs {
		if r.DestinationID == id && len(r.Attempts) > 0 {
			last = &r.Attempts[len(r.Attempts)-1]
		}
	}
	if last == nil {
		return errorf(env, "destinations test: no attempt was made")
	}
	if !last.Success {
		return errorf(env, "destinations test: failed (status %d): %s", last.StatusCode, last.Error)
	}
	fmt.Fprintf(env.Stdout, "test alert delivered to %s in %dms\n", arg, last.Latency)
	return ExitOK
}

func destinationsTypes(env *Env, args []string) int {
	f := newFlags(env, "destinations types", "destinations types")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	for _, t := range destinations.Types() {
		fmt.Fprintf(env.Stdout, "%s: %s\n", t.Name, t.Description)
		for _, fl := range t.Fields {
			var flags []string
			if fl.Required {
				flags = append(flags, "required")
			}
			if fl.Secret {
				flags = append(flags, "secret")
			}
			if len(fl.Enum) > 0 {
				flags = append(flags, "one of "+strings.Join(fl.Enum, "|"))
			}
			fmt.Fprintf(env.Stdout, "  %-22s %-6s %-28s %s\n", fl.Name, fl.Kind, strings.Join(flags, ", "), fl.Description)
		}
	}
	return ExitOK
}
