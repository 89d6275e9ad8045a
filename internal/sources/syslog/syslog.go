// Package syslog is the syslog source kind: UDP (RFC 5426), TCP (RFC 6587: octet counting
// and LF framing, detected per connection) and TCP+TLS (RFC 5425) listeners. It only frames
// messages and publishes them; parsing RFC 3164 and RFC 5424 is the pipeline's
// (internal/textparse/syslog), among the source's allowed log types.
//
// Messages are batched per sender into one Payload (Records, Origin = the sender's address)
// and flushed on a count, a size or a short interval. A message longer than
// max_message_bytes is cut and published marked (Payload.Cut), so the pipeline quarantines
// it with its size. When the queue pushes back, TCP connections stop reading (the senders'
// buffers fill and they slow down) and UDP drops datagrams: it counts them (the metric
// panther_syslog_dropped_messages_total and the source's status error). Connections idle
// longer than idle_timeout are closed; TLS handshake failures and garbage cost only the
// connection they came on.
package syslog

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// Kind is the name of this source kind.
const Kind = "syslog"

// Defaults and bounds of the settings.
const (
	DefaultMaxMessageBytes = 64 << 10
	MinMaxMessageBytes     = 480 // what RFC 3164 asks every receiver to take
	MaxMaxMessageBytes     = 16 << 20
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultMaxConnections  = 1000
)

// Settings are the syslog kind's settings (JSON, snake_case).
type Settings struct {
	// UDP, TCP and TLS are listen addresses (host:port); at least one is set.
	UDP string `json:"udp,omitempty"`
	TCP string `json:"tcp,omitempty"`
	TLS string `json:"tls,omitempty"`
	// TLSCert and TLSKey are PEM files of the TLS listener's certificate (chain) and key.
	TLSCert string `json:"tls_cert,omitempty"`
	TLSKey  string `json:"tls_key,omitempty"`
	// TLSClientCA, when set, is a PEM file of the CAs that sign client certificates: the
	// TLS listener then requires and verifies one (mutual TLS, RFC 5425 section 5).
	TLSClientCA string `json:"tls_client_ca,omitempty"`
	// MaxMessageBytes is the longest message kept whole (default 64 KiB).
	MaxMessageBytes int `json:"max_message_bytes,omitempty"`
	// IdleTimeout closes TCP connections that sent nothing for that long (default 10m).
	IdleTimeout sources.Duration `json:"idle_timeout,omitempty"`
	// MaxConnections bounds the open TCP and TLS connections (default 1000); more are
	// refused.
	MaxConnections int `json:"max_connections,omitempty"`
}

func init() {
	sources.Register(sources.Kind{Name: Kind, Validate: Validate, New: newSource})
}

// Validate checks syslog settings; the errors name the setting.
func Validate(raw json.RawMessage) (json.RawMessage, error) {
	s, err := parseSettings(raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// parseSettings decodes and checks raw settings.
func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if err := sources.DecodeSettings(raw, &s); err != nil {
		return s, err
	}
	var errs []error
	for _, a := range []struct{ name, addr string }{{"udp", s.UDP}, {"tcp", s.TCP}, {"tls", s.TLS}} {
		if a.addr == "" {
			continue
		}
		if err := checkAddr(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a.name, err))
		}
	}
	if s.UDP == "" && s.TCP == "" && s.TLS == "" {
		errs = append(errs, errors.New("udp, tcp, tls: at least one listen address is required"))
	}
	if s.TCP != "" && s.TCP == s.TLS {
		errs = append(errs, fmt.Errorf("tls: %s is also the tcp address", s.TLS))
	}
	switch {
	case s.TLS != "" && (s.TLSCert == "" || s.TLSKey == ""):
		errs = append(errs, errors.New("tls_cert, tls_key: both are required with tls"))
	case s.TLS == "" && (s.TLSCert != "" || s.TLSKey != ""):
		errs = append(errs, errors.New("tls: required with tls_cert and tls_key"))
	case s.TLS != "":
		if _, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey); err != nil {
			errs = append(errs, fmt.Errorf("tls_cert, tls_key: %w", err))
		}
	}
	if s.TLSClientCA != "" {
		if s.TLS == "" {
			errs = append(errs, errors.New("tls: required with tls_client_ca"))
		} else if _, err := loadPool(s.TLSClientCA); err != nil {
			errs = append(errs, fmt.Errorf("tls_client_ca: %w", err))
		}
	}
	if s.MaxMessageBytes != 0 && (s.MaxMessageBytes < MinMaxMessageBytes || s.MaxMessageBytes > MaxMaxMessageBytes) {
		errs = append(errs, fmt.Errorf("max_message_bytes: %d is outside %d..%d", s.MaxMessageBytes, MinMaxMessageBytes, MaxMaxMessageBytes))
	}
	if s.IdleTimeout < 0 || (s.IdleTimeout > 0 && time.Duration(s.IdleTimeout) < time.Second) {
		errs = append(errs, fmt.Errorf("idle_timeout: %s is below 1s", time.Duration(s.IdleTimeout)))
	}
	if s.MaxConnections < 0 {
		errs = append(errs, fmt.Errorf("max_connections: %d is negative", s.MaxConnections))
	}
	return s, errors.Join(errs...)
}

// loadPool reads a PEM file of CA certificates.
func loadPool(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}

// checkAddr checks a host:port listen address.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not a host:port address", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

func (s Settings) maxMessage() int {
	if s.MaxMessageBytes == 0 {
		return DefaultMaxMessageBytes
	}
	return s.MaxMessageBytes
}

func (s Settings) idleTimeout() time.Duration {
	if s.IdleTimeout == 0 {
		return DefaultIdleTimeout
	}
	return time.Duration(s.IdleTimeout)
}

func (s Settings) maxConnections() int {
	if s.MaxConnections == 0 {
		return DefaultMaxConnections
	}
	return s.MaxConnections
}
