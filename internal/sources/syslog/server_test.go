package syslog

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sources/sourcetest"
)

var labels atomic.Int64

// start runs a syslog source with settings set, tuned by tune, and returns it once it
// listens. The source stops at the end of the test.
func start(t *testing.T, set Settings, pub sources.Publisher, rep sources.Reporter, tune func(*Source)) *Source {
	t.Helper()
	raw, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	label := fmt.Sprintf("%s-%d", t.Name(), labels.Add(1))
	src, err := New(sources.Config{ID: "src-" + label, Label: label, Type: Kind, Settings: raw}, sources.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(src)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, pub, rep) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	<-src.Listening()
	return src
}

func dial(t *testing.T, network string, a net.Addr) net.Conn {
	t.Helper()
	c, err := net.Dial(network, a.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestUDPAndTCPFramings(t *testing.T) {
	pub := &sourcetest.Publisher{}
	src := start(t, Settings{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0"}, pub, nil, nil)

	u1, u2 := dial(t, "udp", src.Addr("udp")), dial(t, "udp", src.Addr("udp"))
	fmt.Fprint(u1, "<13>Jan  1 00:00:00 host app: udp one\n")
	fmt.Fprint(u2, "<14>1 2024-01-01T00:00:00Z h a - - - udp two")
	octet := dial(t, "tcp", src.Addr("tcp"))
	lf := dial(t, "tcp", src.Addr("tcp"))
	msg := "<13>multi\nline"
	fmt.Fprintf(octet, "%d %s%d %s", len(msg), msg, len("<13>b"), "<13>b")
	fmt.Fprint(lf, "<13>lf one\r\n<13>lf two\n")

	recs := pub.WaitRecords(t, 6)
	slices.Sort(recs)
	want := []string{"<13>Jan  1 00:00:00 host app: udp one", "<13>b", "<13>lf one", "<13>lf two", "<13>multi\nline", "<14>1 2024-01-01T00:00:00Z h a - - - udp two"}
	if !slices.Equal(recs, want) {
		t.Fatalf("records %q\nwant %q", recs, want)
	}
	origins := map[string]int{}
	for _, p := range pub.Payloads() {
		origins[p.Origin] += len(p.Records)
	}
	for c, n := range map[net.Conn]int{u1: 1, u2: 1, octet: 2, lf: 2} {
		if origins[c.LocalAddr().String()] != n {
			t.Errorf("origin %s: %d records, want %d (all: %v)", c.LocalAddr(), origins[c.LocalAddr().String()], n, origins)
		}
	}
	for _, p := range pub.Payloads() {
		if p.SourceID != src.id || !strings.HasSuffix(p.Name, "://"+p.Origin) || p.Data != nil {
			t.Errorf("payload %+v", p)
		}
	}
}

func TestCutMessagesAndGarbage(t *testing.T) {
	pub := &sourcetest.Publisher{}
	src := start(t, Settings{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0", MaxMessageBytes: 500}, pub, nil, nil)
	long := strings.Repeat("L", 2000)
	fmt.Fprint(dial(t, "udp", src.Addr("udp")), "<13>"+long)
	tcp := dial(t, "tcp", src.Addr("tcp"))
	fmt.Fprintf(tcp, "%d <13>%s", 4+len(long), long)
	fmt.Fprint(tcp, "\x00\x01binary garbage\xff\n")
	fmt.Fprint(tcp, "5 <13>x")
	recs := pub.WaitRecords(t, 4)
	if len(recs) != 4 {
		t.Fatalf("records %q", recs)
	}
	cuts := 0
	for _, p := range pub.Payloads() {
		for _, c := range p.Cut {
			cuts++
			if len(p.Records[c.Index]) != 500 || c.Size != int64(4+len(long)) {
				t.Errorf("cut record %d of %q: %d bytes kept of %d", c.Index, p.Name, len(p.Records[c.Index]), c.Size)
			}
		}
	}
	if cuts != 2 {
		t.Errorf("%d cut records, want 2", cuts)
	}
	if got := testutil.ToFloat64(src.m.badFrames); got != 1 {
		t.Errorf("bad frames %v, want 1", got)
	}
}

func TestIdleConnectionClosed(t *testing.T) {
	pub := &sourcetest.Publisher{}
	src := start(t, Settings{TCP: "127.0.0.1:0"}, pub, nil, func(s *Source) { s.set.IdleTimeout = sources.Duration(200 * time.Millisecond) })
	// A half-open connection: a partial message, then silence.
	c := dial(t, "tcp", src.Addr("tcp"))
	fmt.Fprint(c, "<13>never ends")
	// Another connection keeps working meanwhile.
	other := dial(t, "tcp", src.Addr("tcp"))
	fmt.Fprint(other, "<13>fine\n")
	pub.WaitRecords(t, 1)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read on the idle connection: %v, want EOF (closed by the server)", err)
	}
	if got := testutil.ToFloat64(src.m.idle); got != 1 {
		t.Errorf("idle closes %v, want 1", got)
	}
}

// certs are a test CA, a server certificate for 127.0.0.1 and a client certificate, the
// first two also as files.
type certs struct {
	caFile, certFile, keyFile string
	pool                      *x509.CertPool
	client                    tls.Certificate
}

func testCerts(t *testing.T) certs {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	der, key := leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := certs{caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), pool: x509.NewCertPool()}
	for file, block := range map[string]*pem.Block{
		c.caFile:   {Type: "CERTIFICATE", Bytes: caDER},
		c.certFile: {Type: "CERTIFICATE", Bytes: der},
		c.keyFile:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.pool.AddCert(ca)
	cder, ckey := leaf(3, "sender", x509.ExtKeyUsageClientAuth)
	c.client = tls.Certificate{Certificate: [][]byte{cder}, PrivateKey: ckey}
	return c
}

func TestTLS(t *testing.T) {
	c := testCerts(t)
	pool := c.pool
	pub := &sourcetest.Publisher{}
	src := start(t, Settings{TLS: "127.0.0.1:0", TLSCert: c.certFile, TLSKey: c.keyFile}, pub, nil, nil)
	addr := src.Addr("tls").String()

	good, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	fmt.Fprint(good, "<13>over tls one\n")
	pub.WaitRecords(t, 1)

	// Plain-text garbage on the TLS port, and a client that does not trust the server:
	// both fail their handshakes; the good connection goes on.
	plain := dial(t, "tcp", src.Addr("tls"))
	fmt.Fprint(plain, "<13>not tls at all\n")
	plain.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.Copy(io.Discard, plain) // the server answers with an alert and closes
	if _, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: x509.NewCertPool()}); err == nil {
		t.Fatal("a client that does not trust the CA completed its handshake")
	}
	fmt.Fprint(good, "27 <13>over tls, after them\n")
	recs := pub.WaitRecords(t, 2)
	if !slices.Equal(recs, []string{"<13>over tls one", "27 <13>over tls, after them"}) {
		// The connection started with LF framing, so the octet count is part of the line.
		t.Fatalf("records %q", recs)
	}
	sourcetest.Eventually(t, "2 handshake failures counted", func() bool { return testutil.ToFloat64(src.m.handshake) == 2 })
}

func TestMutualTLS(t *testing.T) {
	c := testCerts(t)
	pub := &sourcetest.Publisher{}
	src := start(t, Settings{TLS: "127.0.0.1:0", TLSCert: c.certFile, TLSKey: c.keyFile, TLSClientCA: c.caFile}, pub, nil, nil)
	addr := src.Addr("tls").String()
	// Without a client certificate the server refuses the connection.
	anon, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: c.pool})
	if err == nil {
		anon.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = anon.Read(make([]byte, 1)) // TLS 1.3: the refusal comes after the handshake
		anon.Close()
	}
	if err == nil || err == io.EOF {
		t.Fatalf("a client without a certificate: %v, want a TLS alert", err)
	}
	good, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: c.pool, Certificates: []tls.Certificate{c.client}})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	fmt.Fprint(good, "<13>with a client certificate\n")
	if recs := pub.WaitRecords(t, 1); recs[0] != "<13>with a client certificate" {
		t.Fatalf("records %q", recs)
	}
	sourcetest.Eventually(t, "the refused handshake counted", func() bool { return testutil.ToFloat64(src.m.handshake) == 1 })
}

func TestTCPBackpressureStopsReading(t *testing.T) {
	pub := &sourcetest.Publisher{}
	var refused atomic.Int64
	release := make(chan struct{})
	pub.Reject(func(p *sources.Payload) error {
		select {
		case <-release:
			return nil
		default:
			refused.Add(1)
			return fmt.Errorf("publish: %w", sources.ErrBackpressure)
		}
	})
	rep := &sourcetest.Reporter{}
	src := start(t, Settings{TCP: "127.0.0.1:0"}, pub, rep, nil)
	c := dial(t, "tcp", src.Addr("tcp")).(*net.TCPConn)

	// Write far more than the socket buffers and one batch hold: the writes must block.
	const n = 400_000
	var stream bytes.Buffer
	for i := range n {
		fmt.Fprintf(&stream, "<13>message %07d\n", i)
	}
	data := stream.Bytes()
	c.SetWriteDeadline(time.Now().Add(time.Second))
	written, err := c.Write(data)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write of %d bytes: %d written, err %v; want the write to block while the queue pushes back", len(data), written, err)
	}
	if refused.Load() == 0 {
		t.Fatal("the publisher was never asked")
	}
	close(release)
	c.SetWriteDeadline(time.Time{})
	if _, err := c.Write(data[written:]); err != nil {
		t.Fatal(err)
	}
	c.CloseWrite()
	recs := pub.WaitRecords(t, n)
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	// In order, each once.
	for i, r := range recs {
		if want := fmt.Sprintf("<13>message %07d", i); r != want {
			t.Fatalf("record %d is %q, want %q", i, r, want)
		}
	}
	if rep.Last() != nil {
		t.Errorf("back-pressure reported as an error: %v", rep.Last())
	}
}

func TestUDPDropsUnderBackpressure(t *testing.T) {
	pub := &sourcetest.Publisher{}
	pub.Reject(func(p *sources.Payload) error { return sources.ErrBackpressure })
	rep := &sourcetest.Reporter{}
	src := start(t, Settings{UDP: "127.0.0.1:0"}, pub, rep, func(s *Source) { s.udpQueue, s.batchRecords, s.drainTimeout = 1, 1, 100*time.Millisecond })
	u := dial(t, "udp", src.Addr("udp"))
	for i := 0; testutil.ToFloat64(src.m.dropped) == 0; i++ {
		if i > 100_000 {
			t.Fatal("nothing dropped after 100000 datagrams")
		}
		fmt.Fprintf(u, "<13>datagram %d", i)
	}
	if err := rep.Last(); err == nil || !strings.Contains(err.Error(), "dropped") {
		t.Fatalf("status error %v, want one about dropped messages", err)
	}
}

func TestShutdownDrains(t *testing.T) {
	pub := &sourcetest.Publisher{}
	raw, _ := json.Marshal(Settings{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0"})
	src, err := New(sources.Config{ID: "drain", Label: "drain", Type: Kind, Settings: raw}, sources.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	src.flushInterval = time.Hour // nothing is flushed before the shutdown
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, pub, nil) }()
	<-src.Listening()
	fmt.Fprint(dial(t, "udp", src.Addr("udp")), "<13>udp")
	c := dial(t, "tcp", src.Addr("tcp"))
	fmt.Fprint(c, "<13>tcp one\n<13>tcp two\n")
	sourcetest.Eventually(t, "3 messages read", func() bool {
		return testutil.ToFloat64(src.m.messages["udp"])+testutil.ToFloat64(src.m.messages["tcp"]) == 3
	})
	if recs := pub.Records(); len(recs) != 0 {
		t.Fatalf("published before the shutdown: %q", recs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs := pub.Records()
	slices.Sort(recs)
	if !slices.Equal(recs, []string{"<13>tcp one", "<13>tcp two", "<13>udp"}) {
		t.Fatalf("records after shutdown %q", recs)
	}
	// The listeners are closed.
	if c, err := net.Dial("tcp", src.Addr("tcp").String()); err == nil {
		c.Close()
		t.Fatal("the TCP listener still accepts after Run returned")
	}
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	raw, _ := json.Marshal(Settings{TCP: ln.Addr().String()})
	src, err := New(sources.Config{ID: "x", Label: "busy", Type: Kind, Settings: raw}, sources.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	rep := &sourcetest.Reporter{}
	err = src.Run(context.Background(), &sourcetest.Publisher{}, rep)
	if err == nil || !strings.Contains(err.Error(), "listen tcp "+ln.Addr().String()) || rep.Last() == nil {
		t.Fatalf("Run: %v (reported %v), want a listen error", err, rep.Last())
	}
}

func TestValidate(t *testing.T) {
	c := testCerts(t)
	certFile, keyFile := c.certFile, c.keyFile
	tests := []struct{ in, want, err string }{
		{in: `{"udp":"0.0.0.0:514"}`, want: `{"udp":"0.0.0.0:514"}`},
		{in: `{"tcp":":6514","max_message_bytes":8192,"idle_timeout":"1m"}`, want: `{"tcp":":6514","max_message_bytes":8192,"idle_timeout":"1m0s"}`},
		{in: fmt.Sprintf(`{"tls":"127.0.0.1:6514","tls_cert":%q,"tls_key":%q}`, certFile, keyFile), want: fmt.Sprintf(`{"tls":"127.0.0.1:6514","tls_cert":%q,"tls_key":%q}`, certFile, keyFile)},
		{in: `{}`, err: "udp, tcp, tls: at least one listen address is required"},
		{in: `{"udp":":514","tls_client_ca":"ca.pem"}`, err: "tls: required with tls_client_ca"},
		{in: fmt.Sprintf(`{"tls":":6514","tls_cert":%q,"tls_key":%q,"tls_client_ca":%q}`, certFile, keyFile, keyFile), err: fmt.Sprintf("tls_client_ca: %s holds no PEM certificate", keyFile)},
		{in: `{"udp":"514"}`, err: `udp: "514" is not a host:port address`},
		{in: `{"tcp":"h:99999"}`, err: `tcp: "h:99999": port "99999" is not a number from 0 to 65535`},
		{in: `{"tcp":":1","tls":":1","tls_cert":"c","tls_key":"k"}`, err: "tls: :1 is also the tcp address\ntls_cert, tls_key: open c: no such file or directory"},
		{in: `{"tls":":6514"}`, err: "tls_cert, tls_key: both are required with tls"},
		{in: `{"udp":":514","tls_cert":"c"}`, err: "tls: required with tls_cert and tls_key"},
		{in: `{"udp":":514","max_message_bytes":100}`, err: "max_message_bytes: 100 is outside 480..16777216"},
		{in: `{"udp":":514","idle_timeout":"10ms"}`, err: "idle_timeout: 10ms is below 1s"},
		{in: `{"udp":":514","max_connections":-1}`, err: "max_connections: -1 is negative"},
		{in: `{"udp":":514","tpc":":1"}`, err: `unknown setting "tpc"`},
	}
	for _, tc := range tests {
		got, err := Validate(json.RawMessage(tc.in))
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err == "" && string(got) != tc.want:
			t.Errorf("%s: normalized to %s, want %s", tc.in, got, tc.want)
		}
	}
	if k, ok := sources.Lookup(Kind); !ok || k.New == nil {
		t.Fatal("the syslog kind is not registered")
	}
}
