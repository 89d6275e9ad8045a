// Package email delivers alerts as plain-text e-mail over SMTP, with
// STARTTLS or implicit TLS and PLAIN authentication.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/notify"
)

// Name is the destination type.
const Name = "email"

// TLS modes.
const (
	// TLSStartTLS upgrades a plain connection with STARTTLS and fails if the
	// server does not offer it.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit = "tls"
	// TLSNone never encrypts; only for relays on this host.
	TLSNone = "none"
)

// Config is the config of an e-mail destination.
type Config struct {
	Host     string        `json:"host" notify:"required" desc:"SMTP server host name"`
	Port     int           `json:"port,omitempty" desc:"SMTP port (default 587 for starttls, 465 for tls, 25 for none)"`
	TLS      string        `json:"tls,omitempty" enum:"starttls,tls,none" default:"starttls" desc:"How the connection is encrypted"`
	Username string        `json:"username,omitempty" desc:"User for PLAIN authentication (empty: no authentication)"`
	Password notify.Secret `json:"password,omitempty" desc:"Password for PLAIN authentication"`
	From     string        `json:"from" notify:"required" desc:"Sender address"`
	To       []string      `json:"to" notify:"required" desc:"Recipient addresses"`
}

// Validate checks every field.
func (c *Config) Validate() error {
	var v notify.Checks
	if v.Required("host", c.Host) && strings.ContainsAny(c.Host, " /:\r\n") && net.ParseIP(c.Host) == nil {
		v.Fail("host", "must be a host name or IP address without port, got %q", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		v.Fail("port", "must be between 1 and 65535, got %d", c.Port)
	}
	if c.TLS != "" {
		v.OneOf("tls", c.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if (c.Username == "") != (c.Password == "") {
		if c.Username == "" {
			v.Fail("username", "required when a password is set")
		} else {
			v.Fail("password", "required when a username is set")
		}
	}
	if c.TLS == TLSNone && c.Username != "" && !isLocalhost(c.Host) {
		v.Fail("tls", "none would send the password in clear text to %s; use starttls or tls", c.Host)
	}
	v.Email("from", c.From)
	if len(c.To) == 0 {
		v.Fail("to", "required: at least one recipient")
	}
	for i, to := range c.To {
		v.Email(fmt.Sprintf("to.%d", i), to)
	}
	return v.Err()
}

func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Type registers the destination.
var Type = notify.NewType(Name, "E-mail over SMTP", New)

// Notifier sends one e-mail per alert.
type Notifier struct {
	cfg    Config
	addr   string
	tls    *tls.Config
	now    func() time.Time
	logger *slog.Logger
	scrub  *notify.Scrubber
}

var _ notify.Notifier = (*Notifier)(nil)

// New validates cfg and returns its Notifier. opts.TLSConfig, if set, is
// the base of the client TLS config (root CAs for a private relay).
func New(cfg *Config, opts notify.Options) (*Notifier, error) {
	if err := notify.InvalidConfig(Name, cfg.Validate()); err != nil {
		return nil, err
	}
	opts = opts.WithDefaults()
	c := *cfg
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[c.TLS]
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.TLSConfig != nil {
		tlsCfg = opts.TLSConfig.Clone()
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = c.Host
	}
	pw := string(c.Password)
	authToken := base64.StdEncoding.EncodeToString([]byte("\x00" + c.Username + "\x00" + pw))
	var secrets []string
	if pw != "" {
		secrets = []string{pw, authToken}
	}
	return &Notifier{
		cfg:    c,
		addr:   net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		tls:    tlsCfg,
		now:    opts.Now,
		logger: opts.Logger,
		scrub:  notify.NewScrubber(secrets...),
	}, nil
}

// Notify sends the e-mail of a. SMTP 4xx replies, network errors and
// timeouts are retryable; 5xx replies and TLS failures are not.
func (n *Notifier) Notify(ctx context.Context, a *notify.Alert) (bool, error) {
	msg, err := n.Message(a)
	if err != nil {
		return false, fmt.Errorf("%s: %w", Name, err)
	}
	err = n.send(ctx, msg)
	if err == nil {
		n.logger.DebugContext(ctx, "notification sent", "destination", Name, "server", n.addr)
		return false, nil
	}
	retryable := classify(err)
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The connection was cut by the deadline: report that cause.
		err, retryable = fmt.Errorf("%w (%v)", ctxErr, err), true
	}
	err = n.scrub.Error(fmt.Errorf("%s: send to %s: %w", Name, n.addr, err))
	n.logger.DebugContext(ctx, "notification failed", "destination", Name, "server", n.addr, "err", err.Error())
	return retryable, err
}

func classify(err error) bool {
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		return tpErr.Code >= 400 && tpErr.Code < 500
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.Is(err, errNoStartTLS) {
		return false
	}
	return true
}

var errNoStartTLS = errors.New("server does not offer STARTTLS")

func (n *Notifier) send(ctx context.Context, msg []byte) error {
	var d net.Dialer
	var conn net.Conn
	var err error
	if n.cfg.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: n.tls}).DialContext(ctx, "tcp", n.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", n.addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	// Cancelling ctx unblocks any read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, n.cfg.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if n.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errNoStartTLS
		}
		if err := c.StartTLS(n.tls); err != nil {
			return err
		}
	}
	if n.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", n.cfg.Username, string(n.cfg.Password), n.cfg.Host)); err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
	}
	if err := c.Mail(n.cfg.From); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, to := range n.cfg.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}

const maxSubject = 200

// Message returns the RFC 5322 message of a: the title as subject and the
// detailed text as a quoted-printable UTF-8 body.
func (n *Notifier) Message(a *notify.Alert) ([]byte, error) {
	text, err := notify.DetailedText(a)
	if err != nil {
		return nil, err
	}
	subject := []rune(notify.OneLine(notify.Title(a)))
	if len(subject) > maxSubject {
		subject = subject[:maxSubject]
	}
	now := n.now().UTC()
	domain := n.cfg.From[strings.LastIndexByte(n.cfg.From, '@')+1:]
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", n.cfg.From)
	header("To", strings.Join(n.cfg.To, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", string(subject)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<panther.%s.%d@%s>", sanitizeID(a.ID), now.UnixNano(), domain))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(text + "\n")); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func sanitizeID(id string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '.' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			return r
		}
		return -1
	}, id)
}
