package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

func schemasList(env *Env, args []string) int {
	f := newFlags(env, "schemas list", "schemas list [--data-dir D] [--format table|names]").withDataDir()
	format := f.String("format", "table", "table, or names (one per line)")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	reg, err := registry(f.DataDir())
	if err != nil {
		return errorf(env, "schemas: %v", err)
	}
	if *format == "names" {
		for _, n := range reg.Names() {
			fmt.Fprintln(env.Stdout, n)
		}
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOG TYPE\tKIND\tTABLE\tDESCRIPTION\tREFERENCE")
	for _, t := range reg.All() {
		kind := "managed"
		if !t.Managed {
			kind = "custom"
		}
		ref := t.Schema.ReferenceURL
		if ref == "" {
			ref = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, kind, t.Table, oneLine(t.Schema.Description), ref)
	}
	tw.Flush()
	return ExitOK
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return cut(s, 100)
}

func schemasShow(env *Env, args []string) int {
	f := newFlags(env, "schemas show", "schemas show [--data-dir D] [--columns] LOGTYPE").withDataDir()
	columns := f.Bool("columns", false, "print the table's columns and types instead of the YAML")
	arg, code, ok := f.parseOne(args)
	if !ok {
		return code
	}
	reg, err := registry(f.DataDir())
	if err != nil {
		return errorf(env, "schemas: %v", err)
	}
	t, err := reg.Lookup(arg)
	if err != nil {
		return errorf(env, "schemas: %v", err)
	}
	if *columns {
		printColumns(env.Stdout, t.LogType)
		return ExitOK
	}
	env.Stdout.Write(t.Schema.Text)
	return ExitOK
}

func printColumns(w io.Writer, lt *logschema.LogType) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tINDICATORS\tDESCRIPTION")
	lt.Root.Walk(func(path string, f *logschema.Field) {
		var ind []string
		t := f.Type
		for t.Kind == logschema.KindArray {
			t = t.Elem
		}
		for _, s := range t.Scanners {
			ind = append(ind, s.String())
		}
		typ := f.Type.Kind.String()
		if f.Type.Kind == logschema.KindArray {
			typ = "array<" + t.Kind.String() + ">"
		}
		if f.Type.EventTime {
			typ += " (event time)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", path, typ, strings.Join(ind, ","), oneLine(f.Description))
	})
	tw.Flush()
}

// schemasTest parses sample files with one schema and prints each event or each line's error.
func schemasTest(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "schemas test", "schemas test [--data-dir D] (--schema FILE | --log-type T) SAMPLE...").withDataDir()
	schemaFile := f.String("schema", "", "a schema YAML file to test (not yet installed)")
	logType := f.String("log-type", "", "a known log type to test")
	quiet := f.Bool("errors-only", false, "print only the lines that fail")
	pos, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(pos) == 0 || (*schemaFile == "") == (*logType == "") {
		fmt.Fprintln(env.Stderr, "panther schemas test: give one of --schema or --log-type, and at least one sample file")
		f.Usage()
		return ExitUsage
	}
	var t *logtypes.LogType
	if *schemaFile != "" {
		data, err := os.ReadFile(*schemaFile)
		if err != nil {
			return errorf(env, "schemas test: %v", err)
		}
		s, err := logschema.Parse(*schemaFile, data)
		if err != nil {
			fmt.Fprintf(env.Stderr, "panther: schemas test: invalid schema:\n%v\n", err)
			return ExitError
		}
		if t, err = logtypes.Build(s); err != nil {
			return errorf(env, "schemas test: %v", err)
		}
	} else {
		reg, err := registry(f.DataDir())
		if err != nil {
			return errorf(env, "schemas test: %v", err)
		}
		if t, err = reg.Lookup(*logType); err != nil {
			return errorf(env, "schemas test: %v", err)
		}
	}
	var nEvents, nErrors int
	printer := ingest.SinkFunc(func(b *ingest.Batch) error {
		type item struct {
			line int64
			text string
		}
		var items []item
		if !*quiet {
			for _, ev := range b.Events {
				items = append(items, item{ev.Line, fmt.Sprintf("line %d: %s", ev.Line, event.AppendJSON(nil, ev))})
			}
		}
		for _, q := range b.Quarantine {
			items = append(items, item{q.Line, fmt.Sprintf("line %d: error: %s", q.Line, lake.Summary(q.Reasons))})
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].line < items[j].line })
		for _, it := range items {
			fmt.Fprintln(env.Stdout, it.text)
		}
		nEvents += len(b.Events)
		nErrors += len(b.Quarantine)
		return nil
	})
	p, err := ingest.New(ingest.Options{Types: []*logtypes.LogType{t}, Sinks: []ingest.Sink{printer}, Workers: 1, Stdin: env.Stdin})
	if err != nil {
		return errorf(env, "schemas test: %v", err)
	}
	stats, err := p.Run(ctx, pos)
	if err != nil {
		return errorf(env, "schemas test: %v", err)
	}
	fmt.Fprintf(env.Stdout, "%s: %d events, %d lines with errors\n", t.Name, nEvents, nErrors)
	for _, e := range stats.FileErrors {
		fmt.Fprintf(env.Stderr, "panther: schemas test: %v\n", e)
	}
	if nErrors > 0 || len(stats.FileErrors) > 0 {
		return ExitError
	}
	return ExitOK
}
