package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// Transports, as in metric labels and payload names.
const (
	transportUDP = "udp"
	transportTCP = "tcp"
	transportTLS = "tls"
)

// Tuning of a Source; the defaults suit a server, tests lower them.
const (
	defaultFlushInterval    = 100 * time.Millisecond
	defaultBatchRecords     = 2000
	defaultBatchBytes       = 1 << 20
	defaultHandshakeTimeout = 10 * time.Second
	defaultDrainTimeout     = 5 * time.Second
	defaultUDPQueue         = 16
	// udpReadBuffer is the socket receive buffer asked for, to ride out short stalls.
	udpReadBuffer = 4 << 20
)

// Source is a running syslog source; New builds it, Run serves it.
type Source struct {
	id, label string
	set       Settings
	tls       *tls.Config
	log       *slog.Logger
	m         *sourceMetrics
	now       func() time.Time

	flushInterval    time.Duration
	batchRecords     int
	batchBytes       int
	handshakeTimeout time.Duration
	drainTimeout     time.Duration
	udpQueue         int

	mu        sync.Mutex
	addrs     map[string]net.Addr
	listening chan struct{}
}

var _ sources.Source = (*Source)(nil)

func newSource(c sources.Config, deps sources.Deps) (sources.Source, error) {
	return New(c, deps)
}

// New builds the source of c; its settings must be valid (Validate).
func New(c sources.Config, deps sources.Deps) (*Source, error) {
	set, err := parseSettings(c.Settings)
	if err != nil {
		return nil, fmt.Errorf("syslog source %q: %w", c.Label, err)
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{
		id: c.ID, label: c.Label, set: set,
		log:              log.With("source", c.Label, "source_id", c.ID, "kind", Kind),
		m:                newSourceMetrics(c.Label),
		now:              time.Now,
		flushInterval:    defaultFlushInterval,
		batchRecords:     defaultBatchRecords,
		batchBytes:       defaultBatchBytes,
		handshakeTimeout: defaultHandshakeTimeout,
		drainTimeout:     defaultDrainTimeout,
		udpQueue:         defaultUDPQueue,
		addrs:            map[string]net.Addr{},
		listening:        make(chan struct{}),
	}
	if set.TLS != "" {
		cert, err := tls.LoadX509KeyPair(set.TLSCert, set.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("syslog source %q: tls_cert, tls_key: %w", c.Label, err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if set.TLSClientCA != "" {
			pool, err := loadPool(set.TLSClientCA)
			if err != nil {
				return nil, fmt.Errorf("syslog source %q: tls_client_ca: %w", c.Label, err)
			}
			s.tls.ClientCAs, s.tls.ClientAuth = pool, tls.RequireAndVerifyClientCert
		}
	}
	return s, nil
}

// Listening is closed once Run has opened every listener (or failed to).
func (s *Source) Listening() <-chan struct{} { return s.listening }

// Addr returns the address the listener of a transport ("udp", "tcp", "tls") is bound to,
// nil before Run opened it or when the transport is not configured.
func (s *Source) Addr(transport string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[transport]
}

// Run opens the listeners and serves them until ctx is cancelled. Then it closes the
// listeners, stops reading, publishes what was read (for at most a few seconds) and returns
// once every goroutine is done. A listener that cannot be opened is an error.
func (s *Source) Run(ctx context.Context, pub sources.Publisher, rep sources.Reporter) error {
	h := sources.NewHealth(rep, s.now)
	type listener struct {
		net.Listener
		transport string
	}
	var (
		lns []listener
		udp *net.UDPConn
	)
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
		if udp != nil {
			udp.Close()
		}
	}
	fail := func(err error) error {
		closeAll()
		close(s.listening)
		h.Fail(err)
		return err
	}
	var lc net.ListenConfig
	if s.set.UDP != "" {
		pc, err := lc.ListenPacket(ctx, "udp", s.set.UDP)
		if err != nil {
			return fail(fmt.Errorf("syslog: listen udp %s: %w", s.set.UDP, err))
		}
		udp = pc.(*net.UDPConn)
		_ = udp.SetReadBuffer(udpReadBuffer)
		s.setAddr(transportUDP, udp.LocalAddr())
	}
	for _, l := range []struct{ transport, addr string }{{transportTCP, s.set.TCP}, {transportTLS, s.set.TLS}} {
		if l.addr == "" {
			continue
		}
		ln, err := lc.Listen(ctx, "tcp", l.addr)
		if err != nil {
			return fail(fmt.Errorf("syslog: listen %s %s: %w", l.transport, l.addr, err))
		}
		lns = append(lns, listener{ln, l.transport})
		s.setAddr(l.transport, ln.Addr())
	}
	close(s.listening)
	if l, ok := pub.(interface{ MaxPayload() int }); ok && l.MaxPayload() > 0 {
		// Keep batches well within the queue's payload limit.
		s.batchBytes = max(1, min(s.batchBytes, l.MaxPayload()/2-s.set.maxMessage()))
	}
	s.log.Info("syslog source listening", "udp", s.Addr(transportUDP), "tcp", s.Addr(transportTCP), "tls", s.Addr(transportTLS))

	// Publishing goes on for drainTimeout after ctx is done, so that what was read is
	// published; the connections stop reading at once.
	pctx, stopPub := graceContext(ctx, s.drainTimeout)
	defer stopPub()
	var wg sync.WaitGroup
	if udp != nil {
		wg.Go(func() { s.serveUDP(ctx, pctx, udp, pub, h) })
	}
	for _, ln := range lns {
		wg.Go(func() { s.serveTCP(ctx, pctx, ln, ln.transport, pub, h, &wg) })
	}
	<-ctx.Done()
	closeAll()
	wg.Wait()
	return nil
}

func (s *Source) setAddr(transport string, a net.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addrs[transport] = a
}

// graceContext returns a context that ends grace after ctx ends.
func graceContext(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var (
		mu    sync.Mutex
		timer *time.Timer
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(grace, cancel)
	})
	return gctx, func() {
		stop()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

// serveTCP accepts connections on ln until it is closed. Connection goroutines are added to
// wg, which Run waits for.
func (s *Source) serveTCP(ctx, pctx context.Context, ln net.Listener, transport string, pub sources.Publisher, h *sources.Health, wg *sync.WaitGroup) {
	slots := make(chan struct{}, s.set.maxConnections())
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait a little and go on.
			s.log.Warn("syslog accept failed", "transport", transport, "error", err)
			h.Fail(fmt.Errorf("syslog: accept %s: %w", transport, err))
			if !sources.Sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		select {
		case slots <- struct{}{}:
		default:
			s.m.refused.Inc()
			s.log.Debug("syslog connection refused: too many connections", "peer", c.RemoteAddr().String(), "max_connections", cap(slots))
			c.Close()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			s.serveConn(ctx, pctx, c, transport, pub, h)
		})
	}
}

// aLongTimeAgo is a read deadline in the past: it wakes up a blocked read at once.
var aLongTimeAgo = time.Unix(1, 0)

// serveConn reads one TCP (or TLS) connection until it ends, it is idle too long, or ctx is
// done, publishing its messages in batches.
func (s *Source) serveConn(ctx, pctx context.Context, c net.Conn, transport string, pub sources.Publisher, h *sources.Health) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(aLongTimeAgo) })
	defer stop()
	peer := c.RemoteAddr().String()
	gauge := s.m.conns[transport]
	gauge.Inc()
	defer gauge.Dec()

	var conn net.Conn = c
	if transport == transportTLS {
		tc := tls.Server(c, s.tls)
		hctx, cancel := context.WithTimeout(ctx, s.handshakeTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				s.m.handshake.Inc()
				s.log.Debug("syslog TLS handshake failed", "peer", peer, "error", err)
			}
			return
		}
		conn = tc
	}
	fr := NewFramer(conn, s.set.maxMessage())
	b := newBatch(transport, peer)
	counter := s.m.messages[transport]
	idle := s.set.idleTimeout()
	for {
		deadline := s.now().Add(idle)
		if b.len() > 0 {
			deadline = b.first.Add(s.flushInterval)
		}
		c.SetReadDeadline(deadline)
		if ctx.Err() != nil {
			// The wake-up may have come before this deadline replaced it.
			s.flush(pctx, b, pub, h)
			return
		}
		m, err := fr.Next()
		if err == nil {
			s.account(m, counter)
			b.add(m, s.now())
			if b.len() >= s.batchRecords || len(b.buf) >= s.batchBytes {
				if !s.flush(pctx, b, pub, h) {
					return
				}
			}
			continue
		}
		switch {
		case ctx.Err() != nil:
			s.flush(pctx, b, pub, h)
			return
		case isTimeout(err) && b.len() > 0:
			if !s.flush(pctx, b, pub, h) {
				return
			}
		case isTimeout(err):
			s.m.idle.Inc()
			s.log.Debug("syslog connection closed: idle", "peer", peer, "idle_timeout", idle, "pending_bytes", fr.Buffered())
			return
		case err == io.EOF:
			s.flush(pctx, b, pub, h)
			return
		default:
			s.m.readErrors.Inc()
			s.log.Debug("syslog connection read failed", "peer", peer, "error", err)
			s.flush(pctx, b, pub, h)
			return
		}
	}
}

// account counts a message in the metrics.
func (s *Source) account(m Message, counter interface{ Inc() }) {
	counter.Inc()
	if m.Cut {
		s.m.cut.Inc()
	}
	if m.BadFrame {
		s.m.badFrames.Inc()
	}
}

// flush publishes the batch, retrying while the queue pushes back (the connection does not
// read meanwhile). It reports false when the batch could not be published before pctx ended:
// its messages are lost and counted as dropped.
func (s *Source) flush(pctx context.Context, b *batch, pub sources.Publisher, h *sources.Health) bool {
	if b.len() == 0 {
		return true
	}
	n := b.len()
	p := b.take(s.id)
	if err := s.publish(pctx, p, pub, h); err != nil {
		s.m.dropped.Add(float64(n))
		s.log.Warn("syslog messages lost at shutdown: the queue did not take them", "messages", n, "origin", p.Origin, "error", err)
		return false
	}
	return true
}

// publish publishes p, retrying with backoff while the queue pushes back or fails, until
// pctx ends.
func (s *Source) publish(pctx context.Context, p *sources.Payload, pub sources.Publisher, h *sources.Health) error {
	backoff := 20 * time.Millisecond
	for {
		err := pub.Publish(pctx, p)
		if err == nil {
			h.OK()
			return nil
		}
		if pctx.Err() != nil {
			return err
		}
		if !errors.Is(err, sources.ErrBackpressure) {
			s.log.Warn("syslog publish failed; retrying", "origin", p.Origin, "error", err)
			h.Fail(fmt.Errorf("syslog: publish: %w", err))
		}
		if !sources.Sleep(pctx, backoff) {
			return err
		}
		backoff = min(2*backoff, time.Second)
	}
}

// serveUDP reads datagrams, one message each, until ctx is done. Batches (one per sender)
// go to a publishing goroutine through a bounded queue; when it is full, because the queue
// pushes back, the batch is dropped and counted.
func (s *Source) serveUDP(ctx, pctx context.Context, pc *net.UDPConn, pub sources.Publisher, h *sources.Health) {
	stop := context.AfterFunc(ctx, func() { pc.SetReadDeadline(aLongTimeAgo) })
	defer stop()
	out := make(chan *sources.Payload, s.udpQueue)
	var wg sync.WaitGroup
	wg.Go(func() {
		for p := range out {
			if err := s.publish(pctx, p, pub, h); err != nil {
				s.m.dropped.Add(float64(len(p.Records)))
				s.log.Warn("syslog messages lost at shutdown: the queue did not take them", "messages", len(p.Records), "origin", p.Origin, "error", err)
			}
		}
	})
	defer wg.Wait()
	defer close(out)

	batches := map[string]*batch{}
	pending := 0 // bytes in batches
	send := func(key string, b *batch, wait bool) {
		n := b.len()
		pending -= len(b.buf)
		p := b.take(s.id)
		delete(batches, key)
		if wait {
			select {
			case out <- p:
			case <-pctx.Done():
				s.m.dropped.Add(float64(n))
			}
			return
		}
		select {
		case out <- p:
		default:
			if h.Fail(fmt.Errorf("syslog: dropped %d UDP messages from %s: the queue is over its limit", n, b.origin)) {
				// Logged once per spell of drops; the metric counts them all.
				s.log.Warn("syslog UDP messages dropped: the queue is over its limit", "messages", n, "origin", b.origin)
			}
			s.m.dropped.Add(float64(n))
		}
	}
	flushDue := func(all bool) {
		now := s.now()
		for key, b := range batches {
			if all || !now.Before(b.first.Add(s.flushInterval)) {
				send(key, b, false)
			}
		}
	}
	buf := make([]byte, 64<<10)
	max := s.set.maxMessage()
	counter := s.m.messages[transportUDP]
	for {
		var deadline time.Time
		for _, b := range batches {
			if d := b.first.Add(s.flushInterval); deadline.IsZero() || d.Before(deadline) {
				deadline = d
			}
		}
		pc.SetReadDeadline(deadline)
		if ctx.Err() != nil {
			break
		}
		n, addr, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				break
			}
			if isTimeout(err) {
				flushDue(false)
				continue
			}
			s.log.Debug("syslog UDP read failed", "error", err)
			continue
		}
		data := trimEOL(buf[:n])
		for len(data) > 0 && data[len(data)-1] == 0 {
			data = data[:len(data)-1]
		}
		if len(data) == 0 {
			continue
		}
		m := Message{Data: data, Size: int64(len(data))}
		if len(data) > max {
			m.Data, m.Cut = data[:max], true
		}
		s.account(m, counter)
		key := addr.String()
		b := batches[key]
		if b == nil {
			b = newBatch(transportUDP, key)
			batches[key] = b
		}
		b.add(m, s.now())
		pending += len(m.Data)
		if b.len() >= s.batchRecords || len(b.buf) >= s.batchBytes {
			send(key, b, false)
		}
		if pending >= 4*s.batchBytes {
			flushDue(true)
		}
	}
	for key, b := range batches {
		send(key, b, true)
	}
}
