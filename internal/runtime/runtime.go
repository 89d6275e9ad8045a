// Package runtime is `panther server` as a library: Options -> New (validates) -> Start
// (non-blocking) -> Ready -> Shutdown (idempotent). It wires every stage and keeps it
// running: live sources -> durable queue -> ingest pipeline -> lake and detections -> alerts
// -> the delivery loop, plus the HTTP server (push endpoint, health, metrics, the API),
// hot reload of detections, schemas and sources, and lake housekeeping.
//
// It also holds the wiring `panther ingest` uses (OpenState, NewPipeline, StartDetections,
// IngestFiles), so that the server and the batch command run one pipeline and differ only
// in where records come from: the queue or files.
package runtime

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/auth/authhttp"
	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/config"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/ingestmetrics"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/opsmetrics"
	"github.com/pantherlabs/panther/internal/queue"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/httpsrc"
	// The source kinds the server runs.
	_ "github.com/pantherlabs/panther/internal/sources/dir"
	_ "github.com/pantherlabs/panther/internal/sources/s3sqs"
	_ "github.com/pantherlabs/panther/internal/sources/syslog"
)

// Options configure a Server.
type Options struct {
	Config config.Config
	// Logger receives the server's structured logs; default: per Config.Log on Stderr.
	Logger *slog.Logger
	// Stdout receives the "Panther listening on" line (default os.Stdout); Stderr what
	// Python rules print (default: discarded) and the default logger's output.
	Stdout, Stderr io.Writer
	// Demo creates demo sources and keeps feeding the bundled sample logs.
	Demo bool
	// Content is where detections come from (default: the data dir's content store, which
	// the API and `panther detections upload` edit).
	Content DetectionContent
	// Listener, when set, serves HTTP instead of listening on Config.Listen.
	Listener net.Listener
	// API, when set, builds the handler of the API paths (/graphql, /public/graphql, /v1/,
	// /auth/) from the server's services.
	API func(Services) (http.Handler, error)
	// Housekeeper runs lake compaction and retention every lake.housekeeping_interval.
	Housekeeper Housekeeper
	// AdminEmail and AdminPassword seed the first admin of a new data dir
	// (PANTHER_ADMIN_EMAIL, PANTHER_ADMIN_PASSWORD); without a password a one-time password
	// is generated and printed once.
	AdminEmail, AdminPassword string
	// CloudSink, when set, builds the compliance state that cloud account scans (aws-scan
	// sources, real-time rescans) hand their resources to; without it those sources report
	// "no compliance sink configured" and do not scan (cloudsec.go).
	CloudSink func(Services) (cloudsec.Sink, error)
	Now       func() time.Time
}

// Services are what the server offers the API and the console.
type Services struct {
	Config   config.Config
	State    *State
	Auth     *auth.Service
	Queue    *queue.Queue
	Series   *ingestmetrics.Store
	Metrics  *opsmetrics.Metrics
	LogTypes func() *logtypes.Registry
	Logger   *slog.Logger
	// Status describes the running server (readiness checks).
	Status func(ctx context.Context) Status
}

// Housekeeper compacts and expires lake data; the server calls it on a ticker.
type Housekeeper interface {
	Housekeep(ctx context.Context, now time.Time) error
}

// HousekeeperFunc adapts a function to a Housekeeper.
type HousekeeperFunc func(ctx context.Context, now time.Time) error

// Housekeep calls f.
func (f HousekeeperFunc) Housekeep(ctx context.Context, now time.Time) error { return f(ctx, now) }

// Server is a running `panther server`.
type Server struct {
	opts    Options
	cfg     config.Config
	log     *slog.Logger
	now     func() time.Time
	dataDir string
	lakeDir string

	metrics *opsmetrics.Metrics
	st      *State
	cloud   *cloudsec.Env // what aws-scan sources use (cloudsec.go)
	auth    *auth.Service
	admin   struct{ email, password string } // created at this start (printed once)
	series  *ingestmetrics.Store
	q       *queue.Queue
	cons    *consumer
	push    *httpsrc.Handler
	httpSrv *http.Server
	ln      net.Listener
	runners *runners
	content DetectionContent

	regMu sync.RWMutex
	reg   *logtypes.Registry

	// engine is the detection engine running (nil: none), for metrics and status; dets what
	// runs (the correlator is evaluated on a ticker).
	engine atomic.Pointer[detect.Engine]
	dets   atomic.Pointer[Detections]
	rules  ruleStats

	// detErr is why detections are not running (a content or Python problem), for /readyz.
	detMu  sync.Mutex
	detErr error

	wake chan struct{} // a delivery is due now

	// loaded are the versions of what was loaded at start.
	loaded versions

	startOnce, stopOnce sync.Once
	started             bool
	ready               chan struct{}
	done                chan struct{} // closed when the server stops on its own (a fatal error)
	errMu               sync.Mutex
	err                 error

	// Each group stops in order at Shutdown.
	demoStop, loopsStop, consStop, deliverStop context.CancelFunc
	demoWG, loopsWG, consWG, deliverWG         sync.WaitGroup
	cleanup                                    []func() error
}

// New validates o and returns a server to Start.
func New(o Options) (*Server, error) {
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = NewLogger(o.Stderr, o.Config.Log)
	}
	abs, err := filepath.Abs(o.Config.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	s := &Server{opts: o, cfg: o.Config, log: o.Logger, now: o.Now, dataDir: abs, lakeDir: filepath.Join(abs, "lake"),
		metrics: opsmetrics.New(), wake: make(chan struct{}, 1), ready: make(chan struct{}), done: make(chan struct{})}
	s.content = o.Content
	return s, nil
}

// NewLogger returns a logger per the log configuration.
func NewLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	ho := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// Start opens everything and starts serving; it returns once the server accepts requests
// (or failed to start, having undone what it started).
func (s *Server) Start(ctx context.Context) (err error) {
	err = errors.New("runtime: Start called twice")
	s.startOnce.Do(func() { err = s.start(ctx) })
	return err
}

func (s *Server) start(ctx context.Context) (err error) {
	began := time.Now()
	defer func() {
		if err != nil {
			s.runCleanup()
		}
	}()
	if err := os.MkdirAll(s.lakeDir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	s.st, err = OpenState(ctx, s.dataDir, StateOptions{
		LinkBase: s.linkBase(), Now: s.now, Notify: notify.Options{Logger: s.log.With("component", "notify")},
	})
	if err != nil {
		return err
	}
	s.defer_(s.st.Close)
	if s.content == nil {
		cs, err := content.Open(ctx, s.st.DB, content.Options{LegacyDir: DetectionsDir(s.dataDir)})
		if err != nil {
			return err
		}
		s.content = cs
	}
	if s.series, err = ingestmetrics.Open(ctx, s.st.DB); err != nil {
		return err
	}
	s.auth, err = auth.New(ctx, s.st.DB, s.st.Box, auth.Options{Now: s.now, Logger: s.log.With("component", "auth"),
		AdminEmail: s.opts.AdminEmail, AdminPassword: s.opts.AdminPassword,
		SessionIdle: s.cfg.Auth.SessionIdleTimeout.Std(), SessionMax: s.cfg.Auth.SessionMaxAge.Std(),
		SecureCookies: s.cfg.Auth.SecureCookies || strings.HasPrefix(s.cfg.URL, "https://")})
	if err != nil {
		return err
	}
	if email, otp, created, err := s.auth.Bootstrap(ctx); err != nil {
		return err
	} else if created {
		s.admin.email, s.admin.password = email, otp
	}
	ck, err := openCheckpoints(ctx, s.st.DB, s.now)
	if err != nil {
		return err
	}
	s.q, err = queue.Open(ctx, queue.Options{
		URL: s.cfg.Queue.URL, CredsFile: s.cfg.Queue.CredsFile, Dir: filepath.Join(s.dataDir, "queue"),
		MaxBytes: int64(s.cfg.Queue.MaxBytes), MaxMsgs: s.cfg.Queue.MaxMessages, MaxAge: s.cfg.Queue.MaxAge.Std(),
		MaxPayload: int(s.cfg.Queue.MaxPayload), DuplicateWindow: s.cfg.Queue.DedupWindow.Std(),
		SyncAlways: s.cfg.Queue.SyncAlways, Replicas: s.cfg.Queue.Replicas, Logger: s.log.With("component", "queue"),
	})
	if err != nil {
		return err
	}
	s.defer_(s.q.Close)
	stream, err := s.q.Identity(ctx)
	if err != nil {
		return err
	}

	// The versions are read before loading, so a change during the start is seen later.
	s.loaded = s.currentVersions(ctx, versions{})
	reg, err := LogTypes(s.dataDir)
	if reg == nil {
		return err
	}
	if err != nil {
		// The managed types and the custom schemas that load still serve.
		s.log.Error("custom schemas: some do not load", "err", err)
	}
	s.reg = reg
	srcs, list, err := s.sourceInfos(ctx, reg)
	if err != nil {
		return err
	}
	if s.opts.Demo {
		if err := s.installDemoDetections(ctx); err != nil {
			return err
		}
	}
	dets := s.loadDetections(ctx)
	s.setDetections(dets)

	s.cons = &consumer{
		log: s.log.With("component", "consumer"), q: s.q, st: s.st, ck: ck, series: s.series, metrics: s.metrics,
		lakeDir: s.lakeDir, interval: s.cfg.Lake.FlushInterval.Std(), flushAt: int64(s.cfg.Lake.FlushBytes), now: s.now,
		drainTimeout: s.cfg.HTTP.ShutdownTimeout.Std() * 2 / 3,
		writers: NewLakeWriters(LakeOptions{Dir: s.lakeDir, BufferBytes: int64(s.cfg.Lake.BufferBytes),
			MaxFileBytes: int64(s.cfg.Lake.MaxFileBytes), Deferred: true}),
		dets: dets, types: reg.All(), srcs: srcs, stream: stream,
	}
	s.cons.newPipe = func(dets *Detections, types []*logtypes.LogType) (*Pipeline, error) {
		return NewPipeline(context.Background(), PipelineOptions{Types: types, Lake: s.cons.writers, Detections: dets,
			Alerts: s.st.Alerts, OnRaised: s.raised, OnOutcome: s.outcome, Now: s.now})
	}
	if err := s.cons.start(ctx); err != nil {
		dets.Close()
		return err
	}

	s.push = httpsrc.New(httpsrc.Options{
		Sources: s.st.Sources, Publisher: s.q, MaxBodyBytes: int64(s.cfg.HTTP.MaxBodyBytes),
		MaxPayloadBytes: s.q.MaxPayload() - 64<<10, Logger: s.log.With("component", "http-push"),
		OnRequest: func(src string, code int) {
			s.metrics.HTTPRequests.WithLabelValues(src, fmt.Sprint(code)).Inc()
		},
	})
	if s.opts.Housekeeper == nil {
		hk, err := s.newLakeHousekeeper()
		if err != nil {
			return err
		}
		s.defer_(hk.Close)
		s.opts.Housekeeper = hk
	}
	s.registerGauges()
	s.metrics.NewStateCollector(s.st.DB, s.destinationNames)

	if err := s.startCloud(); err != nil {
		return err
	}
	handler, err := s.router()
	if err != nil {
		return err
	}
	proxies, err := authhttp.ParseProxies(s.cfg.HTTP.TrustedProxies)
	if err != nil {
		return fmt.Errorf("http.trusted_proxies: %w", err)
	}
	handler = proxies.RealClient(handler)
	s.ln = s.opts.Listener
	if s.ln == nil {
		if s.ln, err = net.Listen("tcp", s.cfg.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	s.httpSrv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: s.cfg.HTTP.ReadTimeout.Std(),
		IdleTimeout: s.cfg.HTTP.IdleTimeout.Std(), MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.With("component", "http").Handler(), slog.LevelWarn)}

	// From here nothing fails: start the loops.
	var cctx, dctx, lctx context.Context
	cctx, s.consStop = context.WithCancel(context.Background())
	s.consWG.Add(1)
	go func() {
		defer s.consWG.Done()
		if err := s.cons.run(cctx); err != nil {
			s.log.Error("the consumer stopped with an error", "err", err)
		}
		s.closeEngine()
	}()
	dctx, s.deliverStop = context.WithCancel(context.Background())
	s.deliverWG.Add(1)
	go func() {
		defer s.deliverWG.Done()
		s.deliverLoop(dctx)
	}()
	lctx, s.loopsStop = context.WithCancel(context.Background())
	s.runners = newRunners(s, lctx)
	s.runners.apply(list)
	s.loopsWG.Add(3)
	go func() {
		defer s.loopsWG.Done()
		s.reloadLoop(lctx)
	}()
	go func() {
		defer s.loopsWG.Done()
		s.correlationLoop(lctx)
	}()
	go func() {
		defer s.loopsWG.Done()
		s.housekeepingLoop(lctx)
	}()
	s.loopsWG.Add(1)
	go func() {
		defer s.loopsWG.Done()
		if err := s.httpSrv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.fail(fmt.Errorf("http server: %w", err))
		}
	}()
	s.started = true
	close(s.ready)
	fmt.Fprintf(s.opts.Stdout, "Panther listening on http://%s\n", s.Addr())
	if s.admin.email != "" {
		if s.admin.password != "" {
			fmt.Fprintf(s.opts.Stdout, "First start of this data dir: admin %s, one-time password %s (change it at the first sign-in)\n", s.admin.email, s.admin.password)
		} else {
			fmt.Fprintf(s.opts.Stdout, "First start of this data dir: admin %s, with the password of PANTHER_ADMIN_PASSWORD\n", s.admin.email)
		}
		s.admin.password = ""
	}
	s.log.Info("panther server started", "listen", s.Addr(), "data_dir", s.dataDir, "startup", time.Since(began).Round(time.Millisecond),
		"queue", queueKind(s.cfg.Queue.URL), "checkpoint", s.cons.seq)
	if s.opts.Demo {
		var demoCtx context.Context
		demoCtx, s.demoStop = context.WithCancel(context.Background())
		s.demoWG.Add(1)
		go func() {
			defer s.demoWG.Done()
			if err := s.runDemo(demoCtx); err != nil && demoCtx.Err() == nil {
				s.log.Error("demo feeder", "err", err)
			}
		}()
	}
	return nil
}

func queueKind(url string) string {
	if url == "" {
		return "embedded"
	}
	return "external"
}

func (s *Server) linkBase() string {
	if s.cfg.URL != "" {
		return strings.TrimSuffix(s.cfg.URL, "/")
	}
	return "http://" + s.cfg.Listen
}

// defer_ pushes a cleanup, run in reverse order at Shutdown.
func (s *Server) defer_(fn func() error) { s.cleanup = append(s.cleanup, fn) }

func (s *Server) runCleanup() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		if err := s.cleanup[i](); err != nil {
			s.log.Warn("shutdown", "err", err)
		}
	}
	s.cleanup = nil
}

// Ready is closed once the server accepts requests.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Done is closed when the server stopped on its own after a fatal error (see Err).
func (s *Server) Done() <-chan struct{} { return s.done }

// Err returns the fatal error that stopped the server.
func (s *Server) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

func (s *Server) fail(err error) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		s.err = err
		close(s.done)
	}
}

// Addr returns the address the HTTP server listens on.
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.cfg.Listen
	}
	return s.ln.Addr().String()
}

// Shutdown stops the server gracefully: it stops accepting requests and the sources, lets
// the requests in flight finish, drains the queue (what it held at that moment, for at most
// two thirds of http.shutdown_timeout; the rest waits in the queue for the next start) and
// the pipeline, writes the last checkpoint, sends the deliveries that are due, and closes
// the queue and the state database. ctx bounds the wait for requests and deliveries. It is
// idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() { err = s.shutdown(ctx) })
	return err
}

func (s *Server) shutdown(ctx context.Context) error {
	if !s.started {
		return nil
	}
	s.log.Info("shutting down")
	var errs []error
	if s.demoStop != nil {
		s.demoStop()
		s.demoWG.Wait()
	}
	if err := s.httpSrv.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http server: %w", err))
		s.httpSrv.Close()
	}
	s.runners.stopAll()
	s.loopsStop()
	s.loopsWG.Wait()
	s.consStop()
	s.consWG.Wait()
	// Deliveries due now go out before the process ends; retries stay queued.
	s.deliverStop()
	s.deliverWG.Wait()
	if _, err := s.st.Dispatcher.RunOnce(ctx); err != nil && ctx.Err() == nil {
		errs = append(errs, fmt.Errorf("deliveries: %w", err))
	}
	s.runCleanup()
	s.log.Info("stopped")
	return errors.Join(errs...)
}

// raised is told of alerts raised (committed, deliveries queued).
func (s *Server) raised(as []*alerts.Alert) {
	for _, a := range as {
		s.metrics.AlertsRaisedRT.WithLabelValues(a.Severity, string(a.Type)).Inc()
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// deliverLoop sends deliveries as they become due: at once when an alert is raised here,
// at their retry time, and every second for deliveries other processes queue.
func (s *Server) deliverLoop(ctx context.Context) {
	const poll = time.Second
	log := s.log.With("component", "delivery")
	for {
		if _, err := s.st.Dispatcher.RunOnce(ctx); err != nil && ctx.Err() == nil {
			log.Error("delivering alerts", "err", err)
		}
		wait := poll
		if next, ok, err := s.st.Dispatcher.NextDue(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(s.now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// housekeepingLoop runs the housekeeper and prunes the ingestion series (kept 90 days).
func (s *Server) housekeepingLoop(ctx context.Context) {
	log := s.log.With("component", "housekeeping")
	t := time.NewTicker(s.cfg.Lake.HousekeepingInterval.Std())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := s.now()
		if s.opts.Housekeeper != nil {
			if err := s.opts.Housekeeper.Housekeep(ctx, now); err != nil && ctx.Err() == nil {
				s.metrics.HousekeepErrors.Inc()
				log.Error("lake housekeeping", "err", err)
			}
		}
		if _, err := s.series.Prune(ctx, now.Add(-90*24*time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("pruning the ingestion series", "err", err)
		}
	}
}

// correlationLoop evaluates the correlation rules' windows as they come due.
func (s *Server) correlationLoop(ctx context.Context) {
	log := s.log.With("component", "correlation")
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d := s.dets.Load()
		if d == nil || d.Correlator == nil {
			continue
		}
		res, err := d.Correlator.Evaluate(ctx, s.now())
		if err != nil && ctx.Err() == nil {
			log.Error("evaluating correlation rules", "err", err)
		}
		if len(res.Raised) > 0 {
			s.raised(res.Raised)
		}
	}
}

// loadDetections loads the content and starts the detections; on a problem the server runs
// without them and /readyz says why.
func (s *Server) loadDetections(ctx context.Context) *Detections {
	dets, err := s.startDetections(ctx)
	if err != nil {
		s.log.Error("detections are not running", "err", err)
		s.setDetErr(err)
		return nil
	}
	s.setDetErr(nil)
	s.log.Info("detections loaded", "rules", dets.Rules())
	return dets
}

// startDetections loads the content and starts its detections (the load errors raise their
// RULE_ERROR alerts).
func (s *Server) startDetections(ctx context.Context) (*Detections, error) {
	col, err := s.content.Load(ctx)
	if err != nil {
		return nil, err
	}
	if col != nil && len(col.Specs) == 0 && len(col.Invalid) == 0 {
		col = nil
	}
	log := s.log.With("component", "detections")
	dets, err := StartDetections(ctx, s.dataDir, col, s.st, s.detectionOptions(), func(msg string) { log.Warn(msg) })
	if err != nil {
		return nil, err
	}
	if dets != nil && len(dets.LoadAlerts) > 0 {
		s.raised(dets.LoadAlerts)
	}
	return dets, nil
}

// setDetections records what runs, for metrics, status and the correlation ticker.
func (s *Server) setDetections(d *Detections) {
	s.dets.Store(d)
	if d != nil {
		s.engine.Store(d.Engine)
	} else {
		s.engine.Store(nil)
	}
}

func (s *Server) detectionOptions() DetectionOptions {
	return DetectionOptions{Python: s.cfg.Python.Interpreter, Workers: s.cfg.Python.Workers,
		RuleTimeout: s.cfg.Python.RuleTimeout.Std(), MemoryLimit: int64(s.cfg.Python.MemoryLimit), Stderr: s.opts.Stderr, Profile: true}
}

func (s *Server) setDetErr(err error) {
	s.detMu.Lock()
	s.detErr = err
	s.detMu.Unlock()
}

// closeEngine stops the Python workers once the consumer stopped.
func (s *Server) closeEngine() {
	if d := s.cons.dets; d != nil {
		if d.Engine != nil {
			s.collectRuleStats(d.Engine)
		}
		d.Close()
	}
}

// sourceInfos builds what the consumer needs of every source.
func (s *Server) sourceInfos(ctx context.Context, reg *logtypes.Registry) (map[string]sourceInfo, []sources.Config, error) {
	list, err := s.st.Sources.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]sourceInfo, len(list))
	for _, c := range list {
		info := sourceInfo{label: c.Label}
		for _, name := range c.LogTypes {
			if t := reg.Get(name); t != nil {
				info.types = append(info.types, t)
			} else {
				s.log.Warn("a source allows a log type that does not exist (a removed custom schema?)", "source", c.Label, "log_type", name)
			}
		}
		if len(c.LogTypes) > 0 && len(info.types) == 0 {
			// None of its types exists: its records are quarantined rather than classified as anything.
			info.types = []*logtypes.LogType{}
		}
		out[c.ID] = info
	}
	return out, list, nil
}

func (s *Server) registry() *logtypes.Registry {
	s.regMu.RLock()
	defer s.regMu.RUnlock()
	return s.reg
}

func (s *Server) destinationNames(ctx context.Context) map[string]string {
	list, err := s.st.Destinations.List(ctx)
	if err != nil {
		return nil
	}
	out := make(map[string]string, len(list))
	for _, d := range list {
		out[d.ID] = d.DisplayName
	}
	return out
}

// metricsToken returns the token /metrics requires (metrics.auth), creating its file.
func (s *Server) metricsToken() (string, error) {
	path := s.cfg.Metrics.TokenFile
	if path == "" {
		path = filepath.Join(s.dataDir, "metrics.token")
	}
	data, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(data)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("metrics.token_file: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("metrics.token_file: %w", err)
	}
	s.log.Info("created the /metrics token", "file", path)
	return token, nil
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
