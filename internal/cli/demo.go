package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/pantherlabs/panther/internal/demo"
)

// demoQueries show the lake after the demo ingest.
var demoQueries = []struct{ title, sql string }{
	{"Events per log type", "SELECT p_log_type, count(*) AS events, min(p_event_time) AS first, max(p_event_time) AS last FROM panther_views.all_logs GROUP BY 1 ORDER BY 1"},
	{"CloudTrail: API calls by identity", "SELECT userIdentity.arn AS identity, eventName, count(*) AS calls FROM panther_logs.aws_cloudtrail GROUP BY ALL ORDER BY calls DESC, identity, eventName LIMIT 10"},
	{"Every IP address seen, across log types", "SELECT ip, count(DISTINCT p_log_type) AS log_types, count(*) AS events FROM (SELECT unnest(p_any_ip_addresses) AS ip, p_log_type FROM panther_views.all_logs) GROUP BY ip ORDER BY events DESC, ip LIMIT 10"},
	{"Quarantined lines (never dropped)", "SELECT file, line, left(raw, 40) AS raw, left(reason, 60) AS reason FROM panther_system.quarantine ORDER BY file, line"},
}

// runDemo ingests the bundled sample logs into a data dir and queries them: the whole log
// pipeline on its embedded defaults.
func runDemo(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "demo", "demo [--data-dir D]").withDataDir()
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	dataDir := f.DataDir()
	tmp, err := os.MkdirTemp("", "panther-samples-")
	if err != nil {
		return errorf(env, "demo: %v", err)
	}
	defer os.RemoveAll(tmp)
	var paths []string
	err = fs.WalkDir(demo.Samples, "samples", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := demo.Samples.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(tmp, filepath.Base(path))
		paths = append(paths, dst)
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		return errorf(env, "demo: %v", err)
	}
	sort.Strings(paths)
	fmt.Fprintf(env.Stdout, "Ingesting %d sample files into %s (all log types enabled; each line is classified)\n\n", len(paths), dataDir)
	if _, err := ingestFiles(ctx, env, ingestConfig{dataDir: dataDir, paths: paths, source: "demo"}); err != nil {
		return errorf(env, "demo: %v", err)
	}
	eng, err := openEngine(ctx, dataDir)
	if err != nil {
		return errorf(env, "demo: %v", err)
	}
	defer eng.Close()
	for _, q := range demoQueries {
		fmt.Fprintf(env.Stdout, "\n== %s\n$ panther query --data-dir %s %q\n", q.title, dataDir, q.sql)
		if err := writeQuery(ctx, eng, q.sql, "table", env.Stdout); err != nil {
			return errorf(env, "demo: %v", err)
		}
	}
	fmt.Fprintf(env.Stdout, "\nTry your own: panther query --data-dir %s \"SELECT * FROM panther_logs.aws_cloudtrail LIMIT 5\"\n", dataDir)
	return ExitOK
}
