// Package opsmetrics holds the server's Prometheus metrics: the server's own registry, the
// collectors the pipeline stages update, and collectors that read what other processes may
// change (alerts, deliveries) from the state database when scraped. /metrics serves this
// registry together with the process-wide default one, which holds the Go runtime and
// process collectors and the metrics source kinds register at init (syslog).
package opsmetrics

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's metrics.
type Metrics struct {
	Registry *prometheus.Registry

	// Pipeline, by source and log type ("" for quarantined records).
	Events      *prometheus.CounterVec
	Bytes       *prometheus.CounterVec
	Quarantined *prometheus.CounterVec
	Payloads    *prometheus.CounterVec // payloads processed, by source
	BadPayloads prometheus.Counter     // payloads that did not decode

	// HTTP push, by source and status code.
	HTTPRequests *prometheus.CounterVec

	// Lake and checkpoints.
	LakeFiles         *prometheus.CounterVec // by kind
	LakeRows          *prometheus.CounterVec // by kind
	CheckpointSeconds prometheus.Histogram
	CheckpointErrors  prometheus.Counter
	PipelineRestarts  prometheus.Counter

	// Lake housekeeping: compacted files written and the files they replace, partitions
	// expired by retention, files deleted, failed runs.
	Compactions       prometheus.Counter
	FilesReplaced     prometheus.Counter
	PartitionsExpired prometheus.Counter
	FilesDeleted      prometheus.Counter
	HousekeepErrors   prometheus.Counter

	// Detections: matches and errors of every rule, by detection (calls and time of Python
	// rules come from RuleStats).
	RuleMatches    *prometheus.CounterVec
	RuleErrors     *prometheus.CounterVec
	AlertsRaisedRT *prometheus.CounterVec // raised by this process, by severity and type
	Reloads        *prometheus.CounterVec // by what, result

	// Sources.
	SourceErrors *prometheus.CounterVec // by source
}

// New creates the metrics in a new registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	f := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "panther", Name: name, Help: help}, labels)
		r.MustRegister(c)
		return c
	}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "panther", Name: name, Help: help})
		r.MustRegister(c)
		return c
	}
	m := &Metrics{
		Registry:     r,
		Events:       f("events_total", "Events parsed, by source and log type.", "source", "log_type"),
		Bytes:        f("bytes_total", "Bytes of records received, by source and log type (empty for quarantined records).", "source", "log_type"),
		Quarantined:  f("quarantined_total", "Records no log type accepted, by source.", "source"),
		Payloads:     f("payloads_total", "Payloads taken from the queue, by source.", "source"),
		BadPayloads:  counter("payloads_corrupt_total", "Payloads in the queue that did not decode."),
		HTTPRequests: f("http_push_requests_total", "HTTP push requests, by source and status code.", "source", "code"),
		LakeFiles:    f("lake_files_total", "Lake files committed, by kind (logs, rule_matches, rule_errors, quarantine).", "kind"),
		LakeRows:     f("lake_rows_total", "Rows in the lake files committed, by kind.", "kind"),
		CheckpointSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "panther", Name: "lake_flush_seconds",
			Help: "Duration of a checkpoint: lake buffers written, synced and committed with the state.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		CheckpointErrors:  counter("checkpoint_errors_total", "Checkpoints that failed (the pipeline restarts from the previous one)."),
		PipelineRestarts:  counter("pipeline_restarts_total", "Restarts of the pipeline from the last checkpoint after a failure."),
		Compactions:       counter("lake_compactions_total", "Compacted lake files written by housekeeping."),
		FilesReplaced:     counter("lake_files_replaced_total", "Small lake files replaced by compacted ones."),
		PartitionsExpired: counter("lake_partitions_expired_total", "Lake partitions (hours) expired by lake.retention_days."),
		FilesDeleted:      counter("lake_files_deleted_total", "Lake files deleted by housekeeping (replaced, expired, stale temporaries)."),
		HousekeepErrors:   counter("lake_housekeeping_errors_total", "Housekeeping runs that failed."),
		RuleMatches:       f("rule_matches_total", "Rule matches, by detection.", "detection"),
		RuleErrors:        f("rule_errors_total", "Rule errors, by detection.", "detection"),
		AlertsRaisedRT:    f("alerts_raised_total", "Alerts raised by this process, by severity and alert type.", "severity", "type"),
		Reloads:           f("reloads_total", "Hot reloads, by what changed (detections, schemas, sources) and result (ok, error).", "what", "result"),
		SourceErrors:      f("source_errors_total", "Errors reported by running sources, by source.", "source"),
	}
	r.MustRegister(m.CheckpointSeconds)
	return m
}

// Gatherer gathers the server's registry and the default one.
func (m *Metrics) Gatherer() prometheus.Gatherer {
	return prometheus.Gatherers{m.Registry, prometheus.DefaultGatherer}
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Gatherer(), promhttp.HandlerOpts{Registry: m.Registry, ErrorHandling: promhttp.ContinueOnError})
}

// GaugeFunc registers a gauge read when scraped.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "panther", Name: name, Help: help}, fn))
}

// StateCollector reads counts that other processes change too from the state database at
// scrape time: deliveries by destination and outcome.
type StateCollector struct {
	DB *sql.DB
	// Names maps destination ids to names (nil: ids are used).
	Names func(ctx context.Context) map[string]string

	deliveries *prometheus.Desc
	alerts     *prometheus.Desc
}

// NewStateCollector registers a StateCollector on m.
func (m *Metrics) NewStateCollector(db *sql.DB, names func(ctx context.Context) map[string]string) {
	c := &StateCollector{DB: db, Names: names,
		deliveries: prometheus.NewDesc("panther_deliveries_total", "Delivery attempts finished, by destination and outcome (succeeded, failed).",
			[]string{"destination", "outcome"}, nil),
		alerts: prometheus.NewDesc("panther_alerts_total", "Alerts raised (in the state database, by any process), by severity and alert type.",
			[]string{"severity", "type"}, nil),
	}
	m.Registry.MustRegister(c)
}

// Describe implements prometheus.Collector.
func (c *StateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.deliveries
	ch <- c.alerts
}

// Collect implements prometheus.Collector.
func (c *StateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var names map[string]string
	if c.Names != nil {
		names = c.Names(ctx)
	}
	rows, err := c.DB.QueryContext(ctx, `SELECT d.destination_id, a.success, count(*) FROM delivery_attempts a
		JOIN deliveries d ON d.id = a.delivery_id WHERE a.finished_at > 0 AND d.test = 0 GROUP BY 1, 2`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.deliveries, err)
	} else {
		for rows.Next() {
			var id string
			var success int
			var n float64
			if err := rows.Scan(&id, &success, &n); err != nil {
				ch <- prometheus.NewInvalidMetric(c.deliveries, err)
				break
			}
			name := id
			if nm, ok := names[id]; ok {
				name = nm
			}
			outcome := "failed"
			if success != 0 {
				outcome = "succeeded"
			}
			ch <- prometheus.MustNewConstMetric(c.deliveries, prometheus.CounterValue, n, name, outcome)
		}
		rows.Close()
	}
	rows, err = c.DB.QueryContext(ctx, `SELECT severity, type, count(*) FROM alerts WHERE raised = 1 GROUP BY 1, 2`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.alerts, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var sev, typ string
		var n float64
		if err := rows.Scan(&sev, &typ, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(c.alerts, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(c.alerts, prometheus.CounterValue, n, sev, typ)
	}
}

// RuleStat is the cumulative work of one Python rule.
type RuleStat struct {
	Detection string
	Calls     int64
	Seconds   float64
}

// RuleStats registers a collector of the Python rules' calls and time, read at scrape time.
func (m *Metrics) RuleStats(fn func() []RuleStat) {
	m.Registry.MustRegister(&ruleCollector{fn: fn,
		calls:   prometheus.NewDesc("panther_rule_calls_total", "Python rule calls, by detection.", []string{"detection"}, nil),
		seconds: prometheus.NewDesc("panther_rule_duration_seconds_total", "Time spent in Python rule functions, by detection.", []string{"detection"}, nil),
	})
}

type ruleCollector struct {
	fn             func() []RuleStat
	calls, seconds *prometheus.Desc
}

func (c *ruleCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.calls
	ch <- c.seconds
}

func (c *ruleCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.fn() {
		ch <- prometheus.MustNewConstMetric(c.calls, prometheus.CounterValue, float64(r.Calls), r.Detection)
		ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.CounterValue, r.Seconds, r.Detection)
	}
}

// GaugeSet registers gauges computed together at scrape time (one query for several values).
func (m *Metrics) GaugeSet(descs []*prometheus.Desc, fn func() []float64) {
	m.Registry.MustRegister(&gaugeSet{descs: descs, fn: fn})
}

type gaugeSet struct {
	descs []*prometheus.Desc
	fn    func() []float64
}

func (g *gaugeSet) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range g.descs {
		ch <- d
	}
}

func (g *gaugeSet) Collect(ch chan<- prometheus.Metric) {
	vals := g.fn()
	for i, d := range g.descs {
		if i < len(vals) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, vals[i])
		}
	}
}

// NewDesc describes a panther_ metric without labels.
func NewDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("panther_"+name, help, nil, nil)
}
