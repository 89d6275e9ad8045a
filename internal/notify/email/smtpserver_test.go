package email

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCert returns a self-signed certificate for 127.0.0.1 and a pool
// trusting it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtp.test"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// received is one message accepted by the test server.
type received struct {
	From   string
	To     []string
	Data   string
	TLS    bool
	Authed string
}

// smtpServer is a small SMTP server on 127.0.0.1 for tests: EHLO,
// STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP and QUIT.
type smtpServer struct {
	ln          net.Listener
	cert        tls.Certificate
	offerTLS    bool
	implicitTLS bool
	user, pass  string
	// replies overrides the reply to a verb ("MAIL": "451 4.3.0 later").
	replies map[string]string
	// echo makes failure replies repeat the command, as a careless server
	// might.
	echo bool
	// onAccept runs when a connection arrives; hang then makes the server
	// read without answering until the client goes away.
	onAccept func()
	hang     bool

	mu   sync.Mutex
	msgs []received
	wg   sync.WaitGroup
}

func (s *smtpServer) start(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *smtpServer) serve(c net.Conn) {
	if s.onAccept != nil {
		s.onAccept()
	}
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	if s.hang {
		_, _ = bufio.NewReader(c).ReadString(0)
		return
	}
	isTLS := false
	if s.implicitTLS {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
		if err := tc.Handshake(); err != nil {
			return
		}
		c, isTLS = tc, true
	}
	tp := textproto.NewConn(c)
	reply := func(lines ...string) { _ = tp.PrintfLine("%s", strings.Join(lines, "\r\n")) }
	reply("220 smtp.test ESMTP ready")
	var msg received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if r, ok := s.replies[verb]; ok {
			if s.echo {
				r += " (you said: " + line + ")"
			}
			reply(r)
			if code, _ := strconv.Atoi(r[:3]); code >= 400 {
				continue
			}
		}
		switch verb {
		case "EHLO", "HELO":
			lines := []string{"250-smtp.test"}
			if s.offerTLS && !isTLS {
				lines = append(lines, "250-STARTTLS")
			}
			lines = append(lines, "250-AUTH PLAIN", "250 8BITMIME")
			reply(lines...)
		case "STARTTLS":
			reply("220 2.0.0 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if err := tc.Handshake(); err != nil {
				return
			}
			c, isTLS = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			mech, payload, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(payload)
			if strings.ToUpper(mech) == "PLAIN" && string(raw) == "\x00"+s.user+"\x00"+s.pass {
				msg.Authed = s.user
				reply("235 2.7.0 authenticated")
			} else if s.echo {
				reply("535 5.7.8 authentication failed for " + line)
			} else {
				reply("535 5.7.8 authentication failed")
			}
		case "MAIL":
			msg.From = strings.Trim(strings.TrimPrefix(strings.SplitN(arg, " ", 2)[0], "FROM:"), "<>")
			reply("250 2.1.0 ok")
		case "RCPT":
			msg.To = append(msg.To, strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>"))
			reply("250 2.1.5 ok")
		case "DATA":
			reply("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg.Data, msg.TLS = string(data), isTLS
			s.mu.Lock()
			s.msgs = append(s.msgs, msg)
			s.mu.Unlock()
			msg = received{Authed: msg.Authed}
			reply("250 2.0.0 queued")
		case "RSET", "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}
