package syslog

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The kind's metrics, on the default registry (what /metrics serves), labelled by the
// source's label.
var (
	messagesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_syslog_messages_total",
		Help: "Syslog messages received, by source and transport (udp, tcp, tls).",
	}, []string{"source", "transport"})
	droppedTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_syslog_dropped_messages_total",
		Help: "UDP syslog messages dropped because the queue was over its limit.",
	}, []string{"source"})
	cutTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_syslog_cut_messages_total",
		Help: "Syslog messages longer than max_message_bytes, cut and published for quarantine.",
	}, []string{"source"})
	badFramesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_syslog_bad_frames_total",
		Help: "Lines of octet-counted TCP streams without a valid MSG-LEN, published for quarantine.",
	}, []string{"source"})
	connections = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "panther_syslog_connections",
		Help: "Open syslog TCP and TLS connections.",
	}, []string{"source", "transport"})
	connectionErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "panther_syslog_connection_errors_total",
		Help: "Syslog connections closed on a problem: tls_handshake, idle_timeout, refused (over max_connections), read.",
	}, []string{"source", "reason"})
)

// sourceMetrics are the metrics of one source.
type sourceMetrics struct {
	messages                 map[string]prometheus.Counter
	dropped, cut, badFrames  prometheus.Counter
	conns                    map[string]prometheus.Gauge
	handshake, idle, refused prometheus.Counter
	readErrors               prometheus.Counter
}

func newSourceMetrics(label string) *sourceMetrics {
	m := &sourceMetrics{
		messages:   map[string]prometheus.Counter{},
		conns:      map[string]prometheus.Gauge{},
		dropped:    droppedTotal.WithLabelValues(label),
		cut:        cutTotal.WithLabelValues(label),
		badFrames:  badFramesTotal.WithLabelValues(label),
		handshake:  connectionErrors.WithLabelValues(label, "tls_handshake"),
		idle:       connectionErrors.WithLabelValues(label, "idle_timeout"),
		refused:    connectionErrors.WithLabelValues(label, "refused"),
		readErrors: connectionErrors.WithLabelValues(label, "read"),
	}
	for _, t := range []string{transportUDP, transportTCP, transportTLS} {
		m.messages[t] = messagesTotal.WithLabelValues(label, t)
		if t != transportUDP {
			m.conns[t] = connections.WithLabelValues(label, t)
		}
	}
	return m
}
