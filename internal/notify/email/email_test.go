package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/notifytest"
)

const password = "s3cr3t-SMTP-passw0rd"

var fixedNow = func() time.Time { return time.Date(2026, 3, 14, 15, 10, 0, 0, time.UTC) }

func newServer(t *testing.T, mutate func(*smtpServer)) (*smtpServer, *x509.CertPool) {
	cert, pool := testCert(t)
	s := &smtpServer{cert: cert, offerTLS: true, user: "alerts@example.com", pass: password, replies: map[string]string{}}
	if mutate != nil {
		mutate(s)
	}
	s.start(t)
	return s, pool
}

func newNotifier(t *testing.T, s *smtpServer, pool *x509.CertPool, mode string, logger *slog.Logger) *Notifier {
	t.Helper()
	n, err := New(&Config{
		Host:     "127.0.0.1",
		Port:     s.port(),
		TLS:      mode,
		Username: "alerts@example.com",
		Password: password,
		From:     "panther@example.com",
		To:       []string{"soc@example.com", "oncall@example.com"},
	}, notify.Options{TLSConfig: &tls.Config{RootCAs: pool}, Now: fixedNow, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSend(t *testing.T) {
	for _, mode := range []string{TLSStartTLS, TLSImplicit, TLSNone} {
		t.Run(mode, func(t *testing.T) {
			s, pool := newServer(t, func(s *smtpServer) { s.implicitTLS = mode == TLSImplicit })
			n := newNotifier(t, s, pool, mode, nil)
			if retryable, err := n.Notify(context.Background(), notifytest.Alert()); err != nil {
				t.Fatalf("Notify: %v (retryable %v)", err, retryable)
			}
			msgs := s.messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			m := msgs[0]
			if m.From != "panther@example.com" || strings.Join(m.To, ",") != "soc@example.com,oncall@example.com" {
				t.Errorf("envelope %s -> %v", m.From, m.To)
			}
			if m.Authed != "alerts@example.com" {
				t.Errorf("not authenticated: %+v", m)
			}
			if wantTLS := mode != TLSNone; m.TLS != wantTLS {
				t.Errorf("TLS = %v, want %v", m.TLS, wantTLS)
			}
			notifytest.Golden(t, "message.eml", []byte(m.Data))
		})
	}
}

func TestSubjectEncoding(t *testing.T) {
	s, pool := newServer(t, nil)
	n := newNotifier(t, s, pool, TLSStartTLS, nil)
	a := notifytest.Alert()
	a.Title = "Connexion réussie\r\nBcc: victim@example.com"
	msg, err := n.Message(a)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(msg), "\r\n\r\n")
	var subject string
	for _, l := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(l, "Bcc:") {
			t.Fatalf("header injection:\n%s", head)
		}
		if v, ok := strings.CutPrefix(l, "Subject: "); ok {
			subject = v
		}
	}
	got, err := new(mime.WordDecoder).DecodeHeader(subject)
	if err != nil {
		t.Fatal(err)
	}
	if got != "New Alert: Connexion réussie Bcc: victim@example.com" {
		t.Errorf("subject = %q", got)
	}
}

func TestRetry(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mutate        func(*smtpServer)
		mode          string
		wantRetryable bool
	}{
		{"greylisted MAIL 451", func(s *smtpServer) { s.replies["MAIL"] = "451 4.7.1 greylisted" }, TLSStartTLS, true},
		{"mailbox full RCPT 452", func(s *smtpServer) { s.replies["RCPT"] = "452 4.2.2 over quota" }, TLSStartTLS, true},
		{"rejected MAIL 550", func(s *smtpServer) { s.replies["MAIL"] = "550 5.7.1 relaying denied" }, TLSStartTLS, false},
		{"bad credentials 535", func(s *smtpServer) { s.pass = "other" }, TLSStartTLS, false},
		{"DATA rejected 554", func(s *smtpServer) { s.replies["DATA"] = "554 5.6.0 rejected" }, TLSStartTLS, false},
		{"no STARTTLS", func(s *smtpServer) { s.offerTLS = false }, TLSStartTLS, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, pool := newServer(t, tc.mutate)
			retryable, err := newNotifier(t, s, pool, tc.mode, nil).Notify(context.Background(), notifytest.Alert())
			if err == nil {
				t.Fatal("Notify succeeded")
			}
			if retryable != tc.wantRetryable {
				t.Errorf("retryable = %v, want %v (err: %v)", retryable, tc.wantRetryable, err)
			}
			if len(s.messages()) != 0 {
				t.Error("a message was accepted")
			}
		})
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		s, _ := newServer(t, nil)
		retryable, err := newNotifier(t, s, x509.NewCertPool(), TLSStartTLS, nil).Notify(context.Background(), notifytest.Alert())
		if err == nil || retryable {
			t.Errorf("got (%v, %v), want a permanent error", retryable, err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		s, pool := newServer(t, nil)
		n := newNotifier(t, s, pool, TLSStartTLS, nil)
		_ = s.ln.Close()
		s.wg.Wait()
		retryable, err := n.Notify(context.Background(), notifytest.Alert())
		if err == nil || !retryable {
			t.Errorf("got (%v, %v), want a retryable error", retryable, err)
		}
	})
	t.Run("deadline while waiting", func(t *testing.T) {
		ctx := notifytest.NewTriggerContext()
		s, pool := newServer(t, func(s *smtpServer) { s.hang, s.onAccept = true, ctx.Expire })
		retryable, err := newNotifier(t, s, pool, TLSStartTLS, nil).Notify(ctx, notifytest.Alert())
		if err == nil || !retryable {
			t.Errorf("got (%v, %v), want a retryable error", retryable, err)
		}
		if notify.StatusCode(err) != http.StatusGatewayTimeout {
			t.Errorf("StatusCode(%v) = %d, want 504", err, notify.StatusCode(err))
		}
	})
}

func TestNoSecretLeak(t *testing.T) {
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alerts@example.com\x00" + password))
	for _, tc := range []struct {
		name   string
		mutate func(*smtpServer)
	}{
		{"auth rejected with echo", func(s *smtpServer) { s.pass, s.echo = "other", true }},
		{"auth temporarily failing with echo", func(s *smtpServer) { s.replies["AUTH"], s.echo = "454 4.7.0 try later", true }},
		{"MAIL rejected with echo", func(s *smtpServer) { s.replies["MAIL"], s.echo = "550 5.7.1 no", true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, pool := newServer(t, tc.mutate)
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			_, err := newNotifier(t, s, pool, TLSStartTLS, logger).Notify(context.Background(), notifytest.Alert())
			if err == nil {
				t.Fatal("Notify succeeded")
			}
			for _, secret := range []string{password, plain} {
				if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
					t.Errorf("secret %q leaked:\nerror: %v\nlogs: %s", secret, err, logs.String())
				}
			}
		})
	}
}

func TestConfig(t *testing.T) {
	notifytest.CheckConfig(t, Type, [][2]string{
		{`{}`, "email: host: required\nemail: from: required\nemail: to: required: at least one recipient"},
		{`{"host":"smtp.example.com:587","from":"Panther <p@example.com>","to":["ok@example.com","nope"],"port":70000}`,
			`email: host: must be a host name or IP address without port, got "smtp.example.com:587"` + "\n" +
				"email: port: must be between 1 and 65535, got 70000\n" +
				`email: from: must be an e-mail address like alerts@example.com, got "Panther <p@example.com>"` + "\n" +
				`email: to.1: must be an e-mail address like alerts@example.com, got "nope"`},
		{`{"host":"smtp.example.com","tls":"ssl","from":"p@example.com","to":["a@example.com"]}`, `email: tls: must be one of starttls, tls, none, got "ssl"`},
		{`{"host":"smtp.example.com","tls":"none","username":"u","password":"s3cr3t","from":"p@example.com","to":["a@example.com"]}`,
			"email: tls: none would send the password in clear text to smtp.example.com; use starttls or tls"},
		{`{"host":"smtp.example.com","username":"u","from":"p@example.com","to":["a@example.com"]}`, "email: password: required when a username is set"},
		{`{"host":"smtp.example.com","password":"s3cr3t","from":"p@example.com","to":["a@example.com"]}`, "email: username: required when a password is set"},
		{`{"host":"smtp.example.com","username":"u","password":"s3cr3t","from":"p@example.com","to":["a@example.com"]}`, ""},
	}, "s3cr3t")
}
