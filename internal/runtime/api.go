package runtime

import (
	"context"
	"net/http"
	"path/filepath"
	rtdebug "runtime/debug"

	"github.com/pantherlabs/panther/internal/api"
	"github.com/pantherlabs/panther/internal/auth/auditsql"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/settings"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// apiHandler builds the handler of the API paths: Options.API when set, else the API of
// internal/api over the server's services (stopped at Shutdown).
func (s *Server) apiHandler(ctx context.Context) (http.Handler, error) {
	if s.opts.API != nil {
		return s.opts.API(s.Services())
	}
	cs, ok := s.content.(*content.Store)
	if !ok {
		var err error
		if cs, err = content.Open(ctx, s.st.DB, content.Options{LegacyDir: DetectionsDir(s.dataDir)}); err != nil {
			return nil, err
		}
	}
	// Uploads run in the background: Shutdown waits for them.
	s.defer_(cs.Close)
	schemas, err := content.OpenSchemas(ctx, s.st.DB, schemasDir(s.dataDir), s.now)
	if err != nil {
		return nil, err
	}
	gen, err := settings.Open(ctx, s.st.DB)
	if err != nil {
		return nil, err
	}
	// SQL from the API runs in a sandboxed engine; the API's own queries (an alert's events)
	// in a trusted one. Both are in-memory DuckDB over the lake's files.
	// The sandboxed one also serves panther_system.audit, to principals with audit:read.
	open := func(sandbox bool, tmp string, sys ...sqlengine.SystemTable) (*sqlengine.Engine, error) {
		eng, err := sqlengine.Open(ctx, sqlengine.Options{LakeDir: s.lakeDir, Types: s.registry(), Sandbox: sandbox,
			TempDir: filepath.Join(s.dataDir, "tmp", tmp), SystemTables: sys})
		if err != nil {
			return nil, err
		}
		s.defer_(eng.Close)
		return eng, nil
	}
	sandboxed, err := open(true, "sql-api", auditsql.Table(s.auth))
	if err != nil {
		return nil, err
	}
	trusted, err := open(false, "sql-events")
	if err != nil {
		return nil, err
	}
	lq, err := lakequery.New(ctx, lakequery.Options{Engine: sandboxed, DB: s.st.DB, ResultsDir: filepath.Join(s.dataDir, "query-results"),
		Now: s.now, Logger: s.log.With("component", "lakequery")})
	if err != nil {
		return nil, err
	}
	s.defer_(lq.Close)
	return api.New(api.Deps{
		Logger: s.log.With("component", "api"), Auth: s.auth,
		Alerts: s.st.Alerts, Delivery: s.st.Dispatcher, Destinations: s.st.Destinations, Notifiers: s.st.Directory.reg,
		Content: cs, Schemas: schemas, Settings: gen, Sources: s.st.Sources, Series: s.series,
		Lake: lq, Engine: trusted,
		Registry: func() (*logtypes.Registry, error) { return s.registry(), nil },
		Tests:    &content.Tester{Python: s.cfg.Python.Interpreter, Timeout: s.cfg.Python.RuleTimeout.Std()},
		Version:  Version(), Now: s.now,
	})
}

// Version is the version of the binary: its module version, else its VCS revision.
func Version() string {
	bi, ok := rtdebug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, st := range bi.Settings {
		if st.Key == "vcs.revision" && len(st.Value) >= 12 {
			return "dev-" + st.Value[:12]
		}
	}
	return "dev"
}
